import type { DefaultState, ParameterizedContext } from 'koa';
import type { RequestAuth } from './auth.js';
import type { BaseUser } from '../stores/types.js';

/** What `auth.middleware()` adds to every Koa context. */
export interface AuthContextMethods<User extends BaseUser> {
  /** Authentication in this request: tokens, sessions, sign-out everywhere. */
  auth: RequestAuth<User>;
  /** Starts a session for `user` with a new session id; the old one is dead. */
  login(user: User): Promise<void>;
  /** Ends the session on the server and clears the cookie. */
  logout(): Promise<void>;
  /** True when a user is signed in for this request. */
  isAuthenticated(): boolean;
  /** The app's data in the encrypted session cookie (`koa-session`); `null` after `ctx.session = null`. */
  session: Record<string, unknown> | null;
  /** Route parameters, set by `@koa/router` (controllers are mounted on it). */
  params: Record<string, string>;
}

/**
 * The context of a guarded handler: `ctx.state.user` is always set.
 *
 * @example
 * ```ts
 * @Get('/profile') @TokenRequired('access')
 * profile(ctx: AuthContext<User>) { return { email: ctx.state.user.email }; }
 * ```
 */
export type AuthContext<User extends BaseUser = BaseUser> = ParameterizedContext<
  DefaultState & { user: User },
  AuthContextMethods<User>
>;

/**
 * The context of an `@OptionalAuth` handler: `ctx.state.user` may be undefined.
 *
 * @example
 * ```ts
 * @Get('/') @OptionalAuth() home(ctx: OptionalAuthContext<User>) { return ctx.state.user?.email ?? 'guest'; }
 * ```
 */
export type OptionalAuthContext<User extends BaseUser = BaseUser> = ParameterizedContext<
  DefaultState & { user?: User | undefined },
  AuthContextMethods<User>
>;
