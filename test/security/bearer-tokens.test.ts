// SECURITY-CASES.md 1-4: forged, cross-purpose, expired and mis-addressed bearer tokens.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { SignJWT, UnsecuredJWT } from 'jose';
import request from 'supertest';
import type { KeyPurpose } from '../../lib/keys/keyring.js';
import { seal } from '../../lib/session/seal.js';
import { type TestApp, makeApp, secretA, secretB } from '../support/app.js';
import {
  ISSUER,
  accessClaims,
  accessHeader,
  expectInvalidToken,
  forgeAccess,
  getWithBearer,
  forgeJwt,
  issuePair,
  nowSec,
  ringOf,
} from './support.js';

const ring = ringOf(secretA);
const accessKey = ring.current('access').key;

/** Each token must be refused on GET /api/profile with 401 `code`, and the handler never run. */
async function expectAllRefused(t: TestApp, tokens: string[], code = 'token_invalid') {
  for (const token of tokens) {
    const res = await getWithBearer(t, '/api/profile', token);
    expectInvalidToken(res, code);
  }
  expect(t.hits.count('profile')).to.equal(0);
}

describe('security: the forging harness (control)', () => {
  it('accepts a hand-forged token with every claim right, so the refusals below mean something', async () => {
    const t = await makeApp();
    expect((await getWithBearer(t, '/api/profile', forgeAccess(ring, t.alice))).status).to.equal(
      200,
    );
    const viaJose = await new SignJWT(accessClaims(t.alice))
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: ring.current('access').kid })
      .sign(accessKey);
    expect((await getWithBearer(t, '/api/profile', viaJose)).status).to.equal(200);
    expect(t.hits.count('profile')).to.equal(2);
  });
});

describe('security case 1: alg none and foreign algorithms', () => {
  it('rejects alg none in any spelling, signed or not, with 401 token_invalid', async () => {
    const t = await makeApp();
    const tokens = [new UnsecuredJWT(accessClaims(t.alice)).encode()];
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      const header = accessHeader(ring, { alg });
      tokens.push(forgeJwt(header, accessClaims(t.alice)));
      tokens.push(forgeJwt(header, accessClaims(t.alice), accessKey));
    }
    await expectAllRefused(t, tokens);
  });

  it('rejects HS384 and HS512 tokens signed with the right key', async () => {
    const t = await makeApp();
    const claims = accessClaims(t.alice);
    await expectAllRefused(t, [
      forgeJwt(accessHeader(ring, { alg: 'HS384' }), claims, accessKey, 'sha384'),
      forgeJwt(accessHeader(ring, { alg: 'HS512' }), claims, accessKey, 'sha512'),
    ]);
  });

  it('rejects asymmetric alg labels over an HMAC signature (key confusion)', async () => {
    const t = await makeApp();
    const tokens = ['RS256', 'PS256', 'ES256', 'EdDSA', 'hs256', 'HS256 ', ''].map((alg) =>
      forgeJwt(accessHeader(ring, { alg }), accessClaims(t.alice), accessKey),
    );
    tokens.push(forgeJwt(accessHeader(ring, { alg: undefined }), accessClaims(t.alice), accessKey));
    await expectAllRefused(t, tokens);
  });

  it('refuses alg none on every bearer entry point, and @OptionalAuth sees no user', async () => {
    const t = await makeApp();
    const none = forgeJwt(accessHeader(ring, { alg: 'none' }), accessClaims(t.alice));
    for (const path of ['/mixed', '/auth/me', '/api/reports', '/api/scoped']) {
      expectInvalidToken(await getWithBearer(t, path, none));
    }
    const optional = await getWithBearer(t, '/dashboard/public', none);
    expect(optional.status).to.equal(200);
    expect(optional.body).to.deep.equal({ user: null });
    expect(t.hits.total()).to.equal(1);
  });
});

describe('security case 2: cross-purpose tokens', () => {
  it('refuses a refresh token presented as an access token', async () => {
    const t = await makeApp();
    const { refreshToken } = await issuePair(request(t.app.callback()), t.alice);
    for (const path of ['/api/profile', '/mixed', '/auth/me']) {
      expectInvalidToken(await getWithBearer(t, path, refreshToken));
    }
    expect(t.hits.count('profile') + t.hits.count('mixed')).to.equal(0);
  });

  it('refuses an access token presented as a refresh token', async () => {
    const t = await makeApp();
    const { accessToken } = await issuePair(request(t.app.callback()), t.alice);
    for (const path of ['/api/refresh', '/auth/token/refresh']) {
      const res = await request(t.app.callback())
        .post(path)
        .set('Authorization', `Bearer ${accessToken}`);
      expectInvalidToken(res);
    }
    expect(t.hits.count('refresh')).to.equal(0);
  });

  it('refuses an access-shaped token signed with the key of any other purpose', async () => {
    const t = await makeApp();
    const purposes: KeyPurpose[] = ['session', 'refresh', 'magic', 'state', 'reset'];
    purposes.push('verify', 'otp', 'flow');
    await expectAllRefused(
      t,
      purposes.map((p) => forgeAccess(ring, t.alice, {}, {}, p)),
    );
  });

  it('refuses a token signed with the access key whose typ is not at+jwt', async () => {
    const t = await makeApp();
    const typs = ['JWT', 'jwt', 'refresh+jwt', 'magic+jwt', 'at+jwt ', undefined];
    await expectAllRefused(
      t,
      typs.map((typ) => forgeAccess(ring, t.alice, {}, { typ })),
    );
  });

  it('refuses a refresh-shaped token whose MAC was made with the access key', async () => {
    const t = await makeApp();
    const { refreshToken } = await issuePair(request(t.app.callback()), t.alice);
    const body = refreshToken.slice(4, refreshToken.lastIndexOf('.'));
    const forged = `pcr_${body}.${createHmac('sha256', accessKey).update(body).digest('base64url')}`;
    const res = await request(t.app.callback())
      .post('/api/refresh')
      .set('Authorization', `Bearer ${forged}`);
    expectInvalidToken(res);
    expect(t.hits.count('refresh')).to.equal(0);
  });

  it('refuses a sealed session value presented as a bearer token', async () => {
    const t = await makeApp();
    const sealed = seal(ring, 'session', { $pc: { s: 'x', u: t.alice.id, c: 1, t: 1 } });
    await expectAllRefused(t, [sealed, `portcullis=${sealed}`]);
  });
});

