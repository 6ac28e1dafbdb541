import type { Core } from '../core.js';
import { AuthError, storeUnavailable } from '../errors.js';
import { randomToken } from '../util/encoding.js';
import type { BaseUser } from '../stores/types.js';

/** A lease lives this many `storeTimeout`s: room for the reads and the write of one change. */
const TTL_FACTOR = 5;
/** A bounded store call answers or fails within this many `storeTimeout`s (the deadline's slack). */
const CALL_FACTOR = 1.25;

/** What the work under a lease may ask of it. */
export interface Lease {
  /** Throws 503 `store_unavailable` unless the lease surely outlives one more store call. */
  held(): void;
}

/**
 * Runs `work` holding the user's "ways in" lease, so that two changes that remove a way to
 * sign in (unlinking a provider, removing a passkey) never run side by side, even on two
 * instances: both would pass the "not the last way in" check, and both would remove. The lease
 * is an atomic `store.add` of a random value that expires after 5 × `storeTimeout`, so an
 * instance that dies holding it blocks the user only that long. 409 `change_in_progress` when
 * another change holds it; 503 `store_unavailable` when the Store fails.
 *
 * The Store has no compare-and-delete, so "still ours" is decided by time: the lease is
 * released only while its TTL cannot have run out (then nobody else can hold it); a release
 * later than that, or one that fails, leaves it to expire. `work` calls `lease.held()` right
 * before its write, which refuses (503) when the store was so slow that the lease could run
 * out before the write lands.
 *
 * @example
 * ```ts
 * await withWaysInLease(core, user.id, async (lease) => {
 *   if ((await methodsOf(core, user)).length <= 1) throw new AuthError('last_sign_in_method');
 *   lease.held();
 *   await core.bounded(() => users.unlinkAccount!(user.id, provider));
 * });
 * ```
 */
export async function withWaysInLease<User extends BaseUser, T>(
  core: Core<User>,
  userId: string,
  work: (lease: Lease) => Promise<T>,
): Promise<T> {
  const key = `lease:ways-in:${userId}`;
  const { storeTimeout } = core.opts;
  const ttl = TTL_FACTOR * storeTimeout;
  const started = Date.now(); // the store starts the TTL later than this, never earlier
  const lasts = (): boolean => Date.now() + CALL_FACTOR * storeTimeout < started + ttl;
  const taken = await core.bounded(() => core.store.add(key, randomToken(18), ttl));
  if (!taken) throw new AuthError('change_in_progress');
  const lease: Lease = {
    held: () => {
      if (!lasts()) throw storeUnavailable(new Error('the store was too slow to hold the lease'));
    },
  };
  try {
    return await work(lease);
  } finally {
    if (lasts()) await release(core, key);
  }
}

/** Deletes the lease; a failure is not the request's: the lease expires by itself. */
async function release<User extends BaseUser>(core: Core<User>, key: string): Promise<void> {
  try {
    await core.bounded(() => core.store.delete(key));
  } catch {
    // expires within 5 × storeTimeout
  }
}
