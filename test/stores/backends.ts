import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MemoryStore, RedisStore, SqliteStore, type Store } from '../../lib/index.js';
import { REDIS_URL, needService } from '../support/services.js';

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

export const allBackends = [memoryBackend, sqliteBackend, redisBackend];
