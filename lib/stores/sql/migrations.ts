import { createHash } from 'node:crypto';
import { immediate, type SqliteDatabase } from './drivers.js';
import { quote, type TableNames } from './tables.js';

/**
 * One schema change, for both dialects. Migrations are applied in `version` order, each in its
 * own transaction, and recorded in the `<prefix>migrations` table; a recorded one never runs
 * again. Never edit a released migration: add the next version.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  sqlite(t: TableNames): string;
  postgres(t: TableNames): string;
}

/** Every migration of the SQL UserStores, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'users, accounts, passkeys',
    sqlite: (t) => `
      CREATE TABLE ${t.users} (
        id TEXT NOT NULL PRIMARY KEY,
        email TEXT,
        email_verified INTEGER CHECK (email_verified IN (0, 1)),
        anonymous INTEGER CHECK (anonymous IN (0, 1)),
        roles TEXT CHECK (roles IS NULL OR json_type(roles) = 'array'),
        password_hash TEXT,
        data TEXT NOT NULL DEFAULT '{}' CHECK (json_type(data) = 'object'),
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ) STRICT;
      CREATE UNIQUE INDEX ${quote(t.name('users_email_key'))} ON ${t.users} (lower(email));
      CREATE TABLE ${t.accounts} (
        provider TEXT NOT NULL,
        subject TEXT NOT NULL,
        user_id TEXT NOT NULL REFERENCES ${t.users} (id) ON DELETE CASCADE,
        email TEXT,
        PRIMARY KEY (provider, subject),
        UNIQUE (user_id, provider)
      ) STRICT;
      CREATE TABLE ${t.passkeys} (
        id TEXT NOT NULL PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES ${t.users} (id) ON DELETE CASCADE,
        public_key TEXT NOT NULL,
        counter INTEGER NOT NULL CHECK (counter >= 0),
        user_handle TEXT NOT NULL,
        transports TEXT CHECK (transports IS NULL OR json_type(transports) = 'array'),
        name TEXT NOT NULL,
        device_type TEXT NOT NULL CHECK (device_type IN ('singleDevice', 'multiDevice')),
        backed_up INTEGER NOT NULL CHECK (backed_up IN (0, 1)),
        created_at TEXT NOT NULL,
        last_used_at TEXT
      ) STRICT;
      CREATE INDEX ${quote(t.name('passkeys_user_id'))} ON ${t.passkeys} (user_id);`,
    postgres: (t) => `
      CREATE TABLE ${t.users} (
        id text NOT NULL CONSTRAINT ${quote(t.name('users_pkey'))} PRIMARY KEY,
        email text,
        email_verified boolean,
        anonymous boolean,
        roles jsonb CHECK (roles IS NULL OR jsonb_typeof(roles) = 'array'),
        password_hash text,
        data jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX ${quote(t.name('users_email_key'))} ON ${t.users} (lower(email));
      CREATE TABLE ${t.accounts} (
        provider text NOT NULL,
        subject text NOT NULL,
        user_id text NOT NULL CONSTRAINT ${quote(t.name('accounts_user_fkey'))}
          REFERENCES ${t.users} (id) ON DELETE CASCADE,
        email text,
        CONSTRAINT ${quote(t.name('accounts_pkey'))} PRIMARY KEY (provider, subject),
        CONSTRAINT ${quote(t.name('accounts_user_provider_key'))} UNIQUE (user_id, provider)
      );
      CREATE TABLE ${t.passkeys} (
        id text NOT NULL CONSTRAINT ${quote(t.name('passkeys_pkey'))} PRIMARY KEY,
        user_id text NOT NULL CONSTRAINT ${quote(t.name('passkeys_user_fkey'))}
          REFERENCES ${t.users} (id) ON DELETE CASCADE,
        public_key text NOT NULL,
        counter bigint NOT NULL CHECK (counter >= 0),
        user_handle text NOT NULL,
        transports jsonb CHECK (transports IS NULL OR jsonb_typeof(transports) = 'array'),
        name text NOT NULL,
        device_type text NOT NULL CHECK (device_type IN ('singleDevice', 'multiDevice')),
        backed_up boolean NOT NULL,
        created_at timestamptz NOT NULL,
        last_used_at timestamptz
      );
      CREATE INDEX ${quote(t.name('passkeys_user_id'))} ON ${t.passkeys} (user_id);`,
  },
];

/** The newest schema version this code knows. */
export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Applies the missing migrations to a SQLite database; the versions applied, in order. Each
 * runs in a `BEGIN IMMEDIATE` transaction, so two processes migrating at once take turns and
 * the second finds the work done.
 */
