import type { Passkey } from '../passkey.js';
import { UniqueViolation } from '../types.js';
import type { BaseUser, LinkedAccount, UniqueField } from '../types.js';

/** The user fields kept in columns of their own (besides `id`), and their columns. */
export const USER_COLUMNS = {
  email: 'email',
  emailVerified: 'email_verified',
  anonymous: 'anonymous',
  roles: 'roles',
  passwordHash: 'password_hash',
} as const;

/** A user field with a column of its own. */
export type ColumnField = keyof typeof USER_COLUMNS;

const COLUMN_FIELDS = Object.keys(USER_COLUMNS) as ColumnField[];

const USER_READ = ['id', 'email', 'email_verified', 'anonymous', 'roles', 'password_hash', 'data'];

/** The columns a user is read from, in SQL (of the table called `alias`, when given). */
export function userSelect(alias?: string): string {
  return USER_READ.map((c) => (alias === undefined ? c : `${alias}.${c}`)).join(', ');
}

/** The columns a user is read from, in SQL. */
export const USER_SELECT = userSelect();

/** A user row as a driver returns it (SQLite: 0/1 and JSON text; PostgreSQL: booleans and parsed jsonb). */
export interface UserRow {
  id: string;
  email: string | null;
  email_verified: boolean | number | null;
  anonymous: boolean | number | null;
  roles: unknown;
  password_hash: string | null;
  data: unknown;
}

/** A column's value: null for an absent field, JSON text for `roles`. */
export type ColumnValue = string | boolean | null;

/** The value of the column of `field` for a field value (undefined and null are absent: NULL). */
export function columnValue(field: ColumnField, value: unknown): ColumnValue {
  if (value === undefined || value === null) return null;
  if (field === 'emailVerified' || field === 'anonymous') return value === true;
  if (field === 'roles') {
    if (!Array.isArray(value)) throw new TypeError('UserStore: roles must be an array of strings');
    return JSON.stringify(value.map(String));
  }
  return String(value);
}

/** True when `field` is one with a column (or the id). */
export function isColumnField(field: string): field is ColumnField {
  return Object.prototype.hasOwnProperty.call(USER_COLUMNS, field);
}

/**
 * A user split into its column values (every column, NULL when absent) and the JSON text of
 * `data`: every other field whose value is not undefined.
 */
export function userColumns(user: object): {
  columns: Record<ColumnField, ColumnValue>;
  data: string;
} {
  const source = user as Record<string, unknown>;
  const columns = {} as Record<ColumnField, ColumnValue>;
  for (const field of COLUMN_FIELDS) columns[field] = columnValue(field, source[field]);
  return { columns, data: JSON.stringify(dataFields(source)) };
}

/** The fields of `source` that go into `data`: not the id or a column, not undefined. */
export function dataFields(source: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (key !== 'id' && !isColumnField(key) && value !== undefined) data[key] = value;
  }
  return data;
}

/** The app's user from a row: the `data` fields merged with the non-NULL columns. */
export function userFromRow<User extends BaseUser>(row: UserRow): User {
  const user: Record<string, unknown> = { id: row.id, ...(json(row.data) as object) };
  if (row.email !== null) user.email = row.email;
  if (row.email_verified !== null) user.emailVerified = Boolean(row.email_verified);
  if (row.anonymous !== null) user.anonymous = Boolean(row.anonymous);
  if (row.roles !== null) user.roles = json(row.roles);
  if (row.password_hash !== null) user.passwordHash = row.password_hash;
  user.id = row.id;
  return user as User;
}

/** An account row. */
export interface AccountRow {
  provider: string;
  subject: string;
  email: string | null;
}

/** A linked account from a row (no `email` key when there is none). */
export function accountFromRow(row: AccountRow): LinkedAccount {
  const account: LinkedAccount = { provider: row.provider, subject: row.subject };
  if (row.email !== null) account.email = row.email;
  return account;
}

/** The columns a passkey is read from, in SQL. */
export const PASSKEY_SELECT =
  'id, user_id, public_key, counter, user_handle, transports, name, device_type, backed_up, created_at, last_used_at';

/** A passkey row as a driver returns it. */
export interface PasskeyRow {
  id: string;
  user_id: string;
  public_key: string;
  counter: number | string | bigint;
  user_handle: string;
  transports: unknown;
  name: string;
  device_type: Passkey['deviceType'];
  backed_up: boolean | number;
  created_at: string | Date;
  last_used_at: string | Date | null;
}

/** A passkey from a row (a fresh object: callers may change it freely). */
export function passkeyFromRow(row: PasskeyRow): Passkey {
  const passkey: Passkey = {
    id: row.id,
    userId: row.user_id,
    publicKey: row.public_key,
    counter: Number(row.counter),
    userHandle: row.user_handle,
    name: row.name,
    deviceType: row.device_type,
    backedUp: Boolean(row.backed_up),
    createdAt: isoString(row.created_at),
  };
  if (row.transports !== null) passkey.transports = json(row.transports) as string[];
  if (row.last_used_at !== null) passkey.lastUsedAt = isoString(row.last_used_at);
  return passkey;
}

/** The passkey fields `updatePasskey` may change, and their columns. */
export const PASSKEY_PATCH_COLUMNS = {
  name: 'name',
  counter: 'counter',
  backedUp: 'backed_up',
  lastUsedAt: 'last_used_at',
} as const;

/** What a failed SQL statement means to a UserStore. */
export type SqlFailure =
  | { kind: 'unique'; field: UniqueField }
  | { kind: 'foreign_key' }
  | { kind: 'not_migrated' }
  | undefined;

/**
 * A query on a database whose tables do not exist (yet): `migrate()` was not run.
 *
 * @example
 * ```ts
 * try { await users.findById(id) } catch (err) { if (err instanceof NotMigratedError) ... }
 * ```
 */
export class NotMigratedError extends Error {
  override readonly name = 'NotMigratedError';
}

/**
 * The error a UserStore rejects with for a driver error: a {@link UniqueViolation}, a plain
 * Error naming the unknown user, a {@link NotMigratedError}, or the driver's own error.
 */
export function storeError(
  failure: SqlFailure,
  err: unknown,
  context: { store: string; userId?: string; migrateHint: string },
): unknown {
  if (failure?.kind === 'unique') return new UniqueViolation(failure.field);
  if (failure?.kind === 'foreign_key') {
    return new Error(`${context.store}: no user ${context.userId ?? ''}`.trimEnd());
  }
  if (failure?.kind === 'not_migrated') {
    return new NotMigratedError(
      `${context.store}: the database has no Portcullis tables. Run \`await users.migrate()\` at start-up, or \`${context.migrateHint}\``,
      { cause: err },
    );
  }
  return err;
}

function json(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

function isoString(value: string | Date): string {
  return value instanceof Date ? value.toISOString() : value;
}
