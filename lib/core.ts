import type { AuthEventBus } from './events.js';
import type { ResolvedOptions } from './options.js';
import type { SessionManager } from './session/session.js';
import { failClosed, withTimeout } from './stores/guarded.js';
import type { BaseUser, Store } from './stores/types.js';
import type { Generations } from './tokens/generations.js';
import type { TokenService } from './tokens/service.js';

/**
 * The services one `Portcullis` instance wires together, shared by the middleware, the guards
 * and `ctx.auth`. Internal: apps use the `Portcullis` class.
 */
export interface Core<User extends BaseUser> {
  readonly opts: ResolvedOptions<User>;
  /** The Store, wrapped to fail closed within `storeTimeout`. */
  readonly store: Store;
  readonly sessions: SessionManager;
  readonly tokens: TokenService;
  readonly generations: Generations;
  readonly events: AuthEventBus;
  /** Runs an app callback (user store, loaders, `isUserValid`) so that it fails closed in time. */
  guarded<T>(work: () => Promise<T> | T, local?: boolean): Promise<T>;
  /** Loads a user through the UserStore, failing closed. */
  findUser(id: string): Promise<User | undefined>;
}

/** Builds the `guarded` / `findUser` helpers of a {@link Core}. */
export function coreHelpers<User extends BaseUser>(
  opts: ResolvedOptions<User>,
): Pick<Core<User>, 'guarded' | 'findUser'> {
  const usersLocal = opts.users.local === true;
  const guarded = <T>(work: () => Promise<T> | T, local = false): Promise<T> => {
    const run = async (): Promise<T> => work();
    return local ? failClosed(run) : withTimeout(run, opts.storeTimeout);
  };
  return {
    guarded,
    findUser: (id) => guarded(() => opts.users.findById(id), usersLocal),
  };
}
