// SECURITY-CASES.md 7-10: sign-out everywhere, deleted and disabled users, key rotation,
// refresh-token reuse and the refresh family's absolute lifetime.
import { expect } from 'chai';
import { decodeProtectedHeader } from 'jose';
import request from 'supertest';
import { type IssuedTokens, Portcullis } from '../../lib/index.js';
import { type TestApp, type TestUser, makeApp, secretA, secretB, signIn } from '../support/app.js';
import {
  JSON_ACCEPT,
  type Res,
  SAME_ORIGIN,
  codeOf,
  expectError,
  expectInvalidToken,
  issuePair,
  ringOf,
} from './support.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function bearer(t: TestApp, method: 'get' | 'post', path: string, token: string): Promise<Res> {
  return request(t.app.callback())[method](path).set('Authorization', `Bearer ${token}`);
}

function tokensOf(res: Res): IssuedTokens {
  expect(res.status, 'tokens issued').to.equal(200);
  return res.body as IssuedTokens;
}

function dashboard(t: TestApp, cookie: string): Promise<Res> {
  return request(t.app.callback()).get('/dashboard').set(JSON_ACCEPT).set('Cookie', cookie);
}

/** Another deployment of the same app, signing with `secret`, sharing the users and the store. */
function deploymentWith(t: TestApp, secret: string): Portcullis<TestUser> {
  return new Portcullis<TestUser>({ secret, users: t.users, store: t.store, logger: t.logger });
}

/** A signed-in user's every credential: two devices' cookies and a token pair. */
async function credentials(t: TestApp, user: TestUser) {
  const phone = await signIn(request, t, user);
  const laptop = await signIn(request, t, user);
  const pair = await issuePair(request(t.app.callback()), user);
  expect((await dashboard(t, phone)).status, 'control: session works').to.equal(200);
  expect((await bearer(t, 'get', '/api/profile', pair.accessToken)).status).to.equal(200);
  return { phone, laptop, ...pair, before: t.hits.total() };
}

