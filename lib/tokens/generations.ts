import type { Store } from '../stores/types.js';

/**
 * A per-user counter that "sign out everywhere" bumps. Sessions and tokens remember the value
 * they were issued under; a different current value means they were issued before the
 * sign-out and are dead.
 */
export class Generations {
  constructor(
    private readonly store: Store,
    /** At least the longest lifetime of any session or token. */
    private readonly ttlMs: number,
  ) {}

  /** The user's current generation (0 until the first sign-out everywhere). */
  async current(userId: string): Promise<number> {
    const value = await this.store.get(`gen:${userId}`);
    return value === undefined ? 0 : Number(value);
  }

  /** Ends every session and token issued so far for this user. */
  async bump(userId: string): Promise<number> {
    return this.store.increment(`gen:${userId}`, this.ttlMs);
  }
}
