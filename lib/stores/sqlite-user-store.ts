import { randomUUID } from 'node:crypto';
import type { Passkey, PasskeyPatch } from './passkey.js';
import { loadPeer } from './peer.js';
import { immediate } from './sql/drivers.js';
import type { SqliteDatabase, SqliteModule, SqliteStatement } from './sql/drivers.js';
import { migrateSqlite } from './sql/migrations.js';
import {
  PASSKEY_PATCH_COLUMNS,
  PASSKEY_SELECT,
  USER_SELECT,
  accountFromRow,
  passkeyFromRow,
  storeError,
  userColumns,
  userFromRow,
  userSelect,
} from './sql/records.js';
import type { AccountRow, ColumnValue, PasskeyRow, SqlFailure, UserRow } from './sql/records.js';
import { tableNames, type TableNames } from './sql/tables.js';
import type { BaseUser, LinkedAccount, UniqueField, UserStore } from './types.js';

/** Options of a {@link SqliteUserStore}: a file to open, or a `better-sqlite3` Database. */
export type SqliteUserStoreOptions = SqliteUserStoreSettings &
  (
    | {
        /** The database file (created when missing), or `:memory:`. Needs `better-sqlite3`. */
        path: string;
      }
    | {
        /** A `better-sqlite3` Database the app opened; `close()` leaves it open. */
        database: SqliteDatabase;
      }
  );

/** The settings of a {@link SqliteUserStore}. */
export interface SqliteUserStoreSettings {
  /** Prefix of the table names. @default 'portcullis_' */
  tablePrefix?: string;
  /** How long a write waits for another connection's lock (ms) before failing with SQLITE_BUSY. @default 1000 */
  busyTimeout?: number;
}

const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;

/**
 * A {@link UserStore} in a SQLite file (`better-sqlite3`, loaded when constructed): for an app
 * on one machine. Write-ahead logging, foreign keys on; emails unique case-insensitively (ASCII
 * letters: SQLite's `lower()`). Run {@link SqliteUserStore.migrate} once at start-up.
 *
 * @example
 * ```ts
 * const users = new SqliteUserStore<AppUser>({ path: 'data/auth.db' });
 * await users.migrate();
 * const alice = await users.create({ email: 'alice@example.com', plan: 'pro' });
 * ```
 */
export class SqliteUserStore<User extends BaseUser = BaseUser> implements UserStore<User> {
  private readonly db: SqliteDatabase;
  private readonly owned: boolean;
  private readonly t: TableNames;
  private readonly hint: string;
  private readonly statements = new Map<string, SqliteStatement>();

  constructor(options: SqliteUserStoreOptions) {
    this.t = tableNames(options.tablePrefix);
    const busyTimeout = options.busyTimeout ?? 1000;
    if (!Number.isSafeInteger(busyTimeout) || busyTimeout < 0) {
      throw new TypeError('SqliteUserStore: busyTimeout must be a whole number of ms');
    }
    if ('database' in options && options.database) {
      this.db = options.database;
      this.owned = false;
    } else if ('path' in options && typeof options.path === 'string') {
      const Database = loadPeer<SqliteModule>('better-sqlite3', 'SqliteUserStore');
      this.db = new Database(options.path, { timeout: busyTimeout });
      this.owned = true;
    } else {
      throw new TypeError('SqliteUserStore: give { path } or { database }');
    }
    const where = 'path' in options ? `sqlite:${options.path}` : 'sqlite:<path>';
    const prefix = this.t.prefix === 'portcullis_' ? '' : ` --prefix ${this.t.prefix}`;
    this.hint = `npx portcullis migrate --db ${where}${prefix}`;
    this.db.pragma(`busy_timeout = ${busyTimeout}`);
    this.db.pragma('foreign_keys = ON');
    if (!this.db.readonly && !this.db.memory) this.db.pragma('journal_mode = WAL');
  }

  /** Creates or updates the tables; the schema versions it applied (none when up to date). */
  migrate(): Promise<number[]> {
    return this.run(() => migrateSqlite(this.db, this.t));
  }

  findById(id: string): Promise<User | undefined> {
    return this.run(() => this.user(`SELECT ${USER_SELECT} FROM ${this.t.users} WHERE id = ?`, id));
  }

