import { bumpRevision } from '../stores/revision.js';
import type { Store } from '../stores/types.js';

/**
 * "Sign out everywhere", per user: the moment (ms) of the user's last sign-out everywhere,
 * 0 when there was none. Sessions, refresh families and access tokens remember the value that
 * was current when they were issued; one issued under an older value is dead.
 *
 * The value only grows, and its record is re-written with a fresh TTL at every sign-out, so
 * it outlives everything issued before it; when it finally expires, everything issued before
 * it has expired too, and what was issued after it (carrying a larger value) stays valid.
 */
export class Generations {
  constructor(
    private readonly store: Store,
    /** At least the longest lifetime of any session or token. */
    private readonly ttlMs: number,
  ) {}

  /** The user's current value (0 until the first sign-out everywhere). */
  async current(userId: string): Promise<number> {
    const value = await this.store.get(`gen:${userId}`);
    const n = value === undefined ? 0 : Number(value);
    return Number.isFinite(n) ? n : Number.MAX_SAFE_INTEGER;
  }

  /** True when something issued under `issued` is still alive, given the current value. */
  static alive(issued: number, current: number): boolean {
    return issued >= current;
  }

  /** Ends every session and token issued so far for this user. */
  async bump(userId: string): Promise<number> {
    const next = Math.max(Date.now(), (await this.current(userId)) + 1);
    await this.store.set(`gen:${userId}`, String(next), this.ttlMs);
    bumpRevision(this.store);
    return next;
  }
}
