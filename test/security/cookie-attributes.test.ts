// SECURITY-CASES.md 16 (session cookie attributes) and the 431 part of 17 (oversized headers).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import request from 'supertest';
import { MemoryUserStore, Portcullis } from '../../lib/index.js';
import { type TestApp, makeApp, secretA, secretB, signIn } from '../support/app.js';
import {
  JSON_ACCEPT,
  type Res,
  SAME_ORIGIN,
  type SetCookie,
  forgeSessionCookie,
  ringOf,
  setCookies,
} from './support.js';

const DAY = 86_400_000;
const MAX_AGE_MS = 400 * DAY;
const BASE = 'https://app.example.com';

/** The attributes every session Set-Cookie needs, in development and production. */
function expectSessionAttributes(c: SetCookie): void {
  expect(c.attrs.has('httponly'), `${c.name}: HttpOnly`).to.equal(true);
  expect(c.attrs.get('samesite')?.toLowerCase(), `${c.name}: SameSite`).to.equal('lax');
  expect(c.attrs.get('path'), `${c.name}: Path`).to.equal('/');
  expect(c.attrs.has('domain'), `${c.name}: no Domain`).to.equal(false);
  const expires = c.attrs.get('expires');
  if (expires !== undefined) expect(Date.parse(expires) - Date.now()).to.be.at.most(MAX_AGE_MS);
  const maxAge = c.attrs.get('max-age');
  if (maxAge !== undefined) expect(Number(maxAge)).to.be.at.most(MAX_AGE_MS / 1000);
}

/** Exactly one Set-Cookie per cookie name in this response. */
function expectOnePerName(res: Res, label: string): void {
  const names = setCookies(res).map((c) => c.name);
  expect(names, `${label}: duplicated Set-Cookie names`).to.deep.equal([...new Set(names)]);
}

function session(res: Res, name = 'portcullis'): SetCookie {
  const found = setCookies(res).filter((c) => c.name === name);
  expect(found, `Set-Cookie ${name}`).to.have.length(1);
  return found[0]!;
}

async function productionApp(): Promise<TestApp> {
  const t = await makeApp({ production: true, baseUrl: BASE });
  t.app.proxy = true;
  return t;
}