  findByEmail(email: string): Promise<User | undefined> {
    const sql = `SELECT ${USER_SELECT} FROM ${this.t.users} WHERE lower(email) = lower(?)`;
    return this.run(() => this.user(sql, email));
  }

  create(data: Omit<User, 'id'> & { id?: string }): Promise<User> {
    const id = data.id ?? randomUUID();
    const { columns, data: json } = userColumns(data);
    const sql = `INSERT INTO ${this.t.users} (email, email_verified, anonymous, roles, password_hash, data, id)
      VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING ${USER_SELECT}`;
    return this.run(() => this.user(sql, ...params(columns), json, id)!);
  }

  update(id: string, patch: Partial<Omit<User, 'id'>>): Promise<User | undefined> {
    return this.run(() =>
      immediate(this.db, () => {
        const user = this.user(`SELECT ${USER_SELECT} FROM ${this.t.users} WHERE id = ?`, id);
        if (!user) return undefined;
        const { columns, data } = userColumns({ ...user, ...patch, id });
        const sql = `UPDATE ${this.t.users} SET email = ?, email_verified = ?, anonymous = ?,
          roles = ?, password_hash = ?, data = ?, updated_at = ${NOW}
          WHERE id = ? RETURNING ${USER_SELECT}`;
        return this.user(sql, ...params(columns), data, id);
      }),
    );
  }

  delete(id: string): Promise<void> {
    return this.run(() =>
      immediate(this.db, () => {
        // the foreign keys cascade too; explicit, in case a shared connection has them off
        this.sql(`DELETE FROM ${this.t.accounts} WHERE user_id = ?`).run(id);
        this.sql(`DELETE FROM ${this.t.passkeys} WHERE user_id = ?`).run(id);
        this.sql(`DELETE FROM ${this.t.users} WHERE id = ?`).run(id);
      }),
    );
  }

  findByAccount(provider: string, subject: string): Promise<User | undefined> {
    const sql = `SELECT ${userSelect('u')} FROM ${this.t.users} u
      JOIN ${this.t.accounts} a ON a.user_id = u.id WHERE a.provider = ? AND a.subject = ?`;
    return this.run(() => this.user(sql, provider, subject));
  }

  linkAccount(userId: string, account: LinkedAccount): Promise<void> {
    const sql = `INSERT INTO ${this.t.accounts} (provider, subject, user_id, email) VALUES (?, ?, ?, ?)
      ON CONFLICT (user_id, provider) DO UPDATE SET subject = excluded.subject, email = excluded.email`;
    const { provider, subject, email } = account;
    return this.run(() => {
      this.sql(sql).run(provider, subject, userId, email ?? null);
    }, userId);
  }

  unlinkAccount(userId: string, provider: string): Promise<void> {
    const sql = `DELETE FROM ${this.t.accounts} WHERE user_id = ? AND provider = ?`;
    return this.run(() => {
      this.sql(sql).run(userId, provider);
    });
  }

  accountsOf(userId: string): Promise<LinkedAccount[]> {
    const sql = `SELECT provider, subject, email FROM ${this.t.accounts} WHERE user_id = ? ORDER BY provider`;
    return this.run(() => (this.sql(sql).all(userId) as AccountRow[]).map(accountFromRow));
  }

  passkeysOf(userId: string): Promise<Passkey[]> {
    const sql = `SELECT ${PASSKEY_SELECT} FROM ${this.t.passkeys} WHERE user_id = ? ORDER BY created_at, id`;
    return this.run(() => (this.sql(sql).all(userId) as PasskeyRow[]).map(passkeyFromRow));
  }

  findPasskey(credentialId: string): Promise<Passkey | undefined> {
    const sql = `SELECT ${PASSKEY_SELECT} FROM ${this.t.passkeys} WHERE id = ?`;
    return this.run(() => this.passkey(sql, credentialId));
  }

