import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MemoryStore, type Store } from '../../lib/index.js';
import { RedisStore, SqliteStore } from '../../lib/stores.js';
import { Cluster } from 'ioredis';
import { REDIS_URL, needService } from '../support/services.js';
import { redisCluster, type RedisCluster } from '../support/redis-cluster.js';

/**
 * One back-end of the Store conformance suite: `open()` gives a new handle (its own connection)
 * to the same shared state, as a second instance of the app would have.
 */
export interface Backend {
  name: string;
  /** A Store on the shared state (a new connection each time, where the back-end has them). */
  open(): Store;
  /** Closes every handle `open()` gave, and removes the state. */
  dispose(): Promise<void>;
}

export interface BackendKind {
  name: string;
  /** In a `before` hook: the back-end's service, or the test is failed (CI) / pending. */
  ready(ctx: Mocha.Context): Promise<void>;
  make(): Backend;
}

function tracking(name: string, create: () => Store, cleanup: () => void = () => undefined) {
  const opened: Store[] = [];
  return {
    name,
    open() {
      const store = create();
      opened.push(store);
      return store;
    },
    async dispose() {
      await Promise.all(opened.map((s) => s.close()));
      cleanup();
    },
  };
}

export const memoryBackend: BackendKind = {
  name: 'MemoryStore',
  ready: () => Promise.resolve(),
  make() {
    const shared = new MemoryStore();
    // one process, one object: every "instance" shares it
    return tracking('MemoryStore', () => shared);
  },
};

export const sqliteBackend: BackendKind = {
  name: 'SqliteStore',
  ready: () => Promise.resolve(),
  make() {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-store-'));
    const path = join(dir, 'auth.db');
    return tracking(
      'SqliteStore',
      () => new SqliteStore({ path }),
      () => rmSync(dir, { recursive: true, force: true }),
    );
  },
};

export const redisBackend: BackendKind = {
  name: 'RedisStore',
  ready: (ctx) => needService(ctx, 'Redis', 6379),
  make() {
    const prefix = `pctest:${randomBytes(6).toString('hex')}:`;
    return tracking('RedisStore', () => new RedisStore({ url: REDIS_URL, prefix }));
  },
};

let cluster: RedisCluster | undefined;

/** RedisStore on a real three-node Redis Cluster of this run's own, through an ioredis `Cluster`. */
export const redisClusterBackend: BackendKind = {
  name: 'RedisStore (Redis Cluster client)',
  async ready(ctx) {
    await needService(ctx, 'Redis', 6379); // redis-server is installed and works
    cluster = await redisCluster();
  },
  make() {
    const prefix = `pctest:${randomBytes(6).toString('hex')}:`;
    const clients: Cluster[] = [];
    const inner = tracking('RedisStore (Cluster)', () => {
      const client = new Cluster(cluster!.nodes);
      clients.push(client);
      return new RedisStore({ client, prefix });
    });
    return {
      ...inner,
      async dispose() {
        await inner.dispose();
        await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
      },
    };
  },
};

export const allBackends = [memoryBackend, sqliteBackend, redisBackend, redisClusterBackend];
