import { expect } from 'chai';
import { Browser } from '../support/browser.js';
import { type FaultApp, post, startFaultApp, whoami } from '../support/faults.js';

/**
 * Issue 15, item 1: account pre-hijacking through email sign-in. An attacker registers the
 * victim's address (with a password, or from a guest session) and never verifies it; the
 * victim later proves the mailbox (a magic link, an email code, the unsolicited verification
 * mail, a reset). The attacker's password, sessions and other ways in must not survive that.
 */
describe('security: account pre-hijacking through an unverified registration (issue 15)', function () {
  this.timeout(20000);
  let app: FaultApp;
  const attackerPassword = 'attacker chose this passphrase 1';
  const victim = 'victim@example.com';

  async function start(requireVerifiedEmail: boolean): Promise<void> {
    app = await startFaultApp({
      password: { argon2: { memoryCost: 8192, timeCost: 1, parallelism: 1 }, requireVerifiedEmail },
    });
  }
  afterEach(() => app?.close());

  /** The newest mail's token to `to`, once it has been sent (mail may leave after the answer). */
  async function tokenFor(to: string, after = 0): Promise<string> {
    for (let i = 0; i < 200; i++) {
      const sent = app.mailer.sent.filter((m) => m.to === to);
      if (sent.length > after) return /token=([A-Za-z0-9_-]{43})/.exec(sent.at(-1)!.text)![1]!;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no mail to ${to}`);
  }
  async function codeFor(to: string, after = 0): Promise<string> {
    for (let i = 0; i < 200; i++) {
      const sent = app.mailer.sent.filter((m) => m.to === to);
      if (sent.length > after) return /\b(\d{6})\b/.exec(sent.at(-1)!.text)![1]!;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no mail to ${to}`);
  }
  const mailsTo = (to: string): number => app.mailer.sent.filter((m) => m.to === to).length;

  async function attackerRegisters(): Promise<Browser> {
    const attacker = new Browser();
    const res = await post(app, attacker, '/auth/password/register', {
      email: victim,
      password: attackerPassword,
    });
    expect(res.status, res.body).to.equal(202);
    return attacker;
  }
  async function passwordWorks(pw: string): Promise<boolean> {
    const res = await post(app, new Browser(), '/auth/password/login', {
      email: victim,
      password: pw,
    });
    return res.status === 200;
  }
  async function magicSignIn(browser: Browser, address = victim): Promise<void> {
    const before = mailsTo(address);
    expect((await post(app, browser, '/auth/magic', { email: address })).status).to.equal(202);
    const token = await tokenFor(address, before);
    const res = await post(app, browser, '/auth/magic/callback', { token });
    expect(res.status, res.body).to.equal(200);
  }

  describe('an unverified account registered by someone else (requireVerifiedEmail: false)', () => {
    beforeEach(() => start(false));

    it('a magic link ends the attacker session and voids the attacker password', async () => {
      const attacker = await attackerRegisters();
      const account = await whoami(app, attacker);
      expect(account?.email).to.equal(victim); // signed in, unverified
      const reclaimed: string[] = [];
      app.auth.on('email_reclaimed', (e) => reclaimed.push(e.userId));
      const owner = new Browser();
      await magicSignIn(owner);
      expect((await whoami(app, owner))?.emailVerified).to.equal(true);
      expect(await whoami(app, attacker)).to.equal(undefined);
      expect(await passwordWorks(attackerPassword)).to.equal(false);
      expect(reclaimed).to.deep.equal([account!.id]);
    });

    it('an email code does the same', async () => {
      const attacker = await attackerRegisters();
      const owner = new Browser();
      const before = mailsTo(victim);
      expect((await post(app, owner, '/auth/otp', { email: victim })).status).to.equal(202);
      const code = await codeFor(victim, before);
      const res = await post(app, owner, '/auth/otp/verify', { email: victim, code });
      expect(res.status, res.body).to.equal(200);
      expect(await whoami(app, attacker)).to.equal(undefined);
      expect(await passwordWorks(attackerPassword)).to.equal(false);
    });

    it('the unsolicited verification mail, followed by the owner, does the same', async () => {
      const attacker = await attackerRegisters();
      const token = await tokenFor(victim);
      const res = await post(app, new Browser(), '/auth/email/verify', { token });
      expect(res.status, res.body).to.equal(200);
      expect(await whoami(app, attacker)).to.equal(undefined);
      expect(await passwordWorks(attackerPassword)).to.equal(false);
      expect((await app.users.findByEmail(victim))?.emailVerified).to.equal(true);
    });

    it('also removes provider links and passkeys added before the proof', async () => {
      const attacker = await attackerRegisters();
      const id = (await whoami(app, attacker))!.id;
      await app.users.linkAccount(id, { provider: 'corp', subject: 'mallory' });
      await app.users.savePasskey(id, {
        id: 'Y3JlZGVudGlhbC1pZA',
        userId: id,
        publicKey: 'AQID',
        counter: 0,
        userHandle: 'aGFuZGxl',
        name: 'attacker key',
        deviceType: 'singleDevice',
        backedUp: false,
        createdAt: new Date().toISOString(),
      });
      await magicSignIn(new Browser());
      expect(await app.users.accountsOf(id)).to.deep.equal([]);
      expect(await app.users.passkeysOf(id)).to.deep.equal([]);
      expect(await app.users.findByAccount('corp', 'mallory')).to.equal(undefined);
    });

    it('a password reset by the owner ends the attacker session and removes the ways in it added', async () => {
      const attacker = await attackerRegisters();
      const id = (await whoami(app, attacker))!.id;
      await app.users.linkAccount(id, { provider: 'corp', subject: 'mallory' });
      const owner = new Browser();
      const before = mailsTo(victim);
      await post(app, owner, '/auth/password/reset/request', { email: victim });
      const token = await tokenFor(victim, before);
      const ownerPassword = 'the real owner passphrase 4';
      const res = await post(app, owner, '/auth/password/reset', {
        token,
        password: ownerPassword,
      });
      expect(res.status, res.body).to.equal(200);
      expect(await whoami(app, attacker)).to.equal(undefined);
      expect(await passwordWorks(attackerPassword)).to.equal(false);
      expect(await passwordWorks(ownerPassword)).to.equal(true);
      expect(await app.users.accountsOf(id)).to.deep.equal([]);
    });

    it('control: the registrant proving the address in its own browser keeps its password and session', async () => {
      const registrant = await attackerRegisters();
      const token = await tokenFor(victim);
      const res = await post(app, registrant, '/auth/email/verify', { token });
      expect(res.status, res.body).to.equal(200);
      expect((await whoami(app, registrant))?.email).to.equal(victim);
      expect(await passwordWorks(attackerPassword)).to.equal(true);
    });

    it('control: a registrant signed out still keeps its password when verifying in the same browser', async () => {
      const registrant = await attackerRegisters();
      await post(app, registrant, '/auth/logout', {});
      const token = await tokenFor(victim);
      expect((await post(app, registrant, '/auth/email/verify', { token })).status).to.equal(200);
      expect(await passwordWorks(attackerPassword)).to.equal(true);
    });
  });

  describe('with requireVerifiedEmail (the default)', () => {
    beforeEach(() => start(true));

    it('a magic link voids the attacker password: it never works, even once the address is verified', async () => {
      await attackerRegisters();
      expect(await passwordWorks(attackerPassword)).to.equal(false); // email_unverified
      await magicSignIn(new Browser());
      expect(await passwordWorks(attackerPassword)).to.equal(false);
    });

    it('a guest that registered the address loses it to the owner; its cookie never opens the account', async () => {
      const attacker = new Browser();
      const guest = JSON.parse((await post(app, attacker, '/auth/anonymous', {})).body) as {
        user: { id: string };
      };
      await post(app, attacker, '/auth/password/register', {
        email: victim,
        password: attackerPassword,
      });
      const owner = new Browser();
      await magicSignIn(owner);
      const account = await whoami(app, owner);
      expect(account).to.include({ email: victim, emailVerified: true });
      expect(account!.id).to.not.equal(guest.user.id);
      const attackerNow = await whoami(app, attacker);
      expect(attackerNow).to.include({ id: guest.user.id, anonymous: true });
      expect(attackerNow?.email).to.equal(undefined);
      expect(await passwordWorks(attackerPassword)).to.equal(false);
    });

    it('the verification link of a guest registration, followed elsewhere, gives the owner a new account', async () => {
      const attacker = new Browser();
      await post(app, attacker, '/auth/anonymous', {});
      await post(app, attacker, '/auth/password/register', {
        email: victim,
        password: attackerPassword,
      });
      const token = await tokenFor(victim);
      expect((await post(app, new Browser(), '/auth/email/verify', { token })).status).to.equal(
        200,
      );
      expect((await whoami(app, attacker))?.anonymous).to.equal(true);
      expect(await passwordWorks(attackerPassword)).to.equal(false);
      expect(await app.users.findByEmail(victim)).to.include({ emailVerified: true });
    });
  });
});
