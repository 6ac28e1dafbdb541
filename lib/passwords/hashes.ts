import type { Core } from '../core.js';
import { AuthError } from '../errors.js';
import type { BaseUser, UserStore } from '../stores/types.js';
import { randomToken } from '../util/encoding.js';
import type { PasswordHasher } from './hasher.js';

/** The field on the app's user that holds the password hash (never shown by `/auth/me`). */
export type WithHash = BaseUser & { passwordHash?: string };

/** The app's UserStore, checked to have what password accounts need (else 500 `misconfigured`). */
export function passwordUsers<User extends BaseUser>(core: Core<User>): UserStore<User> {
  const { users } = core.opts;
  if (!users.findByEmail || !users.create || !users.update) {
    throw new AuthError('misconfigured', {
      message: 'Password accounts need a UserStore with findByEmail, create and update.',
    });
  }
  return users;
}

/** The password hash on the user: hashing with today's parameters, writing, replacing. */
export class PasswordHashes<User extends BaseUser> {
  private dummy: Promise<string> | undefined;

  constructor(
    private readonly core: Core<User>,
    /** The configured hasher (argon2id unless replaced). */
    readonly hasher: PasswordHasher,
  ) {}

  /** A hash of a random password with today's parameters: unknown users cost the same work. */
  dummyHash(): Promise<string> {
    this.dummy ??= this.hasher.hash(randomToken(16));
    return this.dummy;
  }

  /**
   * Sets a new password and ends every session and token of the user. Everything is ended both
   * before the hash is written (a store failing after the write can never leave old sessions
   * alive with the new password in place) and after it (a session signed in with the old
   * password in between ends too).
   */
  async replace(
    userId: string,
    pw: string,
    extra: Record<string, unknown> = {},
  ): Promise<User | undefined> {
    await this.core.generations.bump(userId);
    const user = await this.set(userId, pw, extra);
    if (user) await this.core.generations.bump(userId);
    return user;
  }

  /** Writes a new hash of `pw` (with `extra` fields) on the user; sessions are left alone. */
  async set(
    userId: string,
    pw: string,
    extra: Record<string, unknown> = {},
  ): Promise<User | undefined> {
    const passwordHash = await this.hasher.hash(pw);
    const patch = { ...extra, passwordHash } as unknown as Partial<Omit<User, 'id'>>;
    return this.core.bounded(() => passwordUsers(this.core).update!(userId, patch));
  }
}
