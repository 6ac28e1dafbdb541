// SECURITY-CASES.md 11-15: tampered, rotated, stale, replayed and fixated session cookies.
import { expect } from 'chai';
import request from 'supertest';
import { Portcullis } from '../../lib/index.js';
import type { Keyring } from '../../lib/keys/keyring.js';
import { seal, unseal } from '../../lib/session/seal.js';
import { type TestApp, makeApp, secretA, secretB, signIn } from '../support/app.js';
import {
  JSON_ACCEPT,
  type Res,
  SAME_ORIGIN,
  expectError,
  expectNoNewSession,
  forgeSessionCookie,
  ringOf,
  setCookies,
} from './support.js';

const DAY = 86_400_000;
const ring = ringOf(secretA);

function dashboard(
  t: TestApp,
  cookie: string,
  accept: Record<string, string> = JSON_ACCEPT,
): Promise<Res> {
  return request(t.app.callback()).get('/dashboard').set(accept).set('Cookie', cookie);
}

/** The cookie is treated as no session: 401 (API) and a redirect (browser), never a new cookie. */
async function expectNoSession(t: TestApp, cookie: string): Promise<void> {
  const api = await dashboard(t, cookie);
  expectError(api, 401, 'login_required');
  expectNoNewSession(api);
  const page = await dashboard(t, cookie, { Accept: 'text/html' });
  expect(page.status, 'browser request').to.equal(302);
  expect(page.headers.location).to.equal('/login?returnTo=%2Fdashboard');
  expectNoNewSession(page);
}

const sealedOf = (cookie: string) => cookie.slice(cookie.indexOf('=') + 1);

/** The sign-in sealed in a `name=value` cookie, opened with `keys`. */
function sessionOf(cookie: string, keys: Keyring = ring): { s: string; c: number; t: number } {
  const opened = unseal<{ $pc: { s: string; c: number; t: number } }>(
    keys,
    'session',
    sealedOf(cookie),
  );
  expect(opened, 'cookie opens').to.not.equal(undefined);
  return opened!.value.$pc;
}

/** `kid.body` with one bit of body byte `index` flipped (negative: from the end). */
function flipByte(sealed: string, index: number): string {
  const body = Buffer.from(sealed.slice(9), 'base64url');
  body[(index + body.length) % body.length]! ^= 0x01;
  return `${sealed.slice(0, 9)}${body.toString('base64url')}`;
}

function newCookie(res: Res): string {
  const c = setCookies(res).find((x) => x.name === 'portcullis' && x.value !== '');
  expect(c, 'a new session cookie').to.not.equal(undefined);
  return `portcullis=${c!.value}`;
}

