import { randomUUID } from 'node:crypto';
import type { Passkey, PasskeyPatch } from './passkey.js';
import type { PgPool } from './sql/drivers.js';
import { migratePostgres, type PgRun } from './sql/migrations.js';
import { PostgresPool } from './sql/postgres-pool.js';
import {
  PASSKEY_PATCH_COLUMNS,
  PASSKEY_SELECT,
  USER_COLUMNS,
  USER_SELECT,
  accountFromRow,
  columnValue,
  dataFields,
  isColumnField,
  passkeyFromRow,
  userColumns,
  userFromRow,
  userSelect,
} from './sql/records.js';
import type { AccountRow, PasskeyRow, UserRow } from './sql/records.js';
import { tableNames, type TableNames } from './sql/tables.js';
import type { BaseUser, LinkedAccount, UserStore } from './types.js';

/** Options of a {@link PostgresUserStore}: a connection string, or a `pg` Pool. */
export type PostgresUserStoreOptions = PostgresUserStoreSettings &
  (
    | {
        /** `postgres://user:password@host:5432/db`; the store makes (and closes) a Pool. Needs `pg`. */
        connectionString: string;
      }
    | {
        /** A `pg` Pool the app made; `close()` leaves it open. */
        pool: PgPool;
      }
  );

/** The settings of a {@link PostgresUserStore}. */
export interface PostgresUserStoreSettings {
  /** The schema of the tables (created by `migrate()`). @default the connection's search_path */
  schema?: string;
  /** Prefix of the table names. @default 'portcullis_' */
  tablePrefix?: string;
  /** How long to wait for a connection (ms) before a call rejects. @default 2000 */
  connectTimeout?: number;
  /** How long to wait for a query's answer (ms) before a call rejects. @default 2000 */
  queryTimeout?: number;
}

/**
 * A {@link UserStore} in PostgreSQL (`pg`, loaded when constructed): for apps on many machines.
 * Every call is bounded by `connectTimeout` + `queryTimeout`, so an unreachable or stalled server
 * makes calls reject, never hang. Run {@link PostgresUserStore.migrate} once at start-up.
 *
 * @example
 * ```ts
 * const users = new PostgresUserStore<AppUser>({ connectionString: process.env.DATABASE_URL! });
 * await users.migrate();
 * const alice = await users.findByEmail('alice@example.com');
 * ```
 */
export class PostgresUserStore<User extends BaseUser = BaseUser> implements UserStore<User> {
  private readonly db: PostgresPool;
  private readonly t: TableNames;

  constructor(options: PostgresUserStoreOptions) {
    this.t = tableNames(options.tablePrefix, options.schema);
    this.db = new PostgresPool(options, this.t);
  }

  /** Creates or updates the tables (and the schema); the versions it applied (none when up to date). */
  migrate(): Promise<number[]> {
    const run: PgRun = (text, values = []) => this.db.query(text, values);
    return migratePostgres((work) => this.db.transaction(work), run, this.t);
  }

  findById(id: string): Promise<User | undefined> {
    return this.user(`SELECT ${USER_SELECT} FROM ${this.t.users} WHERE id = $1`, [id]);
  }

  findByEmail(email: string): Promise<User | undefined> {
    const sql = `SELECT ${USER_SELECT} FROM ${this.t.users} WHERE lower(email) = lower($1)`;
    return this.user(sql, [email]);
  }

  async create(data: Omit<User, 'id'> & { id?: string }): Promise<User> {
    const { columns: c, data: json } = userColumns(data);
    const sql = `INSERT INTO ${this.t.users} (id, email, email_verified, anonymous, roles, password_hash, data)
      VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb) RETURNING ${USER_SELECT}`;
    const values = [data.id ?? randomUUID(), c.email, c.emailVerified, c.anonymous, c.roles];
    return (await this.user(sql, [...values, c.passwordHash, json]))!;
  }

  update(id: string, patch: Partial<Omit<User, 'id'>>): Promise<User | undefined> {
    const fields = patch as Record<string, unknown>;
    const values: unknown[] = [id];
    const sets = ['updated_at = now()'];
    for (const [field, column] of Object.entries(USER_COLUMNS)) {
      if (!Object.prototype.hasOwnProperty.call(fields, field) || !isColumnField(field)) continue;
      values.push(columnValue(field, fields[field]));
      sets.push(`${column} = $${values.length}${field === 'roles' ? '::jsonb' : ''}`);
    }
    const others = Object.keys(fields).filter((key) => key !== 'id' && !isColumnField(key));
    if (others.length > 0) {
      // a field set to undefined is removed; the others replace what was there
      values.push(others, JSON.stringify(dataFields(fields)));
      sets.push(`data = (data - $${values.length - 1}::text[]) || $${values.length}::jsonb`);
    }
    const sql = `UPDATE ${this.t.users} SET ${sets.join(', ')} WHERE id = $1 RETURNING ${USER_SELECT}`;
    return this.user(sql, values);
  }

