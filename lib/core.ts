import type { AuthEventBus } from './events.js';
import type { RateLimits } from './ratelimit/limiter.js';
import type { ResolvedOptions } from './options.js';
import type { SessionManager } from './session/session.js';
import type { Deadlines } from './stores/deadlines.js';
import type { BaseUser, Store } from './stores/types.js';
import type { Generations } from './tokens/generations.js';
import type { TokenService } from './tokens/service.js';

/**
 * The options every capability may read: the shared ones. A capability's own settings
 * (passkeys, passwords, email, providers, rate limits) are given to it when it is built, not
 * read from here.
 */
export type KernelOptions<User extends BaseUser> = Omit<
  ResolvedOptions<User>,
  'passkeys' | 'password' | 'email' | 'providers' | 'onOAuthLogin' | 'rateLimits'
>;

/**
 * The services one `Portcullis` instance wires together, shared by the middleware, the guards
 * and `ctx.auth`. Internal: apps use the `Portcullis` class.
 */
export interface Core<User extends BaseUser> {
  readonly opts: KernelOptions<User>;
  /** The Store, wrapped to fail closed within `storeTimeout`. */
  readonly store: Store;
  readonly sessions: SessionManager;
  readonly tokens: TokenService;
  readonly generations: Generations;
  readonly events: AuthEventBus;
  /** Brute-force limits shared by every sign-in method. */
  readonly limits: RateLimits;
  /** Runs an app callback (user store, loaders, `isUserValid`) so that it fails closed in time. */
  bounded<T>(work: () => T | PromiseLike<T>): T | Promise<T>;
  /** Loads a user through the UserStore, failing closed. */
  findUser(id: string): User | undefined | Promise<User | undefined>;
}

/** Builds the `bounded` / `findUser` helpers of a {@link Core}. */
export function coreHelpers<User extends BaseUser>(
  opts: ResolvedOptions<User>,
  deadlines: Deadlines,
): Pick<Core<User>, 'bounded' | 'findUser'> {
  const users = opts.users;
  const bounded = <T>(work: () => T | PromiseLike<T>): T | Promise<T> => deadlines.run(work);
  return {
    bounded,
    findUser:
      users.local === true
        ? (id) => users.findById(id)
        : (id) => deadlines.run(() => users.findById(id)),
  };
}
