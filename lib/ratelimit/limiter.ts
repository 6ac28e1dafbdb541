import type { Context } from 'koa';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AuthError, storeUnavailable } from '../errors.js';
import type { Deadlines } from '../stores/deadlines.js';
import type { Store } from '../stores/types.js';
import { ipBucket } from './ip.js';

/** A limit: `points` attempts per `duration` seconds. */
export interface Limit {
  points: number;
  duration: number;
}

/** The actions that are limited, each per client IP and per account (email). */
export type LimitedAction = 'login' | 'verify' | 'send' | 'guest';

/** Limits per action; `false` turns them all off (not in production). */
export type RateLimitOptions = Partial<
  Record<LimitedAction, { perIp?: Limit; perAccount?: Limit }>
> & {
  /** IPv6 clients are counted per network of this many leading bits (1 to 128), since one host or customer usually holds a whole /64; IPv4 and IPv4-mapped IPv6 per address. @default 64 */
  ipv6Prefix?: number;
};

const DEFAULTS: Record<LimitedAction, { perIp: Limit; perAccount: Limit }> = {
  // password and passkey sign-in attempts (passkeys per IP only)
  login: { perIp: { points: 50, duration: 900 }, perAccount: { points: 10, duration: 900 } },
  // code checks (email codes, links)
  verify: { perIp: { points: 50, duration: 900 }, perAccount: { points: 10, duration: 900 } },
  // mails sent (magic links, codes, resets, verification)
  send: { perIp: { points: 20, duration: 900 }, perAccount: { points: 5, duration: 900 } },
  // guest users created (per IP only)
  guest: { perIp: { points: 30, duration: 900 }, perAccount: { points: 1, duration: 1 } },
};

/** Checks the `rateLimits` option: `false` (off) is refused in production. */
export function checkRateLimits(
  value: RateLimitOptions | false | undefined,
  production: boolean,
): RateLimitOptions | false {
  if (value === false && production) {
    throw new TypeError('Portcullis: rateLimits: false is refused in production');
  }
  return value ?? {};
}

/**
 * Brute-force limits on `rate-limiter-flexible`, counted in the Store's back-end when it has
 * one (`store.rateLimiter`: Redis, SQLite), so every instance counts together; else in this
 * process's memory. A back-end that fails or does not answer within `storeTimeout` makes the
 * check fail closed (503 `store_unavailable`). Each action is counted per client IP (`ctx.ip`,
 * which trusts `X-Forwarded-For` only when `app.proxy` is set; an IPv6 client per /64 by
 * default, see `ipBucket()`) and per account. Past a limit: 429 `rate_limited` with
 * `Retry-After`. Windows are fixed and short, so an attacker can slow a victim's account down
 * but never lock it for good.
 */
export class RateLimits {
  private readonly limiters = new Map<string, RateLimiterAbstract>();
  private readonly ipv6Prefix: number = 64;

  constructor(
    options: RateLimitOptions | false = {},
    store?: Store,
    private readonly deadlines?: Deadlines,
  ) {
    if (options === false) return;
    this.ipv6Prefix = options.ipv6Prefix ?? 64;
    if (!(Number.isInteger(this.ipv6Prefix) && this.ipv6Prefix >= 1 && this.ipv6Prefix <= 128)) {
      throw new TypeError('Portcullis: rateLimits.ipv6Prefix must be an integer from 1 to 128');
    }
    for (const action of Object.keys(DEFAULTS) as LimitedAction[]) {
      const chosen = { ...DEFAULTS[action], ...options[action] };
      for (const scope of ['perIp', 'perAccount'] as const) {
        const { points, duration } = chosen[scope];
        if (!(Number.isInteger(points) && points > 0 && duration > 0)) {
          throw new TypeError(
            `Portcullis: rateLimits.${action}.${scope} needs positive points and duration`,
          );
        }
        const spec = { keyPrefix: `rl:${action}.${scope}`, points, duration };
        this.limiters.set(
          `${action}.${scope}`,
          store?.rateLimiter ? store.rateLimiter(spec) : new RateLimiterMemory(spec),
        );
      }
    }
  }

  /** Counts one attempt of `action` for this request's IP and for `account`; 429 past a limit. */
  async consume(ctx: Context, action: LimitedAction, account?: string): Promise<void> {
    if (this.limiters.size === 0) return;
    await this.take(`${action}.perIp`, ipBucket(ctx.ip || 'unknown', this.ipv6Prefix));
    if (account !== undefined) await this.take(`${action}.perAccount`, account);
  }

  /** Forgets the account's count for `action` (after a successful sign-in). */
  async reset(action: LimitedAction, account: string): Promise<void> {
    const limiter = this.limiters.get(`${action}.perAccount`);
    if (limiter) await this.guard(() => limiter.delete(account));
  }

  private async take(name: string, key: string): Promise<void> {
    const limiter = this.limiters.get(name)!;
    // past the limit, consume() rejects with a RateLimiterRes: an answer, not a failure
    const refused = await this.guard(() =>
      limiter.consume(key).then(
        () => undefined,
        (err: unknown) => (err instanceof RateLimiterRes ? err : Promise.reject(err)),
      ),
    );
    if (refused) {
      const seconds = Math.max(1, Math.ceil(refused.msBeforeNext / 1000));
      throw new AuthError('rate_limited', { headers: { 'Retry-After': String(seconds) } });
    }
  }

  /** The call, within `storeTimeout` when there are deadlines. */
  private guard<T>(work: () => Promise<T>): Promise<T> {
    if (this.deadlines) return Promise.resolve(this.deadlines.run(work));
    return work().catch((err: unknown) => Promise.reject(storeUnavailable(err)));
  }
}
