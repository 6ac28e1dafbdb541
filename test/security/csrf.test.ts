// SECURITY-CASES.md 19: cookie-authenticated writes from another origin, or without proof.
import { expect } from 'chai';
import request from 'supertest';
import { type TestApp, makeApp, signIn } from '../support/app.js';
import { JSON_ACCEPT, type Res, codeOf, expectError } from './support.js';

const ORIGIN = 'http://app.test';
const EVIL = 'https://evil.example';
const METHODS = ['post', 'put', 'patch', 'delete'] as const;
type Method = (typeof METHODS)[number] | 'get';
type Headers = Record<string, string | string[]>;

/** Ways a request may come from elsewhere, or fail to prove where it comes from. */
const FOREIGN: Headers[] = [
  { Origin: EVIL },
  { Origin: 'null' },
  { Origin: `${ORIGIN}.evil.example` },
  { Origin: 'https://app.test' },
  { Origin: `${ORIGIN}:8080` },
  { Origin: [ORIGIN, EVIL] },
  { 'Sec-Fetch-Site': 'cross-site' },
  { 'Sec-Fetch-Site': 'same-site' },
  { 'Sec-Fetch-Site': ['same-origin', 'cross-site'] },
  { 'Sec-Fetch-Site': 'cross-site', Origin: EVIL },
  { 'Sec-Fetch-Site': 'same-origin', Origin: EVIL },
  { Referer: `${EVIL}/form` },
  { Referer: `${ORIGIN}.evil.example/form` },
  { Referer: 'not a url' },
  {},
];

async function setup(): Promise<{ t: TestApp; cookie: string }> {
  const t = await makeApp({ baseUrl: ORIGIN });
  return { t, cookie: await signIn(request, t, t.alice) };
}

function send(t: TestApp, method: Method, path: string, headers: Headers): Promise<Res> {
  return request(t.app.callback())[method](path).set(JSON_ACCEPT).set(headers);
}

async function expectAllRefused(t: TestApp, method: Method, path: string, cookie: string) {
  for (const headers of FOREIGN) {
    const res = await send(t, method, path, { ...headers, Cookie: cookie });
    expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).to.equal(403);
    expectError(res, 403, 'csrf_failed');
  }
}

describe('security case 19: CSRF on cookie-authenticated writes', () => {
  for (const method of METHODS) {
    it(`refuses a cross-origin or unproven cookie ${method.toUpperCase()} with 403 csrf_failed`, async () => {
      const { t, cookie } = await setup();
      await expectAllRefused(t, method, '/dashboard/item', cookie);
      expect(t.hits.count('item')).to.equal(0);
    });
  }

  it('refuses them on routes without any guard, and on the built-in auth routes', async () => {
    const { t, cookie } = await setup();
    await expectAllRefused(t, 'post', '/unguarded', cookie);
    await expectAllRefused(t, 'post', `/test/login/${t.bob.id}`, cookie);
    await expectAllRefused(t, 'post', '/test/logout', cookie);
    await expectAllRefused(t, 'post', '/auth/logout', cookie);
    expect(t.hits.total()).to.equal(1); // the sign-in of setup()
    const still = await send(t, 'get', '/dashboard', { Cookie: cookie });
    expect(still.body, 'the session survived').to.deep.equal({ email: t.alice.email });
  });

  it('applies to a session split over chunk cookies too', async () => {
    const { t, cookie } = await setup();
    const value = cookie.slice(cookie.indexOf('=') + 1);
    const half = Math.floor(value.length / 2);
    const chunked = `portcullis.0=${value.slice(0, half)}; portcullis.1=${value.slice(half)}`;
    const same = await send(t, 'post', '/dashboard/item', { Cookie: chunked, Origin: ORIGIN });
    expect(same.status, 'control: the chunked session works').to.equal(200);
    await expectAllRefused(t, 'post', '/dashboard/item', chunked);
    expect(t.hits.count('item')).to.equal(1);
  });

  it('accepts same-origin proof by Origin, Sec-Fetch-Site or Referer (control)', async () => {
    const { t, cookie } = await setup();
    const proofs: Headers[] = [
      { Origin: ORIGIN },
      { 'Sec-Fetch-Site': 'same-origin' },
      { Referer: `${ORIGIN}/dashboard` },
    ];
    for (const headers of proofs) {
      const res = await send(t, 'patch', '/dashboard/item', { ...headers, Cookie: cookie });
      expect(res.status, JSON.stringify(headers)).to.equal(200);
    }
    expect(t.hits.count('item')).to.equal(3);
  });

  it('exempts bearer-authenticated writes, and never lends them the cookie user', async () => {
    const { t, cookie } = await setup();
    const bob = await t.auth.testing.bearer(t.bob);
    const crossSite = { Origin: EVIL, 'Sec-Fetch-Site': 'cross-site', Authorization: bob };
    const alone = await send(t, 'post', '/api/profile', crossSite);
    expect(alone.status).to.equal(200);
    const withCookie = await send(t, 'post', '/api/profile', { ...crossSite, Cookie: cookie });
    expect(withCookie.status).to.equal(200);
    expect(withCookie.body).to.deep.equal({ email: t.bob.email });
    expect(t.hits.count('profileWrite')).to.equal(2);
  });

  it('does not let a junk Authorization header carry a cross-site cookie write', async () => {
    const { t, cookie } = await setup();
    for (const authorization of ['Bearer junk', 'Basic dXNlcjpwYXNz', 'Token x']) {
      for (const method of METHODS) {
        const headers = { Origin: EVIL, Cookie: cookie, Authorization: authorization };
        const res = await send(t, method, '/dashboard/item', headers);
        expect(res.status, `${method} ${authorization}`).to.be.oneOf([401, 403]);
        expect(codeOf(res)).to.be.oneOf(['login_required', 'csrf_failed']);
      }
    }
    expect(t.hits.count('item')).to.equal(0);
  });
});
