import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Redis } from 'ioredis';
import {
  MemoryStore,
  MemoryUserStore,
  Portcullis,
  type Store,
  type UserStore,
} from '../../lib/index.js';
import { PostgresUserStore, RedisStore, SqliteStore } from '../../lib/stores.js';
import { MemoryLogger, secretA } from '../support/app.js';
import { POSTGRES_URL, needService } from '../support/services.js';
import { TcpProxy } from '../support/proxy.js';

/**
 * Security case 43, on the real back-ends: the Store down, slow or refusing writes during a
 * session lookup, a rate-limit check or a refresh rotation gives 503 `store_unavailable` within
 * a bounded time (never a pass as anonymous, never a stack trace), and the app recovers by
 * itself when the back-end returns.
 */
const TIMEOUT = 300;
const BOUND = TIMEOUT * 1.25 + 700; // the deadline sweep, plus slack for a loaded machine
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

type User = { id: string; email?: string; anonymous?: boolean };

interface Rig {
  app: ReturnType<typeof request>;
  auth: Portcullis<User>;
  logger: MemoryLogger;
  cookie: string;
  refreshToken: string;
}

const users = new MemoryUserStore<User>();
const alice = await users.create({ email: 'alice@example.com' });

/**
 * An app on `store` and `userStore`, with a session cookie and a refresh token of `who`; `from`:
 * use the cookie and refresh token another rig registered instead.
 */
async function rig(
  store: Store,
  from?: Rig,
  userStore: UserStore<User> = users,
  who: User = alice,
): Promise<Rig> {
  const logger = new MemoryLogger();
  const auth = new Portcullis<User>({
    secret: secretA,
    users: userStore,
    store,
    logger,
    storeTimeout: TIMEOUT,
    csrf: { allowMissingOrigin: true },
  });
  const koa = new Koa();
  koa.use(auth.middleware());
  koa.use(auth.routes());
  const cookie = from?.cookie ?? (await auth.testing.sessionCookie(who));
  const refreshToken = from?.refreshToken ?? (await auth.tokens.issue(who)).refreshToken;
  return { app: request(koa.callback()), auth, logger, cookie, refreshToken };
}

/** A 503 `store_unavailable` that says nothing of the back-end, answered within the bound. */
async function expect503(started: number, res: request.Response): Promise<void> {
  expect(res.status, res.text).to.equal(503);
  expect(res.body).to.deep.equal({
    error: { code: 'store_unavailable', message: 'Authentication is temporarily unavailable.' },
  });
  expect(res.text).not.to.match(/ECONN|NOPERM|SQLITE|readonly|at .*\.js/i);
  expect(Date.now() - started).to.be.lessThan(BOUND);
}

const sessionLookup = (r: Rig) => r.app.get('/auth/me').set('Cookie', r.cookie);
const rateLimited = (r: Rig) => r.app.post('/auth/anonymous'); // counted per IP ('guest')
const rotation = (r: Rig) =>
  r.app.post('/auth/token/refresh').set('Authorization', `Bearer ${r.refreshToken}`);

async function timed(send: () => request.Test): Promise<[number, request.Response]> {
  const started = Date.now();
  return [started, await send()];
}

/** Repeats `send` until it answers `status` (the client reconnecting), for up to `ms`. */
async function eventually(send: () => request.Test, status: number, ms = 8000) {
  const deadline = Date.now() + ms;
  let res = await send();
  while (res.status !== status && Date.now() < deadline) {
    await wait(100);
    res = await send();
  }
  expect(res.status, res.text).to.equal(status);
  return res;
}

describe('security case 43: RedisStore down, slow or read-only', function () {
  this.timeout(30000);
  let proxy: TcpProxy;
  let store: RedisStore;
  let r: Rig;
  before(async function () {
    await needService(this, 'Redis', 6379);
  });
  beforeEach(async () => {
    proxy = await TcpProxy.start(6379);
    store = new RedisStore({
      url: `redis://127.0.0.1:${proxy.port}`,
      prefix: `pctest:${randomBytes(6).toString('hex')}:`,
    });
    r = await rig(store);
    expect((await sessionLookup(r)).status).to.equal(200);
  });
  afterEach(async () => {
    await store.close();
    await proxy.close();
  });

  for (const mode of ['down', 'stall'] as const) {
    const what = mode === 'down' ? 'down (connections reset)' : 'not answering';
    it(`${what}: session lookup, rate-limit check and rotation answer 503 in time`, async () => {
      proxy.set(mode);
      await wait(50);
      await expect503(...(await timed(() => sessionLookup(r))));
      await expect503(...(await timed(() => rateLimited(r))));
      await expect503(...(await timed(() => rotation(r))));
      // the refusals are logged for the operator, without the credentials
      expect(r.logger.records.some((x) => x.record.code === 'store_unavailable')).to.equal(true);
      expect(JSON.stringify(r.logger.records)).not.to.include(r.cookie.split('=')[1]);
    });

    it(`${what}: recovers by itself once Redis is back`, async () => {
      proxy.set(mode);
      await wait(50);
      await expect503(...(await timed(() => sessionLookup(r))));
      proxy.set('pass');
      const me = await eventually(() => sessionLookup(r), 200);
      expect(me.body.user?.email ?? me.body.email).to.equal('alice@example.com');
      expect((await eventually(() => rotation(r), 200)).body).to.have.property('refreshToken');
    });
  }

  it('a session found live just before Redis stopped answering is refused within 1 s', async () => {
    // the first lookup (beforeEach) cached "live"; the revocation feed goes stale within a second
    proxy.set('stall');
    await wait(1100);
    await expect503(...(await timed(() => sessionLookup(r))));
  });

  it('refusing writes (an ACL user without write rights): 503 where a write is needed', async () => {
    const admin = new Redis(6379, '127.0.0.1');
    await admin.call(
      'ACL',
      'SETUSER',
      'pc_readonly',
      'on',
      'nopass',
      '~*',
      '&*',
      '+@read',
      '+@connection',
      '+info',
      '+@pubsub',
      '-@write',
      '-@scripting',
    );
    const readonly = new RedisStore({
      url: 'redis://pc_readonly:any@127.0.0.1:6379',
      prefix: (store as unknown as { prefix: string }).prefix,
    });
    try {
      const ro = await rig(readonly, r); // the cookie and token `r` registered through `store`
      expect((await sessionLookup(ro)).status).to.equal(200); // a read: allowed
      await expect503(...(await timed(() => rateLimited(ro))));
      await expect503(...(await timed(() => rotation(ro))));
      expect((await rotation(r)).status).to.equal(200); // and the token was not spent
    } finally {
      await readonly.close();
      await admin.call('ACL', 'DELUSER', 'pc_readonly');
      admin.disconnect();
    }
  });
});

