import { expect } from 'chai';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { MemoryUserStore } from '../../lib/index.js';
import { PostgresUserStore } from '../../lib/stores/postgres-user-store.js';
import { SqliteUserStore } from '../../lib/stores/sqlite-user-store.js';
import { POSTGRES_URL, needService } from '../support/services.js';
import { sqlSuite, type SqlBackend } from './sql-store-suite.js';
import { rejection, userStoreConformance } from './user-store-suite.js';
import type { TestUser } from './user-store-suite.js';

/** Tracks the stores a test opened, to close them after it. */
function tracker() {
  const open: { close(): Promise<void> }[] = [];
  return {
    add<S extends { close(): Promise<void> }>(store: S): S {
      open.push(store);
      return store;
    },
    closeAll: async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    },
  };
}

describe('MemoryUserStore: the UserStore contract', () => {
  const stores = tracker();
  userStoreConformance({
    sql: false,
    open: () => Promise.resolve(new MemoryUserStore<TestUser>()),
    twin: (store) => Promise.resolve(store),
    closeAll: stores.closeAll,
  });
});

describe('SqliteUserStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-sqlite-'));
  const stores = tracker();
  const paths = new WeakMap<object, string>();
  let n = 0;
  const at = (path: string, prefix?: string) => {
    const store = stores.add(new SqliteUserStore<TestUser>({ path, tablePrefix: prefix }));
    paths.set(store, path);
    return store;
  };
  const backend: SqlBackend = {
    sql: true,
    async open() {
      const store = at(join(dir, `open-${++n}.db`));
      await store.migrate();
      return store;
    },
    twin: (store) => Promise.resolve(at(paths.get(store)!)),
    closeAll: stores.closeAll,
    fresh() {
      const path = join(dir, `fresh-${++n}.db`);
      return Promise.resolve([at(path), at(path)]);
    },
    row(store, id) {
      const db = new Database(paths.get(store)!, { readonly: true });
      try {
        const row = db.prepare('SELECT * FROM portcullis_users WHERE id = ?').get(id) as Record<
          string,
          unknown
        >;
        const bool = (v: unknown) => (v === null ? null : v === 1);
        const json = (v: unknown) => (v === null ? null : JSON.parse(v as string));
        const { email_verified, anonymous, roles, data } = row;
        return Promise.resolve({
          ...row,
          ...{ email_verified: bool(email_verified), anonymous: bool(anonymous) },
          ...{ roles: json(roles), data: json(data) },
        });
      } finally {
        db.close();
      }
    },
  };
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('the UserStore contract (a file, two connections)', () => userStoreConformance(backend));
  describe('the SQL schema', () => sqlSuite(backend));

  describe('the database', () => {
    afterEach(() => stores.closeAll());

    it('uses write-ahead logging', async () => {
      const store = at(join(dir, `wal-${++n}.db`));
      await store.migrate();
      const db = new Database(paths.get(store)!);
      try {
        expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
      } finally {
        db.close();
      }
    });

    it('lets four processes migrate one new file and race one email: one schema, one winner', async () => {
      const path = join(dir, `procs-${++n}.db`);
      const store = new URL('../../lib/stores/sqlite-user-store.js', import.meta.url).href;
      const script = `
        const { SqliteUserStore } = await import(${JSON.stringify(store)});
        const users = new SqliteUserStore({ path: process.argv[1], busyTimeout: 5000 });
        const applied = await users.migrate();
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, () => users.create({ email: 'proc@example.com' })),
        );
        const won = results.filter((r) => r.status === 'fulfilled').length;
        const lost = results.map((r) => r.reason?.field).filter(Boolean);
        console.log(JSON.stringify({ applied, won, lost }));`;
      const outputs = await Promise.all(
        Array.from({ length: 4 }, () =>
          promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, path]),
        ),
      );
      const results = outputs.map(
        (o) => JSON.parse(o.stdout) as { applied: number[]; won: number; lost: string[] },
      );
      expect(results.flatMap((r) => r.applied)).to.deep.equal([1]);
      expect(results.reduce((sum, r) => sum + r.won, 0)).to.equal(1);
      expect(results.flatMap((r) => r.lost)).to.deep.equal(Array(39).fill('email'));
    });

    it('works in memory, and on a Database the app opened (which close() leaves open)', async () => {
      const memory = stores.add(new SqliteUserStore<TestUser>({ path: ':memory:' }));
      expect(await memory.migrate()).to.deep.equal([1]);
      expect((await memory.create({ email: 'mem@example.com' })).email).to.equal('mem@example.com');
      const db = new Database(':memory:');
      const store = new SqliteUserStore<TestUser>({ database: db, tablePrefix: 'app_' });
      await store.migrate();
      const u = await store.create({ email: 'own@example.com' });
      await store.close();
      expect(db.open).to.equal(true);
      expect(db.pragma('foreign_keys', { simple: true })).to.equal(1);
      expect(db.prepare('SELECT email FROM app_users WHERE id = ?').get(u.id)).to.deep.equal({
        email: 'own@example.com',
      });
      db.close();
    });

    it('on a read-only database: reads work, writes reject, migrate() has nothing to do', async () => {
      const path = join(dir, `ro-${++n}.db`);
      const writer = at(path);
      await writer.migrate();
      const u = await writer.create({ email: 'ro@example.com', plan: 'pro' });
      await writer.close();
      const db = new Database(path, { readonly: true });
      const store = new SqliteUserStore<TestUser>({ database: db });
      try {
        expect(await store.findByEmail('RO@example.com')).to.deep.equal(u);
        expect(await store.migrate()).to.deep.equal([]);
        const errs = [
          await rejection(store.create({ email: 'new@example.com' })),
          await rejection(store.update(u.id, { plan: 'free' })),
          await rejection(store.delete(u.id)),
        ];
        for (const err of errs) expect(err).to.include({ code: 'SQLITE_READONLY' });
        expect(await store.findById(u.id)).to.deep.equal(u);
      } finally {
        db.close();
      }
    });

    it('refuses a table prefix that is not an identifier', () => {
      expect(() => new SqliteUserStore({ path: ':memory:', tablePrefix: 'x"; DROP' })).to.throw(
        TypeError,
        /tablePrefix/,
      );
    });
  });
});