describe('security case 11: tampered and foreign session cookies', () => {
  it('treats a cookie with one byte flipped (iv, ciphertext, tag or kid) as no session', async () => {
    const t = await makeApp();
    const sealed = sealedOf(await signIn(request, t, t.alice));
    for (const i of [0, 11, 12, 20, -17, -16, -1]) {
      await expectNoSession(t, `portcullis=${flipByte(sealed, i)}`);
    }
    const kid = sealed.slice(0, 8);
    const otherKid = `${kid.slice(0, 3)}${kid[3] === 'A' ? 'B' : 'A'}${kid.slice(4)}`;
    await expectNoSession(t, `portcullis=${otherKid}${sealed.slice(8)}`);
    expect(t.hits.count('dashboard')).to.equal(0);
  });

  it('treats a truncated cookie as no session', async () => {
    const t = await makeApp();
    const sealed = sealedOf(await signIn(request, t, t.alice));
    const cuts = [1, 4, 16, 17, Math.floor(sealed.length / 2), sealed.length - 9];
    for (const cut of cuts) await expectNoSession(t, `portcullis=${sealed.slice(0, -cut)}`);
    for (const v of [sealed.slice(0, 8), '', '.', `${sealed.slice(9)}`]) {
      await expectNoSession(t, `portcullis=${v}`);
    }
    expect(t.hits.count('dashboard')).to.equal(0);
  });

  it("treats a splice of two users' cookies as no session", async () => {
    const t = await makeApp();
    const a = Buffer.from(sealedOf(await signIn(request, t, t.alice)).slice(9), 'base64url');
    const b = Buffer.from(sealedOf(await signIn(request, t, t.bob)).slice(9), 'base64url');
    const kid = ring.current('session').kid;
    const splices = [
      Buffer.concat([a.subarray(0, 12), b.subarray(12)]),
      Buffer.concat([a.subarray(0, a.length - 16), b.subarray(b.length - 16)]),
    ];
    for (const body of splices)
      await expectNoSession(t, `portcullis=${kid}.${body.toString('base64url')}`);
    expect(t.hits.count('dashboard')).to.equal(0);
  });

  it('treats a cookie sealed with an unknown key, or for another purpose, as no session', async () => {
    const t = await makeApp();
    expect((await dashboard(t, await forgeSessionCookie(t, ring, t.alice))).status).to.equal(200);
    const before = t.hits.count('dashboard');
    await expectNoSession(t, await forgeSessionCookie(t, ringOf(secretB), t.alice));
    const foreign = sealedOf(await forgeSessionCookie(t, ringOf(secretB), t.alice));
    await expectNoSession(t, `portcullis=${ring.current('session').kid}${foreign.slice(8)}`);
    const data = { $pc: { s: 'x', u: t.alice.id, c: Date.now(), t: Date.now() } };
    for (const purpose of ['flow', 'state', 'magic'] as const) {
      await expectNoSession(t, `portcullis=${seal(ring, purpose, data)}`);
    }
    expect(t.hits.count('dashboard')).to.equal(before);
  });

  it('refuses a genuine cookie of another deployment whose registry never saw it', async () => {
    const t = await makeApp();
    const elsewhere = new Portcullis({ secret: secretA, users: t.users, logger: t.logger });
    const cookie = await elsewhere.testing.sessionCookie(t.alice);
    const res = await dashboard(t, cookie);
    expectError(res, 401, 'login_required');
    expectNoNewSession(res);
    expect(t.hits.count('dashboard')).to.equal(0);
  });
});

describe('security case 12: a cookie sealed with an older key', () => {
  it('is accepted while the key is in the list, and re-sealed once with the current key', async () => {
    const t = await makeApp({ secret: undefined, keys: [secretB, secretA] });
    const old = new Portcullis({ secret: secretA, users: t.users, store: t.store });
    const cookie = await old.testing.sessionCookie(t.alice);
    const res = await dashboard(t, cookie);
    expect(res.status).to.equal(200);
    const resealed = newCookie(res);
    expect(sealedOf(resealed).slice(0, 8)).to.equal(ringOf(secretB).current('session').kid);
    expect(sessionOf(resealed, ringOf(secretB)).s).to.equal(sessionOf(cookie).s);
    const again = await dashboard(t, resealed);
    expect(again.status).to.equal(200);
    expect(setCookies(again), 'no further re-seal').to.deep.equal([]);
  });

  it('is refused once the key is retired from the list', async () => {
    const t = await makeApp({ secret: secretB });
    const old = new Portcullis({ secret: secretA, users: t.users, store: t.store });
    await expectNoSession(t, await old.testing.sessionCookie(t.alice));
    expect(t.hits.count('dashboard')).to.equal(0);
  });
});

