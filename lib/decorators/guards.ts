import type { LoginRequiredOptions, TokenRequiredOptions } from '../guards/guards.js';
import type { TokenType } from '../tokens/service.js';
import { type GuardSpec, addGuard } from './metadata.js';

/**
 * A decorator for a class (guards every route in it) or for one method. Only records
 * metadata; `auth.controllers()` reads it once at mount time.
 */
export type GuardDecorator = (
  target: object,
  propertyKey?: string | symbol,
  descriptor?: PropertyDescriptor,
) => void;

function recorder(spec: GuardSpec): GuardDecorator {
  return (target, propertyKey) => addGuard(target, propertyKey, spec);
}

/** True when a decorator was applied bare: `(Class)` or `(prototype, key, descriptor)`. */
function isBare(args: unknown[]): boolean {
  return (
    (args.length === 1 && typeof args[0] === 'function') ||
    (args.length === 3 && (typeof args[1] === 'string' || typeof args[1] === 'symbol'))
  );
}

function apply(spec: GuardSpec, args: unknown[]): void {
  recorder(spec)(args[0] as object, args[1] as string | symbol | undefined);
}

/**
 * Requires a signed-in user (cookie session; with `{ allowBearer: true }` also an access
 * token). A browser (Accept prefers text/html) is redirected to the login page with a
 * same-origin `returnTo`; any other request gets 401 `login_required`.
 *
 * @example
 * ```ts
 * @Controller('/dashboard')
 * @LoginRequired
 * class DashboardController { @Get('/') index(ctx: AuthContext<User>) { return ctx.state.user; } }
 * ```
 */
export function LoginRequired(options?: LoginRequiredOptions): GuardDecorator;
export function LoginRequired(
  target: object,
  propertyKey?: string | symbol,
  descriptor?: PropertyDescriptor,
): void;
export function LoginRequired(...args: unknown[]): GuardDecorator | void {
  if (isBare(args)) return apply({ kind: 'login', options: {} }, args);
  return recorder({ kind: 'login', options: { ...(args[0] as LoginRequiredOptions | undefined) } });
}

/**
 * Requires a bearer token of `type` in the `Authorization` header (configurable). An access
 * token never passes a `'refresh'` route, nor a refresh token an `'access'` one.
 *
 * @example
 * ```ts
 * @Get('/reports')
 * @TokenRequired('access', { scopes: ['reports:read'] })
 * reports() { ... }
 * ```
 */
export function TokenRequired(type: TokenType, options: TokenRequiredOptions = {}): GuardDecorator {
  if (type !== 'access' && type !== 'refresh') {
    throw new TypeError(
      `@TokenRequired: type must be 'access' or 'refresh', got ${JSON.stringify(type)}`,
    );
  }
  return recorder({ kind: 'token', type, options: { ...options } });
}

/**
 * Lets anyone in; `ctx.state.user` is set when a user is signed in. Never answers 401.
 *
 * @example
 * ```ts
 * @Get('/') @OptionalAuth() home(ctx: OptionalAuthContext<User>) { return { hello: ctx.state.user?.email ?? 'guest' }; }
 * ```
 */
export function OptionalAuth(): GuardDecorator;
export function OptionalAuth(
  target: object,
  propertyKey?: string | symbol,
  descriptor?: PropertyDescriptor,
): void;
export function OptionalAuth(...args: unknown[]): GuardDecorator | void {
  if (isBare(args)) return apply({ kind: 'optional' }, args);
  return recorder({ kind: 'optional' });
}

/**
 * Requires the user to have every listed role (403 `forbidden`). Implies `@LoginRequired`
 * when no other guard is given.
 *
 * @example
 * ```ts
 * @Get('/admin') @Roles('admin') admin() { ... }
 * ```
 */
export function Roles(...roles: string[]): GuardDecorator {
  if (roles.length === 0 || roles.some((r) => typeof r !== 'string' || r === '')) {
    throw new TypeError('@Roles: give one or more role names');
  }
  return recorder({ kind: 'roles', roles });
}

/**
 * Requires the bearer token to carry every listed scope (403 `insufficient_scope`). Implies
 * `@TokenRequired('access')` when no other guard is given.
 *
 * @example
 * ```ts
 * @Get('/reports') @RequireScopes('reports:read') reports() { ... }
 * ```
 */
export function RequireScopes(...scopes: string[]): GuardDecorator {
  if (scopes.length === 0 || scopes.some((s) => typeof s !== 'string' || s === '')) {
    throw new TypeError('@RequireScopes: give one or more scopes');
  }
  return recorder({ kind: 'scopes', scopes });
}
