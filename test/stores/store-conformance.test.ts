import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { Redis } from 'ioredis';
import { MemoryUserStore, Portcullis, type Store } from '../../lib/index.js';
import { RedisStore, SqliteStore } from '../../lib/stores.js';
import { REDIS_URL, needService } from '../support/services.js';
import { MemoryLogger, secretA } from '../support/app.js';
import { allBackends, type Backend } from './backends.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One app instance: its Portcullis and its HTTP client. */
interface Instance {
  auth: Portcullis<{ id: string; email: string }>;
  http: ReturnType<typeof request>;
}

/** The same contract, against every Store (a new handle per "instance" where it has connections). */
for (const kind of allBackends) {
  describe(`Store conformance: ${kind.name}`, function () {
    let backend: Backend;
    let store: Store;
    before(async function () {
      await kind.ready(this);
    });
    beforeEach(() => {
      backend = kind.make();
      store = backend.open();
    });
    afterEach(() => backend.dispose());

    it('gets what was set, until its TTL passes; set() replaces value and TTL', async () => {
      await store.set('k', 'v1', 60);
      expect(await store.get('k')).to.equal('v1');
      await store.set('k', 'v2', 10_000);
      await wait(90);
      expect(await store.get('k')).to.equal('v2');
      await store.set('short', 'x', 40);
      await wait(80);
      expect(await store.get('short')).to.equal(undefined);
      expect(await store.get('never-set')).to.equal(undefined);
    });

    it('add() sets only when absent, and again once the old value expired', async () => {
      expect(await store.add('k', '1', 50)).to.equal(true);
      expect(await store.add('k', '2', 50)).to.equal(false);
      expect(await store.get('k')).to.equal('1');
      await wait(90);
      expect(await store.add('k', '3', 1000)).to.equal(true);
      expect(await store.get('k')).to.equal('3');
    });

    it('add(): of 50 concurrent adders on 5 handles, exactly one wins', async () => {
      const handles = [store, ...[1, 2, 3, 4].map(() => backend.open())];
      const wins = await Promise.all(
        Array.from({ length: 50 }, (_, i) => handles[i % 5]!.add('nx', `v${i}`, 5000)),
      );
      expect(wins.filter(Boolean)).to.have.length(1);
      expect(await store.get('nx')).to.equal(`v${wins.indexOf(true)}`);
    });

    it('take(): of 50 concurrent takers on 5 handles, exactly one gets the value', async () => {
      const handles = [store, ...[1, 2, 3, 4].map(() => backend.open())];
      await store.set('once', 'prize', 5000);
      const got = await Promise.all(
        Array.from({ length: 50 }, (_, i) => handles[i % 5]!.take('once')),
      );
      expect(got.filter((v) => v !== undefined)).to.deep.equal(['prize']);
      expect(await store.get('once')).to.equal(undefined);
    });

    it('take() of an expired or missing key gives undefined', async () => {
      await store.set('gone', 'x', 30);
      await wait(70);
      expect(await store.take('gone')).to.equal(undefined);
      expect(await store.take('missing')).to.equal(undefined);
    });

    it('delete() removes values and sets; a missing key is not an error', async () => {
      await store.set('k', 'v', 5000);
      await store.addMember('s', 'a', 5000);
      await store.delete('k');
      await store.delete('s');
      await store.delete('missing');
      expect(await store.get('k')).to.equal(undefined);
      expect(await store.members('s')).to.deep.equal([]);
    });

    it('increment() counts from 1, keeps the first TTL, and starts over once expired', async () => {
      expect(await store.increment('c', 150)).to.equal(1);
      expect(await store.increment('c', 100_000)).to.equal(2);
      expect(await store.increment('c', 100_000)).to.equal(3);
      await wait(220);
      expect(await store.increment('c', 5000)).to.equal(1);
    });

    it('increment(): 50 concurrent increments on 5 handles give 1..50, each once', async () => {
      const handles = [store, ...[1, 2, 3, 4].map(() => backend.open())];
      const values = await Promise.all(
        Array.from({ length: 50 }, (_, i) => handles[i % 5]!.increment('n', 5000)),
      );
      expect([...values].sort((a, b) => a - b)).to.deep.equal(
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
    });

    it('sets: members added concurrently on 5 handles all land; removal; the TTL is renewed', async () => {
      const handles = [store, ...[1, 2, 3, 4].map(() => backend.open())];
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => handles[i % 5]!.addMember('set', `m${i}`, 5000)),
      );
      expect((await store.members('set')).sort()).to.deep.equal(
        Array.from({ length: 50 }, (_, i) => `m${i}`).sort(),
      );
      await store.removeMembers('set', ['m0', 'm1', 'not-there']);
      await store.removeMembers('set', []);
      expect(await store.members('set')).to.have.length(48);
      expect(await store.members('set')).not.to.include('m0');

      await store.addMember('short', 'a', 60);
      await wait(40);
      await store.addMember('short', 'b', 60); // renews the whole set
      await wait(40);
      expect((await store.members('short')).sort()).to.deep.equal(['a', 'b']);
      await wait(60);
      expect(await store.members('short')).to.deep.equal([]);
    });

    it('keeps keys and values byte for byte (unicode, separators, JSON)', async () => {
      const key = 'sess:ü/ key:\u00e9\u4e2d%*?[x]';
      const value = JSON.stringify({ u: 'ünï', n: 1, q: '"\'\\' });
      await store.set(key, value, 5000);
      expect(await store.get(key)).to.equal(value);
      expect(await store.get('sess:u/ key:')).to.equal(undefined);
    });

    it("rate limits: every handle counts against the same limit (or the process's own)", async () => {
      const other = backend.open();
      if (!store.rateLimiter || !other.rateLimiter) {
        expect(kind.name).to.equal('MemoryStore'); // only the in-process store counts in memory
        return;
      }
      const spec = { keyPrefix: `rl:test${Math.random()}`, points: 3, duration: 60 };
      const a = store.rateLimiter(spec);
      const b = other.rateLimiter(spec);
      await wait(20); // SQLite creates its table right after construction
      await a.consume('1.2.3.4');
      await b.consume('1.2.3.4');
      await a.consume('1.2.3.4');
      const refused = await b.consume('1.2.3.4').catch((e: unknown) => e);
      expect(refused).to.be.instanceOf(RateLimiterRes);
      expect((refused as RateLimiterRes).msBeforeNext).to.be.greaterThan(0);
      await b.consume('5.6.7.8'); // another key has its own count
    });

    it('a handle answers its first calls at once, while it is still connecting', async () => {
      const fresh = backend.open();
      const limiter = fresh.rateLimiter?.({ keyPrefix: 'rl:fresh', points: 5, duration: 60 });
      await Promise.all([fresh.set('first', 'v', 5000), limiter?.consume('1.2.3.4')]);
      expect(await fresh.get('first')).to.equal('v');
    });

    it('a refresh token rotated concurrently on two app instances: all get the same successor (reuse grace)', async () => {
      const users = new MemoryUserStore<{ id: string; email: string }>();
      const alice = await users.create({ email: 'alice@example.com' });
      const apps = [store, backend.open()].map(
        (s) => new Portcullis({ secret: secretA, users, store: s, logger: new MemoryLogger() }),
      );
      const reuse: unknown[] = [];
      for (const auth of apps) auth.on('token_reuse', (e) => reuse.push(e));
      const { refreshToken } = await apps[0]!.tokens.issue(alice);
      const servers = apps.map((auth) => {
        const app = new Koa();
        app.use(auth.middleware());
        app.use(auth.routes());
        return request(app.callback());
      });
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          servers[i % 2]!.post('/auth/token/refresh').set(
            'Authorization',
            `Bearer ${refreshToken}`,
          ),
        ),
      );
      expect(results.map((r) => r.status)).to.deep.equal(Array(10).fill(200));
      const heads = new Set(results.map((r) => (r.body as { refreshToken: string }).refreshToken));
      expect(heads.size).to.equal(1);
      const head = [...heads][0]!;
      const next = await servers[1]!
        .post('/auth/token/refresh')
        .set('Authorization', `Bearer ${head}`);
      expect(next.status).to.equal(200);
      expect(reuse).to.deep.equal([]);
      // the first token again, its successor used: reuse
      const replay = await servers[0]!
        .post('/auth/token/refresh')
        .set('Authorization', `Bearer ${refreshToken}`);
      expect(replay.status).to.equal(401);
      expect(reuse).to.have.length(1);
    });

    it('a refresh token spent concurrently on two app instances, reuse grace off: one wins, the family dies', async () => {
      const users = new MemoryUserStore<{ id: string; email: string }>();
      const alice = await users.create({ email: 'alice@example.com' });
      const apps = [store, backend.open()].map(
        (s) =>
          new Portcullis({
            secret: secretA,
            users,
            store: s,
            logger: new MemoryLogger(),
            tokens: { refreshReuseGrace: false },
          }),
      );
      const { refreshToken } = await apps[0]!.tokens.issue(alice);
      const servers = apps.map((auth) => {
        const app = new Koa();
        app.use(auth.middleware());
        app.use(auth.routes());
        return request(app.callback());
      });
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          servers[i % 2]!.post('/auth/token/refresh').set(
            'Authorization',
            `Bearer ${refreshToken}`,
          ),
        ),
      );
      const ok = results.filter((r) => r.status === 200);
      expect(ok).to.have.length(1);
      for (const r of results.filter((r) => r.status !== 200)) expect(r.status).to.equal(401);
      const next = ok[0]!.body as { refreshToken: string; accessToken: string };
      const replay = await servers[1]!
        .post('/auth/token/refresh')
        .set('Authorization', `Bearer ${next.refreshToken}`);
      expect(replay.status).to.equal(401);
    });

    it('a session signed out through one app instance is refused by another within 1 s', async () => {
      const users = new MemoryUserStore<{ id: string; email: string }>();
      const alice = await users.create({ email: 'alice@example.com' });
      const [a, b] = [store, backend.open()].map((s) => {
        const auth = new Portcullis({
          secret: secretA,
          users,
          store: s,
          logger: new MemoryLogger(),
          csrf: { allowMissingOrigin: true },
        });
        const app = new Koa();
        app.use(auth.middleware());
        app.use(auth.routes());
        return { auth, http: request(app.callback()) };
      }) as [Instance, Instance];
      const bHttp = b.http;
      const cookie = await a.auth.testing.sessionCookie(alice);
      for (let i = 0; i < 3; i++) {
        expect((await bHttp.get('/auth/me').set('Cookie', cookie)).status).to.equal(200); // cached live
      }
      expect((await a.http.post('/auth/logout').set('Cookie', cookie)).status).to.be.oneOf([
        200, 204,
      ]);
      const started = Date.now();
      let status = 200;
      while (status === 200 && Date.now() - started < 1000) {
        status = (await bHttp.get('/auth/me').set('Cookie', cookie)).status;
      }
      expect(status).to.equal(401);
    });

    it('a revocation feed, when the store has one, moves on every handle after a revocation', async function () {
      const other = backend.open();
      const [mine, theirs] = [store.revisions, other.revisions];
      if (!mine || !theirs) return this.skip(); // read at every request instead
      const deadline = Date.now() + 2000;
      while (
        (mine.current() === undefined || theirs.current() === undefined) &&
        Date.now() < deadline
      )
        await wait(10);
      const before = theirs.current();
      expect(before).to.be.a('number');
      await store.set('rat:some-token', '1', 5000); // as Portcullis does: write the revocation,
      mine.bump(); // then announce it
      while (theirs.current() === before && Date.now() < deadline) await wait(5);
      expect(theirs.current()).to.not.equal(before);
    });
  });
}

