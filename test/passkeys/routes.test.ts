import { expect } from 'chai';
import { MemoryUserStore, Portcullis } from '../../lib/index.js';
import { secretA } from '../support/app.js';
import { Browser } from '../support/browser.js';
import { type PasskeyApp, client, codeOf, startPasskeyApp } from '../support/passkey-app.js';
import { SoftAuthenticator } from '../support/authenticator.js';

describe('passkey routes (/auth/passkeys/*)', function () {
  let app: PasskeyApp;
  beforeEach(async () => {
    app = await startPasskeyApp();
  });
  afterEach(() => app?.close());

  it('POST /register/options gives discoverable, user-verified options bound to the signed-in user', async () => {
    const c = client(app);
    await c.signIn(app.alice);
    const res = await c.post('/auth/passkeys/register/options');
    expect(res.status, res.body).to.equal(200);
    expect(res.headers.get('cache-control')).to.equal('no-store');
    const options = JSON.parse(res.body);
    const port = new URL(app.url).port;
    expect(options.rp).to.deep.equal({ id: 'localhost', name: `localhost:${port}` });
    expect(options.user.name).to.equal('alice@example.com');
    expect(options.user.id).to.match(/^[A-Za-z0-9_-]{43}$/); // an HMAC, not the user id
    expect(options.user.id).to.not.equal(Buffer.from(app.alice.id).toString('base64url'));
    expect(options.authenticatorSelection).to.deep.equal({
      residentKey: 'required',
      requireResidentKey: true,
      userVerification: 'required',
    });
    expect(options.attestation).to.equal('none');
    expect(options.timeout).to.equal(300_000);
    expect(options.challenge).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(options.excludeCredentials).to.deep.equal([]);
  });

  it('POST /register/verify saves the passkey (201), lists it, and emits passkey_added', async () => {
    const c = client(app);
    await c.signIn(app.alice);
    const authn = new SoftAuthenticator();
    const res = await c.register(authn, {}, 'Work laptop');
    expect(res.status, res.body).to.equal(201);
    const { passkey } = JSON.parse(res.body);
    const id = authn.credentials[0]!.id;
    expect(passkey).to.deep.include({
      id,
      name: 'Work laptop',
      deviceType: 'singleDevice',
      backedUp: false,
      transports: ['internal'],
      lastUsedAt: null,
    });
    const list = await c.get('/auth/passkeys');
    expect(list.status).to.equal(200);
    expect(JSON.parse(list.body).passkeys).to.deep.equal([passkey]);
    const stored = await app.users.findPasskey(id);
    expect(stored).to.include({ userId: app.alice.id, counter: 0 });
    expect(stored!.userHandle).to.equal(authn.credentials[0]!.userHandle);
    expect(app.events.filter((e) => e.type === 'passkey_added')).to.have.length(1);
    expect(app.events.at(-1)).to.include({ userId: app.alice.id, passkeyId: id });
  });

  it('POST /login/verify counts toward the per-IP sign-in limit: 429 rate_limited past it', async () => {
    await app.close();
    app = await startPasskeyApp({ rateLimits: { login: { perIp: { points: 3, duration: 60 } } } });
    const c = client(app);
    const codes: Array<string | undefined> = [];
    for (let i = 0; i < 4; i++) {
      const res = await c.post('/auth/passkeys/login/verify', { id: 'x', type: 'public-key' });
      codes.push(codeOf(res));
    }
    expect(codes).to.deep.equal([
      'passkey_invalid',
      'passkey_invalid',
      'passkey_invalid',
      'rate_limited',
    ]);
  });

  it('POST /login/verify signs the owner in from a fresh browser, with method passkey', async () => {
    const owner = client(app);
    await owner.signIn(app.alice);
    const authn = new SoftAuthenticator();
    expect((await owner.register(authn)).status).to.equal(201);

    const c = client(app);
    const options = await c.loginOptions();
    expect(options.rpId).to.equal('localhost');
    expect(options.userVerification).to.equal('required');
    expect(options).to.not.have.property('allowCredentials'); // discoverable: any of the user's
    const res = await c.post('/auth/passkeys/login/verify', authn.get(options, app.url));
    expect(res.status, res.body).to.equal(200);
    expect(JSON.parse(res.body).user).to.deep.equal({
      id: app.alice.id,
      email: 'alice@example.com',
    });
    expect(await c.signedIn()).to.equal(true);
    const stored = await app.users.findPasskey(authn.credentials[0]!.id);
    expect(stored!.counter).to.equal(1);
    expect(stored!.lastUsedAt).to.be.a('string');
    expect(app.events.at(-1)).to.include({
      type: 'login',
      userId: app.alice.id,
      method: 'passkey',
    });
    expect(c.browser.cookies(app.url).has('portcullis_passkey')).to.equal(false);
  });

  it('merges a guest who signs in with a passkey into its account (onLinkAccount, guest deleted)', async () => {
    const merged: Array<[string, string]> = [];
    await app.close();
    app = await startPasskeyApp({
      onLinkAccount: ({ anonymous, user }) => void merged.push([anonymous.id, user.id]),
    });
    const owner = client(app);
    await owner.signIn(app.alice);
    const authn = new SoftAuthenticator();
    await owner.register(authn);
    const guest = client(app);
    const guestId = JSON.parse((await guest.post('/auth/anonymous')).body).user.id as string;
    const res = await guest.login(authn);
    expect(res.status, res.body).to.equal(200);
    expect(merged).to.deep.equal([[guestId, app.alice.id]]);
    expect(await app.users.findById(guestId)).to.equal(undefined);
    expect(JSON.parse((await guest.get('/me')).body).user.id).to.equal(app.alice.id);
  });

  it('lists registered passkeys in excludeCredentials of the next registration', async () => {
    const c = client(app);
    await c.signIn(app.alice);
    const authn = new SoftAuthenticator();
    await c.register(authn);
    const options = JSON.parse((await c.post('/auth/passkeys/register/options')).body);
    expect(options.excludeCredentials).to.deep.equal([
      { id: authn.credentials[0]!.id, type: 'public-key', transports: ['internal'] },
    ]);
  });

  it("PATCH /passkeys/:id renames; 400 invalid_request for a bad name; 404 for another user's passkey", async () => {
    const alice = client(app);
    await alice.signIn(app.alice);
    const authn = new SoftAuthenticator();
    await alice.register(authn);
    const id = authn.credentials[0]!.id;
    const renamed = await alice.patch(`/auth/passkeys/${id}`, { name: '  Phone  ' });
    expect(renamed.status, renamed.body).to.equal(200);
    expect(JSON.parse(renamed.body).passkey).to.include({ id, name: 'Phone' });
    for (const name of ['', ' ', 'x'.repeat(65), 42, 'a\u0000b']) {
      const bad = await alice.patch(`/auth/passkeys/${id}`, { name });
      expect(bad.status, String(name)).to.equal(400);
      expect(codeOf(bad)).to.equal('invalid_request');
    }
    const bob = client(app);
    await bob.signIn(app.bob);
    const foreign = await bob.patch(`/auth/passkeys/${id}`, { name: 'Mine now' });
    expect(foreign.status).to.equal(404);
    expect((await app.users.findPasskey(id))!.name).to.equal('Phone');
  });

  it("DELETE /passkeys/:id removes one; never the last way in (409); 404 for another user's", async () => {
    const alice = client(app);
    await alice.signIn(app.alice);
    const [one, two] = [new SoftAuthenticator(), new SoftAuthenticator()];
    await alice.register(one);
    await alice.register(two);
    const bob = client(app);
    await bob.signIn(app.bob);
    expect((await bob.del(`/auth/passkeys/${one.credentials[0]!.id}`)).status).to.equal(404);

    const removed = await alice.del(`/auth/passkeys/${one.credentials[0]!.id}`);
    expect(removed.status, removed.body).to.equal(200);
    expect(app.events.at(-1)).to.include({
      type: 'passkey_removed',
      userId: app.alice.id,
      passkeyId: one.credentials[0]!.id,
    });
    const last = await alice.del(`/auth/passkeys/${two.credentials[0]!.id}`);
    expect(last.status).to.equal(409);
    expect(codeOf(last)).to.equal('last_sign_in_method');
    expect((await app.users.passkeysOf(app.alice.id)).map((p) => p.id)).to.deep.equal([
      two.credentials[0]!.id,
    ]);
    // A removed passkey no longer signs in.
    const again = await client(app).login(one);
    expect(again.status).to.equal(400);
    expect(codeOf(again)).to.equal('passkey_invalid');
  });

  it('answers 401 login_required to register, list, rename and remove without a session, and to guests', async () => {
    const anonymous = client(app);
    const guest = client(app);
    expect((await guest.post('/auth/anonymous')).status).to.equal(200);
    for (const c of [anonymous, guest]) {
      for (const res of [
        await c.post('/auth/passkeys/register/options'),
        await c.post('/auth/passkeys/register/verify', { id: 'A'.repeat(43), response: {} }),
        await c.get('/auth/passkeys'),
        await c.patch(`/auth/passkeys/${'A'.repeat(43)}`, { name: 'x' }),
        await c.del(`/auth/passkeys/${'A'.repeat(43)}`),
      ]) {
        expect(res.status, res.url.pathname).to.equal(401);
        expect(codeOf(res)).to.equal('login_required');
      }
    }
  });

  it('security case 20 (part): refuses cross-site POSTs to every passkey route with 403 csrf_failed', async () => {
    const c = client(app);
    for (const path of [
      '/auth/passkeys/register/options',
      '/auth/passkeys/register/verify',
      '/auth/passkeys/login/options',
      '/auth/passkeys/login/verify',
    ]) {
      const res = await c.post(path, {}, 'https://evil.example');
      expect(res.status, path).to.equal(403);
      expect(codeOf(res)).to.equal('csrf_failed');
    }
    expect(c.browser.cookies(app.url).size).to.equal(0);
  });

  it('GET /passkeys/client.js serves the SimpleWebAuthn bundle and the Portcullis helpers', async () => {
    const res = await new Browser().request(`${app.url}/auth/passkeys/client.js`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('application/javascript; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(res.body).to.match(/^\/\* \[@simplewebauthn\/browser@14\./);
    expect(res.body).to.include('var base = "/auth/passkeys";');
    expect(res.body).to.include('registerPasskey: function');
    expect(res.body).to.include('signInWithPasskey: function');
    expect(res.body).to.include("credentials: 'same-origin'");
  });

  it("ctx.auth.passkeys works from the app's own routes (list)", async () => {
    const c = client(app);
    await c.signIn(app.alice);
    await c.register(new SoftAuthenticator(), {}, 'Key');
    const res = await c.get('/test/passkeys');
    expect(res.status).to.equal(200);
    expect(JSON.parse(res.body)).to.deep.equal({ names: ['Key'] });
    const anonymous = await client(app).get('/test/passkeys');
    expect(anonymous.status).to.equal(401);
    expect(codeOf(anonymous)).to.equal('login_required');
  });
});

describe('passkeys and the UserStore', () => {
  it('are off (no routes) when the UserStore has no passkey methods', async () => {
    const plain = { findById: (id: string) => Promise.resolve(id === 'u1' ? { id } : undefined) };
    const auth = new Portcullis({ secret: secretA, users: plain });
    const Koa = (await import('koa')).default;
    const koa = new Koa();
    koa.use(auth.middleware());
    koa.use(auth.routes());
    const { listen } = await import('../support/server.js');
    const running = await listen(koa);
    try {
      const res = await fetch(`${running.url}/auth/passkeys/client.js`);
      expect(res.status).to.equal(404);
    } finally {
      await running.close();
    }
  });

  it('refuses to start when `passkeys` is given and the UserStore lacks the methods', () => {
    const plain = { findById: () => Promise.resolve(undefined) };
    expect(() => new Portcullis({ secret: secretA, users: plain, passkeys: {} })).to.throw(
      TypeError,
      /passkeys need a UserStore with passkeysOf, findPasskey, savePasskey, updatePasskey, deletePasskey/,
    );
    expect(
      () => new Portcullis({ secret: secretA, users: new MemoryUserStore(), passkeys: {} }),
    ).to.not.throw();
  });
});
