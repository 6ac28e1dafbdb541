/**
 * `npm run soak`: load with a fault. SOAK_CLIENTS (200) clients sign in with a password,
 * call a protected route, get a token pair, refresh it a few times, call a token route and sign
 * out, for SOAK_SECONDS (60), against one app on RedisStore + PostgresUserStore, while the
 * soak's own Redis is restarted once (gracefully, with its append-only file, 40 % into the run).
 * Then, with Redis up, it checks over HTTP that nothing was let through, that no refresh family
 * is in two states, and that the sessions the server lists are the ones the clients hold.
 * Prints the figures; exits 1 when a check fails. See docs/soak.md.
 *
 * Everything runs on 127.0.0.1: Redis (a child process, a fresh port and directory), the app (a
 * child process, bench/soak/app.ts), the clients (here). PostgreSQL is SOAK_POSTGRES (else
 * PORTCULLIS_TEST_POSTGRES, else postgres://postgres@127.0.0.1:5432/test); the run uses a new
 * schema and drops it. A full default run records its result in docs/soak.md (SOAK_RECORD=0: not).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Argon2Hasher } from '../lib/index.js';
import { PostgresUserStore } from '../lib/stores.js';
import { SOAK_ARGON2, SOAK_STORE_TIMEOUT, type SoakUser } from './soak/app.js';
import {
  type FamilyTally,
  type SessionTally,
  familiesInOneState,
  givenUpRefused,
  heldSessionsWork,
  inPool,
  sessionsListed,
} from './soak/checks.js';
import { type ClientSpec, SoakClient } from './soak/client.js';
import { Http } from './soak/http.js';
import { CHECKS, type Check, GRACE_MS, Recorder, STEPS, percentile, secs } from './soak/record.js';
import { SoakRedis } from './soak/redis.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 200);
const PG_URL =
  process.env.SOAK_POSTGRES ??
  process.env.PORTCULLIS_TEST_POSTGRES ??
  'postgres://postgres@127.0.0.1:5432/test';
/** Redis is stopped this far into the run, and kept down this long. */
const RESTART_AT = 0.4;
const DOWN_MS = 2000;
const HARD_STOP_MS = (SECONDS + 60) * 1000;
/** At the end, the given-up families, cookies and access tokens probed per client (the most recent). */
const ENDED_FAMILIES_PER_CLIENT = 6;
const GIVEN_UP_PER_CLIENT = 3;
const DEFAULT_RUN = SECONDS === 60 && CLIENTS === 200;
/** Counters always printed, even at 0. */
const EVENTS = [
  'refresh families killed by an ambiguous retry',
  'sign-outs everywhere that landed before a 503',
  'reuse drills during the run',
  'client loops broken by a network error',
];

