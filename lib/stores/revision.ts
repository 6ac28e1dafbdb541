import type { RevisionFeed, Store } from './types.js';

/** The feed of each in-process store object; shared by every Portcullis in the process that uses it. */
const local = new WeakMap<Store, RevisionFeed>();

/** An exact in-process counter: what a `local` store's revocations are counted with. */
class LocalFeed implements RevisionFeed {
  private n = 0;
  current(): number {
    return this.n;
  }
  bump(): void {
    this.n++;
  }
}

/**
 * The revocation feed of a store, or undefined when it has none and must be read at every
 * request. An in-process store (`local: true`) gets an exact counter: every revocation through
 * Portcullis (sign-out, a replaced session, sign out everywhere, a revoked token, a user refused
 * by `isUserValid`) increments it, so a cached "this session / token was live" is reused exactly
 * as long as nothing was revoked since. A shared store brings its own (`store.revisions`).
 */
export function revisionOf(store: Store): RevisionFeed | undefined {
  if (store.revisions) return store.revisions;
  if (store.local !== true) return undefined;
  let feed = local.get(store);
  if (!feed) {
    feed = new LocalFeed();
    local.set(store, feed);
  }
  return feed;
}

/** Records a revocation: every cached validation against this store is re-checked once. */
export function bumpRevision(store: Store): void {
  revisionOf(store)?.bump();
}
