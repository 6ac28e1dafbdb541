import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { Step } from '../support/browser.js';
import { type PasskeyApp, client, codeOf, startPasskeyApp } from '../support/passkey-app.js';
import { SoftAuthenticator, type Twist } from '../support/authenticator.js';

const SESSION_COOKIE = /^portcullis(\.\d+)?=[^;]/;

describe('security case 39: passkey ceremonies that must fail (400 passkey_invalid, no session)', function () {
  let app: PasskeyApp;
  let authn: SoftAuthenticator;
  beforeEach(async () => {
    app = await startPasskeyApp();
    authn = new SoftAuthenticator();
    const owner = client(app);
    await owner.signIn(app.alice);
    const res = await owner.register(authn);
    expect(res.status, res.body).to.equal(201);
  });
  afterEach(() => app?.close());

  /** 400 passkey_invalid, no session cookie set, `/me` still anonymous, no `login` event. */
  async function refusedSignIn(c: ReturnType<typeof client>, res: Step): Promise<void> {
    const logins = app.events.filter((e) => e.type === 'login').length;
    expect(res.status, res.body).to.equal(400);
    expect(codeOf(res)).to.equal('passkey_invalid');
    expect(res.setCookies.filter((line) => SESSION_COOKIE.test(line))).to.deep.equal([]);
    expect(await c.signedIn()).to.equal(false);
    expect(app.events.filter((e) => e.type === 'login').length).to.equal(logins);
    expect(app.events.at(-1)).to.deep.include({
      type: 'login_failed',
      method: 'passkey',
      code: 'passkey_invalid',
    });
  }

  describe('signing in', () => {
    it('refuses a wrong challenge (not the one this browser was given)', async () => {
      const c = client(app);
      const res = await c.login(authn, { challenge: randomBytes(32).toString('base64url') });
      await refusedSignIn(c, res);
    });

    it('refuses a reused challenge: the same response replayed with the same challenge cookie', async () => {
      const c = client(app);
      const options = await c.loginOptions();
      const jar = new Map(c.browser.cookies(app.url));
      const response = authn.get(options, app.url);
      expect((await c.post('/auth/passkeys/login/verify', response)).status).to.equal(200);
      const replay = client(app);
      for (const [k, v] of jar) replay.browser.cookies(app.url).set(k, v);
      await refusedSignIn(replay, await replay.post('/auth/passkeys/login/verify', response));
    });

    it('refuses a reused challenge even with a fresh signature and a higher counter', async () => {
      const c = client(app);
      const options = await c.loginOptions();
      const jar = new Map(c.browser.cookies(app.url));
      expect(
        (await c.post('/auth/passkeys/login/verify', authn.get(options, app.url))).status,
      ).to.equal(200);
      const replay = client(app);
      for (const [k, v] of jar) replay.browser.cookies(app.url).set(k, v);
      const again = authn.get(options, app.url, { counter: 50 });
      await refusedSignIn(replay, await replay.post('/auth/passkeys/login/verify', again));
    });

    it('refuses a foreign challenge: one given to another browser', async () => {
      const victim = client(app);
      const theirs = await victim.loginOptions();
      const attacker = client(app);
      await attacker.loginOptions(); // the attacker's own challenge cookie
      const res = await attacker.post('/auth/passkeys/login/verify', authn.get(theirs, app.url));
      await refusedSignIn(attacker, res);
    });

    it('refuses a response when this browser was given no challenge', async () => {
      const c = client(app);
      const options = await client(app).loginOptions();
      await refusedSignIn(
        c,
        await c.post('/auth/passkeys/login/verify', authn.get(options, app.url)),
      );
    });

    it('refuses an expired challenge (older than passkeys.timeout, 5 minutes)', async () => {
      const c = client(app);
      const options = await c.loginOptions();
      const response = authn.get(options, app.url);
      const now = Date.now;
      Date.now = () => now() + 5 * 60_000 + 1000;
      let res: Step;
      try {
        res = await c.post('/auth/passkeys/login/verify', response);
      } finally {
        Date.now = now;
      }
      await refusedSignIn(c, res);
    });

    it('refuses a registration challenge used to sign in', async () => {
      const c = client(app);
      await c.signIn(app.bob);
      const reg = JSON.parse((await c.post('/auth/passkeys/register/options')).body);
      const options = await c.loginOptions();
      const res = await c.post(
        '/auth/passkeys/login/verify',
        authn.get(options, app.url, { challenge: reg.challenge }),
      );
      expect(res.status).to.equal(400);
      expect(codeOf(res)).to.equal('passkey_invalid');
      expect(JSON.parse((await c.get('/me')).body).user.id).to.equal(app.bob.id);
    });

    const wrong: Array<[string, Twist]> = [
      ['a wrong origin (another site)', { origin: 'https://evil.example' }],
      ['a wrong origin (another port of localhost)', { origin: 'http://localhost:1' }],
      ['a wrong RP ID', { rpId: 'evil.example' }],
      ['user verification required but absent (UV flag clear)', { uv: false }],
    ];
    for (const [what, twist] of wrong) {
      it(`refuses ${what}`, async () => {
        const c = client(app);
        await refusedSignIn(c, await c.login(authn, twist));
      });
    }

    it('refuses a counter going backwards, and one that stands still', async () => {
      const c = client(app);
      expect((await c.login(authn, { counter: 5 })).status).to.equal(200);
      expect((await app.users.findPasskey(authn.credentials[0]!.id))!.counter).to.equal(5);
      const back = client(app);
      await refusedSignIn(back, await back.login(authn, { counter: 3 }));
      const same = client(app);
      await refusedSignIn(same, await same.login(authn, { counter: 5 }));
      expect((await app.users.findPasskey(authn.credentials[0]!.id))!.counter).to.equal(5);
    });

    it("refuses another user's credential named with this user's handle", async () => {
      const bobs = new SoftAuthenticator();
      const bob = client(app);
      await bob.signIn(app.bob);
      expect((await bob.register(bobs)).status).to.equal(201);
      const c = client(app);
      const res = await c.login(bobs, { userHandle: authn.credentials[0]!.userHandle });
      await refusedSignIn(c, res);
    });

    it("refuses another user's credential id signed with a key that is not its own", async () => {
      const bobs = new SoftAuthenticator();
      const bob = client(app);
      await bob.signIn(app.bob);
      await bob.register(bobs);
      const theirs = bobs.credentials[0]!;
      const c = client(app);
      const res = await c.login(authn, { id: theirs.id, userHandle: theirs.userHandle });
      await refusedSignIn(c, res);
    });

    it('refuses an unknown credential id, and a malformed body', async () => {
      const c = client(app);
      await refusedSignIn(c, await c.login(authn, { id: randomBytes(32).toString('base64url') }));
      const m = client(app);
      await m.loginOptions();
      await refusedSignIn(
        m,
        await m.post('/auth/passkeys/login/verify', { id: 'short', response: [] }),
      );
    });
  });

  describe('registering', () => {
    async function refusedRegistration(res: Step, userId = app.alice.id): Promise<void> {
      expect(res.status, res.body).to.equal(400);
      expect(codeOf(res)).to.equal('passkey_invalid');
      expect(await app.users.passkeysOf(userId)).to.have.length(userId === app.alice.id ? 1 : 0);
      expect(app.events.filter((e) => e.type === 'passkey_added')).to.have.length(1);
    }

    const wrong: Array<[string, Twist]> = [
      ['a wrong challenge', { challenge: randomBytes(32).toString('base64url') }],
      ['a wrong origin', { origin: 'https://evil.example' }],
      ['a wrong RP ID', { rpId: 'evil.example' }],
      ['user verification required but absent', { uv: false }],
    ];
    for (const [what, twist] of wrong) {
      it(`refuses ${what}`, async () => {
        const c = client(app);
        await c.signIn(app.bob);
        await refusedRegistration(await c.register(new SoftAuthenticator(), twist), app.bob.id);
      });
    }

    it('refuses a reused registration challenge', async () => {
      const c = client(app);
      await c.signIn(app.bob);
      const options = JSON.parse((await c.post('/auth/passkeys/register/options')).body);
      const device = new SoftAuthenticator();
      expect(
        (await c.post('/auth/passkeys/register/verify', device.create(options, app.url))).status,
      ).to.equal(201);
      const second = new SoftAuthenticator().create(options, app.url);
      const res = await c.post('/auth/passkeys/register/verify', second);
      expect(res.status).to.equal(400);
      expect(codeOf(res)).to.equal('passkey_invalid');
      expect(await app.users.passkeysOf(app.bob.id)).to.have.length(1);
    });

    it("refuses a foreign registration challenge: the same user's other session's, each having asked", async () => {
      const first = client(app);
      await first.signIn(app.bob);
      const options = JSON.parse((await first.post('/auth/passkeys/register/options')).body);
      const second = client(app);
      await second.signIn(app.bob);
      expect((await second.post('/auth/passkeys/register/options')).status).to.equal(200);
      const res = await second.post(
        '/auth/passkeys/register/verify',
        new SoftAuthenticator().create(options, app.url),
      );
      await refusedRegistration(res, app.bob.id);
    });

    it("refuses a registration challenge from the same user's other session, unasked there", async () => {
      const first = client(app);
      await first.signIn(app.bob);
      const options = JSON.parse((await first.post('/auth/passkeys/register/options')).body);
      const second = client(app);
      await second.signIn(app.bob);
      const res = await second.post(
        '/auth/passkeys/register/verify',
        new SoftAuthenticator().create(options, app.url),
      );
      await refusedRegistration(res, app.bob.id);
    });

    it("refuses a credential that is another user's already", async () => {
      const c = client(app);
      await c.signIn(app.bob);
      const res = await c.register(new SoftAuthenticator(), { id: authn.credentials[0]!.id });
      await refusedRegistration(res, app.bob.id);
      expect((await app.users.findPasskey(authn.credentials[0]!.id))!.userId).to.equal(
        app.alice.id,
      );
    });
  });
});
