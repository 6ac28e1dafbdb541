import type { Database, Statement } from 'better-sqlite3';
import { RateLimiterSQLite, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { loadPeer } from './peer.js';
import type { RateLimiterSpec, RevisionFeed, Store } from './types.js';

/** Options for {@link SqliteStore}: a file path (the store opens and owns it) or an open database. */
export interface SqliteStoreOptions {
  /** The database file (created when missing); `:memory:` for a throw-away one. */
  path?: string;
  /**
   * A `better-sqlite3` database you opened; `close()` leaves it open. (Typed loosely, so that
   * apps without better-sqlite3 installed still type-check.)
   */
  database?: SqliteDatabaseLike;
  /** Put before the table names, so the tables can live beside the app's. @default 'portcullis_' */
  tablePrefix?: string;
  /** How long a write waits for another process's write to finish, in ms. @default 1000 */
  busyTimeout?: number;
  /** How often expired rows are deleted, in ms. @default 60000 */
  purgeInterval?: number;
}

/** What {@link SqliteStoreOptions.database} must be: a `better-sqlite3` `Database`. */
export interface SqliteDatabaseLike {
  readonly open: boolean;
  readonly readonly: boolean;
  readonly memory: boolean;
  readonly name: string;
}

type BetterSqlite3 = new (path: string) => Database;

/**
 * A {@link Store} in one SQLite file (`better-sqlite3`, WAL mode), for apps on one machine that
 * keep their sign-ins across restarts: nothing to run beside the app. Every operation is one
 * SQL statement, so it stays atomic when several processes of the app share the file. Its
 * tables are created when it opens; expired rows are purged every `purgeInterval`. Rate limits
 * use `rate-limiter-flexible`'s `RateLimiterSQLite` in the same file.
 *
 * @example
 * ```ts
 * const store = new SqliteStore({ path: 'data/auth.db' });
 * ```
 */
export class SqliteStore implements Store {
  private readonly database: Database;
  /** Revocations, exact across processes (see {@link DataVersionFeed}). */
  readonly revisions: RevisionFeed;
  private readonly owned: boolean;
  private readonly prefix: string;
  private readonly timer: NodeJS.Timeout;
  private readonly sql: Record<
    | 'get'
    | 'set'
    | 'add'
    | 'take'
    | 'delete'
    | 'deleteSet'
    | 'increment'
    | 'addMember'
    | 'renewSet'
    | 'removeMember'
    | 'members'
    | 'purge'
    | 'purgeSets',
    Statement
  >;

  constructor(options: SqliteStoreOptions) {
    const prefix = options.tablePrefix ?? 'portcullis_';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix)) {
      throw new TypeError('Portcullis: SqliteStore tablePrefix must be letters, digits and _');
    }
    if (options.database) {
      this.database = options.database as Database;
      this.owned = false;
    } else if (typeof options.path === 'string' && options.path !== '') {
      const Sqlite = loadPeer<BetterSqlite3>('better-sqlite3', 'SqliteStore');
      this.database = new Sqlite(options.path);
      this.owned = true;
    } else {
      throw new TypeError('Portcullis: SqliteStore needs a path or a database');
    }
    this.prefix = prefix;
    const db = this.database;
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeout ?? 1000))}`);
    if (!db.memory && !db.readonly) db.pragma('journal_mode = WAL');
    const kv = `${prefix}kv`;
    const sets = `${prefix}set_members`;
    if (!db.readonly) {
      db.exec(`CREATE TABLE IF NOT EXISTS ${kv} (
        key TEXT PRIMARY KEY, value TEXT NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ${sets} (
        key TEXT NOT NULL, member TEXT NOT NULL, expires INTEGER NOT NULL,
        PRIMARY KEY (key, member)) WITHOUT ROWID;`);
    }
    const upsert = `INSERT INTO ${kv} (key, value, expires) VALUES (?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires`;
    this.sql = {
      get: db.prepare(`SELECT value FROM ${kv} WHERE key = ? AND expires > ?`).pluck(),
      set: db.prepare(upsert),
      // replaces only an expired row: `changes` is 1 exactly when this call set the value
      add: db.prepare(`${upsert} WHERE ${kv}.expires <= ?`),
      take: db.prepare(`DELETE FROM ${kv} WHERE key = ? RETURNING value, expires`),
      delete: db.prepare(`DELETE FROM ${kv} WHERE key = ?`),
      deleteSet: db.prepare(`DELETE FROM ${sets} WHERE key = ?`),
      increment: db
        .prepare(
          `INSERT INTO ${kv} (key, value, expires) VALUES (?, '1', ?)
          ON CONFLICT (key) DO UPDATE SET
            value = CASE WHEN ${kv}.expires <= ? THEN '1'
                         ELSE CAST(CAST(${kv}.value AS INTEGER) + 1 AS TEXT) END,
            expires = CASE WHEN ${kv}.expires <= ? THEN excluded.expires ELSE ${kv}.expires END
          RETURNING value`,
        )
        .pluck(),
      addMember: db.prepare(
        `INSERT INTO ${sets} (key, member, expires) VALUES (?, ?, ?)
        ON CONFLICT (key, member) DO UPDATE SET expires = excluded.expires`,
      ),
      renewSet: db.prepare(`UPDATE ${sets} SET expires = ? WHERE key = ?`),
      removeMember: db.prepare(`DELETE FROM ${sets} WHERE key = ? AND member = ?`),
      members: db.prepare(`SELECT member FROM ${sets} WHERE key = ? AND expires > ?`).pluck(),
      purge: db.prepare(`DELETE FROM ${kv} WHERE expires <= ?`),
      purgeSets: db.prepare(`DELETE FROM ${sets} WHERE expires <= ?`),
    };
    this.revisions = new DataVersionFeed(db);
    this.timer = setInterval(() => this.purge(), options.purgeInterval ?? 60_000);
    this.timer.unref();
  }

  get(key: string): Promise<string | undefined> {
    return run(() => this.sql.get.get(key, Date.now()) as string | undefined);
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    return run(() => void this.sql.set.run(key, value, Date.now() + ttlMs));
  }

  add(key: string, value: string, ttlMs: number): Promise<boolean> {
    return run(() => {
      const now = Date.now();
      return this.sql.add.run(key, value, now + ttlMs, now).changes === 1;
    });
  }

  take(key: string): Promise<string | undefined> {
    return run(() => {
      const row = this.sql.take.get(key) as { value: string; expires: number } | undefined;
      return row && row.expires > Date.now() ? row.value : undefined;
    });
  }

  delete(key: string): Promise<void> {
    return run(() => {
      this.sql.delete.run(key);
      this.sql.deleteSet.run(key);
    });
  }

  increment(key: string, ttlMs: number): Promise<number> {
    return run(() => {
      const now = Date.now();
      return Number(this.sql.increment.get(key, now + ttlMs, now, now));
    });
  }

  addMember(key: string, member: string, ttlMs: number): Promise<void> {
    return run(() =>
      this.database.transaction(() => {
        const expires = Date.now() + ttlMs;
        this.sql.addMember.run(key, member, expires);
        this.sql.renewSet.run(expires, key);
      })(),
    );
  }

  removeMembers(key: string, members: readonly string[]): Promise<void> {
    return run(() =>
      this.database.transaction(() => {
        for (const m of members) this.sql.removeMember.run(key, m);
      })(),
    );
  }

  members(key: string): Promise<string[]> {
    return run(() => this.sql.members.all(key, Date.now()) as string[]);
  }

  rateLimiter(spec: RateLimiterSpec): RateLimiterAbstract {
    return new SqliteLimiter({
      storeClient: this.database,
      storeType: 'better-sqlite3',
      tableName: `${this.prefix}rate_limits`,
      keyPrefix: spec.keyPrefix,
      points: spec.points,
      duration: spec.duration,
      clearExpiredByTimeout: true,
    });
  }

  /** Deletes the expired rows now (this also runs every `purgeInterval`). */
  purge(): void {
    if (!this.database.open || this.database.readonly) return;
    try {
      const now = Date.now();
      this.sql.purge.run(now);
      this.sql.purgeSets.run(now);
    } catch {
      // busy or read-only: the next round tries again; expired rows are never read anyway
    }
  }

  /** Stops the purge timer, and closes the database if the store opened it. */
  close(): Promise<void> {
    clearInterval(this.timer);
    if (this.owned && this.database.open) this.database.close();
    return Promise.resolve();
  }
}

/**
 * The revocation feed of a SQLite file: this process's own revocations move it at once, and
 * SQLite's `PRAGMA data_version` (which changes whenever another connection, in this process
 * or another, commits to the file) moves it for everything else. Exact, so a validation is
 * reused only while nothing could have been revoked; another process's every write (a sign-in
 * too) makes this one re-read once. `undefined` when the file cannot be read.
 */
class DataVersionFeed implements RevisionFeed {
  private n = 0;
  private seen: unknown;
  private readonly version: Statement;

  constructor(private readonly db: Database) {
    this.version = db.prepare('PRAGMA data_version').pluck();
  }

  current(): number | undefined {
    if (!this.db.open) return undefined;
    try {
      const v = this.version.get();
      if (v !== this.seen) {
        this.seen = v;
        this.n++;
      }
      return this.n;
    } catch {
      return undefined;
    }
  }

  bump(): void {
    this.n++;
  }
}

/**
 * `RateLimiterSQLite` creates its table right after construction, asynchronously, and refuses
 * calls until then: these wait for it instead. A table it cannot create (a read-only file)
 * fails each call, which Portcullis answers with 503.
 */
class SqliteLimiter extends RateLimiterSQLite {
  private readonly ready: Promise<void>;

  constructor(options: ConstructorParameters<typeof RateLimiterSQLite>[0]) {
    let settle: (err?: unknown) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      settle = (err) => (err ? reject(err as Error) : resolve());
    });
    ready.catch(() => undefined); // reported to each call instead
    super(options, (err?: unknown) => settle(err));
    this.ready = ready;
  }

  override async consume(...args: Parameters<RateLimiterSQLite['consume']>) {
    await this.ready;
    return super.consume(...args);
  }

  override async delete(...args: Parameters<RateLimiterSQLite['delete']>) {
    await this.ready;
    return super.delete(...args);
  }
}

/** A synchronous database call as a promise: a thrown error (busy, read-only, closed) rejects. */
function run<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(err as Error);
  }
}
