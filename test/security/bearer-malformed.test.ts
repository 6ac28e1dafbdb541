// SECURITY-CASES.md 5-6: malformed bearer tokens, and tokens outside the Authorization header.
import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { type TestApp, makeApp, secretA } from '../support/app.js';
import {
  accessClaims,
  accessHeader,
  b64url,
  expectError,
  expectInvalidToken,
  forgeAccess,
  getWithBearer,
  forgeJwt,
  ringOf,
} from './support.js';

const ring = ringOf(secretA);
const accessKey = ring.current('access').key;

/** Every token is refused on GET /api/profile with 401 token_invalid (never a 500). */
async function expectAllInvalid(t: TestApp, tokens: string[]) {
  for (const token of tokens) expectInvalidToken(await getWithBearer(t, '/api/profile', token));
  expect(t.hits.count('profile')).to.equal(0);
}

/** A token validly signed with the access key whose segments encode the given raw bytes. */
function signedRaw(header: string | Buffer, payload: string | Buffer): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', accessKey).update(input).digest('base64url')}`;
}

describe('security case 5: malformed bearer tokens', () => {
  it('refuses tokens with 1, 2, 4 or 5 segments', async () => {
    const t = await makeApp();
    const [h, p, s] = forgeAccess(ring, t.alice).split('.') as [string, string, string];
    await expectAllInvalid(t, [h, `${h}.${p}`, `${h}.${p}.${s}.${s}`, `${h}.${p}.${s}.${s}.${s}`]);
    await expectAllInvalid(t, ['.', '..', '...', `${h}..${s}`, `.${p}.${s}`]);
  });

  it('refuses segments that are not base64url', async () => {
    const t = await makeApp();
    const [h, p, s] = forgeAccess(ring, t.alice).split('.') as [string, string, string];
    const b64 = Buffer.from(p, 'base64url').toString('base64');
    await expectAllInvalid(t, [
      `!!!.${p}.${s}`,
      `${h}.${p}%3D.${s}`,
      `${h}.${b64}=.${s}`,
      `${h}.${p}.${s}==`,
      `${h}.${p}.${Buffer.from(s, 'base64url').toString('base64')}+/`,
      `${h}.${p}~.${s}`,
    ]);
  });

  it('refuses huge tokens up to the header limit with 401, validly signed or not', async () => {
    const t = await makeApp();
    const padded = (n: number) => accessClaims(t.alice, { pad: 'x'.repeat(n) });
    await expectAllInvalid(t, [
      forgeJwt(accessHeader(ring), padded(6_000), accessKey),
      forgeJwt(accessHeader(ring), padded(10_500), accessKey),
      `${'a'.repeat(7_000)}.${'b'.repeat(7_000)}.c`,
      'x'.repeat(15_000),
    ]);
  });

  it('refuses invalid UTF-8 in the header or the payload', async () => {
    const t = await makeApp();
    const header = JSON.stringify(accessHeader(ring));
    const payload = JSON.stringify(accessClaims(t.alice));
    const bad = Buffer.from([0xff, 0xfe, 0xc3, 0x28]);
    await expectAllInvalid(t, [
      signedRaw(Buffer.concat([bad, Buffer.from(header)]), payload),
      signedRaw(header, Buffer.concat([Buffer.from(payload.slice(0, -1)), bad, Buffer.from('}')])),
      signedRaw(header, Buffer.concat([bad, Buffer.from(payload)])),
      // well-formed JSON whose string claim holds invalid UTF-8: must not be decoded lossily
      signedRaw(
        header,
        Buffer.concat([Buffer.from(`${payload.slice(0, -1)},"name":"a`), bad, Buffer.from('"}')]),
      ),
    ]);
  });

  it('refuses headers and payloads that are JSON but not objects', async () => {
    const t = await makeApp();
    const header = JSON.stringify(accessHeader(ring));
    const tokens = ['[]', 'null', '"at+jwt"', '1', 'true', '{'].map((h) =>
      signedRaw(h, JSON.stringify(accessClaims(t.alice))),
    );
    for (const p of ['[]', 'null', '"sub"', '42', '']) tokens.push(signedRaw(header, p));
    await expectAllInvalid(t, tokens);
  });

  it('refuses the JWS JSON serialization of a valid token', async () => {
    const t = await makeApp();
    const [h, p, s] = forgeAccess(ring, t.alice).split('.') as [string, string, string];
    await expectAllInvalid(t, [
      JSON.stringify({ protected: h, payload: p, signature: s }),
      JSON.stringify({ payload: p, signatures: [{ protected: h, signature: s }] }),
    ]);
  });
});

describe('security case 6: where a bearer token may come from', () => {
  it('ignores a valid token in the query string (401 token_missing)', async () => {
    const t = await makeApp();
    const token = forgeAccess(ring, t.alice);
    for (const name of ['access_token', 'token', 'bearer', 'Authorization']) {
      const res = await request(t.app.callback()).get(`/api/profile?${name}=${token}`);
      expectError(res, 401, 'token_missing');
      expect(res.headers['www-authenticate']).to.equal('Bearer');
    }
    expect(t.hits.count('profile')).to.equal(0);
  });

  it('ignores a valid token in a form or JSON body, or in a cookie', async () => {
    const t = await makeApp();
    const token = forgeAccess(ring, t.alice);
    const form = await request(t.app.callback())
      .post('/api/profile')
      .type('form')
      .send({ access_token: token });
    expectError(form, 401, 'token_missing');
    const json = await request(t.app.callback()).post('/api/profile').send({ access_token: token });
    expectError(json, 401, 'token_missing');
    const cookie = await request(t.app.callback())
      .get('/api/profile')
      .set('Cookie', `access_token=${token}; Authorization=Bearer%20${token}`);
    expectError(cookie, 401, 'token_missing');
    expect(t.hits.count('profile') + t.hits.count('profileWrite')).to.equal(0);
  });

  it('answers two Authorization headers with 400 invalid_request', async () => {
    const t = await makeApp();
    const token = forgeAccess(ring, t.alice);
    const pairs = [
      [`Bearer ${token}`, `Bearer ${token}`],
      [`Bearer ${token}`, 'Bearer junk'],
      ['Basic dXNlcjpwYXNz', `Bearer ${token}`],
    ];
    for (const path of ['/api/profile', '/mixed', '/auth/me', '/dashboard/public']) {
      for (const pair of pairs) {
        const res = await request(t.app.callback()).get(path).set({ Authorization: pair });
        expectError(res, 400, 'invalid_request');
        expect(res.headers['www-authenticate']).to.equal('Bearer error="invalid_request"');
      }
    }
    expect(t.hits.total()).to.equal(0);
  });

  it('answers a custom token header sent twice with 400, and ignores Authorization there', async () => {
    const t = await makeApp();
    const token = forgeAccess(ring, t.alice);
    const twice = await request(t.app.callback())
      .get('/api/custom')
      .set({ 'X-Api-Key': [`Token ${token}`, `Token ${token}`] });
    expectError(twice, 400, 'invalid_request');
    const wrongHeader = await getWithBearer(t, '/api/custom', token);
    expectError(wrongHeader, 401, 'token_missing');
    expect(t.hits.count('custom')).to.equal(0);
  });
});
