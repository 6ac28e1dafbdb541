/** The default prefix of the SQL stores' table names. */
export const DEFAULT_TABLE_PREFIX = 'portcullis_';

const PREFIX = /^(?:[A-Za-z_][A-Za-z0-9_]{0,31})?$/;
const SCHEMA = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The names of a SQL UserStore's tables, indexes and constraints, under one prefix (and schema). */
export interface TableNames {
  readonly prefix: string;
  readonly schema: string | undefined;
  /** The tables, quoted (and qualified by the schema when there is one), ready for SQL. */
  readonly users: string;
  readonly accounts: string;
  readonly passkeys: string;
  readonly migrations: string;
  /** The quoted schema, or undefined. */
  readonly quotedSchema: string | undefined;
  /** An unquoted name under the prefix (`portcullis_users_email_key`), for indexes and constraints. */
  name(suffix: string): string;
}

/**
 * The names for `prefix` (letters, digits and `_`, at most 32 characters) and an optional
 * PostgreSQL `schema`; a TypeError for anything else, since names end up in SQL.
 */
export function tableNames(
  prefix: string = DEFAULT_TABLE_PREFIX,
  schema: string | undefined = undefined,
): TableNames {
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw new TypeError(
      `UserStore: tablePrefix must be letters, digits and _ (at most 32, not starting with a digit), got ${JSON.stringify(prefix)}`,
    );
  }
  if (schema !== undefined && (typeof schema !== 'string' || !SCHEMA.test(schema))) {
    throw new TypeError(
      `UserStore: schema must be letters, digits and _ (at most 63, not starting with a digit), got ${JSON.stringify(schema)}`,
    );
  }
  const quotedSchema = schema === undefined ? undefined : quote(schema);
  const table = (suffix: string) =>
    quotedSchema === undefined
      ? quote(prefix + suffix)
      : `${quotedSchema}.${quote(prefix + suffix)}`;
  return {
    prefix,
    schema,
    users: table('users'),
    accounts: table('accounts'),
    passkeys: table('passkeys'),
    migrations: table('migrations'),
    quotedSchema,
    name: (suffix) => prefix + suffix,
  };
}

/** A quoted SQL identifier (the names are validated, so there is no quote to escape). */
export function quote(identifier: string): string {
  return `"${identifier}"`;
}