  savePasskey(userId: string, passkey: Passkey): Promise<void> {
    const sql = `INSERT INTO ${this.t.passkeys} (${PASSKEY_SELECT}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
    const p = passkey;
    const transports = p.transports === undefined ? null : JSON.stringify(p.transports);
    return this.run(() => {
      this.sql(sql).run(
        ...[p.id, userId, p.publicKey, p.counter, p.userHandle, transports, p.name, p.deviceType],
        ...[p.backedUp ? 1 : 0, p.createdAt, p.lastUsedAt ?? null],
      );
    }, userId);
  }

  updatePasskey(
    userId: string,
    credentialId: string,
    patch: PasskeyPatch,
  ): Promise<Passkey | undefined> {
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [field, column] of Object.entries(PASSKEY_PATCH_COLUMNS)) {
      if (!Object.prototype.hasOwnProperty.call(patch, field)) continue;
      const value = patch[field as keyof PasskeyPatch];
      sets.push(`${column} = ?`);
      values.push(typeof value === 'boolean' ? Number(value) : (value ?? null));
    }
    const where = `WHERE id = ? AND user_id = ?`;
    const sql =
      sets.length === 0
        ? `SELECT ${PASSKEY_SELECT} FROM ${this.t.passkeys} ${where}`
        : `UPDATE ${this.t.passkeys} SET ${sets.join(', ')} ${where} RETURNING ${PASSKEY_SELECT}`;
    return this.run(() => this.passkey(sql, ...values, credentialId, userId));
  }

  deletePasskey(userId: string, credentialId: string): Promise<boolean> {
    const sql = `DELETE FROM ${this.t.passkeys} WHERE id = ? AND user_id = ?`;
    return this.run(() => this.sql(sql).run(credentialId, userId).changes > 0);
  }

  /** Closes the database when this store opened it; a Database given in the options stays open. */
  close(): Promise<void> {
    this.statements.clear();
    if (this.owned && this.db.open) this.db.close();
    return Promise.resolve();
  }

  private sql(source: string): SqliteStatement {
    let statement = this.statements.get(source);
    if (!statement) {
      statement = this.db.prepare(source);
      this.statements.set(source, statement);
    }
    return statement;
  }

  private user(sql: string, ...values: unknown[]): User | undefined {
    const row = this.sql(sql).get(...values) as UserRow | undefined;
    return row && userFromRow<User>(row);
  }

  private passkey(sql: string, ...values: unknown[]): Passkey | undefined {
    const row = this.sql(sql).get(...values) as PasskeyRow | undefined;
    return row && passkeyFromRow(row);
  }

  /** Runs synchronous work as a promise, turning driver errors into the UserStore's. */
  private run<T>(work: () => T, userId?: string): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (err) {
      const context = { store: 'SqliteUserStore', userId, migrateHint: this.hint };
      return Promise.reject(storeError(classify(err, this.t), err, context));
    }
  }
}

/** The column values as SQLite binds them (booleans as 0/1), in the order of the SQL above. */
function params(columns: Record<string, ColumnValue>): unknown[] {
  const bind = (v: ColumnValue) => (typeof v === 'boolean' ? Number(v) : v);
  const { email, emailVerified, anonymous, roles, passwordHash } = columns;
  return [email, emailVerified, anonymous, roles, passwordHash].map((v) => bind(v ?? null));
}

/** What a better-sqlite3 error means; unique violations are told apart by table and index. */
function classify(err: unknown, t: TableNames): SqlFailure {
  const { code, message } = err as { code?: unknown; message?: unknown };
  const text = String(message);
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return { kind: 'foreign_key' };
  if (code === 'SQLITE_ERROR' && text.startsWith('no such table:')) return { kind: 'not_migrated' };
  if (code !== 'SQLITE_CONSTRAINT_UNIQUE' && code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return;
  const owners: Record<string, UniqueField> = {
    [`index '${t.name('users_email_key')}'`]: 'email',
    [t.name('users')]: 'id',
    [t.name('accounts')]: 'account',
    [t.name('passkeys')]: 'passkey',
  };
  // "UNIQUE constraint failed: portcullis_users.id" or "...: index 'portcullis_users_email_key'"
  const target = text.replace(/^UNIQUE constraint failed: /, '').split(', ')[0] ?? '';
  const field = owners[target] ?? owners[target.split('.')[0]!];
  return field && { kind: 'unique', field };
}