describe('PostgresUserStore', () => {
  const schema = `pc_test_${randomBytes(6).toString('hex')}`;
  const stores = tracker();
  const where = new WeakMap<object, { schema: string; tablePrefix: string }>();
  let admin: pg.Pool;
  let n = 0;
  const at = (place: { schema: string; tablePrefix: string }, more = {}) => {
    const store = new PostgresUserStore<TestUser>({
      connectionString: POSTGRES_URL,
      ...place,
      ...more,
    });
    where.set(stores.add(store), place);
    return store;
  };
  const backend: SqlBackend = {
    sql: true,
    async open() {
      const store = at({ schema, tablePrefix: `t${++n}_` });
      await store.migrate();
      return store;
    },
    twin: (store) => Promise.resolve(at(where.get(store)!)),
    closeAll: stores.closeAll,
    fresh() {
      // a schema that does not exist yet: migrate() creates it
      const place = { schema: `${schema}_f${++n}`, tablePrefix: 'portcullis_' };
      return Promise.resolve([at(place), at(place)]);
    },
    async row(store, id) {
      const { schema: s, tablePrefix } = where.get(store)!;
      const { rows } = await admin.query(
        `SELECT * FROM "${s}"."${tablePrefix}users" WHERE id = $1`,
        [id],
      );
      const row = rows[0] as Record<string, unknown>;
      return { ...row, created_at: (row.created_at as Date).toISOString() };
    },
  };

  before(async function () {
    await needService(this, 'PostgreSQL', 5432);
    admin = new pg.Pool({ connectionString: POSTGRES_URL });
  });
  after(async () => {
    if (!admin) return;
    const { rows } = await admin.query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`,
      [`${schema}%`],
    );
    for (const { nspname } of rows) await admin.query(`DROP SCHEMA "${nspname}" CASCADE`);
    await admin.end();
  });

  describe('the UserStore contract (two pools)', () => userStoreConformance(backend));
  describe('the SQL schema', () => sqlSuite(backend));

  describe('an unreachable or stalled server', () => {
    const servers: Server[] = [];
    const sockets: Socket[] = [];
    afterEach(async () => {
      for (const s of sockets.splice(0)) s.destroy();
      await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
      await stores.closeAll();
    });
    const listen = async (hold: boolean): Promise<number> => {
      const server = createServer((socket) => sockets.push(socket)); // accepts, never answers
      servers.push(server);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as { port: number };
      if (!hold) await new Promise((r) => servers.pop()!.close(r));
      return port;
    };
    const timed = async (promise: Promise<unknown>) => {
      const start = Date.now();
      const err = await rejection(promise);
      return { err, ms: Date.now() - start };
    };

    it('rejects at once when nothing listens on the port', async () => {
      const port = await listen(false);
      const url = `postgres://postgres:hunter2@127.0.0.1:${port}/test`;
      const store = stores.add(new PostgresUserStore({ connectionString: url }));
      const { err, ms } = await timed(store.findById('x'));
      expect(ms).to.be.below(1000);
      expect(err.message).to.match(/cannot connect to PostgreSQL: .*ECONNREFUSED/);
      expect(err.message).to.not.include('hunter2');
      expect((await timed(store.migrate())).err.message).to.match(/ECONNREFUSED/);
    });

    it('rejects within connectTimeout when the server accepts and never answers', async () => {
      const port = await listen(true);
      const url = `postgres://postgres@127.0.0.1:${port}/test`;
      const store = stores.add(
        new PostgresUserStore({ connectionString: url, connectTimeout: 300 }),
      );
      const { err, ms } = await timed(store.findById('x'));
      expect(ms).to.be.within(250, 1500);
      expect(err.message).to.match(
        /^PostgresUserStore: (cannot connect|no connection within 300 ms)/,
      );
    });

    it('bounds the wait on a Pool without timeouts of its own, too', async () => {
      const port = await listen(true);
      const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/test` });
      pool.on('error', () => undefined);
      const store = new PostgresUserStore({ pool, connectTimeout: 300 });
      const { err, ms } = await timed(store.findById('x'));
      expect(ms).to.be.within(250, 1500);
      expect(err.message).to.equal('PostgresUserStore: no connection within 300 ms');
      await store.close(); // leaves the app's pool alone
      for (const s of sockets.splice(0)) s.destroy();
      await pool.end();
    });

    it('rejects within queryTimeout when a query is stuck (a locked table)', async () => {
      const store = await backend.open();
      const { schema: s, tablePrefix } = where.get(store)!;
      const slow = at({ schema: s, tablePrefix }, { queryTimeout: 300 });
      const locker = await admin.connect();
      try {
        await locker.query('BEGIN');
        await locker.query(`LOCK TABLE "${s}"."${tablePrefix}users" IN ACCESS EXCLUSIVE MODE`);
        const { ms } = await timed(slow.findById('x'));
        expect(ms).to.be.within(250, 1500);
      } finally {
        await locker.query('ROLLBACK');
        locker.release();
      }
      expect(await slow.findById('x')).to.equal(undefined); // and it recovers
    });
  });
});

describe('SQL stores: optional drivers', () => {
  it('loads better-sqlite3 and pg only when a store is constructed', () => {
    const lib = (file: string) => new URL(`../../lib/stores/${file}`, import.meta.url).href;
    const script = `
      import { createRequire } from 'node:module';
      await import(${JSON.stringify(lib('sqlite-user-store.js'))});
      await import(${JSON.stringify(lib('postgres-user-store.js'))});
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).map((p) => p.split('node_modules').pop());
      const before = loaded().filter((p) => /better-sqlite3|[\\\\/]pg[\\\\/]/.test(p)).length;
      const { SqliteUserStore } = await import(${JSON.stringify(lib('sqlite-user-store.js'))});
      new SqliteUserStore({ path: ':memory:' });
      const after = loaded().filter((p) => /better-sqlite3/.test(p)).length;
      console.log(JSON.stringify({ before, after: after > 0 }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).to.deep.equal({ before: 0, after: true });
  });

  it('keeps the optional packages out of the published types', () => {
    for (const file of [
      'sqlite-user-store.d.ts',
      'postgres-user-store.d.ts',
      'sql/postgres-pool.d.ts',
      'sql/drivers.d.ts',
    ]) {
      const dts = readFileSync(
        fileURLToPath(new URL(`../../lib/stores/${file}`, import.meta.url)),
        'utf8',
      );
      expect(dts).to.not.match(/from ['"](better-sqlite3|pg)['"]/);
    }
  });
});