describe('security case 16: session cookie attributes', () => {
  it('sets HttpOnly, SameSite=Lax, Path=/, no Domain and an expiry within 400 days', async () => {
    const t = await makeApp();
    const res = await request(t.app.callback()).post(`/test/login/${t.alice.id}`);
    expect(res.status).to.equal(200);
    const c = session(res);
    expectSessionAttributes(c);
    expect(c.attrs.has('expires') || c.attrs.has('max-age'), 'an expiry').to.equal(true);
  });

  it('keeps the expiry within 400 days at the longest lifetimes allowed', async () => {
    const t = await makeApp({ session: { idleTimeout: '400d', absoluteTimeout: '400d' } });
    const res = await request(t.app.callback()).post(`/test/login/${t.alice.id}`);
    expectSessionAttributes(session(res));
  });

  it('refuses at start-up a session lifetime above 400 days', () => {
    const users = new MemoryUserStore();
    for (const lifetime of [{ idleTimeout: '401d' }, { absoluteTimeout: '401d' }] as const) {
      const start = () => new Portcullis({ secret: secretA, users, session: lifetime });
      expect(start, JSON.stringify(lifetime))
        .to.throw(TypeError)
        .with.property('message')
        .that.matches(/400 days/);
    }
  });

  it('uses the __Host- prefix, Secure, Path=/ and no Domain in production', async () => {
    const t = await productionApp();
    const res = await request(t.app.callback())
      .post(`/test/login/${t.alice.id}`)
      .set('X-Forwarded-Proto', 'https');
    expect(res.status).to.equal(200);
    const c = session(res, '__Host-portcullis');
    expectSessionAttributes(c);
    expect(c.attrs.has('secure'), 'Secure').to.equal(true);
    expect(setCookies(res).map((x) => x.name)).to.deep.equal(['__Host-portcullis']);
    const page = await request(t.app.callback())
      .get('/dashboard')
      .set('X-Forwarded-Proto', 'https')
      .set(JSON_ACCEPT)
      .set('Cookie', `__Host-portcullis=${c.value}`);
    expect(page.status).to.equal(200);
  });

  it('clears the production cookie with the same Secure, Path=/ and prefix', async () => {
    const t = await productionApp();
    const login = await request(t.app.callback())
      .post(`/test/login/${t.alice.id}`)
      .set('X-Forwarded-Proto', 'https');
    const res = await request(t.app.callback())
      .post('/auth/logout')
      .set('X-Forwarded-Proto', 'https')
      .set('Origin', BASE)
      .set('Cookie', `__Host-portcullis=${session(login, '__Host-portcullis').value}`);
    expect(res.status).to.equal(200);
    const c = session(res, '__Host-portcullis');
    expect(c.value).to.equal('');
    expect(c.attrs.has('secure'), 'Secure').to.equal(true);
    expect(c.attrs.get('path')).to.equal('/');
    expect(c.attrs.has('domain')).to.equal(false);
  });

  it('sends exactly one Set-Cookie per cookie name in every response', async () => {
    const t = await makeApp({ secret: undefined, keys: [secretA, secretB] });
    const agent = () => request(t.app.callback());
    const cookie = await signIn(request, t, t.alice);
    const post = (path: string, c: string) => agent().post(path).set(SAME_ORIGIN).set('Cookie', c);
    const old = new Portcullis({ secret: secretB, users: t.users, store: t.store });
    const stale = { createdAt: Date.now() - DAY, lastSeen: Date.now() - DAY };
    const flows: Array<[string, () => Promise<Res>]> = [
      ['login', () => agent().post(`/test/login/${t.alice.id}`)],
      ['login over a session', () => post(`/test/login/${t.bob.id}`, cookie)],
      [
        'login with chunk cookies',
        () => post(`/test/login/${t.bob.id}`, `${cookie}; portcullis.0=x; portcullis.1=y`),
      ],
      [
        'touch',
        async () =>
          agent()
            .get('/dashboard')
            .set('Cookie', await forgeSessionCookie(t, ringOf(secretA), t.alice, stale)),
      ],
      [
        're-seal',
        async () =>
          agent()
            .get('/dashboard')
            .set('Cookie', await old.testing.sessionCookie(t.alice)),
      ],
      ['logout', async () => post('/test/logout', await signIn(request, t, t.alice))],
      [
        'logout everywhere',
        async () =>
          post('/auth/logout', await signIn(request, t, t.alice)).send({ everywhere: true }),
      ],
      ['dead session', () => agent().get('/dashboard').set('Cookie', cookie)],
    ];
    for (const [label, run] of flows) {
      const res = await run();
      expect(res.status, label).to.be.below(500);
      expectOnePerName(res, label);
    }
  });
});

describe('security case 17: a header over the server limit', () => {
  it('answers 431 without reaching the app, and the server keeps serving', async () => {
    const t = await makeApp();
    const server = http.createServer(t.app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const send = (headers: http.OutgoingHttpHeaders) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port, path: '/dashboard', headers },
          (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    try {
      const big = 'a'.repeat(20 * 1024);
      const cookie = await signIn(request, t, t.alice);
      for (const headers of [
        { 'X-Filler': big },
        { Cookie: `${cookie}; x=${big}` },
        { Authorization: `Bearer ${big}` },
      ]) {
        const res = await send({ ...headers, Accept: 'application/json' });
        expect(res.status).to.equal(431);
        if (res.body !== '') expect(JSON.parse(res.body).error.code).to.equal('header_too_large');
      }
      expect(t.hits.count('dashboard')).to.equal(0);
      const after = await send({ Cookie: cookie, Accept: 'application/json' });
      expect(after.status, 'still serving').to.equal(200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
