import { expect } from 'chai';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import request from 'supertest';
import { AuthError, Portcullis, MemoryUserStore } from '../../lib/index.js';
import { Keyring } from '../../lib/keys/keyring.js';
import { makeApp, secretA, secretB } from '../support/app.js';
import {
  accessKey,
  bearer,
  codeOf,
  issueVia,
  nowSec,
  signAccess,
  sleep,
} from '../support/tokens.js';

async function rejection(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(AuthError);
    return err as AuthError;
  }
  expect.fail('expected the promise to reject');
}

/** The same header and claims with `alg: none` and no signature. */
function unsigned(token: string): string {
  const header = { ...decodeProtectedHeader(token), alg: 'none' };
  return `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${token.split('.')[1]}.`;
}

describe('Portcullis#tokens.issue()', () => {
  it('returns an OAuth 2 token response with a one-hour access token by default', async () => {
    const t = await makeApp();
    const out = await t.auth.tokens.issue(t.alice, { scopes: ['reports:read', 'profile'] });
    expect(Object.keys(out).sort()).to.deep.equal(
      ['accessToken', 'expiresIn', 'refreshToken', 'scope', 'tokenType'].sort(),
    );
    expect(out.tokenType).to.equal('Bearer');
    expect(out.expiresIn).to.equal(3600);
    expect(out.scope).to.equal('reports:read profile');
    expect(out.accessToken.split('.')).to.have.length(3);
    expect(out.refreshToken).to.match(/^pcr_/);
  });

  it('leaves scope out when no scopes are granted, and de-duplicates scopes', async () => {
    const t = await makeApp();
    expect(await t.auth.tokens.issue(t.alice)).to.not.have.property('scope');
    const out = await t.auth.tokens.issue(t.alice, { scopes: ['a', 'b', 'a'] });
    expect(out.scope).to.equal('a b');
  });

  it('refuses a scope that is not an RFC 6749 scope-token', async () => {
    const t = await makeApp();
    for (const bad of ['two words', '', 'quote"d', 'back\\slash']) {
      let caught: unknown;
      await t.auth.tokens.issue(t.alice, { scopes: [bad] }).catch((e: unknown) => (caught = e));
      expect(caught, JSON.stringify(bad)).to.be.instanceOf(TypeError);
    }
  });

  it('signs an HS256 JWT with typ at+jwt and the kid of the current secret', async () => {
    const t = await makeApp();
    const { accessToken } = await t.auth.tokens.issue(t.alice);
    expect(decodeProtectedHeader(accessToken)).to.deep.equal({
      alg: 'HS256',
      typ: 'at+jwt',
      kid: accessKey.kid,
    });
  });

  it('carries iss, aud, sub, iat, exp = iat + ttl, a jti and the generation', async () => {
    const t = await makeApp();
    const before = nowSec();
    const { accessToken } = await t.auth.tokens.issue(t.alice, { scopes: ['reports:read'] });
    const claims = decodeJwt(accessToken);
    expect(claims.iss).to.equal('portcullis');
    expect(claims.aud).to.equal('portcullis');
    expect(claims.sub).to.equal(t.alice.id);
    expect(claims.iat).to.be.within(before, nowSec());
    expect(claims.exp).to.equal(claims.iat! + 3600);
    expect(claims.jti).to.be.a('string').with.length.above(15);
    expect(claims.gen).to.equal(0);
    expect(claims.scope).to.equal('reports:read');
    const again = decodeJwt((await t.auth.tokens.issue(t.alice)).accessToken);
    expect(again.jti).to.not.equal(claims.jti);
  });

  it('takes the lifetime from expiresIn, else from tokens.accessTokenTtl', async () => {
    const t = await makeApp({ tokens: { accessTokenTtl: '15m' } });
    const short = await t.auth.tokens.issue(t.alice, { expiresIn: 120 });
    expect(short.expiresIn).to.equal(120);
    const c1 = decodeJwt(short.accessToken);
    expect(c1.exp! - c1.iat!).to.equal(120);
    const dflt = await t.auth.tokens.issue(t.alice);
    expect(dflt.expiresIn).to.equal(900);
    const c2 = decodeJwt(dflt.accessToken);
    expect(c2.exp! - c2.iat!).to.equal(900);
  });

  it('uses the tokens.issuer / tokens.audience options, and baseUrl as the default issuer', async () => {
    const custom = await makeApp({
      tokens: { issuer: 'https://id.example.com', audience: 'api://reports' },
    });
    const c = decodeJwt((await custom.auth.tokens.issue(custom.alice)).accessToken);
    expect([c.iss, c.aud]).to.deep.equal(['https://id.example.com', 'api://reports']);
    const based = await makeApp({ baseUrl: 'http://app.test/some/path' });
    const b = decodeJwt((await based.auth.tokens.issue(based.alice)).accessToken);
    expect([b.iss, b.aud]).to.deep.equal(['http://app.test', 'http://app.test']);
  });
});

