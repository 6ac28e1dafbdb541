// The SQL drivers are optional peers: their types are described here, structurally, so that
// the published .d.ts files never import a package an app may not have installed.

/** The part of a `better-sqlite3` Database that the SQLite store uses. */
export interface SqliteDatabase {
  prepare(source: string): SqliteStatement;
  exec(source: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): unknown;
  readonly open: boolean;
  readonly readonly: boolean;
  readonly memory: boolean;
  readonly inTransaction: boolean;
}

/** A prepared `better-sqlite3` statement. */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** The `better-sqlite3` module: the Database constructor. */
export type SqliteModule = new (
  path: string,
  options?: { readonly?: boolean; timeout?: number },
) => SqliteDatabase;

/** The part of a `pg` Pool that the PostgreSQL store uses. */
export interface PgPool {
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** A client checked out of a `pg` Pool. */
export interface PgPoolClient {
  query(config: PgQuery): Promise<{ rows: unknown[]; rowCount: number | null }>;
  release(err?: Error | boolean): void;
}

/** A query as `pg` takes it (`query_timeout` is a per-query client-side timeout, in ms). */
export interface PgQuery {
  text: string;
  values?: unknown[];
  query_timeout?: number;
}

/** The options of a `pg` Pool that the store sets. */
export interface PgPoolOptions {
  connectionString: string;
  connectionTimeoutMillis: number;
  query_timeout: number;
  statement_timeout: number;
  application_name: string;
}

/** The `pg` module (only its Pool). */
export interface PgModule {
  Pool: new (options: PgPoolOptions) => PgPool;
}

/**
 * Runs `work` in a `BEGIN IMMEDIATE` transaction: it takes the write lock before reading. Inside
 * a transaction the app already opened on a shared connection, `work` is simply part of it.
 */
export function immediate<T>(db: SqliteDatabase, work: () => T): T {
  if (db.inTransaction) return work();
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  }
}
