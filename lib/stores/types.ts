import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Passkey, PasskeyPatch } from './passkey.js';

/**
 * Short-lived server-side state: single-use tokens, refresh-token families, counters, the
 * session registry. Values are strings (JSON where structured) so every back-end maps directly.
 * All TTLs are in milliseconds. Every method may reject; Portcullis turns a rejection or a
 * call slower than `storeTimeout` into 503 `store_unavailable`, never into a pass.
 */
export interface Store {
  /** True for an in-process store that answers at once: its calls skip the timeout race. */
  readonly local?: boolean;
  /** The value, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Sets (or replaces) a value that expires after `ttlMs`. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Sets only when absent; true when this call set it (atomic). */
  add(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Returns and deletes in one atomic step: of many concurrent takers exactly one gets it. */
  take(key: string): Promise<string | undefined>;
  /** Deletes; a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Adds 1 and returns the new value; a new counter starts at 1 and expires after `ttlMs`. */
  increment(key: string, ttlMs: number): Promise<number>;
  /** Adds `member` to the set at `key` (atomic) and renews the set's TTL to `ttlMs`. */
  addMember(key: string, member: string, ttlMs: number): Promise<void>;
  /** Removes members from the set at `key`; missing ones are not an error. */
  removeMembers(key: string, members: readonly string[]): Promise<void>;
  /** The members of the set at `key` (in no particular order); empty when absent or expired. */
  members(key: string): Promise<string[]>;
  /**
   * A revocation counter shared by every instance on this back-end, which lets Portcullis reuse
   * a "still live" answer until something is revoked (see {@link RevisionFeed}). Stores without
   * one are read at every request. In-process stores (`local: true`) get one automatically.
   */
  readonly revisions?: RevisionFeed | undefined;
  /**
   * A rate limiter of `rate-limiter-flexible` on this back-end, so that every instance counts
   * together; without it, limits are counted in this process's memory.
   */
  rateLimiter?(options: RateLimiterSpec): RateLimiterAbstract;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/** What a {@link Store.rateLimiter} is asked for: `points` per `duration` seconds, under `keyPrefix`. */
export interface RateLimiterSpec {
  keyPrefix: string;
  points: number;
  duration: number;
}

/**
 * A counter of revocations shared by the instances of an app: whenever Portcullis revokes
 * something (a sign-out, a rotated or revoked token, a sign-out everywhere) it calls `bump()`,
 * and every instance's `current()` changes, promptly (Redis pub/sub). A validation cached at
 * one value is reused only while `current()` still returns it.
 */
export interface RevisionFeed {
  /** The current value, or undefined while it cannot be trusted (say, while disconnected): then nothing cached is reused. */
  current(): number | undefined;
  /** Announces a revocation, called right after it was written, to every instance (this one at once). */
  bump(): void;
}

/** The fields Portcullis reads from the app's users. The app's own fields stay the app's. */
export interface BaseUser {
  /** A stable, unique id (a string). */
  id: string;
  /** The user's email, if any. */
  email?: string | undefined;
  /** True once the user proved they own `email` (a provider that verifies it, or a mailed link). */
  emailVerified?: boolean | undefined;
  /** True for a guest from `ctx.auth.signInAnonymously()`, until a sign-in upgrades it. */
  anonymous?: boolean | undefined;
  /** Role names checked by `@Roles(...)`. */
  roles?: readonly string[] | undefined;
}

/** A provider account linked to a user. */
export interface LinkedAccount {
  /** The provider's name (`github`). */
  provider: string;
  /** The provider's id for the user. */
  subject: string;
  /** The email the provider gave, if any. */
  email?: string | undefined;
}

/**
 * Where the app's users live. The core only needs `findById`; each sign-in method uses the
 * optional methods it needs (docs/stores.md says which), when the store has them.
 */
export interface UserStore<User extends BaseUser = BaseUser> {
  /** True for an in-process store that answers at once: its calls skip the timeout race. */
  readonly local?: boolean;
  /** The user with this id, or undefined. */
  findById(id: string): Promise<User | undefined>;
  /** The user with this (normalized) email, or undefined. */
  findByEmail?(email: string): Promise<User | undefined>;
  /** Creates a user; the store assigns the id when none is given. */
  create?(data: Omit<User, 'id'> & { id?: string }): Promise<User>;
  /** Changes some fields; returns the updated user, or undefined when there is none. */
  update?(id: string, patch: Partial<Omit<User, 'id'>>): Promise<User | undefined>;
  /** Deletes the user (and their linked accounts). */
  delete?(id: string): Promise<void>;
  /** The user linked to this provider account, or undefined. */
  findByAccount?(provider: string, subject: string): Promise<User | undefined>;
  /** Links a provider account to a user (idempotent). */
  linkAccount?(userId: string, account: LinkedAccount): Promise<void>;
  /** Removes a provider link. */
  unlinkAccount?(userId: string, provider: string): Promise<void>;
  /** The provider accounts linked to a user. */
  accountsOf?(userId: string): Promise<LinkedAccount[]>;
  /** The passkeys of a user (passkeys are on when a store has all five passkey methods). */
  passkeysOf?(userId: string): Promise<Passkey[]>;
  /** The passkey with this credential id, of whichever user, or undefined. */
  findPasskey?(credentialId: string): Promise<Passkey | undefined>;
  /** Saves a new passkey of `userId`; rejects when its credential id is taken. */
  savePasskey?(userId: string, passkey: Passkey): Promise<void>;
  /** Changes some fields of a passkey of `userId`; the updated passkey, or undefined when none. */
  updatePasskey?(
    userId: string,
    credentialId: string,
    patch: PasskeyPatch,
  ): Promise<Passkey | undefined>;
  /** Deletes a passkey of `userId`; false when the user has no such passkey. */
  deletePasskey?(userId: string, credentialId: string): Promise<boolean>;
  /** Releases connections. */
  close?(): Promise<void>;
}

/** What a unique constraint protects in a {@link UserStore}. */
export type UniqueField = 'id' | 'email' | 'account' | 'passkey';

/**
 * A UserStore write refused by a unique constraint: the id, the email, the provider account or
 * the passkey's credential id is taken (by a concurrent sign-up, say). Portcullis treats it
 * like the record that was there first; any other rejection of a store is 503.
 */
export class UniqueViolation extends Error {
  override readonly name = 'UniqueViolation';
  constructor(
    /** Which constraint refused the write. */
    readonly field: UniqueField,
    message = `a user store record with this ${field} exists`,
  ) {
    super(message);
  }
}

/** True for a {@link UniqueViolation} (also one from another copy of Portcullis). */
export function isUniqueViolation(err: unknown): err is UniqueViolation {
  return err instanceof Error && err.name === 'UniqueViolation' && 'field' in err;
}