describe('SqliteStore housekeeping', () => {
  it('purges expired rows (values, set members), keeps live ones, and closes', async () => {
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(':memory:');
    const store = new SqliteStore({ database: db, purgeInterval: 60_000 });
    await store.set('old', 'x', 20);
    await store.set('live', 'y', 60_000);
    await store.addMember('oldset', 'm', 20);
    await store.addMember('liveset', 'm', 60_000);
    await wait(50);
    const rows = () =>
      [
        db.prepare('SELECT count(*) FROM portcullis_kv').pluck().get(),
        db.prepare('SELECT count(*) FROM portcullis_set_members').pluck().get(),
      ] as number[];
    expect(rows()).to.deep.equal([2, 2]); // expired, but not yet purged (and never read)
    store.purge();
    expect(rows()).to.deep.equal([1, 1]);
    expect(await store.get('live')).to.equal('y');
    await store.close();
    expect(db.open).to.equal(true); // a database the app gave is left open
    db.close();
  });
});

describe('RedisStore with a client of the app', function () {
  before(async function () {
    await needService(this, 'Redis', 6379);
  });

  it('uses the given ioredis client under its prefix, and close() leaves it open', async () => {
    const client = new Redis(REDIS_URL);
    const prefix = `pctest:${Math.random().toString(36).slice(2)}:`;
    const store = new RedisStore({ client, prefix });
    await store.set('k', 'v', 5000);
    expect(await client.get(`${prefix}k`)).to.equal('v');
    expect(await store.take('k')).to.equal('v');
    await store.close();
    expect(await client.ping()).to.equal('PONG');
    client.disconnect();
  });

  it('refuses a url and a client together', () => {
    const client = new Redis(REDIS_URL, { lazyConnect: true });
    expect(() => new RedisStore({ client, url: REDIS_URL })).to.throw(TypeError, /url or a client/);
  });
});