describe('security case 13: lifetimes are checked from the times sealed inside', () => {
  it('rejects a session idle longer than idleTimeout, whatever the cookie expiry says', async () => {
    const t = await makeApp();
    const now = Date.now();
    const idle = { createdAt: now - 8 * DAY, lastSeen: now - 7 * DAY - 60_000 };
    await expectNoSession(t, await forgeSessionCookie(t, ring, t.alice, idle));
    const short = await makeApp({ session: { idleTimeout: '10m' } });
    const stale = { createdAt: now - 30 * 60_000, lastSeen: now - 11 * 60_000 };
    await expectNoSession(short, await forgeSessionCookie(short, ring, short.alice, stale));
    expect(t.hits.count('dashboard') + short.hits.count('dashboard')).to.equal(0);
  });

  it('rejects a session older than absoluteTimeout even when it was just used', async () => {
    const t = await makeApp();
    const now = Date.now();
    const old = { createdAt: now - 30 * DAY - 60_000, lastSeen: now - 1000 };
    await expectNoSession(t, await forgeSessionCookie(t, ring, t.alice, old));
    const short = await makeApp({ session: { idleTimeout: '10m', absoluteTimeout: '1h' } });
    const hourOld = { createdAt: now - 61 * 60_000, lastSeen: now - 1000 };
    await expectNoSession(short, await forgeSessionCookie(short, ring, short.alice, hourOld));
    expect(t.hits.count('dashboard') + short.hits.count('dashboard')).to.equal(0);
  });

  it('keeps a session inside both limits and refreshes its sealed last-seen time', async () => {
    const t = await makeApp();
    const now = Date.now();
    const live = { createdAt: now - 29 * DAY, lastSeen: now - 6 * DAY };
    const res = await dashboard(t, await forgeSessionCookie(t, ring, t.alice, live));
    expect(res.status).to.equal(200);
    const touched = sessionOf(newCookie(res));
    expect(touched.t).to.be.at.least(now);
    expect(touched.c, 'sign-in time is kept').to.equal(live.createdAt);
  });
});

describe('security case 14: a cookie replayed after logout', () => {
  for (const path of ['/test/logout', '/auth/logout']) {
    it(`is rejected after POST ${path} (revoked on the server, not just cleared)`, async () => {
      const t = await makeApp();
      const cookie = await signIn(request, t, t.alice);
      const out = await request(t.app.callback()).post(path).set(SAME_ORIGIN).set('Cookie', cookie);
      expect(out.status).to.equal(200);
      await expectNoSession(t, cookie);
      const me = await request(t.app.callback()).get('/auth/me').set('Cookie', cookie);
      expectError(me, 401, 'login_required');
      expect(t.hits.count('dashboard')).to.equal(0);
    });
  }
});

describe('security case 15: session fixation', () => {
  it('gives a new session id at login and kills the previous session', async () => {
    const t = await makeApp();
    const planted = await signIn(request, t, t.alice);
    for (const user of [t.bob, t.alice]) {
      const res = await request(t.app.callback())
        .post(`/test/login/${user.id}`)
        .set(SAME_ORIGIN)
        .set('Cookie', planted);
      expect(res.status).to.equal(200);
      const fresh = newCookie(res);
      expect(sessionOf(fresh).s).to.not.equal(sessionOf(planted).s);
      expect((await dashboard(t, fresh)).body).to.deep.equal({ email: user.email });
    }
    await expectNoSession(t, planted);
    expect(t.hits.count('dashboard')).to.equal(2);
  });

  it('does not carry an anonymous session planted before login into the new session', async () => {
    const t = await makeApp();
    const data = { cart: 'attacker', _expire: Date.now() + DAY, _maxAge: DAY };
    const planted = `portcullis=${seal(ring, 'session', data)}`;
    const res = await request(t.app.callback())
      .post(`/test/login/${t.bob.id}`)
      .set(SAME_ORIGIN)
      .set('Cookie', planted);
    expect(res.status).to.equal(200);
    const fresh = newCookie(res);
    expect(fresh).to.not.equal(planted);
    const opened = unseal<Record<string, unknown>>(ring, 'session', sealedOf(fresh))!.value;
    expect(opened).to.not.have.property('cart');
    await expectNoSession(t, planted);
    expect(t.hits.count('dashboard')).to.equal(0);
  });
});