export function migrateSqlite(db: SqliteDatabase, t: TableNames): number[] {
  const applied: number[] = [];
  // up to date: nothing to lock (and a read-only connection may call this too)
  const table = `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`;
  if (db.prepare(table).get(t.name('migrations'))) {
    const rows = db.prepare(`SELECT version FROM ${t.migrations}`).all() as { version: number }[];
    if (upToDate(rows)) return applied;
  }
  for (const m of MIGRATIONS) {
    immediate(db, () => {
      db.exec(`CREATE TABLE IF NOT EXISTS ${t.migrations} (
        version INTEGER NOT NULL PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ) STRICT`);
      if (db.prepare(`SELECT 1 FROM ${t.migrations} WHERE version = ?`).get(m.version)) return;
      db.exec(m.sqlite(t));
      db.prepare(`INSERT INTO ${t.migrations} (version, name) VALUES (?, ?)`).run(
        m.version,
        m.name,
      );
      applied.push(m.version);
    });
  }
  return applied;
}

/** Runs one query of a PostgreSQL transaction. */
export type PgRun = (
  text: string,
  values?: unknown[],
) => Promise<{ rows: unknown[]; rowCount: number | null }>;

/** Runs `work` in one PostgreSQL transaction (BEGIN ... COMMIT, or rolled back when it throws). */
export type PgTransaction = <T>(work: (run: PgRun) => Promise<T>) => Promise<T>;

/**
 * Applies the missing migrations to a PostgreSQL database; the versions applied, in order. Each
 * runs in its own transaction under a transaction-scoped advisory lock (one per schema and
 * prefix), so two processes migrating at once take turns and the second finds the work done.
 */
export async function migratePostgres(
  transaction: PgTransaction,
  run: PgRun,
  t: TableNames,
): Promise<number[]> {
  const applied: number[] = [];
  // up to date: nothing to lock (and a read-only user or replica may call this too)
  const { rows: found } = await run('SELECT to_regclass($1) AS name', [t.migrations]);
  if ((found[0] as { name: unknown } | undefined)?.name != null) {
    const { rows } = await run(`SELECT version FROM ${t.migrations}`);
    if (upToDate(rows as { version: number }[])) return applied;
  }
  for (const m of MIGRATIONS) {
    await transaction(async (run) => {
      await run('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey(t)]);
      if (t.schema !== undefined) {
        // checked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when it exists
        const found = await run('SELECT 1 FROM pg_namespace WHERE nspname = $1', [t.schema]);
        if (found.rowCount === 0) await run(`CREATE SCHEMA ${t.quotedSchema}`);
      }
      await run(`CREATE TABLE IF NOT EXISTS ${t.migrations} (
        version integer NOT NULL PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const done = await run(`SELECT 1 FROM ${t.migrations} WHERE version = $1`, [m.version]);
      if (done.rowCount !== 0) return;
      await run(m.postgres(t));
      await run(`INSERT INTO ${t.migrations} (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    });
  }
  return applied;
}

function upToDate(rows: readonly { version: number }[]): boolean {
  const versions = new Set(rows.map((r) => Number(r.version)));
  return MIGRATIONS.every((m) => versions.has(m.version));
}

/** The advisory lock key of a schema and prefix: a signed 64-bit integer, as a string. */
function lockKey(t: TableNames): string {
  const digest = createHash('sha256')
    .update(`portcullis:migrate:${t.schema ?? ''}:${t.prefix}`)
    .digest();
  return digest.readBigInt64BE(0).toString();
}