describe('security case 7: sign out everywhere, deleted and disabled users', () => {
  it('auth.signOutEverywhere() kills earlier access tokens with 401 token_revoked', async () => {
    const t = await makeApp();
    const c = await credentials(t, t.alice);
    await t.auth.signOutEverywhere(t.alice.id);
    expectInvalidToken(await bearer(t, 'get', '/api/profile', c.accessToken), 'token_revoked');
    expect(t.hits.total()).to.equal(c.before);
    const fresh = await issuePair(request(t.app.callback()), t.alice);
    expect((await bearer(t, 'get', '/api/profile', fresh.accessToken)).status).to.equal(200);
  });

  it('auth.signOutEverywhere() kills earlier refresh tokens with 401 token_revoked', async () => {
    const t = await makeApp();
    const c = await credentials(t, t.alice);
    await t.auth.signOutEverywhere(t.alice.id);
    expectInvalidToken(await bearer(t, 'post', '/api/refresh', c.refreshToken), 'token_revoked');
    const viaRoute = await bearer(t, 'post', '/auth/token/refresh', c.refreshToken);
    expectInvalidToken(viaRoute, 'token_revoked');
    expect(t.hits.count('refresh')).to.equal(0);
  });

  it('auth.signOutEverywhere() ends the sessions on every device, and only that user', async () => {
    const t = await makeApp();
    const c = await credentials(t, t.alice);
    const bobCookie = await signIn(request, t, t.bob);
    await t.auth.signOutEverywhere(t.alice.id);
    expectError(await dashboard(t, c.phone), 401, 'login_required');
    expectError(await dashboard(t, c.laptop), 401, 'login_required');
    expect(t.hits.count('dashboard')).to.equal(1);
    expect((await dashboard(t, bobCookie)).status, 'bob is unaffected').to.equal(200);
  });

  it('POST /auth/logout {everywhere: true} ends every session and token of the user', async () => {
    const t = await makeApp();
    const c = await credentials(t, t.alice);
    const res = await request(t.app.callback())
      .post('/auth/logout')
      .set(SAME_ORIGIN)
      .set('Cookie', c.phone)
      .send({ everywhere: true });
    expect(res.status).to.equal(200);
    expectError(await dashboard(t, c.laptop), 401, 'login_required');
    expectInvalidToken(await bearer(t, 'get', '/api/profile', c.accessToken), 'token_revoked');
    expectInvalidToken(await bearer(t, 'post', '/api/refresh', c.refreshToken), 'token_revoked');
    expect(t.hits.total()).to.equal(c.before);
  });

  it('refuses the tokens and sessions of a deleted user', async () => {
    const t = await makeApp();
    const c = await credentials(t, t.alice);
    await t.users.delete(t.alice.id);
    for (const res of [
      await bearer(t, 'get', '/api/profile', c.accessToken),
      await bearer(t, 'post', '/api/refresh', c.refreshToken),
      await bearer(t, 'post', '/auth/token/refresh', c.refreshToken),
    ]) {
      expect(res.status).to.equal(401);
      expect(codeOf(res)).to.be.oneOf(['token_invalid', 'token_revoked']);
    }
    expectError(await dashboard(t, c.laptop), 401, 'login_required');
    expect(t.hits.total()).to.equal(c.before);
  });

  it('refuses a user isUserValid rejects, and ends their session at once', async () => {
    const t = await makeApp({ isUserValid: (user) => !user.disabled });
    const c = await credentials(t, t.alice);
    const rejected: string[] = [];
    t.auth.on('user_rejected', (e) => rejected.push(e.userId));
    await t.users.update(t.alice.id, { disabled: true });
    expectInvalidToken(await bearer(t, 'get', '/api/profile', c.accessToken), 'token_revoked');
    expectInvalidToken(await bearer(t, 'post', '/api/refresh', c.refreshToken), 'token_revoked');
    expectError(await dashboard(t, c.phone), 401, 'login_required');
    expect(rejected).to.deep.equal([t.alice.id]);
    await t.users.update(t.alice.id, { disabled: false });
    expectError(await dashboard(t, c.phone), 401, 'login_required');
    expect(t.hits.total()).to.equal(c.before);
  });
});

describe('security case 8: rotated keys', () => {
  it('accepts an access token of the previous key while it is still in the key list', async () => {
    const t = await makeApp({ secret: undefined, keys: [secretB, secretA] });
    const old = await deploymentWith(t, secretA).tokens.issue(t.alice);
    expect((await bearer(t, 'get', '/api/profile', old.accessToken)).status).to.equal(200);
    expect(t.hits.count('profile')).to.equal(1);
  });

  it('rotates a refresh token of the previous key into a pair under the current key', async () => {
    const t = await makeApp({ secret: undefined, keys: [secretB, secretA] });
    const old = await deploymentWith(t, secretA).tokens.issue(t.alice);
    const res = await bearer(t, 'post', '/auth/token/refresh', old.refreshToken);
    expect(res.status).to.equal(200);
    const currentKid = ringOf(secretB).current('access').kid;
    const pair = tokensOf(res);
    expect(decodeProtectedHeader(pair.accessToken).kid).to.equal(currentKid);
    expect(pair.refreshToken.startsWith(`pcr_${currentKid}.`)).to.equal(true);
  });

  it('refuses access and refresh tokens of a retired key with 401 token_invalid', async () => {
    const t = await makeApp({ secret: secretB });
    const old = await deploymentWith(t, secretA).tokens.issue(t.alice);
    expectInvalidToken(await bearer(t, 'get', '/api/profile', old.accessToken));
    expectInvalidToken(await bearer(t, 'post', '/api/refresh', old.refreshToken));
    expectInvalidToken(await bearer(t, 'post', '/auth/token/refresh', old.refreshToken));
    expect(t.hits.total()).to.equal(0);
  });
});

