import type { Store } from './types.js';

/** A counter per in-process store object; shared by every Portcullis in the process that uses it. */
const revisions = new WeakMap<Store, { n: number }>();

/**
 * The revocation counter of an in-process store (`local: true`), or undefined for any other
 * store. Every revocation through Portcullis (sign-out, a replaced session, sign out
 * everywhere, a revoked token, a user refused by `isUserValid`) increments it, so a cached
 * "this session / token was live" can be reused exactly as long as nothing was revoked since.
 * Remote stores get no counter: other instances revoke there too, so their state is read at
 * every request.
 */
export function revisionOf(store: Store): { n: number } | undefined {
  if (store.local !== true) return undefined;
  let rev = revisions.get(store);
  if (!rev) {
    rev = { n: 0 };
    revisions.set(store, rev);
  }
  return rev;
}

/** Records a revocation: every cached validation against this store is re-checked once. */
export function bumpRevision(store: Store): void {
  const rev = revisions.get(store);
  if (rev) rev.n++;
}