describe('access tokens cross-checked with jose', () => {
  it('an access token we issue verifies with jose under the derived key, issuer, audience, typ', async () => {
    const t = await makeApp({ tokens: { issuer: 'https://id.example.com', audience: 'api' } });
    const { accessToken } = await t.auth.tokens.issue(t.alice, { scopes: ['x'] });
    const { payload, protectedHeader } = await jwtVerify(accessToken, accessKey.key, {
      algorithms: ['HS256'],
      typ: 'at+jwt',
      issuer: 'https://id.example.com',
      audience: 'api',
      requiredClaims: ['sub', 'exp', 'iat', 'jti'],
    });
    expect(protectedHeader.kid).to.equal(accessKey.kid);
    expect(payload.sub).to.equal(t.alice.id);
    expect(payload.scope).to.equal('x');
  });

  it('a token jose signs with that key and our header and claims is accepted', async () => {
    const t = await makeApp();
    const token = await signAccess({ sub: t.alice.id, scope: 'reports:read' });
    const verified = await t.auth.tokens.verify(token, 'access');
    expect(verified.type).to.equal('access');
    expect(verified.userId).to.equal(t.alice.id);
    expect(verified.scopes).to.deep.equal(['reports:read']);
    const res = await request(t.app.callback())
      .get('/api/reports')
      .set('Authorization', bearer(token));
    expect(res.status).to.equal(200);
    const profile = await request(t.app.callback())
      .get('/api/profile')
      .set('Authorization', bearer(token));
    expect(profile.status).to.equal(200);
    expect(profile.body).to.deep.equal({ email: 'alice@example.com' });
    expect(t.hits.count('profile')).to.equal(1);
  });

  it('refuses a jose-signed token that differs from ours in one respect', async () => {
    const t = await makeApp();
    const sub = t.alice.id;
    const otherKey = new Keyring([Buffer.from(secretB)]).current('access');
    const refreshKey = new Keyring([Buffer.from(secretA)]).current('refresh');
    const cases: Array<[string, Promise<string>]> = [
      ['typ JWT', signAccess({ sub }, { typ: 'JWT' })],
      ['alg HS384', signAccess({ sub }, { alg: 'HS384' })],
      ['alg none', signAccess({ sub }).then(unsigned)],
      ['unknown kid', signAccess({ sub }, { kid: otherKey.kid }, otherKey.key)],
      ['known kid, another key', signAccess({ sub }, {}, otherKey.key)],
      ['refresh-purpose key', signAccess({ sub }, {}, refreshKey.key)],
      ['wrong iss', signAccess({ sub, iss: 'https://evil.example' })],
      ['wrong aud', signAccess({ sub, aud: 'other-api' })],
      ['no gen', signAccess({ sub, gen: undefined })],
      ['string gen', signAccess({ sub, gen: '0' })],
      ['no jti', signAccess({ sub, jti: undefined })],
      ['no exp', signAccess({ sub, exp: undefined })],
      ['nbf in the future', signAccess({ sub, nbf: nowSec() + 3600 })],
      ['jku header', signAccess({ sub }, { jku: 'https://evil.example/jwks' })],
    ];
    for (const [name, pending] of cases) {
      const token = await pending;
      const err = await rejection(t.auth.tokens.verify(token, 'access'));
      expect(err.code, name).to.equal('token_invalid');
      const res = await request(t.app.callback())
        .get('/api/profile')
        .set('Authorization', bearer(token));
      expect(res.status, name).to.equal(401);
      expect(codeOf(res), name).to.equal('token_invalid');
    }
    expect(t.hits.count('profile')).to.equal(0);
  });

  it('refuses a token expired beyond the clock skew with token_expired, and accepts one within it', async () => {
    const t = await makeApp({ tokens: { clockSkew: 30 } });
    const now = nowSec();
    const old = await signAccess({ sub: t.alice.id, iat: now - 3700, exp: now - 100 });
    expect((await rejection(t.auth.tokens.verify(old, 'access'))).code).to.equal('token_expired');
    const res = await request(t.app.callback())
      .get('/api/profile')
      .set('Authorization', bearer(old));
    expect(res.status).to.equal(401);
    expect(codeOf(res)).to.equal('token_expired');
    expect(t.hits.count('profile')).to.equal(0);
    const recent = await signAccess({ sub: t.alice.id, iat: now - 3610, exp: now - 10 });
    expect((await t.auth.tokens.verify(recent, 'access')).userId).to.equal(t.alice.id);
  });

  it('with accessTokenTtl 1 and clockSkew 0, an issued access token expires after a second', async () => {
    const t = await makeApp({ tokens: { accessTokenTtl: 1, clockSkew: 0 } });
    const { accessToken, expiresIn } = await t.auth.tokens.issue(t.alice);
    expect(expiresIn).to.equal(1);
    await sleep(1100);
    expect((await rejection(t.auth.tokens.verify(accessToken, 'access'))).code).to.equal(
      'token_expired',
    );
    const res = await request(t.app.callback())
      .get('/api/profile')
      .set('Authorization', bearer(accessToken));
    expect(res.status).to.equal(401);
    expect(codeOf(res)).to.equal('token_expired');
    expect(t.hits.count('profile')).to.equal(0);
  });
});