describe('security case 9: refresh-token reuse', () => {
  it('answers a reused refresh token with 401 and revokes its whole family', async () => {
    const t = await makeApp();
    const reused: string[] = [];
    t.auth.on('token_reuse', (e) => reused.push(e.userId));
    const first = await issuePair(request(t.app.callback()), t.alice);
    const other = await issuePair(request(t.app.callback()), t.alice);
    const next = await bearer(t, 'post', '/auth/token/refresh', first.refreshToken);
    expect(next.status).to.equal(200);
    // its successor used, so the reuse grace (docs/tokens.md) does not apply
    const head = await bearer(t, 'post', '/auth/token/refresh', tokensOf(next).refreshToken);
    const replay = await bearer(t, 'post', '/auth/token/refresh', first.refreshToken);
    expectError(replay, 401, 'token_revoked');
    expect(reused).to.deep.equal([t.alice.id]);
    const newest = await bearer(t, 'post', '/api/refresh', tokensOf(head).refreshToken);
    expectInvalidToken(newest, 'token_revoked');
    expect(t.hits.count('refresh')).to.equal(0);
    const sibling = await bearer(t, 'post', '/auth/token/refresh', other.refreshToken);
    expect(sibling.status, 'another family of the same user lives on').to.equal(200);
  });

  it('with the reuse grace off, lets exactly one of several concurrent refreshes with one token succeed', async () => {
    const t = await makeApp({ tokens: { refreshReuseGrace: false } });
    const { refreshToken } = await issuePair(request(t.app.callback()), t.alice);
    const results = await Promise.all(
      Array.from({ length: 6 }, () => bearer(t, 'post', '/auth/token/refresh', refreshToken)),
    );
    expect(results.filter((r) => r.status === 200)).to.have.length(1);
    for (const r of results.filter((x) => x.status !== 200)) expectError(r, 401, 'token_revoked');
  });

  it('answers a reused refresh token with a Bearer invalid_token challenge (RFC 6750)', async () => {
    const t = await makeApp();
    const { refreshToken } = await issuePair(request(t.app.callback()), t.alice);
    const next = await bearer(t, 'post', '/auth/token/refresh', refreshToken);
    expect(
      (await bearer(t, 'post', '/auth/token/refresh', tokensOf(next).refreshToken)).status,
    ).to.equal(200);
    for (const path of ['/auth/token/refresh', '/api/refresh']) {
      const replay = await bearer(t, 'post', path, refreshToken);
      expectInvalidToken(replay, 'token_revoked');
    }
  });
});

describe('security case 10: the refresh family has an absolute lifetime', () => {
  it('refuses a refresh token past the family lifetime even when rotated regularly', async () => {
    // Family lifetime 1.5 s: the last rotation is well inside it, the last use just past it.
    const t = await makeApp({ tokens: { refreshTokenTtl: 1.5 } });
    const started = Date.now();
    let { refreshToken } = await issuePair(request(t.app.callback()), t.alice);
    for (let i = 0; i < 2; i++) {
      await sleep(200);
      const res = await bearer(t, 'post', '/auth/token/refresh', refreshToken);
      expect(res.status, `rotation ${i + 1}`).to.equal(200);
      refreshToken = tokensOf(res).refreshToken;
    }
    await sleep(Math.max(0, 1_600 - (Date.now() - started)));
    expectInvalidToken(await bearer(t, 'post', '/api/refresh', refreshToken), 'token_expired');
    expect(t.hits.count('refresh')).to.equal(0);
  });

  it('refuses a refresh token whose embedded expiry was pushed back (MAC check)', async () => {
    const t = await makeApp();
    const { refreshToken } = await issuePair(request(t.app.callback()), t.alice);
    const parts = refreshToken.split('.');
    for (const exp of ['99999999999', String(Number(parts[2]) + 1)]) {
      const extended = [parts[0], parts[1], exp, parts[3], parts[4]].join('.');
      expectInvalidToken(await bearer(t, 'post', '/api/refresh', extended));
    }
    expect(t.hits.count('refresh')).to.equal(0);
  });
});
