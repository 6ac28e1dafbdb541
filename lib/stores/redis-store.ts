import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { loadPeer } from './peer.js';
import type { RateLimiterSpec, RevisionFeed, Store } from './types.js';

/** Options for {@link RedisStore}: a URL (the store makes and owns the client) or a client of yours. */
export interface RedisStoreOptions {
  /** `redis://[user[:password]@]host:port[/db]`. @default 'redis://127.0.0.1:6379' */
  url?: string;
  /**
   * An `ioredis` client (`new Redis(…)` or `new Cluster(…)`) you made; `close()` leaves it open.
   * (Typed loosely, so that apps without ioredis installed still type-check.)
   */
  client?: RedisClientLike;
  /** Put before every key, so apps can share a Redis. @default 'portcullis:' */
  prefix?: string;
  /** More `ioredis` options (`RedisOptions`), for a client made from `url`. */
  redisOptions?: Record<string, unknown>;
  /**
   * Share a revocation feed over Redis pub/sub, so an instance reuses a "still live" answer
   * until any instance revokes something (at most 1 s later than that, if a message is lost).
   * `false`: every request reads Redis. @default true
   */
  revisionFeed?: boolean;
}

/** What {@link RedisStoreOptions.client} must be: an ioredis `Redis` or `Cluster`. */
export interface RedisClientLike {
  duplicate(...args: never[]): unknown;
  readonly status: string;
}

interface IORedisModule {
  Redis: new (url: string, options: RedisOptions) => Redis;
}

/** Adds 1 to a counter, setting its TTL only when the counter is new (one atomic script). */
const INCREMENT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/**
 * A {@link Store} in Redis (6.2 or newer), for apps that run on many instances: every operation
 * is one atomic Redis command or script on one key (`GETDEL` for take, `SET NX PX` for add), so
 * it works with a Redis Cluster client too. Rate limits use `rate-limiter-flexible`'s
 * `RateLimiterRedis` on the same client, and revocations are announced over pub/sub so that
 * each instance can cache what it validated (see {@link RedisStoreOptions.revisionFeed}).
 *
 * When Redis is down or slow, calls fail, and Portcullis answers 503 `store_unavailable`
 * within `storeTimeout`; the client reconnects by itself.
 *
 * @example
 * ```ts
 * const store = new RedisStore({ url: process.env.REDIS_URL, prefix: 'myapp:' });
 * ```
 */
export class RedisStore implements Store {
  private readonly client: Redis | Cluster;
  readonly revisions: RevisionFeed | undefined;
  private readonly owned: boolean;
  private readonly prefix: string;
  private readonly feed: RedisFeed | undefined;

  constructor(options: RedisStoreOptions = {}) {
    if (options.client && options.url !== undefined) {
      throw new TypeError('Portcullis: RedisStore takes a url or a client, not both');
    }
    this.prefix = options.prefix ?? 'portcullis:';
    if (options.client) {
      this.client = options.client as Redis | Cluster;
      this.owned = false;
    } else {
      const { Redis } = loadPeer<IORedisModule>('ioredis', 'RedisStore');
      this.client = new Redis(options.url ?? 'redis://127.0.0.1:6379', {
        // a command fails after one reconnection attempt instead of waiting for Redis forever
        maxRetriesPerRequest: 1,
        connectTimeout: 2000,
        retryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, 2000),
        enableAutoPipelining: true,
        ...(options.redisOptions as RedisOptions | undefined),
      });
      // errors reach Portcullis through the failing commands (503); ioredis would log each one
      this.client.on('error', () => undefined);
      this.owned = true;
    }
    if (options.revisionFeed !== false) {
      this.feed = new RedisFeed(this.client, `${this.prefix}revocations`);
      this.revisions = this.feed;
    }
  }

  get(key: string): Promise<string | undefined> {
    return this.client.get(this.prefix + key).then(orUndefined);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.client.set(this.prefix + key, value, 'PX', ms(ttlMs));
  }

  async add(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.client.set(this.prefix + key, value, 'PX', ms(ttlMs), 'NX')) === 'OK';
  }

  take(key: string): Promise<string | undefined> {
    return this.client.getdel(this.prefix + key).then(orUndefined);
  }

  async delete(key: string): Promise<void> {
    await this.client.del(this.prefix + key);
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    return Number(await this.client.eval(INCREMENT, 1, this.prefix + key, ms(ttlMs)));
  }

  async addMember(key: string, member: string, ttlMs: number): Promise<void> {
    const k = this.prefix + key;
    const results = await this.client.multi().sadd(k, member).pexpire(k, ms(ttlMs)).exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw failed?.[0] ?? new Error('Redis MULTI was aborted');
  }

  async removeMembers(key: string, members: readonly string[]): Promise<void> {
    if (members.length > 0) await this.client.srem(this.prefix + key, ...members);
  }

  members(key: string): Promise<string[]> {
    return this.client.smembers(this.prefix + key);
  }

  rateLimiter(spec: RateLimiterSpec): RateLimiterAbstract {
    return new RateLimiterRedis({
      storeClient: this.client,
      keyPrefix: this.prefix + spec.keyPrefix,
      points: spec.points,
      duration: spec.duration,
      // while (re)connecting the check waits in ioredis's queue, bounded by storeTimeout
    });
  }

  /** Closes the pub/sub connection, and the client if the store made it. */
  async close(): Promise<void> {
    await this.feed?.close();
    if (this.owned) await quit(this.client);
  }
}

/**
 * The revocation feed over pub/sub: a local counter, moved by every message on the channel,
 * by every reconnection (messages may have been missed), and once a second (so that even a
 * lost message delays an invalidation by at most 1 s). While the subscription is down it
 * returns undefined: nothing cached is reused.
 */
class RedisFeed implements RevisionFeed {
  private n = 0;
  private second = 0;
  private ready = false;
  private readonly subscriber: Redis | Cluster;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly channel: string,
  ) {
    this.subscriber = client.duplicate();
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (ch: string) => {
      if (ch === channel) this.n++;
    });
    const down = () => {
      this.ready = false;
      this.n++;
    };
    this.subscriber.on('close', down);
    this.subscriber.on('end', down);
    // ioredis subscribes again by itself after a reconnection, before it says `ready`
    this.subscriber.on('ready', () => {
      this.n++;
      this.ready = true;
    });
    this.subscriber.subscribe(channel).catch(down);
  }

  current(): number | undefined {
    if (!this.ready) return undefined;
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.second) {
      this.second = second;
      this.n++;
    }
    return this.n;
  }

  bump(): void {
    this.n++;
    // a lost announcement is covered by the once-a-second tick of every instance
    this.client.publish(this.channel, '1').catch(() => undefined);
  }

  close(): Promise<void> {
    this.ready = false;
    return quit(this.subscriber);
  }
}

function orUndefined(value: string | null): string | undefined {
  return value ?? undefined;
}

/** A TTL Redis accepts: a whole number of ms, at least 1. */
function ms(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
}

/** QUIT when connected (pending replies arrive first), else drop the connection. */
async function quit(client: Redis | Cluster): Promise<void> {
  if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
  else client.disconnect();
}
