import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { listening } from './services.js';

export interface RedisCluster {
  nodes: Array<{ host: string; port: number }>;
}

const run = promisify(execFile);
let started: Promise<RedisCluster> | undefined;
let children: ChildProcess[] = [];
let dir: string | undefined;

/** True when `port` and its cluster bus port (+10000) are both free on 127.0.0.1. */
async function free(port: number): Promise<boolean> {
  const tryListen = (p: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(p, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  return (await tryListen(port)) && (await tryListen(port + 10_000));
}

async function freePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < n) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (!ports.includes(port) && (await free(port))) ports.push(port);
  }
  return ports;
}

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Redis Cluster: ${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A real three-node Redis Cluster (no replicas) of this run's own, on free ports of 127.0.0.1,
 * started once with the machine's `redis-server` and `redis-cli --cluster create`, and stopped
 * after the whole run.
 */
export function redisCluster(): Promise<RedisCluster> {
  started ??= (async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-cluster-'));
    const ports = await freePorts(3);
    children = ports.map((port) =>
      spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir!, `nodes-${port}.conf`),
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir!,
        ],
        { stdio: 'ignore' },
      ),
    );
    for (const port of ports) await until(`node ${port} listening`, () => listening(port, true));
    const addresses = ports.map((p) => `127.0.0.1:${p}`);
    await run('redis-cli', [
      '--cluster',
      'create',
      ...addresses,
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const port of ports) {
      await until(`node ${port} ok`, async () => {
        const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
        return stdout.includes('cluster_state:ok');
      });
    }
    return { nodes: ports.map((port) => ({ host: '127.0.0.1', port })) };
  })();
  return started;
}

// A root-level hook: registered when a test file imports this module.
after(() => {
  for (const child of children) child.kill('SIGKILL');
  children = [];
  if (dir) rmSync(dir, { recursive: true, force: true });
});
