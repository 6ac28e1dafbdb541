#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MIN_SECRET_BYTES, secretsFrom } from './keys/keyring.js';
import { PostgresUserStore } from './stores/postgres-user-store.js';
import { SqliteUserStore } from './stores/sqlite-user-store.js';
import { LATEST_VERSION, MIGRATIONS } from './stores/sql/migrations.js';
import { tableNames } from './stores/sql/tables.js';

/** Where the CLI writes its lines (the terminal, or a test's buffer). */
export interface CliIO {
  out(line: string): void;
  err(line: string): void;
}

/** The exit codes: 0 done, 1 failed, 2 a usage error. */
export type ExitCode = 0 | 1 | 2;

/** What `portcullis --help` prints. */
export const USAGE = `Usage: portcullis <command> [options]

Commands:
  secret                 Print a new random secret for the \`secret\` option (${MIN_SECRET_BYTES} bytes, base64url)
  migrate --db <url>     Create or update the UserStore tables (only the missing versions)
      --db <url>         postgres://user:password@host:5432/db, sqlite:<path>, file:<path> or a path
      --schema <name>    PostgreSQL schema of the tables (default: the search_path)
      --prefix <prefix>  Prefix of the table names (default: portcullis_)

Options:
  -h, --help             Show this help`;

const stdio: CliIO = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
};

/**
 * The `portcullis` command: runs `argv` (without `node` and the script) and resolves to the exit
 * code; it never throws, and never prints a stack trace or a password.
 *
 * @example
 * ```ts
 * const code = await main(['migrate', '--db', 'sqlite:data/auth.db']);
 * ```
 */
export async function main(argv: readonly string[], io: CliIO = stdio): Promise<ExitCode> {
  const [command, ...rest] = argv;
  if (command === '-h' || command === '--help' || command === 'help') return help(io);
  if (command === 'secret')
    return rest.length === 0 ? secret(io) : usage(io, 'secret takes no arguments');
  if (command === 'migrate') return migrate(rest, io);
  return usage(io, command === undefined ? 'a command is required' : `unknown command: ${command}`);
}

function help(io: CliIO): ExitCode {
  io.out(USAGE);
  return 0;
}

function usage(io: CliIO, problem: string): ExitCode {
  io.err(`portcullis: ${problem}`);
  io.err('Run `portcullis --help` for usage.');
  return 2;
}

function secret(io: CliIO): ExitCode {
  const value = randomBytes(MIN_SECRET_BYTES).toString('base64url');
  secretsFrom(value, undefined); // what Portcullis accepts at start-up
  io.out(value);
  return 0;
}

async function migrate(args: string[], io: CliIO): Promise<ExitCode> {
  let values: { db?: string; schema?: string; prefix?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        db: { type: 'string' },
        schema: { type: 'string' },
        prefix: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  if (values.help) return help(io);
  if (values.db === undefined || values.db === '') return usage(io, 'migrate needs --db <url>');
  const target = parseTarget(values.db);
  if (typeof target === 'string') return usage(io, target);
  if (target.kind === 'sqlite' && values.schema !== undefined) {
    return usage(io, '--schema is for PostgreSQL only');
  }
  try {
    tableNames(values.prefix, values.schema);
  } catch (err) {
    return usage(io, (err as Error).message.replace(/^UserStore: tablePrefix/, '--prefix'));
  }
  return runMigrations(target, values, io);
}

type Target = { kind: 'postgres'; url: string } | { kind: 'sqlite'; path: string };

/** The database a `--db` value names, or what is wrong with it. */
function parseTarget(db: string): Target | string {
  if (/^postgres(?:ql)?:\/\//i.test(db)) return { kind: 'postgres', url: db };
  let path = db;
  if (/^sqlite:/i.test(db)) path = db.slice('sqlite:'.length).replace(/^\/\//, '');
  else if (/^file:\/\//i.test(db)) {
    try {
      path = fileURLToPath(db);
    } catch (err) {
      return `--db: ${(err as Error).message}`;
    }
  } else if (/^file:/i.test(db)) path = db.slice('file:'.length);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(db)) {
    return `--db: unsupported database ${db.split(':')[0]}: (use postgres://, sqlite: or a path)`;
  }
  return path === '' ? '--db: the SQLite path is empty' : { kind: 'sqlite', path };
}

async function runMigrations(
  target: Target,
  options: { schema?: string; prefix?: string },
  io: CliIO,
): Promise<ExitCode> {
  const where =
    target.kind === 'postgres'
      ? `${redact(target.url)}${options.schema === undefined ? '' : ` (schema ${options.schema})`}`
      : `sqlite:${target.path}`;
  const secrets = target.kind === 'postgres' ? passwordsOf(target.url) : [];
  let store: SqliteUserStore | PostgresUserStore | undefined;
  try {
    store =
      target.kind === 'postgres'
        ? new PostgresUserStore({
            connectionString: target.url,
            schema: options.schema,
            tablePrefix: options.prefix,
          })
        : new SqliteUserStore({ path: target.path, tablePrefix: options.prefix });
    const applied = await store.migrate();
    if (applied.length === 0)
      io.out(`${where}: the schema is up to date (version ${LATEST_VERSION})`);
    for (const version of applied) {
      const name = MIGRATIONS.find((m) => m.version === version)?.name ?? '';
      io.out(`${where}: applied version ${version} (${name})`);
    }
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.err(`portcullis migrate: ${hide(message, secrets)}`);
    return 1;
  } finally {
    await store?.close().catch(() => undefined);
  }
}

/** The URL with its password replaced by `***`. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}

function passwordsOf(url: string): string[] {
  const raw = /\/\/[^:/@]*:([^@]*)@/.exec(url)?.[1];
  if (!raw) return [];
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // keep the raw form
  }
  return [raw, decoded];
}

function hide(message: string, secrets: readonly string[]): string {
  return secrets.reduce((text, s) => text.split(s).join('***'), message);
}

function isMain(): boolean {
  try {
    return (
      process.argv[1] !== undefined &&
      realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)
    );
  } catch {
    return false;
  }
}

if (isMain()) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
