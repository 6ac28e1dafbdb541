import { expect } from 'chai';
import { Browser } from '../support/browser.js';
import { type FaultApp, post, startFaultApp, whoami } from '../support/faults.js';

/**
 * Issue 15, items 2 and 4: mailed secrets die with the credentials (a reset link after a newer
 * one, a password change or reset, a sign-out everywhere; likewise magic links, email codes and
 * verification links), and magic-link login CSRF (a link someone else asked for signs this
 * browser in only as a visible account switch, and never merges or upgrades its guest).
 */
describe('security: mailed links and codes (issue 15)', function () {
  this.timeout(20000);
  let app: FaultApp;
  const password = 'the owner passphrase is long 1';
  const owner = 'owner@example.com';

  beforeEach(async () => {
    app = await startFaultApp();
  });
  afterEach(() => app?.close());

  const mailsTo = (to: string): number => app.mailer.sent.filter((m) => m.to === to).length;
  /** The newest mail to `to` past the first `after`, once sent (mail may leave after the answer). */
  async function mail(to: string, after: number): Promise<string> {
    for (let i = 0; i < 200; i++) {
      const sent = app.mailer.sent.filter((m) => m.to === to);
      if (sent.length > after) return sent.at(-1)!.text;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no mail to ${to}`);
  }
  const tokenIn = (text: string): string => /token=([A-Za-z0-9_-]{43})/.exec(text)![1]!;

  async function ask(browser: Browser, path: string, body: Record<string, unknown>, to = owner) {
    const before = mailsTo(to);
    const res = await post(app, browser, path, body);
    expect(res.status, res.body).to.equal(202);
    return mail(to, before);
  }
  const resetLink = async (b = new Browser()) =>
    tokenIn(await ask(b, '/auth/password/reset/request', { email: owner }));
  const magicLink = async (b = new Browser(), to = owner) =>
    tokenIn(await ask(b, '/auth/magic', { email: to }, to));

  /** The owner's account with a password, signed in in the returned browser. */
  async function ownerSignedIn(): Promise<Browser> {
    const browser = new Browser();
    await app.users.create({ email: owner, emailVerified: true });
    const token = await resetLink(browser);
    const res = await post(app, browser, '/auth/password/reset', { token, password });
    expect(res.status, res.body).to.equal(200);
    return browser;
  }
  function expectRefused(res: { status: number; body: string }, code: string): void {
    expect(res.status, res.body).to.equal(400);
    expect(JSON.parse(res.body).error.code).to.equal(code);
  }
  const useReset = (token: string, pw = 'a brand new passphrase 2') =>
    post(app, new Browser(), '/auth/password/reset', { token, password: pw });

  describe('item 2: every outstanding link and code dies with the credentials', () => {
    it('a newer reset link voids older ones (page and POST)', async () => {
      await ownerSignedIn();
      const first = await resetLink();
      const second = await resetLink();
      const page = await new Browser().request(`${app.url}/auth/password/reset?token=${first}`);
      expect(page.status).to.equal(400);
      expectRefused(await useReset(first), 'link_invalid');
      expect((await useReset(second)).status).to.equal(200);
    });

    it('a reset link dies with a password change', async () => {
      const browser = await ownerSignedIn();
      const token = await resetLink();
      const changed = await post(app, browser, '/auth/password/change', {
        currentPassword: password,
        newPassword: 'changed passphrase is long 3',
      });
      expect(changed.status, changed.body).to.equal(200);
      expectRefused(await useReset(token), 'link_invalid');
    });

    it('a reset link dies with sign-out everywhere', async () => {
      const browser = await ownerSignedIn();
      const token = await resetLink();
      expect((await post(app, browser, '/auth/logout', { everywhere: true })).status).to.equal(200);
      expectRefused(await useReset(token), 'link_invalid');
    });

    it('a magic link dies with sign-out everywhere', async () => {
      const browser = await ownerSignedIn();
      const token = await magicLink();
      expect((await post(app, browser, '/auth/logout', { everywhere: true })).status).to.equal(200);
      const page = await new Browser().request(`${app.url}/auth/magic/callback?token=${token}`);
      expect(page.status).to.equal(200); // the page is a read; the POST refuses
      expectRefused(
        await post(app, new Browser(), '/auth/magic/callback', { token }),
        'link_invalid',
      );
    });

    it('a magic link dies with a password reset', async () => {
      await ownerSignedIn();
      const token = await magicLink();
      expect((await useReset(await resetLink())).status).to.equal(200);
      expectRefused(
        await post(app, new Browser(), '/auth/magic/callback', { token }),
        'link_invalid',
      );
    });

    it('an email code dies with a password change', async () => {
      const browser = await ownerSignedIn();
      const asking = new Browser();
      const code = /\b(\d{6})\b/.exec(await ask(asking, '/auth/otp', { email: owner }))![1]!;
      await post(app, browser, '/auth/password/change', {
        currentPassword: password,
        newPassword: 'changed passphrase is long 3',
      });
      expectRefused(
        await post(app, asking, '/auth/otp/verify', { email: owner, code }),
        'code_invalid',
      );
    });

    it('a verification link dies with sign-out everywhere', async () => {
      const browser = new Browser();
      const text = await ask(browser, '/auth/password/register', { email: owner, password });
      expect((await post(app, browser, '/auth/logout', { everywhere: true })).status).to.equal(200);
      const token = tokenIn(text);
      const page = await new Browser().request(`${app.url}/auth/email/verify?token=${token}`);
      expect(page.status).to.equal(400);
      expectRefused(await post(app, browser, '/auth/email/verify', { token }), 'link_invalid');
      expect((await app.users.findByEmail(owner))?.emailVerified).to.equal(false);
    });

    it('control: links asked for after the sign-out everywhere work', async () => {
      const browser = await ownerSignedIn();
      expect((await post(app, browser, '/auth/logout', { everywhere: true })).status).to.equal(200);
      const token = await magicLink();
      expect((await post(app, new Browser(), '/auth/magic/callback', { token })).status).to.equal(
        200,
      );
      expect((await useReset(await resetLink())).status).to.equal(200);
    });
  });

  describe('item 4: magic-link login CSRF', () => {
    const attacker = 'mallory@example.com';

    async function victimGuest(): Promise<{ browser: Browser; id: string }> {
      const browser = new Browser();
      const res = await post(app, browser, '/auth/anonymous', {});
      return { browser, id: (JSON.parse(res.body) as { user: { id: string } }).user.id };
    }

    it('the confirm page names the address, and says it switches accounts in a browser that did not ask', async () => {
      await app.users.create({ email: attacker, emailVerified: true });
      const token = await magicLink(new Browser(), attacker);
      const victim = await victimGuest();
      const page = await victim.browser.request(`${app.url}/auth/magic/callback?token=${token}`);
      expect(page.status).to.equal(200);
      expect(page.body).to.contain('Sign in as mallory@example.com');
      expect(page.body).to.contain('signed in as a guest');
      expect(page.body).to.contain('Switch to mallory@example.com');
    });

    it("a link asked for elsewhere signs in without merging this browser's guest", async () => {
      const account = await app.users.create({ email: attacker, emailVerified: true });
      const merged: string[] = [];
      app.auth.on('guest_merged', (e) => merged.push(e.guestId));
      const token = await magicLink(new Browser(), attacker);
      const victim = await victimGuest();
      const res = await post(app, victim.browser, '/auth/magic/callback', { token });
      expect(res.status, res.body).to.equal(200);
      expect((await whoami(app, victim.browser))?.id).to.equal(account.id);
      expect(merged).to.deep.equal([]);
      expect(await app.users.findById(victim.id)).to.include({ anonymous: true });
    });

    it("a link for a new address asked for elsewhere never upgrades this browser's guest", async () => {
      const token = await magicLink(new Browser(), 'fresh-mallory@example.com');
      const victim = await victimGuest();
      const res = await post(app, victim.browser, '/auth/magic/callback', { token });
      expect(res.status, res.body).to.equal(200);
      const me = await whoami(app, victim.browser);
      expect(me?.email).to.equal('fresh-mallory@example.com');
      expect(me?.id).to.not.equal(victim.id);
      expect(await app.users.findById(victim.id)).to.include({ anonymous: true });
    });

    it("a reset link asked for elsewhere signs in without merging this browser's guest", async () => {
      await app.users.create({ email: owner, emailVerified: true });
      const merged: string[] = [];
      app.auth.on('guest_merged', (e) => merged.push(e.guestId));
      const token = await resetLink(new Browser());
      const victim = await victimGuest();
      const res = await post(app, victim.browser, '/auth/password/reset', {
        token,
        password: 'a brand new passphrase 2',
      });
      expect(res.status, res.body).to.equal(200);
      expect(merged).to.deep.equal([]);
      expect(await app.users.findById(victim.id)).to.include({ anonymous: true });
    });

    it('control: the browser that asked merges its guest, and its page asks no switch', async () => {
      const account = await app.users.create({ email: owner, emailVerified: true });
      const merged: string[] = [];
      app.auth.on('guest_merged', (e) => merged.push(e.guestId));
      const me = await victimGuest();
      const token = await magicLink(me.browser, owner);
      const page = await me.browser.request(`${app.url}/auth/magic/callback?token=${token}`);
      expect(page.body).to.contain('Sign in as owner@example.com');
      expect(page.body).to.not.contain('Switch to');
      expect((await post(app, me.browser, '/auth/magic/callback', { token })).status).to.equal(200);
      expect(merged).to.deep.equal([me.id]);
      expect((await whoami(app, me.browser))?.id).to.equal(account.id);
    });
  });
});
