/**
 * A Redis of the soak's own: `redis-server` as a child process on a free port of 127.0.0.1, in
 * a fresh temporary directory, with `appendonly yes` so that a graceful restart keeps its data.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A free TCP port on 127.0.0.1 (never 6379, the shared Redis). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    if (port !== 6379) return port;
  }
}

export class SoakRedis {
  readonly dir: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly log: WriteStream;

  private constructor(
    readonly port: number,
    private readonly binary: string,
    private readonly cli: string,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'portcullis-soak-redis-'));
    this.log = createWriteStream(join(this.dir, 'redis.log'));
  }

  static async start(binary = 'redis-server', cli = 'redis-cli'): Promise<SoakRedis> {
    const redis = new SoakRedis(await freePort(), binary, cli);
    await redis.spawn();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server (same port, same directory) and waits until PING answers PONG. */
  async spawn(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--daemonize',
      'no',
    ];
    const child = spawn(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(this.log, { end: false });
    child.stderr!.pipe(this.log, { end: false });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.watch(child.pid!);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`redis-server exited (see ${this.dir})`);
      if ((await this.command('PING').catch(() => '')) === 'PONG') return;
      await sleep(50);
    }
    throw new Error(`redis-server did not answer PING within 10 s (see ${this.dir})`);
  }

  /**
   * A watchdog for a soak killed with SIGKILL (no clean-up runs): a shell that, once a second,
   * checks that this process still lives, and otherwise kills the Redis and removes its
   * directory. It ends by itself when the Redis does.
   */
  private watch(pid: number): void {
    const script =
      'while kill -0 "$1" 2>/dev/null; do ' +
      'if ! kill -0 "$2" 2>/dev/null; then kill -9 "$1"; rm -rf "$3"; exit 0; fi; sleep 1; done';
    const watchdog = spawn(
      'sh',
      ['-c', script, 'soak-redis-watchdog', String(pid), String(process.pid), this.dir],
      { stdio: 'ignore', detached: true },
    );
    watchdog.unref();
  }

  /** One command through redis-cli (a connection of its own); its output, trimmed. */
  command(...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        this.cli,
        ['-h', '127.0.0.1', '-p', String(this.port), ...args],
        { timeout: 5000 },
        (err, stdout) => (err ? reject(err) : resolve(stdout.trim())),
      );
    });
  }

  /** Graceful stop: SHUTDOWN (which writes and fsyncs the AOF), then waits for the process to exit. */
  async shutdown(): Promise<void> {
    await this.command('SHUTDOWN').catch(() => undefined); // the connection closes: no answer
    await Promise.race([this.exited, sleep(10_000)]);
    if (this.child?.exitCode === null) throw new Error('redis-server did not stop after SHUTDOWN');
  }

  /** Kills the server now (for the end of the run and for failures); idempotent. */
  kill(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
    }
  }

  /** Kills the server and removes its directory. */
  async destroy(): Promise<void> {
    this.kill();
    await Promise.race([this.exited, sleep(3000)]);
    this.log.end();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The last lines redis-server wrote, for a failure report. */
  logPath(): string {
    return join(this.dir, 'redis.log');
  }
}