describe('security case 43: SqliteStore locked or read-only', function () {
  this.timeout(20000);
  let dir: string;
  let path: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-43-'));
    path = join(dir, 'auth.db');
    store = new SqliteStore({ path, busyTimeout: 100 });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('locked by another process for longer than its busy timeout: writes answer 503, then recover', async () => {
    const r = await rig(store);
    const other = new Database(path);
    other.exec('BEGIN EXCLUSIVE');
    try {
      expect((await sessionLookup(r)).status).to.equal(200); // WAL: readers are not blocked
      await expect503(...(await timed(() => rateLimited(r))));
      await expect503(...(await timed(() => rotation(r))));
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect((await rotation(r)).status).to.equal(200);
    expect((await rateLimited(r)).status).to.equal(200);
  });

  it('a read-only file: reads work, writes answer 503', async () => {
    const rw = await rig(store);
    const readonly = new SqliteStore({ database: new Database(path, { readonly: true }) });
    try {
      const ro = await rig(readonly, rw);
      expect((await sessionLookup(ro)).status).to.equal(200); // a read: allowed
      await expect503(...(await timed(() => rateLimited(ro))));
      await expect503(...(await timed(() => rotation(ro))));
      expect((await rotation(rw)).status).to.equal(200); // not spent by the refused attempt
    } finally {
      await readonly.close();
    }
  });
});

describe('security case 43: PostgresUserStore down, slow or read-only', function () {
  this.timeout(30000);
  const schema = `pc_43_${randomBytes(5).toString('hex')}`;
  let proxy: TcpProxy;
  let pgUsers: PostgresUserStore<User>;
  let r: Rig;
  let carol: User;

  /** An app whose users are in PostgreSQL (reached through the proxy), its Store in memory. */
  const pgRig = (userStore: PostgresUserStore<User>) =>
    rig(new MemoryStore(), undefined, userStore, carol);

  const through = (port: number, more = '') =>
    new PostgresUserStore<User>({
      connectionString: `postgres://postgres@127.0.0.1:${port}/test${more}`,
      schema,
    });

  before(async function () {
    await needService(this, 'PostgreSQL', 5432);
    const direct = new PostgresUserStore<User>({ connectionString: POSTGRES_URL, schema });
    await direct.migrate();
    carol = await direct.create({ email: 'carol@example.com' });
    await direct.close();
  });
  after(async () => {
    const admin = new pg.Pool({ connectionString: POSTGRES_URL });
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  });
  beforeEach(async () => {
    proxy = await TcpProxy.start(5432);
    pgUsers = through(proxy.port);
    r = await pgRig(pgUsers);
    expect((await sessionLookup(r)).status).to.equal(200);
  });
  afterEach(async () => {
    await pgUsers.close();
    await proxy.close();
  });

  for (const mode of ['down', 'stall'] as const) {
    const what = mode === 'down' ? 'down (connections reset)' : 'not answering';
    it(`${what}: a session lookup and a sign-up answer 503 in time, then recover`, async () => {
      proxy.set(mode);
      await wait(50);
      await expect503(...(await timed(() => sessionLookup(r))));
      await expect503(...(await timed(() => rateLimited(r)))); // a guest sign-up writes a user
      proxy.set('pass');
      const me = await eventually(() => sessionLookup(r), 200);
      expect(me.body.user?.email ?? me.body.email).to.equal('carol@example.com');
    });
  }

  it('refusing writes (a read-only transaction default): reads pass, a sign-up answers 503', async () => {
    const readonly = through(5432, '?options=-c%20default_transaction_read_only%3Don');
    try {
      const ro = await pgRig(readonly);
      expect((await sessionLookup(ro)).status).to.equal(200);
      await expect503(...(await timed(() => rateLimited(ro))));
    } finally {
      await readonly.close();
    }
  });
});
