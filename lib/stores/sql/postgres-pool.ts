import type { UniqueField } from '../types.js';
import { loadPeer } from '../peer.js';
import type { PgModule, PgPool, PgPoolClient } from './drivers.js';
import type { PgRun } from './migrations.js';
import { type SqlFailure, storeError } from './records.js';
import type { TableNames } from './tables.js';

/** Where a {@link PostgresPool} gets its connections, and how long it waits for them. */
export type PostgresSource = {
  /** How long to wait for a connection (ms) before a call rejects. @default 2000 */
  connectTimeout?: number;
  /** How long to wait for a query's answer (ms) before a call rejects. @default 2000 */
  queryTimeout?: number;
} & ({ connectionString: string } | { pool: PgPool });

/** What a query answers. */
export type PgResult = Awaited<ReturnType<PgPoolClient['query']>>;

/**
 * The connections of a `PostgresUserStore`: a `pg` Pool (made here, or the app's), every call
 * bounded by `connectTimeout` + `queryTimeout`, and driver errors turned into the UserStore's
 * (a unique violation, an unknown user, tables not migrated).
 *
 * @example
 * ```ts
 * const db = new PostgresPool({ connectionString }, tableNames(undefined, undefined));
 * const { rows } = await db.query('SELECT 1', []);
 * ```
 */
export class PostgresPool {
  private readonly pool: PgPool;
  private readonly owned: boolean;
  private readonly hint: string;
  private readonly connectTimeout: number;
  private readonly queryTimeout: number;
  private ended = false;

  constructor(
    options: PostgresSource,
    private readonly t: TableNames,
  ) {
    this.connectTimeout = milliseconds(options.connectTimeout ?? 2000, 'connectTimeout');
    this.queryTimeout = milliseconds(options.queryTimeout ?? 2000, 'queryTimeout');
    if ('pool' in options && options.pool) {
      this.pool = options.pool;
      this.owned = false;
    } else if ('connectionString' in options && typeof options.connectionString === 'string') {
      const { Pool } = loadPeer<PgModule>('pg', 'PostgresUserStore');
      this.pool = new Pool({
        connectionString: options.connectionString,
        connectionTimeoutMillis: this.connectTimeout,
        query_timeout: this.queryTimeout,
        statement_timeout: this.queryTimeout,
        application_name: 'portcullis',
      });
      // an idle connection that dies emits this; the next call reconnects (or reports it)
      this.pool.on('error', () => undefined);
      this.owned = true;
    } else {
      throw new TypeError('PostgresUserStore: give { connectionString } or { pool }');
    }
    const schema = this.t.schema === undefined ? '' : ` --schema ${this.t.schema}`;
    const prefix = this.t.prefix === 'portcullis_' ? '' : ` --prefix ${this.t.prefix}`;
    this.hint = `npx portcullis migrate --db postgres://...${schema}${prefix}`;
  }

  /** One statement on a pooled connection; driver errors become the UserStore's. */
  async query(sql: string, values: unknown[], userId?: string): Promise<PgResult> {
    const client = await this.acquire();
    try {
      const result = await client.query({ text: sql, values, query_timeout: this.queryTimeout });
      client.release();
      return result;
    } catch (err) {
      client.release(isServerError(err) ? undefined : (err as Error)); // a broken one is dropped
      const context = { store: 'PostgresUserStore', userId, migrateHint: this.hint };
      throw storeError(classify(err, this.t), err, context);
    }
  }

  /** Runs `work` in one transaction on one connection. */
  async transaction<T>(work: (run: PgRun) => Promise<T>): Promise<T> {
    const client = await this.acquire();
    const run: PgRun = (text, values) =>
      client.query({ text, values, query_timeout: this.queryTimeout });
    let result: T;
    try {
      await run('BEGIN');
      result = await work(run);
      await run('COMMIT');
    } catch (err) {
      if (!isServerError(err)) client.release(err as Error);
      else
        await run('ROLLBACK').then(
          () => client.release(),
          (e: Error) => client.release(e),
        );
      throw err;
    }
    client.release();
    return result;
  }

  /** Ends the Pool when this made it; a Pool given in the options stays open. */
  async close(): Promise<void> {
    if (!this.owned || this.ended) return;
    this.ended = true;
    await this.pool.end();
  }

  /** A pooled connection within `connectTimeout`, or a rejection that says why not. */
  private acquire(): Promise<PgPoolClient> {
    const pending = this.pool.connect();
    return new Promise((resolve, reject) => {
      let late = false;
      const timer = setTimeout(() => {
        late = true;
        reject(new Error(`PostgresUserStore: no connection within ${this.connectTimeout} ms`));
      }, this.connectTimeout);
      pending.then(
        (client) => {
          clearTimeout(timer);
          if (late) client.release();
          else resolve(client);
        },
        (err: unknown) => {
          clearTimeout(timer);
          const reason = err instanceof Error ? err.message : String(err);
          reject(
            new Error(`PostgresUserStore: cannot connect to PostgreSQL: ${reason}`, { cause: err }),
          );
        },
      );
    });
  }
}

/**
 * True for an error PostgreSQL reported (a SQLSTATE, unlike Node's `EPIPE`): the connection
 * itself is fine and goes back to the pool.
 */
function isServerError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(?:[0-9][0-9A-Z]|F0|HV|P0|XX)[0-9A-Z]{3}$/.test(code);
}

/** What a pg error means; unique violations are told apart by constraint name. */
function classify(err: unknown, t: TableNames): SqlFailure {
  const { code, constraint } = err as { code?: unknown; constraint?: unknown };
  if (code === '23503') return { kind: 'foreign_key' };
  if (code === '42P01' || code === '3F000') return { kind: 'not_migrated' };
  if (code !== '23505') return undefined;
  const owners: Record<string, UniqueField> = {
    [t.name('users_pkey')]: 'id',
    [t.name('users_email_key')]: 'email',
    [t.name('accounts_pkey')]: 'account',
    [t.name('accounts_user_provider_key')]: 'account',
    [t.name('passkeys_pkey')]: 'passkey',
  };
  const field = typeof constraint === 'string' ? owners[constraint] : undefined;
  return field && { kind: 'unique', field };
}

function milliseconds(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(`PostgresUserStore: ${name} must be a positive whole number of ms`);
  }
  return value;
}