describe('security case 3: expiry and not-before', () => {
  it('refuses a token expired beyond the allowed clock skew with 401 token_expired', async () => {
    const t = await makeApp();
    await expectAllRefused(
      t,
      [31 + 5, 120, 86_400].map((ago) => forgeAccess(ring, t.alice, { exp: nowSec() - ago })),
      'token_expired',
    );
  });

  it('honours the skew exactly as configured (clockSkew: 0 refuses a token 2 s old)', async () => {
    const lenient = await makeApp();
    const recent = forgeAccess(ring, lenient.alice, { exp: nowSec() - 2 });
    expect((await getWithBearer(lenient, '/api/profile', recent)).status).to.equal(200);
    const strict = await makeApp({ tokens: { clockSkew: 0 } });
    const stale = forgeAccess(ring, strict.alice, { exp: nowSec() - 2 });
    expectInvalidToken(await getWithBearer(strict, '/api/profile', stale), 'token_expired');
    expect(strict.hits.count('profile')).to.equal(0);
  });

  it('refuses a token whose nbf is in the future with 401 token_invalid', async () => {
    const t = await makeApp();
    await expectAllRefused(t, [
      forgeAccess(ring, t.alice, { nbf: nowSec() + 120 }),
      forgeAccess(ring, t.alice, { nbf: nowSec() + 86_400 * 365 }),
    ]);
  });

  it('refuses a token without exp, or with a non-numeric exp, with 401 token_invalid', async () => {
    const t = await makeApp();
    await expectAllRefused(
      t,
      [undefined, '9999999999', null, true, [nowSec() + 300]].map((exp) =>
        forgeAccess(ring, t.alice, { exp }),
      ),
    );
  });
});

describe('security case 4: issuer, audience, kid and key-fetching headers', () => {
  it('refuses a wrong, differently-cased or missing iss', async () => {
    const t = await makeApp();
    const values = ['https://evil.example', 'Portcullis', '', undefined, [ISSUER]];
    await expectAllRefused(
      t,
      values.map((iss) => forgeAccess(ring, t.alice, { iss })),
    );
  });

  it('refuses a wrong, differently-cased or missing aud', async () => {
    const t = await makeApp();
    const values = ['https://evil.example', 'PORTCULLIS', ['other', 'api'], '', undefined];
    await expectAllRefused(
      t,
      values.map((aud) => forgeAccess(ring, t.alice, { aud })),
    );
  });

  it('refuses an unknown, foreign, missing or non-string kid', async () => {
    const t = await makeApp();
    const foreign = ringOf(secretB);
    await expectAllRefused(t, [
      forgeAccess(foreign, t.alice),
      forgeAccess(ring, t.alice, {}, { kid: 'AAAAAAAA' }),
      forgeAccess(ring, t.alice, {}, { kid: '../../../etc/passwd' }),
      forgeAccess(ring, t.alice, {}, { kid: undefined }),
      forgeAccess(ring, t.alice, {}, { kid: 7 }),
      forgeAccess(ring, t.alice, {}, { kid: [ring.current('access').kid] }),
    ]);
  });

  it('refuses jku/x5u/jwk/x5c headers and never fetches anything', async () => {
    let fetched = 0;
    const server = http.createServer((_req, res) => {
      fetched++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    const realFetch = globalThis.fetch;
    globalThis.fetch = ((...args: Parameters<typeof fetch>) => {
      fetched++;
      return realFetch(...args);
    }) as typeof fetch;
    try {
      const t = await makeApp();
      const attackerKey = Buffer.alloc(32, 7);
      const jwk = { kty: 'oct', k: attackerKey.toString('base64url') };
      await expectAllRefused(t, [
        forgeAccess(ring, t.alice, {}, { jku: url }),
        forgeAccess(ring, t.alice, {}, { x5u: url }),
        forgeAccess(ring, t.alice, {}, { jwk }),
        forgeAccess(ring, t.alice, {}, { x5c: ['MIIB'] }),
        forgeJwt(accessHeader(ring, { jwk }), accessClaims(t.alice), attackerKey),
        forgeJwt(accessHeader(ring, { kid: undefined, jku: url }), accessClaims(t.alice)),
      ]);
      expect(fetched, 'outbound requests').to.equal(0);
    } finally {
      globalThis.fetch = realFetch;
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
