import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { createDemoApp, type DemoApp } from '../../demo/app.js';
import { chromium, virtualAuthenticator } from '../support/chromium.js';
import { SECRET } from './support.js';

/** Where the walk's screenshots go: `test-output/demo/NN-name.png` at the repository's root. */
const SHOTS = fileURLToPath(new URL('../../../test-output/demo/', import.meta.url));
const PASSWORD = 'a long and unusual passphrase';

describe('the demo in a browser (headless Chromium): a new user walks through it', function () {
  this.timeout(30_000);
  let server: Server;
  let demo: DemoApp;
  let dataDir: string;
  let url: string;
  let context: BrowserContext;
  let page: Page;
  let shots = 0;

  before(async function () {
    const browser = await chromium(this);
    dataDir = mkdtempSync(join(tmpdir(), 'portcullis-demo-browser-'));
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://localhost:${(server.address() as { port: number }).port}`;
    demo = await createDemoApp({
      secret: SECRET,
      baseUrl: url,
      dataDir,
      outbox: true,
      redirectToBaseUrl: true,
      logger: { warn: () => {}, error: () => {} },
    });
    server.on('request', demo.app.callback());
    context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  });
  after(async () => {
    await context?.close();
    server?.closeAllConnections();
    server?.close();
    await demo?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** Saves a full-page screenshot as `NN-name.png`. */
  async function shot(name: string, of: Page = page): Promise<void> {
    shots += 1;
    await of.screenshot({
      path: join(SHOTS, `${String(shots).padStart(2, '0')}-${name}.png`),
      fullPage: true,
    });
  }

  async function h1(of: Page = page): Promise<string> {
    return (await of.locator('h1').first().textContent()) ?? '';
  }

  /** The newest mail to `to` on the outbox page, opened in a tab of its own. */
  async function newestMail(to: string): Promise<{ tab: Page; mail: ReturnType<Page['locator']> }> {
    const tab = await context.newPage();
    await tab.goto(`${url}/dev/outbox`);
    return { tab, mail: tab.locator(`article.mail[data-to="${to}"]`).first() };
  }

  async function signOut(): Promise<void> {
    await page.locator('header').getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${url}/`);
    expect(await page.textContent('main')).to.include('You are not signed in');
  }

  it('shows the home page', async () => {
    await page.goto(`${url}/`);
    expect(await h1()).to.equal('Authentication for Koa');
    expect(await page.textContent('main')).to.include('You are not signed in');
    await shot('home');
  });

  it('registers with an email and a password, and confirms the address from the outbox', async () => {
    await page.getByRole('link', { name: 'Register' }).first().click();
    await page.getByLabel('Email').fill('ada@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await shot('register');
    await page.getByRole('button', { name: 'Create my account' }).click();
    expect(await h1()).to.equal('Check your mail');
    await shot('check-your-mail');
    await page.goto(`${url}/dev/outbox`);
    const mail = page.locator('article.mail[data-to="ada@example.com"]').first();
    expect(await mail.locator('h2').textContent()).to.include('Confirm your email');
    await shot('outbox');
    await mail.locator('a[href*="/auth/email/verify"]').click();
    await shot('confirm-email');
    await page.getByRole('button', { name: 'Confirm my email' }).click();
    await page.waitForURL(`${url}/login?verified=1`);
    expect(await page.textContent('.notice.ok')).to.include('Your email is confirmed');
  });

  it('signs in with the password and lands on the dashboard, then signs out', async () => {
    const form = page.locator('#password form').first();
    await form.getByLabel('Email').fill('ada@example.com');
    await form.getByLabel('Password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${url}/dashboard`);
    expect(await h1()).to.equal('Dashboard');
    expect(await page.textContent('main')).to.include('ada@example.com');
    await shot('dashboard');
    await signOut();
  });

  it('signs in with a magic link read from the outbox page', async () => {
    await page.goto(`${url}/login`);
    await shot('sign-in');
    await page.locator('#magic-link').getByLabel('Email').fill('ada@example.com');
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await page.waitForURL(`${url}/login?sent=link`);
    expect(await page.textContent('.notice.info')).to.include('We mailed you a sign-in link');
    const { tab, mail } = await newestMail('ada@example.com');
    const link = await mail.locator('a[href*="/auth/magic/callback"]').getAttribute('href');
    await tab.close();
    await page.goto(link!);
    await shot('magic-link-confirm');
    await page.getByRole('button', { name: 'Continue signing in' }).click();
    await page.waitForURL(`${url}/dashboard`);
    expect(await page.textContent('main')).to.include('ada@example.com');
    await signOut();
  });

  it('says a magic link asked for in another browser switches accounts (login CSRF)', async () => {
    await page.goto(`${url}/login`);
    const form = page.locator('#password form').first();
    await form.getByLabel('Email').fill('ada@example.com');
    await form.getByLabel('Password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${url}/dashboard`);
    const other = await context.browser()!.newContext();
    try {
      const asker = await other.newPage();
      await asker.goto(`${url}/login`);
      await asker.locator('#magic-link').getByLabel('Email').fill('mallory@example.com');
      await asker.getByRole('button', { name: 'Email me a sign-in link' }).click();
      await asker.waitForURL(`${url}/login?sent=link`);
    } finally {
      await other.close();
    }
    const { tab, mail } = await newestMail('mallory@example.com');
    const link = await mail.locator('a[href*="/auth/magic/callback"]').getAttribute('href');
    await tab.close();
    await page.goto(link!);
    expect(await h1()).to.equal('Sign in as mallory@example.com');
    expect(await page.textContent('[role=alert]')).to.include(
      'This browser is signed in as ada@example.com',
    );
    await shot('magic-link-switch');
    await page.getByRole('button', { name: 'Switch to mallory@example.com' }).click();
    await page.waitForURL(`${url}/dashboard`);
    expect(await page.textContent('main')).to.include('mallory@example.com');
    await signOut();
  });

  it('signs in with an email code', async () => {
    await page.goto(`${url}/login`);
    await page.locator('#email-code').getByLabel('Email').fill('ada@example.com');
    await page.getByRole('button', { name: 'Email me a code' }).click();
    expect(await h1()).to.equal('Enter your code');
    const { tab, mail } = await newestMail('ada@example.com');
    const code = (await mail.locator('.code').first().textContent())!;
    await tab.close();
    expect(code).to.match(/^\d{6}$/);
    await page.getByLabel('Code').fill(code);
    await shot('email-code');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${url}/dashboard`);
    expect(await page.textContent('main')).to.include('ada@example.com');
    await signOut();
  });

  it('signs in with Demo ID, which links to the same account', async () => {
    await page.goto(`${url}/login`);
    await page.getByRole('link', { name: 'Sign in with Demo ID' }).click();
    await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/interaction\//);
    expect(await h1()).to.equal('Demo ID');
    await shot('demo-id');
    await page.getByRole('button', { name: /Ada Lovelace/ }).click();
    await page.waitForURL(`${url}/dashboard`);
    expect(await page.textContent('main')).to.include('ada@example.com');
    await page.getByRole('link', { name: 'Account', exact: true }).click();
    expect(await page.textContent('#methods')).to.match(/Demo IDlinked as ada@example\.com/);
  });

  it('adds a passkey, signs out, and signs in with it', async () => {
    await virtualAuthenticator(context, page);
    const add = page.locator('#passkeys form[data-passkey-form]');
    await add.getByLabel('Name').fill('Laptop');
    await add.getByRole('button', { name: 'Add a passkey' }).click();
    await page.locator('#passkeys table input[value="Laptop"]').waitFor();
    expect(await page.textContent('#methods')).to.match(/Passkeys1/);
    await shot('account');
    await signOut();
    await page.goto(`${url}/login`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(`${url}/dashboard`);
    expect(await page.textContent('main')).to.include('ada@example.com');
  });

  it('creates an API token, copies it, calls the API with it, and revokes it', async () => {
    await page.goto(`${url}/account`);
    const tokens = page.locator('#api-tokens');
    await tokens.getByLabel('Label').fill('Walk');
    await tokens.getByRole('button', { name: 'Create an API token' }).click();
    expect(await h1()).to.equal('Your new API token');
    await page.locator('[data-copy="access-token"]').click();
    await page.locator('[data-copy="access-token"]', { hasText: 'Copied' }).waitFor();
    const access = (await page.textContent('#access-token'))!;
    expect(await page.evaluate('navigator.clipboard.readText()')).to.equal(access);
    await shot('api-token');
    const curl = (await page.textContent('#curl-reports'))!;
    const [, header, target] = /^curl -H '([^']+)' (\S+)$/.exec(curl)!;
    const [name, value] = header!.split(': ');
    const reports = await fetch(target!, { headers: { [name!]: value! } });
    expect(reports.status).to.equal(200);
    expect(((await reports.json()) as { owner: string }).owner).to.equal('ada@example.com');
    await page.goto(`${url}/account`);
    await page
      .locator('#api-tokens tr', { hasText: 'Walk' })
      .getByRole('button', { name: 'Revoke' })
      .click();
    await page.waitForURL(`${url}/account?done=token-revoked`);
    expect(await page.textContent('#api-tokens')).to.match(/revoked/);
    const after = await fetch(target!, { headers: { [name!]: value! } });
    expect(after.status).to.equal(401);
  });

  it('revokes the session of another browser', async () => {
    const other = await context.browser()!.newContext();
    try {
      const second = await other.newPage();
      await second.goto(`${url}/login`);
      const form = second.locator('#password form').first();
      await form.getByLabel('Email').fill('ada@example.com');
      await form.getByLabel('Password').fill(PASSWORD);
      await form.getByRole('button', { name: 'Sign in' }).click();
      await second.waitForURL(`${url}/dashboard`);
      await page.goto(`${url}/account#sessions`);
      const rows = page.locator('#sessions tr:has(td)');
      expect(await rows.count()).to.equal(2);
      await shot('sessions');
      await rows
        .filter({ hasNot: page.locator('.badge') })
        .getByRole('button', { name: 'Revoke' })
        .click();
      await page.waitForFunction("document.querySelectorAll('#sessions tr:has(td)').length === 1");
      await second.goto(`${url}/dashboard`);
      await second.waitForURL(`${url}/login?returnTo=%2Fdashboard`);
      expect(await h1(second)).to.equal('Sign in');
      await shot('revoked-session', second);
    } finally {
      await other.close();
    }
    await signOut();
  });

  it('continues as a guest and upgrades to an account with an email code, keeping the id', async () => {
    await page.goto(`${url}/login`);
    await page.getByRole('button', { name: 'Continue as guest' }).click();
    await page.waitForURL(`${url}/dashboard`);
    expect(await page.textContent('main')).to.include('You are browsing as a guest');
    const id = await page.locator('main table code').first().textContent();
    await shot('guest');
    await page.getByLabel('Email').fill('lin@example.com');
    await page.getByRole('button', { name: 'Email me a code' }).click();
    const { tab, mail } = await newestMail('lin@example.com');
    const code = (await mail.locator('.code').first().textContent())!;
    await tab.close();
    await page.getByLabel('Code').fill(code);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${url}/dashboard`);
    expect(await page.textContent('main'))
      .to.include('lin@example.com')
      .and.include('registered');
    expect(await page.locator('main table code').first().textContent()).to.equal(id);
    await shot('guest-upgraded');
    await signOut();
    await shot('signed-out');
  });
});
