import { expect } from 'chai';
import request from 'supertest';
import type { IssuedTokens, Store } from '../../lib/index.js';
import { type TestApp, type TestUser, makeApp } from '../support/app.js';
import { bearer, codeOf, issueVia } from '../support/tokens.js';

const ORIGIN = 'http://app.test';
const DAY = 86_400_000;

function profile(t: TestApp, accessToken: string) {
  return request(t.app.callback()).get('/api/profile').set('Authorization', bearer(accessToken));
}

function refresh(t: TestApp, refreshToken: string) {
  return request(t.app.callback())
    .post('/auth/token/refresh')
    .set('Authorization', bearer(refreshToken));
}

/** Expects both tokens of `pair` to be refused with 401 `code`, and no handler to have run. */
async function expectDead(t: TestApp, pair: IssuedTokens, code = 'token_revoked'): Promise<void> {
  const hits = t.hits.total();
  const a = await profile(t, pair.accessToken);
  expect(a.status, 'access token').to.equal(401);
  expect(codeOf(a), 'access token').to.equal(code);
  const r = await refresh(t, pair.refreshToken);
  expect(r.status, 'refresh token').to.equal(401);
  expect(codeOf(r), 'refresh token').to.equal(code);
  expect(r.body).to.not.have.property('accessToken');
  expect(t.hits.total(), 'a handler ran').to.equal(hits);
}

/** Expects both tokens of `pair` to work (the refresh token is spent by this). */
async function expectAlive(t: TestApp, pair: IssuedTokens, user: TestUser): Promise<void> {
  const a = await profile(t, pair.accessToken);
  expect(a.status, 'access token').to.equal(200);
  expect(a.body).to.deep.equal({ email: user.email });
  expect((await refresh(t, pair.refreshToken)).status, 'refresh token').to.equal(200);
}

describe('Portcullis#signOutEverywhere()', () => {
  it("ends the user's access tokens and refresh families issued before it, not other users'", async () => {
    const t = await makeApp();
    const alice1 = await issueVia(t, t.alice);
    const alice2 = await issueVia(t, t.alice, ['reports:read']);
    const bobs = await issueVia(t, t.bob);
    const events: unknown[] = [];
    t.auth.on('signed_out_everywhere', (e) => events.push(e));

    await t.auth.signOutEverywhere(t.alice.id);

    await expectDead(t, alice1);
    await expectDead(t, alice2);
    await expectAlive(t, bobs, t.bob);
    expect(events).to.have.length(1);
    expect(events[0]).to.include({ userId: t.alice.id });
  });

  it('leaves tokens issued after it working', async () => {
    const t = await makeApp();
    await issueVia(t, t.alice);
    await t.auth.signOutEverywhere(t.alice.id);
    const after = await issueVia(t, t.alice);
    await expectAlive(t, after, t.alice);
    expect((await t.auth.tokens.verify(after.accessToken, 'access')).userId).to.equal(t.alice.id);
  });

  it("ends the user's cookie sessions too", async () => {
    const t = await makeApp();
    const cookie = await t.auth.testing.sessionCookie(t.alice);
    expect(
      (await request(t.app.callback()).get('/dashboard').set('Cookie', cookie)).status,
    ).to.equal(200);
    await t.auth.signOutEverywhere(t.alice.id);
    const res = await request(t.app.callback()).get('/dashboard').set('Cookie', cookie);
    expect(res.status).to.equal(401);
    expect(codeOf(res)).to.equal('login_required');
    expect(t.hits.count('dashboard')).to.equal(1);
  });
});

describe('POST /auth/logout { everywhere: true }', () => {
  it("from a signed-in session, ends that user's earlier tokens and the session, not others'", async () => {
    const t = await makeApp({ baseUrl: ORIGIN });
    const before = await issueVia(t, t.alice);
    const bobs = await issueVia(t, t.bob);
    const cookie = await t.auth.testing.sessionCookie(t.alice);

    const res = await request(t.app.callback())
      .post('/auth/logout')
      .set('Cookie', cookie)
      .set('Origin', ORIGIN)
      .send({ everywhere: true });
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ ok: true });

    await expectDead(t, before);
    const dash = await request(t.app.callback()).get('/dashboard').set('Cookie', cookie);
    expect(dash.status).to.equal(401);
    expect(codeOf(dash)).to.equal('login_required');
    expect(t.hits.count('dashboard')).to.equal(0);
    await expectAlive(t, bobs, t.bob);
    await expectAlive(t, await issueVia(t, t.alice), t.alice);
  });

  it("without everywhere, ends only the session: the user's tokens keep working", async () => {
    const t = await makeApp({ baseUrl: ORIGIN });
    const before = await issueVia(t, t.alice);
    const cookie = await t.auth.testing.sessionCookie(t.alice);
    const res = await request(t.app.callback())
      .post('/auth/logout')
      .set('Cookie', cookie)
      .set('Origin', ORIGIN)
      .send({ everywhere: false });
    expect(res.status).to.equal(200);
    await expectAlive(t, before, t.alice);
  });

  it('refuses a cross-site request (403 csrf_failed) and signs nobody out', async () => {
    const t = await makeApp({ baseUrl: ORIGIN });
    const before = await issueVia(t, t.alice);
    const cookie = await t.auth.testing.sessionCookie(t.alice);
    const res = await request(t.app.callback())
      .post('/auth/logout')
      .set('Cookie', cookie)
      .set('Origin', 'https://evil.example')
      .send({ everywhere: true });
    expect(res.status).to.equal(403);
    expect(codeOf(res)).to.equal('csrf_failed');
    await expectAlive(t, before, t.alice);
  });
});