describe('Portcullis#tokens.verify()', () => {
  it('verifies our access and refresh tokens outside a request', async () => {
    const t = await makeApp();
    const out = await t.auth.tokens.issue(t.bob, { scopes: ['a', 'b'] });
    const access = await t.auth.tokens.verify(out.accessToken, 'access');
    expect(access).to.include({ type: 'access', userId: t.bob.id });
    expect(access.scopes).to.deep.equal(['a', 'b']);
    expect(access.expiresAt).to.equal(decodeJwt(out.accessToken).exp! * 1000);
    const refresh = await t.auth.tokens.verify(out.refreshToken, 'refresh');
    expect(refresh).to.include({ type: 'refresh', userId: t.bob.id });
    expect(refresh.scopes).to.deep.equal(['a', 'b']);
    expect(refresh.expiresAt).to.be.above(Date.now() + 29 * 86_400_000);
  });

  it('never accepts a refresh token as an access token, nor an access token as a refresh token', async () => {
    const t = await makeApp();
    const out = await t.auth.tokens.issue(t.alice);
    expect((await rejection(t.auth.tokens.verify(out.refreshToken, 'access'))).code).to.equal(
      'token_invalid',
    );
    expect((await rejection(t.auth.tokens.verify(out.accessToken, 'refresh'))).code).to.equal(
      'token_invalid',
    );
  });

  it('refuses tokens of another Portcullis instance (another secret)', async () => {
    const t = await makeApp();
    const other = new Portcullis({ secret: secretB, users: new MemoryUserStore() });
    const foreign = await other.tokens.issue(t.alice);
    for (const [token, type] of [
      [foreign.accessToken, 'access'],
      [foreign.refreshToken, 'refresh'],
    ] as const) {
      expect((await rejection(t.auth.tokens.verify(token, type))).code).to.equal('token_invalid');
    }
  });
});

describe('@TokenRequired(type, { header, scheme })', () => {
  it('GET /api/profile refuses a refresh token; POST /api/refresh refuses an access token', async () => {
    const t = await makeApp();
    const out = await issueVia(t, t.alice);
    const r1 = await request(t.app.callback())
      .get('/api/profile')
      .set('Authorization', bearer(out.refreshToken));
    expect(r1.status).to.equal(401);
    expect(codeOf(r1)).to.equal('token_invalid');
    const r2 = await request(t.app.callback())
      .post('/api/refresh')
      .set('Authorization', bearer(out.accessToken));
    expect(r2.status).to.equal(401);
    expect(codeOf(r2)).to.equal('token_invalid');
    const r3 = await request(t.app.callback())
      .post('/auth/token/refresh')
      .set('Authorization', bearer(out.accessToken));
    expect(r3.status).to.equal(401);
    expect(codeOf(r3)).to.equal('token_invalid');
    expect(r3.body).to.not.have.property('accessToken');
    expect(t.hits.count('profile') + t.hits.count('refresh')).to.equal(0);
  });

  it('reads the token from a route-level header and scheme (X-Api-Key: Token ...)', async () => {
    const t = await makeApp();
    const { accessToken } = await issueVia(t, t.alice);
    const ok = await request(t.app.callback())
      .get('/api/custom')
      .set('X-Api-Key', `Token ${accessToken}`);
    expect(ok.status).to.equal(200);
    expect(ok.body).to.deep.equal({ email: 'alice@example.com' });
    const wrongHeader = await request(t.app.callback())
      .get('/api/custom')
      .set('Authorization', bearer(accessToken));
    expect(wrongHeader.status).to.equal(401);
    expect(codeOf(wrongHeader)).to.equal('token_missing');
    expect(wrongHeader.headers['www-authenticate']).to.equal('Token');
    const wrongScheme = await request(t.app.callback())
      .get('/api/custom')
      .set('X-Api-Key', bearer(accessToken));
    expect(wrongScheme.status).to.equal(401);
    expect(codeOf(wrongScheme)).to.equal('token_missing');
    expect(t.hits.count('custom')).to.equal(1);
  });

  it('reads the token from the tokens.header / tokens.scheme options', async () => {
    const t = await makeApp({ tokens: { header: 'X-Auth', scheme: 'Token' } });
    const { accessToken } = await t.auth.tokens.issue(t.alice);
    expect(await t.auth.testing.bearer(t.alice)).to.match(/^Token /);
    const ok = await request(t.app.callback())
      .get('/api/profile')
      .set('X-Auth', `Token ${accessToken}`);
    expect(ok.status).to.equal(200);
    const res = await request(t.app.callback())
      .get('/api/profile')
      .set('Authorization', bearer(accessToken));
    expect(res.status).to.equal(401);
    expect(codeOf(res)).to.equal('token_missing');
    expect(t.hits.count('profile')).to.equal(1);
  });
});
