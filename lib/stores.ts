/**
 * `portcullis/stores`: the Store and UserStore back-ends for one machine and for many (SQLite,
 * Redis, PostgreSQL), their options and the SQL driver shapes. Each loads its driver (an
 * optional peer dependency) only when it is built. The in-memory stores and the contracts are
 * also exported from `portcullis`.
 * @packageDocumentation
 */
export { MemoryStore } from './stores/memory-store.js';
export type { MemoryStoreOptions } from './stores/memory-store.js';
export { MemoryUserStore } from './stores/memory-user-store.js';
export { RedisStore } from './stores/redis-store.js';
export type { RedisStoreOptions, RedisClientLike } from './stores/redis-store.js';
export { SqliteStore } from './stores/sqlite-store.js';
export type { SqliteStoreOptions, SqliteDatabaseLike } from './stores/sqlite-store.js';
export { SqliteUserStore } from './stores/sqlite-user-store.js';
export type {
  SqliteUserStoreOptions,
  SqliteUserStoreSettings,
} from './stores/sqlite-user-store.js';
export { PostgresUserStore } from './stores/postgres-user-store.js';
export type {
  PostgresUserStoreOptions,
  PostgresUserStoreSettings,
} from './stores/postgres-user-store.js';
export type {
  SqliteDatabase,
  SqliteStatement,
  PgPool,
  PgPoolClient,
  PgQuery,
} from './stores/sql/drivers.js';
export { NotMigratedError } from './stores/sql/records.js';
export type {
  Store,
  UserStore,
  BaseUser,
  LinkedAccount,
  UniqueField,
  RevisionFeed,
  RateLimiterSpec,
} from './stores/types.js';
export { UniqueViolation, isUniqueViolation } from './stores/types.js';
export type { Passkey, PasskeyPatch } from './stores/passkey.js';