/**
 * A Store whose clock can be moved forward, to see what the store forgets after a long time
 * (entries expire exactly as in MemoryStore, `increment` keeping a counter's first expiry as
 * the Store contract says). Tokens and cookies still see the real clock: this stands for a user
 * who keeps using the app, rotating their refresh token, for those weeks.
 */
class ClockStore implements Store {
  readonly local = true;
  private offset = 0;
  private readonly map = new Map<string, { value: string; expires: number }>();

  advance(ms: number): void {
    this.offset += ms;
  }

  private read(key: string): string | undefined {
    const e = this.map.get(key);
    if (e && e.expires <= Date.now() + this.offset) this.map.delete(key);
    return this.map.get(key)?.value;
  }

  async get(key: string): Promise<string | undefined> {
    return this.read(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.map.set(key, { value, expires: Date.now() + this.offset + ttlMs });
  }

  async add(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.read(key) !== undefined) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  async take(key: string): Promise<string | undefined> {
    const value = this.read(key);
    this.map.delete(key);
    return value;
  }

  async delete(key: string): Promise<void> {
    this.map.delete(key);
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    const current = this.read(key);
    const next = (current === undefined ? 0 : Number(current)) + 1;
    const expires =
      current === undefined ? Date.now() + this.offset + ttlMs : this.map.get(key)!.expires;
    this.map.set(key, { value: String(next), expires });
    return next;
  }

  // the session index, as a JSON list under the same clock (not atomic: one test, one request at a time)
  async addMember(key: string, member: string, ttlMs: number): Promise<void> {
    const list = await this.members(key);
    await this.set(key, JSON.stringify([...list.filter((m) => m !== member), member]), ttlMs);
  }

  async removeMembers(key: string, members: readonly string[]): Promise<void> {
    const e = this.map.get(key);
    if (!e) return;
    const left = (await this.members(key)).filter((m) => !members.includes(m));
    e.value = JSON.stringify(left);
  }

  async members(key: string): Promise<string[]> {
    const raw = this.read(key);
    return raw === undefined ? [] : (JSON.parse(raw) as string[]);
  }

  async close(): Promise<void> {
    this.map.clear();
  }
}

describe('Portcullis#signOutEverywhere() weeks apart', () => {
  it('a second sign-out everywhere, weeks after the first, ends what was issued in between', async () => {
    const store = new ClockStore();
    const t = await makeApp({ store });
    await t.auth.signOutEverywhere(t.alice.id); // day 0 (e.g. a suspected breach)
    store.advance(20 * DAY);
    const pair = await issueVia(t, t.alice); // day 20: signs in again on a phone
    const cookie = await t.auth.testing.sessionCookie(t.alice); // and in a browser
    store.advance(12 * DAY);
    await t.auth.signOutEverywhere(t.alice.id); // day 32: the phone is stolen

    const r = await refresh(t, pair.refreshToken);
    expect(r.status, 'refresh token from day 20').to.equal(401);
    expect(codeOf(r)).to.equal('token_revoked');
    expect(r.body).to.not.have.property('accessToken');
    const dash = await request(t.app.callback()).get('/dashboard').set('Cookie', cookie);
    expect(dash.status, 'session from day 20').to.equal(401);
    expect(codeOf(dash)).to.equal('login_required');
    expect(t.hits.count('dashboard')).to.equal(0);
  });

  it('tokens issued after a sign-out everywhere keep working weeks later', async () => {
    const store = new ClockStore();
    const t = await makeApp({ store });
    await t.auth.signOutEverywhere(t.alice.id); // day 0
    store.advance(20 * DAY);
    const pair = await issueVia(t, t.alice); // day 20
    store.advance(12 * DAY); // day 32: the family lives until day 50
    const r = await refresh(t, pair.refreshToken);
    expect(r.status).to.equal(200);
    expect(codeOf(r)).to.equal(undefined);
  });
});

describe('@TokenRequired: deleted users and isUserValid', () => {
  it("a deleted user's tokens are refused with 401 token_invalid", async () => {
    const t = await makeApp();
    const pair = await issueVia(t, t.bob);
    await t.users.delete(t.bob.id);
    await expectDead(t, pair, 'token_invalid');
    const me = await request(t.app.callback())
      .get('/auth/me')
      .set('Authorization', bearer(pair.accessToken));
    expect(me.status).to.equal(401);
    expect(codeOf(me)).to.equal('token_invalid');
  });

  it('isUserValid returning false refuses bearer requests with 401; it sees the user and ctx', async () => {
    const seen: Array<[string, string]> = [];
    const t = await makeApp({
      isUserValid: (user, ctx) => {
        seen.push([user.id, ctx.path]);
        return !user.disabled;
      },
    });
    const bobs = await issueVia(t, t.bob, ['reports:read']);
    const alices = await issueVia(t, t.alice);
    await t.users.update(t.bob.id, { disabled: true });

    await expectDead(t, bobs);
    const reports = await request(t.app.callback())
      .get('/api/reports')
      .set('Authorization', bearer(bobs.accessToken));
    expect(reports.status).to.equal(401);
    expect(codeOf(reports)).to.equal('token_revoked');
    const custom = await request(t.app.callback())
      .get('/api/custom')
      .set('X-Api-Key', `Token ${bobs.accessToken}`);
    expect(custom.status).to.equal(401);
    expect(codeOf(custom)).to.equal('token_revoked');
    expect(t.hits.count('reports') + t.hits.count('custom')).to.equal(0);

    await expectAlive(t, alices, t.alice);
    expect(seen).to.deep.include([t.bob.id, '/api/profile']);
    expect(seen).to.deep.include([t.alice.id, '/api/profile']);
  });
});
