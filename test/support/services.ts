import { connect } from 'node:net';

/** Where the suite finds the machine's services (override with these environment variables). */
export const REDIS_URL = process.env.PORTCULLIS_TEST_REDIS ?? 'redis://127.0.0.1:6379';
export const POSTGRES_URL =
  process.env.PORTCULLIS_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

const seen = new Map<string, Promise<boolean>>();

/** True when something accepts TCP connections on 127.0.0.1:`port` within 1 s (checked once, unless `fresh`). */
export function listening(port: number, fresh = false): Promise<boolean> {
  const key = String(port);
  let answer = fresh ? undefined : seen.get(key);
  if (!answer) {
    answer = new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      const done = (up: boolean) => {
        socket.destroy();
        resolve(up);
      };
      socket.setTimeout(1000, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
    if (!fresh) seen.set(key, answer);
  }
  return answer;
}

/**
 * For a `before` hook of tests that need a service: with `CI=true` a missing service fails the
 * tests; elsewhere they are reported pending, with the reason.
 */
export async function needService(
  ctx: Mocha.Context,
  name: 'Redis' | 'PostgreSQL',
  port: number,
): Promise<void> {
  if (await listening(port)) return;
  const reason = `${name} is not running on 127.0.0.1:${port} (see docs/testing.md to start it)`;
  if (process.env.CI === 'true') throw new Error(`${reason}; CI=true needs it`);
  ctx.skip();
}
