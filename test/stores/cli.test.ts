import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { main, type CliIO } from '../../lib/cli.js';
import { secretsFrom } from '../../lib/keys/keyring.js';
import { PostgresUserStore } from '../../lib/stores/postgres-user-store.js';
import { SqliteUserStore } from '../../lib/stores/sqlite-user-store.js';
import { POSTGRES_URL, needService } from '../support/services.js';
import { rejection } from './user-store-suite.js';

/** Runs the CLI in-process; its exit code and what it printed. */
async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => void out.push(l), err: (l) => void err.push(l) };
  const code = await main(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('portcullis (the CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('--help and usage errors', () => {
    it('prints the usage with --help, exit 0', async () => {
      for (const flag of ['--help', '-h', 'help']) {
        const { code, out } = await run(flag);
        expect(code).to.equal(0);
        expect(out)
          .to.match(/^Usage: portcullis <command>/)
          .and.include('migrate --db <url>');
        expect(out).to.include('secret');
      }
      expect((await run('migrate', '--help')).out).to.match(/^Usage: portcullis/);
    });

    it('exits 2 with a message for a missing or unknown command', async () => {
      expect(await run()).to.deep.include({ code: 2, out: '' });
      expect((await run()).err).to.match(/a command is required/);
      const unknown = await run('migrat');
      expect(unknown.code).to.equal(2);
      expect(unknown.err).to.match(/unknown command: migrat\n.*--help/);
    });

    it('exits 2 for bad migrate arguments', async () => {
      const cases: [string[], RegExp][] = [
        [['migrate'], /migrate needs --db <url>/],
        [['migrate', '--db'], /--db/],
        [['migrate', '--db', 'x.db', '--bogus'], /--bogus/],
        [['migrate', '--db', 'x.db', 'extra'], /extra/],
        [['migrate', '--db', 'mysql://h/db'], /unsupported database mysql/],
        [['migrate', '--db', 'sqlite:'], /path is empty/],
        [['migrate', '--db', 'x.db', '--schema', 's'], /--schema is for PostgreSQL only/],
        [['migrate', '--db', 'x.db', '--prefix', 'a-b'], /--prefix must be letters/],
        [['secret', 'now'], /secret takes no arguments/],
      ];
      for (const [argv, message] of cases) {
        const { code, err } = await run(...argv);
        expect(code, argv.join(' ')).to.equal(2);
        expect(err, argv.join(' ')).to.match(message);
      }
    });
  });

  describe('secret', () => {
    it('prints 32 random bytes, base64url, that Portcullis accepts as `secret`', async () => {
      const a = await run('secret');
      const b = await run('secret');
      expect(a.code).to.equal(0);
      expect(a.out).to.match(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(a.out, 'base64url')).to.have.length(32);
      expect(a.out).to.not.equal(b.out);
      expect(secretsFrom(a.out, undefined)).to.have.length(1);
    });
  });

  describe('migrate: SQLite', () => {
    it('applies the schema once, for every way of naming the file', async () => {
      const path = join(dir, 'app.db');
      const first = await run('migrate', '--db', `sqlite:${path}`);
      expect(first).to.deep.equal({
        code: 0,
        out: `sqlite:${path}: applied version 1 (users, accounts, passkeys)`,
        err: '',
      });
      for (const db of [path, `file:${path}`, pathToFileURL(path).href, `sqlite://${path}`]) {
        const again = await run('migrate', '--db', db);
        expect(again.code, db).to.equal(0);
        expect(again.out, db).to.equal(`sqlite:${path}: the schema is up to date (version 1)`);
      }
      const users = new SqliteUserStore({ path });
      try {
        const u = await users.create({ email: 'cli@example.com' });
        expect((await users.findByEmail('CLI@example.com'))?.id).to.equal(u.id);
      } finally {
        await users.close();
      }
    });

    it('uses --prefix for the table names', async () => {
      const path = join(dir, 'prefixed.db');
      expect((await run('migrate', '--db', path, '--prefix', 'auth_')).code).to.equal(0);
      const prefixed = new SqliteUserStore({ path, tablePrefix: 'auth_' });
      const plain = new SqliteUserStore({ path });
      try {
        expect(await prefixed.findById('x')).to.equal(undefined);
        const err = await rejection(plain.findById('x'));
        expect(err.name).to.equal('NotMigratedError');
      } finally {
        await prefixed.close();
        await plain.close();
      }
    });

    it('exits 1 with one line when the file cannot be opened', async () => {
      const { code, err, out } = await run('migrate', '--db', join(dir, 'missing', 'dir', 'x.db'));
      expect(code).to.equal(1);
      expect(out).to.equal('');
      expect(err).to.equal(
        'portcullis migrate: Cannot open database because the directory does not exist',
      );
    });
  });

  describe('migrate: PostgreSQL', () => {
    const schema = `pc_test_cli_${randomBytes(6).toString('hex')}`;
    before(async function () {
      await needService(this, 'PostgreSQL', 5432);
    });
    after(async () => {
      const admin = new pg.Client({ connectionString: POSTGRES_URL });
      await admin.connect().catch(() => undefined);
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await admin.end().catch(() => undefined);
    });

    it('applies the schema once, into --schema', async () => {
      const first = await run('migrate', '--db', POSTGRES_URL, '--schema', schema);
      expect(first.code).to.equal(0);
      expect(first.out).to.match(new RegExp(`\\(schema ${schema}\\): applied version 1 \\(`));
      const again = await run('migrate', '--db', POSTGRES_URL, '--schema', schema);
      expect(again.out).to.match(/the schema is up to date \(version 1\)$/);
      const users = new PostgresUserStore({ connectionString: POSTGRES_URL, schema });
      try {
        expect(await users.findByEmail('nobody@example.com')).to.equal(undefined);
      } finally {
        await users.close();
      }
    });

    it('exits 1 on an unreachable server: one line, no stack, no password', async () => {
      const server = createServer();
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as { port: number };
      await new Promise((r) => server.close(r));
      const url = `postgresql://app:s3cr%2Fet-pw@127.0.0.1:${port}/app`;
      const { code, out, err } = await run('migrate', '--db', url);
      expect(code).to.equal(1);
      expect(out).to.equal('');
      expect(err).to.match(/^portcullis migrate: .*cannot connect to PostgreSQL: .*ECONNREFUSED/);
      expect(err.split('\n')).to.have.length(1);
      expect(err).to.not.match(/s3cr|\n\s+at /);
    });
  });

  describe('as a child process', () => {
    const cli = fileURLToPath(new URL('../../lib/cli.js', import.meta.url));
    const node = (...args: string[]) =>
      spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 20_000 });

    it('runs migrate, --help and a usage error with the right exit codes', () => {
      const path = join(dir, 'child.db');
      const migrated = node('migrate', '--db', `sqlite:${path}`);
      expect(migrated.status).to.equal(0);
      expect(migrated.stdout).to.equal(
        `sqlite:${path}: applied version 1 (users, accounts, passkeys)\n`,
      );
      expect(migrated.stderr).to.equal('');
      const help = node('--help');
      expect(help.status).to.equal(0);
      expect(help.stdout).to.match(/^Usage: portcullis/);
      const bad = node('nonsense');
      expect(bad.status).to.equal(2);
      expect(bad.stderr).to.match(/^portcullis: unknown command: nonsense/);
    });
  });
});
