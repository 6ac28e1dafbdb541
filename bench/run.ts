/**
 * `npm run bench`: every variant as its own server process on 127.0.0.1, loaded by autocannon
 * from another process (pinned to different cores when there are two), warm-up first, variants
 * interleaved over several rounds; medians of req/s, p99 and of each round's ratio to bare Koa.
 * Then micro-benchmarks and a memory check. Writes docs/benchmarks.md and the README's summary.
 *
 * Flags: --rounds N (3) --duration S (5) --connections N (50) --warmup S (2) --creds N (10000)
 *        --memory-requests N (1000000) --no-memory --quick (one short round) --out FILE
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { VariantName } from './servers.js';

interface Settings {
  rounds: number;
  duration: number;
  connections: number;
  warmup: number;
  creds: number;
  memory: boolean;
  memoryRequests: number;
  out: string;
  readme: boolean;
  microMs: number;
}

interface Run {
  rps: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
}

interface Case {
  label: string;
  variant: VariantName;
  cycling: boolean;
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));

const CASES: Case[] = [
  { label: 'bare Koa + router (no auth)', variant: 'bare', cycling: false },
  {
    label: 'Portcullis @LoginRequired (session cookie)',
    variant: 'portcullis-session',
    cycling: false,
  },
  {
    label: 'Portcullis @LoginRequired, 10k sessions cycling',
    variant: 'portcullis-session',
    cycling: true,
  },
  {
    label: 'Portcullis @LoginRequired, 10k sessions cycling, SqliteStore',
    variant: 'portcullis-session-sqlite',
    cycling: true,
  },
  {
    label: 'Portcullis @LoginRequired, 10k sessions cycling, RedisStore',
    variant: 'portcullis-session-redis',
    cycling: true,
  },
  { label: "Portcullis @TokenRequired('access')", variant: 'portcullis-access', cycling: false },
  {
    label: "Portcullis @TokenRequired('access'), 10k tokens cycling",
    variant: 'portcullis-access',
    cycling: true,
  },
  { label: 'Portcullis opaque tokens (tokenLoader)', variant: 'portcullis-opaque', cycling: false },
  { label: 'Portcullis opaque tokens, 10k cycling', variant: 'portcullis-opaque', cycling: true },
  { label: 'koa-session (signed cookie)', variant: 'koa-session', cycling: false },
  { label: 'koa-passport (session on koa-session)', variant: 'koa-passport', cycling: false },
  { label: 'jose jwtVerify HS256 middleware', variant: 'jose-middleware', cycling: false },
];

function parseArgs(argv: string[]): Settings {
  const flag = (name: string): boolean => argv.includes(`--${name}`);
  const num = (name: string, fallback: number): number => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const str = (name: string, fallback: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1]! : fallback;
  };
  const quick = flag('quick');
  return {
    rounds: num('rounds', quick ? 1 : 3),
    duration: num('duration', quick ? 1 : 5),
    connections: num('connections', quick ? 10 : 50),
    warmup: num('warmup', quick ? 0 : 2),
    creds: num('creds', quick ? 20 : 10_000),
    memory: !quick && !flag('no-memory'),
    memoryRequests: num('memory-requests', 1_000_000),
    out: str('out', `${root}docs/benchmarks.md`),
    readme: !quick && !argv.includes('--out'),
    microMs: quick ? 100 : 1000,
  };
}

const pinning = cpus().length >= 2 && hasTaskset();

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function pinned(core: number, args: string[]): [string, string[]] {
  return pinning ? ['taskset', ['-c', String(core), ...args]] : [args[0]!, args.slice(1)];
}

interface Server {
  url: string;
  child: ChildProcess;
}

async function startServer(variant: VariantName, gc = false): Promise<Server> {
  const node = [process.execPath, ...(gc ? ['--expose-gc'] : []), `${here}servers.js`, variant];
  const [cmd, args] = pinned(0, node);
  const child = spawn(cmd, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_ENV: 'development' },
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += String(d);
      const m = /READY (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`${variant} server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

async function mintCredentials(server: Server, n: number): Promise<Array<Record<string, string>>> {
  const out: Array<Record<string, string>> = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${server.url}/__login?user=${i}`, { method: 'POST' });
    const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]!);
    const json = (await res.json()) as { authorization?: string };
    if (json.authorization) out.push({ authorization: json.authorization });
    else if (cookies.length > 0) out.push({ cookie: cookies.join('; ') });
    else out.push({});
  }
  return out;
}

async function load(job: {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  headers: Array<Record<string, string>>;
}): Promise<Run> {
  const [cmd, args] = pinned(1, [process.execPath, `${here}load.js`]);
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin!.end(JSON.stringify(job));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += String(d)));
  await new Promise((resolve) => child.on('exit', resolve));
  return JSON.parse(out) as Run;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function httpBench(s: Settings, log: (line: string) => void) {
  const names = [...new Set(CASES.map((c) => c.variant))];
  const servers = new Map<VariantName, Server>();
  const creds = new Map<VariantName, Array<Record<string, string>>>();
  for (const name of names) {
    const server = await startServer(name);
    servers.set(name, server);
    creds.set(name, await mintCredentials(server, name.startsWith('portcullis') ? s.creds : 1));
  }
  const job = (c: Case, duration: number) => ({
    url: `${servers.get(c.variant)!.url}/me`,
    connections: s.connections,
    duration,
    headers: c.cycling ? creds.get(c.variant)! : creds.get(c.variant)!.slice(0, 1),
  });
  try {
    if (s.warmup > 0) for (const c of CASES) await load(job(c, s.warmup));
    const runs = new Map<string, Run[]>(CASES.map((c) => [c.label, []]));
    const ratios = new Map<string, number[]>(CASES.map((c) => [c.label, []]));
    for (let r = 0; r < s.rounds; r++) {
      let bare = 0;
      for (const c of CASES) {
        const run = await load(job(c, s.duration));
        if (c.variant === 'bare') bare = run.rps;
        runs.get(c.label)!.push(run);
        ratios.get(c.label)!.push(bare > 0 ? run.rps / bare : 0);
        log(
          `round ${r + 1}/${s.rounds}  ${c.label.padEnd(58)} ${run.rps.toFixed(0).padStart(7)} req/s  p99 ${run.p99} ms${run.non2xx + run.errors > 0 ? `  ERRORS ${run.non2xx + run.errors}` : ''}`,
        );
      }
    }
    return CASES.map((c) => {
      const list = runs.get(c.label)!;
      return {
        label: c.label,
        rps: median(list.map((x) => x.rps)),
        p99: median(list.map((x) => x.p99)),
        ratio: median(ratios.get(c.label)!),
        failures: list.reduce((n, x) => n + x.non2xx + x.errors, 0),
      };
    });
  } finally {
    for (const server of servers.values()) server.child.kill();
  }
}

async function memoryCheck(s: Settings, log: (line: string) => void) {
  const server = await startServer('portcullis-session', true);
  try {
    const headers = await mintCredentials(server, s.creds);
    const mem = async () =>
      (await (await fetch(`${server.url}/__mem`)).json()) as NodeJS.MemoryUsage;
    const first = Math.round(s.memoryRequests / 10);
    const a = await load({
      url: `${server.url}/me`,
      connections: s.connections,
      amount: first,
      headers,
    });
    const after100k = await mem();
    const b = await load({
      url: `${server.url}/me`,
      connections: s.connections,
      amount: s.memoryRequests - first,
      headers,
    });
    const after1m = await mem();
    const growth = (x: number, y: number) => (y - x) / x;
    log(
      `memory: rss ${mb(after100k.rss)} -> ${mb(after1m.rss)}, heap ${mb(after100k.heapUsed)} -> ${mb(after1m.heapUsed)}`,
    );
    return {
      requests: s.memoryRequests,
      first,
      after100k,
      after1m,
      rssGrowth: growth(after100k.rss, after1m.rss),
      heapGrowth: growth(after100k.heapUsed, after1m.heapUsed),
      failures: a.non2xx + a.errors + b.non2xx + b.errors,
    };
  } finally {
    server.child.kill();
  }
}

async function micro(ms: number): Promise<Array<{ name: string; opsPerSec: number }>> {
  const [cmd, args] = pinned(0, [process.execPath, `${here}micro.js`, String(ms)]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += String(d)));
  await new Promise((resolve) => child.on('exit', resolve));
  return JSON.parse(out) as Array<{ name: string; opsPerSec: number }>;
}

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const s = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const log = (line: string) => console.log(line);
  log(
    `benchmarks: ${s.rounds} round(s) of ${s.duration} s, ${s.connections} connections, pinning ${pinning ? 'on' : 'off'}`,
  );
  const http = await httpBench(s, log);
  const microRows = await micro(s.microMs);
  for (const m of microRows)
    log(`micro: ${m.name.padEnd(48)} ${fmt(m.opsPerSec).padStart(10)} ops/s`);
  const memory = s.memory ? await memoryCheck(s, log) : undefined;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const date = new Date().toISOString().slice(0, 10);
  const lines = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` on ${date} in ${Math.round((Date.now() - started) / 1000)} s. Do not edit by hand: run it again.`,
    '',
    `- Machine: ${cpus().length} × ${cpu}, ${platform()} ${release()}, Node ${process.version}.`,
    `- Method: each variant is its own server process on 127.0.0.1, loaded by autocannon from another process${pinning ? ' (server on core 0, load generator on core 1, with taskset)' : ''}; ${s.connections} connections, ${s.duration} s per run, ${s.warmup} s warm-up per variant, ${s.rounds} interleaved round(s) (every variant once per round, in turn).`,
    '- Every handler checks that it saw the user; a non-2xx answer counts as a failure.',
    `- "cycling" runs send ${s.creds} distinct credentials in turn, so no cache sees only one.`,
    "- Ratios are the median of each round's ratio to bare Koa in the same round.",
    '',
    '## GET /me',
    '',
    '| variant | req/s (median) | p99 latency | × bare Koa | failures |',
    '|---|---:|---:|---:|---:|',
    ...http.map(
      (r) => `| ${r.label} | ${fmt(r.rps)} | ${r.p99} ms | ${r.ratio.toFixed(2)} | ${r.failures} |`,
    ),
    '',
    '## Micro-benchmarks (one thread, warm, ops/s)',
    '',
    '| operation | ops/s |',
    '|---|---:|',
    ...microRows.map((m) => `| ${m.name} | ${fmt(m.opsPerSec)} |`),
    '',
  ];
  if (memory) {
    lines.push(
      '## Memory',
      '',
      `${fmt(memory.requests)} \`@LoginRequired\` requests cycling ${s.creds} sessions, measured after a forced GC:`,
      '',
      '| after | RSS | heap used |',
      '|---|---:|---:|',
      `| ${fmt(memory.first)} requests | ${mb(memory.after100k.rss)} | ${mb(memory.after100k.heapUsed)} |`,
      `| ${fmt(memory.requests)} requests | ${mb(memory.after1m.rss)} | ${mb(memory.after1m.heapUsed)} |`,
      `| growth | ${(memory.rssGrowth * 100).toFixed(1)} % | ${(memory.heapGrowth * 100).toFixed(1)} % |`,
      '',
      `Flat means within 10 %: ${Math.abs(memory.rssGrowth) <= 0.1 && Math.abs(memory.heapGrowth) <= 0.1 ? 'yes' : 'NO'}. Failures: ${memory.failures}.`,
      '',
    );
  }
  lines.push(readFileSync(`${root}bench/notes.md`, 'utf8').trim(), '');
  writeFileSync(s.out, lines.join('\n'));
  if (s.readme) updateReadme(http);
  log(`wrote ${s.out}`);
  const failures = http.reduce((n, r) => n + r.failures, 0) + (memory?.failures ?? 0);
  if (failures > 0) {
    console.error(`benchmarks: ${failures} failed requests; a variant is broken`);
    process.exitCode = 1;
  }
}

function updateReadme(http: Array<{ label: string; ratio: number; rps: number }>): void {
  const path = `${root}README.md`;
  const readme = readFileSync(path, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  if (!readme.includes(start) || !readme.includes(end)) return;
  const rows = http.map((r) => `| ${r.label} | ${r.ratio.toFixed(2)} |`);
  const block = [
    start,
    '<!-- prettier-ignore-start -->',
    '| variant | × bare Koa |',
    '|---|---:|',
    ...rows,
    '<!-- prettier-ignore-end -->',
    end,
  ].join('\n');
  writeFileSync(
    path,
    readme.slice(0, readme.indexOf(start)) + block + readme.slice(readme.indexOf(end) + end.length),
  );
}

await main();
