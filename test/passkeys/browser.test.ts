import { expect } from 'chai';
import type { BrowserContext, Page } from 'playwright-core';
import { chromium, virtualAuthenticator } from '../support/chromium.js';
import { type PasskeyApp, startPasskeyApp } from '../support/passkey-app.js';

describe('passkeys in a real browser (Chromium, DevTools virtual authenticator)', function () {
  this.timeout(60_000);
  let app: PasskeyApp;
  let context: BrowserContext | undefined;
  before(async () => {
    app = await startPasskeyApp();
  });
  after(async () => {
    await context?.close();
    await app?.close();
  });

  /** Clicks a button of the test page and waits for its outcome in `#out`. */
  async function click(page: Page, id: string): Promise<string> {
    await page.evaluate("document.getElementById('out').textContent = ''");
    await page.click(`#${id}`);
    const out = page.locator('#out');
    await out.filter({ hasText: /^(ok|error) / }).waitFor({ timeout: 15_000 });
    return (await out.textContent()) ?? '';
  }

  async function me(page: Page): Promise<number> {
    return page.evaluate(async () => (await fetch('/auth/me')).status);
  }

  it('registers a passkey, signs out, signs in with it, and ends signed in', async function () {
    const browser = await chromium(this);
    const started = Date.now();
    context = await browser.newContext();
    const page = await context.newPage();
    const { cdp, authenticatorId } = await virtualAuthenticator(context, page);

    await page.goto(`${app.url}/`);
    expect(await page.evaluate('typeof window.Portcullis.signInWithPasskey')).to.equal('function');
    // Signed in by another method first (the test route stands in for it).
    const signedIn = await page.evaluate(
      async (id) => (await fetch(`/test/login/${id}`, { method: 'POST' })).status,
      app.alice.id,
    );
    expect(signedIn).to.equal(200);

    const registered = await click(page, 'register');
    expect(registered).to.match(/^ok /);
    const passkey = JSON.parse(registered.slice(3));
    expect(passkey).to.include({ name: 'Test laptop', deviceType: 'singleDevice' });
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).to.have.length(1);
    expect(credentials[0]!.isResidentCredential).to.equal(true);
    expect(credentials[0]!.rpId).to.equal('localhost');
    expect(Buffer.from(credentials[0]!.credentialId, 'base64').toString('base64url')).to.equal(
      passkey.id,
    );

    expect(await click(page, 'signout')).to.equal('ok {"ok":true}');
    expect(await me(page)).to.equal(401);

    const signedBackIn = await click(page, 'signin');
    expect(signedBackIn).to.match(/^ok /);
    expect(JSON.parse(signedBackIn.slice(3))).to.deep.equal({
      id: app.alice.id,
      email: 'alice@example.com',
    });
    expect(await me(page)).to.equal(200);
    const stored = await app.users.findPasskey(passkey.id);
    expect(stored!.userId).to.equal(app.alice.id);
    expect(stored!.lastUsedAt).to.be.a('string');
    expect(app.events.filter((e) => e.type === 'login').map((e) => e.method)).to.deep.equal([
      'session',
      'passkey',
    ]);
    console.log(`      (browser ceremony: ${Date.now() - started} ms)`);
  });
});