const here = dirname(fileURLToPath(import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (!(SECONDS >= 5) || !(CLIENTS >= 1) || !Number.isInteger(CLIENTS)) {
  console.error('soak: SOAK_SECONDS must be at least 5 and SOAK_CLIENTS a positive integer');
  process.exit(2);
}

/** The repository root: the nearest folder up with a package.json (dist/bench or a build dir). */
function repoRoot(): string {
  let dir = here;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

// ---------------------------------------------------------------- resources, cleaned up always

let redis: SoakRedis | undefined;
let app: ChildProcess | undefined;
let schema: string | undefined;
let http: Http | undefined;
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    http?.close();
    if (app && app.exitCode === null) {
      app.kill('SIGTERM');
      const exited = new Promise((resolve) => app!.once('exit', resolve));
      await Promise.race([exited, sleep(3000)]);
      if (app.exitCode === null) app.kill('SIGKILL');
    }
    await redis?.destroy().catch((err: unknown) => console.error('soak: redis cleanup:', err));
    if (schema) {
      const client = new pg.Client({ connectionString: PG_URL });
      try {
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } catch (err) {
        console.error(`soak: could not drop schema ${schema}:`, err);
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  })();
  return cleaning;
}

// a crash or a kill of this process must not leave a Redis behind
process.on('exit', () => {
  redis?.kill();
  if (app && app.exitCode === null) app.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    console.error(`soak: ${signal}, cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}
const hardStop = setTimeout(() => {
  console.error(`soak: HARD STOP after ${HARD_STOP_MS / 1000} s (${CHECKS.bounded}): FAIL`);
  void Promise.race([cleanup(), sleep(10_000)]).finally(() => process.exit(1));
}, HARD_STOP_MS);
hardStop.unref();

// ---------------------------------------------------------------- set-up

async function seedUsers(): Promise<ClientSpec[]> {
  schema = `soak_${randomBytes(6).toString('hex')}`;
  const users = new PostgresUserStore<SoakUser>({ connectionString: PG_URL, schema });
  try {
    await users.migrate();
    const hasher = new Argon2Hasher(SOAK_ARGON2);
    const run = randomBytes(4).toString('hex');
    const specs: ClientSpec[] = [];
    for (let i = 0; i < CLIENTS; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, CLIENTS - i) }, async (_, k) => {
          const index = i + k;
          const email = `soak-${index}@example.com`;
          const password = `soak-${run}-${randomBytes(9).toString('base64url')}`;
          const user = await users.create({
            email,
            emailVerified: true,
            passwordHash: await hasher.hash(password),
          });
          return { index, userId: user.id, email, password };
        }),
      );
      specs.push(...batch);
    }
    return specs;
  } finally {
    await users.close();
  }
}

async function startApp(redisUrl: string): Promise<number> {
  const child = spawn(process.execPath, ['--enable-source-maps', join(here, 'soak', 'app.js')], {
    stdio: ['pipe', 'pipe', 'inherit'], // stdin: the app exits when it closes
    env: {
      ...process.env,
      NODE_ENV: 'development',
      SOAK_REDIS_URL: redisUrl,
      SOAK_PG_URL: PG_URL,
      SOAK_PG_SCHEMA: schema!,
      SOAK_SECRET: randomBytes(32).toString('base64url'),
      SOAK_ARGON2: JSON.stringify(SOAK_ARGON2),
    },
  });
  app = child;
  return new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += String(d);
      const m = /READY (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`the soak app exited with ${code}`)));
  });
}

function versionOf(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

// ---------------------------------------------------------------- the fault

async function restartRedis(rec: Recorder, marker: string): Promise<string[]> {
  const notes: string[] = [];
  const keysBefore = await redis!.command('DBSIZE');
  rec.outage.stopAt = rec.now();
  await redis!.shutdown();
  rec.outage.downAt = rec.now();
  await sleep(DOWN_MS);
  rec.outage.restartAt = rec.now();
  await redis!.spawn();
  rec.outage.upAt = rec.now();
  const value = await redis!.command('GET', 'soak-marker').catch(() => '');
  rec.outage.verifiedAt = rec.now();
  const keysAfter = await redis!.command('DBSIZE');
  rec.exercise('redis-data-survived');
  if (value !== marker) rec.fail('redis-data-survived', `marker key read back as "${value}"`);
  notes.push(`keys: ${keysBefore} just before SHUTDOWN, ${keysAfter} right after the restart`);
  return notes;
}

// ---------------------------------------------------------------- the report

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function report(
  rec: Recorder,
  ctx: {
    loadMs: number;
    totalMs: number;
    clients: SoakClient[];
    sessions: SessionTally;
    families: FamilyTally;
    givenUpProbed: number;
    redisNotes: string[];
    logs: Record<string, number>;
    versions: { redis: string; postgres: string };
    load: [number, number];
  },
): { text: string; passed: boolean } {
  const lines: string[] = [];
  const o = rec.outage;
  const totalRequests = [...rec.steps.values()].reduce((n, s) => n + s.latencies.length, 0);
  const loadRequests = STEPS.filter((s) => !s.startsWith('end-')).reduce(
    (n, s) => n + rec.steps.get(s)!.latencies.length,
    0,
  );
  lines.push(
    `Portcullis soak, ${new Date().toISOString().slice(0, 10)}: ${CLIENTS} clients, ${SECONDS} s, Redis restarted once`,
    `machine: ${cpus().length} CPU cores (${cpus()[0]?.model ?? 'unknown'}), ${platform()} ${release()}, Node ${process.version}; load average ${ctx.load.map((l) => l.toFixed(2)).join(' at the start, ')} at the end`,
    `services: ${ctx.versions.redis.split(' ').slice(0, 3).join(' ')} (own process, appendonly yes), PostgreSQL ${ctx.versions.postgres}`,
    `app: RedisStore + PostgresUserStore, storeTimeout ${SOAK_STORE_TIMEOUT} ms, rateLimits off, argon2id m=${SOAK_ARGON2.memoryCost} KiB t=${SOAK_ARGON2.timeCost} p=${SOAK_ARGON2.parallelism}`,
    '',
    `duration: load ${secs(ctx.loadMs)}, whole run ${secs(ctx.totalMs)} (set-up, load, checks, clean-up)`,
    `requests: ${fmt(totalRequests)} in all; ${fmt(loadRequests)} under load (${fmt(loadRequests / (ctx.loadMs / 1000))} req/s)`,
    `client loops completed: ${fmt(ctx.clients.reduce((n, c) => n + c.loops, 0))}`,
    '',
    'step           requests     p50     p95     p99  statuses',
  );
  for (const step of STEPS) {
    const s = rec.steps.get(step)!;
    if (s.latencies.length === 0) continue;
    const sorted = [...s.latencies].sort((a, b) => a - b);
    const ms = (p: number) => `${percentile(sorted, p).toFixed(1)}`.padStart(7);
    const statuses = [...s.statuses]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k}: ${fmt(n)}`)
      .join(', ');
    lines.push(
      `${step.padEnd(14)} ${fmt(s.latencies.length).padStart(8)} ${ms(50)} ${ms(95)} ${ms(99)}  ${statuses}`,
    );
  }
  lines.push('(latencies in ms)', '');
  const histogram = [...rec.statuses]
    .sort((a, b) => a[0] - b[0])
    .map(([status, n]) => `${status === 0 ? 'no answer' : status}: ${fmt(n)}`)
    .join(', ');
  lines.push(`status histogram: ${histogram}`, '');

  const unavailable = rec.unavailable;
  const firstOkAfter =
    o.downAt === undefined ? undefined : rec.ok.find(([sent]) => sent >= o.downAt!)?.[1];
  const lastOkBefore =
    o.stopAt === undefined
      ? undefined
      : rec.ok.filter(([, at]) => at <= o.stopAt!).reduce((m, [, at]) => Math.max(m, at), 0);
  const okWhileDown =
    o.downAt === undefined || o.upAt === undefined
      ? 0
      : rec.ok.filter(([sent, at]) => sent >= o.downAt! && at <= o.upAt!).length;
  const at = (t: number | undefined) => (t === undefined ? 'never' : secs(t));
  lines.push(
    'outage (times from the start of the load):',
    `  SHUTDOWN sent ${at(o.stopAt)}; redis-server exited ${at(o.downAt)}; started again ${at(o.restartAt)}; PING answered ${at(o.upAt)}; marker key read back ${at(o.verifiedAt)}`,
    `  down for ${o.downAt !== undefined && o.upAt !== undefined ? secs(o.upAt - o.downAt) : '?'}; ${ctx.redisNotes.join('; ')}`,
    `  last 2xx before the stop ${at(lastOkBefore)}; 503s: ${fmt(unavailable.length)}, first ${at(unavailable[0])}, last ${at(unavailable.at(-1))}`,
    `  time to first success after the restart: ${firstOkAfter !== undefined && o.upAt !== undefined ? secs(firstOkAfter - o.upAt) : 'none'} after PING answered (the first 2xx of a request sent after Redis went down, at ${at(firstOkAfter)})`,
    `  2xx answered for requests sent while Redis was down: ${fmt(okWhileDown)}`,
    `  503 accepted from the stop to ${secs(GRACE_MS)} after PING answered; outside that: ${fmt(rec.unavailableOutsideWindow().length)}`,
    '',
  );
  const held = ctx.clients.filter((c) => c.signedIn).length;
  lines.push(
    'at the end:',
    `  clients signed in: ${held} of ${ctx.clients.length}; holding a live refresh family: ${ctx.clients.filter((c) => c.family).length}`,
    `  sessions held by the clients: ${ctx.sessions.believed}; listed by the server (GET /auth/sessions, the checker's own left out): ${ctx.sessions.listed}; matched: ${ctx.sessions.matched}; users that differ: ${ctx.sessions.usersMismatched}`,
  );
  for (const [cause, n] of ctx.sessions.extra)
    lines.push(`    listed but not held, ${cause}: ${n}`);
  if (ctx.sessions.missing > 0) lines.push(`    held but not listed: ${ctx.sessions.missing}`);
  lines.push(
    `  live families probed: ${ctx.families.liveFamilies} (${ctx.families.liveTokens} tokens; reuse checked on ${ctx.families.reuseChecked}); given-up families probed: ${ctx.families.endedFamilies} (${ctx.families.endedTokens} tokens, the ${ENDED_FAMILIES_PER_CLIENT} latest per client)`,
    `  given-up cookies and access tokens replayed: ${ctx.givenUpProbed} (the ${GIVEN_UP_PER_CLIENT} latest of each per client)`,
    '',
    'events:',
    `  sign-in tries answered 503: ${fmt(ctx.clients.reduce((n, c) => n + c.signIns503.size, 0))}`,
  );
  const events = new Set([...EVENTS, ...rec.counters.keys()]);
  for (const name of events) lines.push(`  ${name}: ${fmt(rec.counter(name))}`);
  const logged = Object.entries(ctx.logs);
  lines.push(
    `  operator records the app logged: ${logged.length === 0 ? 'none' : logged.map(([k, n]) => `${k} (${fmt(n)})`).join('; ')}`,
    '',
    'checks:',
  );

  // the two checks that are decided from the whole record
  rec.exercise('no-500', totalRequests);
  rec.exercise('expected-statuses', totalRequests);
  if (rec.serverErrorCount > 0) for (const e of rec.serverErrors) rec.fail('no-500', e);
  const outside = rec.unavailableOutsideWindow();
  rec.exercise('503-in-window', unavailable.length);
  for (const t of outside.slice(0, 5)) rec.fail('503-in-window', `503 answered at ${secs(t)}`);
  if (outside.length > 5) rec.failures.get('503-in-window')!.count += outside.length - 5;
  if (rec.serverErrorCount > rec.serverErrors.length)
    rec.failures.get('no-500')!.count += rec.serverErrorCount - rec.serverErrors.length;
  if (ctx.totalMs > HARD_STOP_MS) rec.fail('bounded', `took ${secs(ctx.totalMs)}`);
  rec.exercise('bounded');

  let passed = true;
  for (const check of Object.keys(CHECKS) as Check[]) {
    const f = rec.failures.get(check)!;
    const ok = f.count === 0;
    passed &&= ok;
    lines.push(
      `  ${ok ? 'PASS' : 'FAIL'}  ${CHECKS[check]} (checked ${fmt(rec.exercised.get(check) ?? 0)}×${ok ? '' : `, ${fmt(f.count)} failed`})`,
    );
    for (const e of f.examples) lines.push(`          e.g. ${e}`);
  }
  lines.push('', `result: ${passed ? 'PASS' : 'FAIL'}`);
  return { text: lines.join('\n'), passed };
}

/** Writes the result between the soak markers of docs/soak.md. */
function record(text: string): string | undefined {
  const path = join(repoRoot(), 'docs', 'soak.md');
  if (!existsSync(path)) return undefined;
  const doc = readFileSync(path, 'utf8');
  const start = '<!-- soak:start -->';
  const end = '<!-- soak:end -->';
  if (!doc.includes(start) || !doc.includes(end)) return undefined;
  const block = [start, '', '```text', text, '```', '', end].join('\n');
  writeFileSync(
    path,
    doc.slice(0, doc.indexOf(start)) + block + doc.slice(doc.indexOf(end) + end.length),
  );
  return path;
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const started = Date.now();
  console.log(
    `soak: ${CLIENTS} clients for ${SECONDS} s; Redis restarted at ${RESTART_AT * 100} %`,
  );
  redis = await SoakRedis.start(process.env.SOAK_REDIS_SERVER, process.env.SOAK_REDIS_CLI);
  const marker = randomBytes(8).toString('hex');
  await redis.command('SET', 'soak-marker', marker);
  const aof = await redis.command('CONFIG', 'GET', 'appendonly');
  if (!aof.endsWith('yes')) throw new Error(`redis appendonly is not on: ${aof}`);
  console.log(`soak: Redis on port ${redis.port} in ${redis.dir}`);
  const specs = await seedUsers();
  console.log(`soak: ${specs.length} users in PostgreSQL schema ${schema}`);
  const port = await startApp(redis.url);
  console.log(`soak: app on http://127.0.0.1:${port}; load starts`);

  const loadAtStart = loadavg()[0]!;
  const rec = new Recorder();
  http = new Http(port, rec);
  const loadMs = SECONDS * 1000;
  const stopping = () => rec.now() >= loadMs;
  const clients = specs.map((spec) => new SoakClient(spec, http!, rec, stopping));
  const fault = (async () => {
    await sleep(loadMs * RESTART_AT);
    return restartRedis(rec, marker);
  })();
  const progress = setInterval(() => {
    const n = [...rec.steps.values()].reduce((k, s) => k + s.latencies.length, 0);
    console.log(
      `soak: ${secs(rec.now())}  ${fmt(n)} requests, ${fmt(rec.unavailable.length)} × 503, ${clients.filter((c) => c.signedIn).length} signed in`,
    );
  }, 10_000);
  const [redisNotes] = await Promise.all([fault, ...clients.map((c) => c.run())]);
  clearInterval(progress);
  const loadEnd = rec.now();
  const loadAtEnd = loadavg()[0]!;
  console.log(`soak: load over at ${secs(loadEnd)}; checking`);

  await inPool(clients, 50, (c) => heldSessionsWork(c, http!, rec));
  const sessions: SessionTally = {
    believed: 0,
    listed: 0,
    matched: 0,
    usersMismatched: 0,
    extra: new Map(),
    missing: 0,
  };
  await inPool(clients, 25, (c) => sessionsListed(c, http!, rec, sessions));
  if (sessions.believed !== sessions.listed)
    rec.fail(
      'live-sessions-match',
      `${sessions.listed} sessions listed, ${sessions.believed} held by the clients`,
    );
  const families: FamilyTally = {
    liveFamilies: 0,
    liveTokens: 0,
    reuseChecked: 0,
    endedFamilies: 0,
    endedTokens: 0,
  };
  await inPool(clients, 50, (c) =>
    familiesInOneState(c, http!, rec, families, ENDED_FAMILIES_PER_CLIENT),
  );
  let givenUpProbed = 0;
  await inPool(clients, 50, async (c) => {
    const n = await givenUpRefused(c, http!, rec, GIVEN_UP_PER_CLIENT);
    givenUpProbed += n;
  });
  const logs = (await fetch(`http://127.0.0.1:${port}/__soak/logs`)
    .then((r) => r.json())
    .catch(() => ({ records: {} }))) as { records: Record<string, number> };
  const postgres = await (async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    try {
      await client.connect();
      return String((await client.query('SHOW server_version')).rows[0].server_version);
    } catch {
      return 'unknown';
    } finally {
      await client.end().catch(() => undefined);
    }
  })();

  await cleanup();
  const { text, passed } = report(rec, {
    loadMs: loadEnd,
    totalMs: Date.now() - started,
    clients,
    sessions,
    families,
    givenUpProbed,
    redisNotes,
    logs: logs.records,
    versions: {
      redis: versionOf(process.env.SOAK_REDIS_SERVER ?? 'redis-server', ['--version']),
      postgres,
    },
    load: [loadAtStart, loadAtEnd],
  });
  console.log(`\n${text}\n`);
  if (DEFAULT_RUN && process.env.SOAK_RECORD !== '0') {
    const path = record(text);
    console.log(path ? `soak: recorded in ${path}` : 'soak: docs/soak.md not found; not recorded');
  }
  return passed ? 0 : 1;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error('soak: failed:', err);
  if (redis && existsSync(redis.logPath()))
    console.error(`soak: redis log:\n${readFileSync(redis.logPath(), 'utf8').slice(-2000)}`);
} finally {
  await cleanup();
  clearTimeout(hardStop);
}
process.exit(code);