  async delete(id: string): Promise<void> {
    // accounts and passkeys go with it: ON DELETE CASCADE
    await this.db.query(`DELETE FROM ${this.t.users} WHERE id = $1`, [id]);
  }

  findByAccount(provider: string, subject: string): Promise<User | undefined> {
    const sql = `SELECT ${userSelect('u')} FROM ${this.t.users} u
      JOIN ${this.t.accounts} a ON a.user_id = u.id WHERE a.provider = $1 AND a.subject = $2`;
    return this.user(sql, [provider, subject]);
  }

  async linkAccount(userId: string, account: LinkedAccount): Promise<void> {
    const sql = `INSERT INTO ${this.t.accounts} (provider, subject, user_id, email) VALUES ($1, $2, $3, $4)
      ON CONFLICT (user_id, provider) DO UPDATE SET subject = EXCLUDED.subject, email = EXCLUDED.email`;
    const { provider, subject, email } = account;
    await this.db.query(sql, [provider, subject, userId, email ?? null], userId);
  }

  async unlinkAccount(userId: string, provider: string): Promise<void> {
    const sql = `DELETE FROM ${this.t.accounts} WHERE user_id = $1 AND provider = $2`;
    await this.db.query(sql, [userId, provider]);
  }

  async accountsOf(userId: string): Promise<LinkedAccount[]> {
    const sql = `SELECT provider, subject, email FROM ${this.t.accounts} WHERE user_id = $1
      ORDER BY provider COLLATE "C"`;
    const { rows } = await this.db.query(sql, [userId]);
    return (rows as AccountRow[]).map(accountFromRow);
  }

  async passkeysOf(userId: string): Promise<Passkey[]> {
    const sql = `SELECT ${PASSKEY_SELECT} FROM ${this.t.passkeys} WHERE user_id = $1
      ORDER BY created_at, id COLLATE "C"`;
    const { rows } = await this.db.query(sql, [userId]);
    return (rows as PasskeyRow[]).map(passkeyFromRow);
  }

  findPasskey(credentialId: string): Promise<Passkey | undefined> {
    const sql = `SELECT ${PASSKEY_SELECT} FROM ${this.t.passkeys} WHERE id = $1`;
    return this.passkey(sql, [credentialId]);
  }

  async savePasskey(userId: string, passkey: Passkey): Promise<void> {
    const sql = `INSERT INTO ${this.t.passkeys} (${PASSKEY_SELECT})
      VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11)`;
    const p = passkey;
    const transports = p.transports === undefined ? null : JSON.stringify(p.transports);
    const values = [p.id, userId, p.publicKey, p.counter, p.userHandle, transports, p.name];
    await this.db.query(
      sql,
      [...values, p.deviceType, p.backedUp, p.createdAt, p.lastUsedAt ?? null],
      userId,
    );
  }

  updatePasskey(
    userId: string,
    credentialId: string,
    patch: PasskeyPatch,
  ): Promise<Passkey | undefined> {
    const values: unknown[] = [credentialId, userId];
    const sets: string[] = [];
    for (const [field, column] of Object.entries(PASSKEY_PATCH_COLUMNS)) {
      if (!Object.prototype.hasOwnProperty.call(patch, field)) continue;
      values.push(patch[field as keyof PasskeyPatch] ?? null);
      sets.push(`${column} = $${values.length}`);
    }
    const where = 'WHERE id = $1 AND user_id = $2';
    const sql =
      sets.length === 0
        ? `SELECT ${PASSKEY_SELECT} FROM ${this.t.passkeys} ${where}`
        : `UPDATE ${this.t.passkeys} SET ${sets.join(', ')} ${where} RETURNING ${PASSKEY_SELECT}`;
    return this.passkey(sql, values);
  }

  async deletePasskey(userId: string, credentialId: string): Promise<boolean> {
    const sql = `DELETE FROM ${this.t.passkeys} WHERE id = $1 AND user_id = $2`;
    const { rowCount } = await this.db.query(sql, [credentialId, userId]);
    return (rowCount ?? 0) > 0;
  }

  /** Ends the Pool when this store made it; a Pool given in the options stays open. */
  close(): Promise<void> {
    return this.db.close();
  }

  private async user(sql: string, values: unknown[]): Promise<User | undefined> {
    const { rows } = await this.db.query(sql, values);
    return rows[0] === undefined ? undefined : userFromRow<User>(rows[0] as UserRow);
  }

  private async passkey(sql: string, values: unknown[]): Promise<Passkey | undefined> {
    const { rows } = await this.db.query(sql, values);
    return rows[0] === undefined ? undefined : passkeyFromRow(rows[0] as PasskeyRow);
  }
}
