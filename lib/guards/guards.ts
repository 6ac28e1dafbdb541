import type { Context, Middleware, Next } from 'koa';
import type { Core } from '../core.js';
import { forbidden, unauthorized } from '../errors.js';
import { safeReturnTo } from '../http/return-to.js';
import { signInOf } from '../session/sign-in.js';
import { bearerOf, currentUser } from '../tokens/bearer.js';
import type { BaseUser } from '../stores/types.js';
import { withChallenge } from '../tokens/challenge.js';
import type { BearerSource } from '../tokens/header.js';
import type { TokenType } from '../tokens/service.js';

/** Options of `@LoginRequired` / `auth.loginRequired()`. */
export interface LoginRequiredOptions {
  /** Also accept `Authorization: Bearer <access token>`. @default false */
  allowBearer?: boolean;
  /** Also let guests (`ctx.auth.signInAnonymously()`) through. @default false */
  allowAnonymous?: boolean;
}

/** Options of `@TokenRequired` / `auth.tokenRequired()`. */
export interface TokenRequiredOptions {
  /** Header that carries the token. @default tokens.header ('Authorization') */
  header?: string;
  /** Scheme before the token. @default tokens.scheme ('Bearer') */
  scheme?: string;
  /** Scopes the token must all have (403 `insufficient_scope` otherwise). */
  scopes?: readonly string[];
}

/** A request is "HTML" only when its Accept prefers text/html; `*` / `*` and JSON are API requests. */
export function prefersHtml(ctx: Context): boolean {
  return ctx.accepts('json', 'html') === 'html';
}

/** Requires a live cookie session (or, with `allowBearer`, an access token). */
export function loginGuard<User extends BaseUser>(
  core: Core<User>,
  options: LoginRequiredOptions = {},
): Middleware {
  return async (ctx: Context, next: Next) => {
    let user = options.allowBearer
      ? await currentUser<User>(ctx, 'strict')
      : signInOf<User>(ctx).user;
    if (user?.anonymous === true && !options.allowAnonymous) user = undefined; // a guest is not signed in
    if (!user) {
      if (prefersHtml(ctx)) {
        const returnTo = safeReturnTo(ctx.originalUrl, core.opts.defaultReturnTo);
        ctx.set('Cache-Control', 'no-store');
        return ctx.redirect(`${core.opts.loginPath}?returnTo=${encodeURIComponent(returnTo)}`);
      }
      throw unauthorized('login_required');
    }
    ctx.state.user = user;
    return next();
  };
}

/** Requires a bearer token of `type` (and its scopes); a token of the other type never passes. */
export function tokenGuard<User extends BaseUser>(
  core: Core<User>,
  type: TokenType,
  options: TokenRequiredOptions = {},
): Middleware {
  // The default source is the very object the middleware used, so its work is reused.
  const source: BearerSource =
    options.header === undefined && options.scheme === undefined
      ? core.opts.tokens
      : {
          header: options.header ?? core.opts.tokens.header,
          scheme: options.scheme ?? core.opts.tokens.scheme,
        };
  const required = options.scopes ?? [];
  return async (ctx: Context, next: Next) => {
    const result = await bearerOf<User>(ctx).resolve(type, source);
    const missing = required.filter((s) => !result.scopes.includes(s));
    if (missing.length > 0)
      throw withChallenge(forbidden('insufficient_scope', { scopes: required }), source.scheme);
    ctx.state.user = result.user;
    return next();
  };
}

/**
 * Never refuses a credential: `ctx.state.user` is the session user or a valid access token's
 * user (ours or the app's opaque one), if any. A malformed header still answers 400, a store
 * failure 503.
 */
export function optionalGuard<User extends BaseUser>(): Middleware {
  return async (ctx: Context, next: Next) => {
    // a bad or unknown token is just no user here; a malformed request (two Authorization
    // headers) is still refused with 400, and a store failure with 503
    const user = ctx.state.user ?? (await currentUser<User>(ctx, 'lenient'));
    if (user !== undefined) ctx.state.user = user;
    return next();
  };
}

/** Requires the signed-in user to have every one of `roles` (403 `forbidden`). */
export function rolesGuard<User extends BaseUser>(
  core: Core<User>,
  roles: readonly string[],
): Middleware {
  return (ctx: Context, next: Next) => {
    const user = ctx.state.user as User | undefined;
    if (!user) throw unauthorized('login_required');
    const has = core.opts.getRoles(user);
    if (!roles.every((r) => has.includes(r))) throw forbidden('forbidden');
    return next();
  };
}

/** Requires the accepted bearer token to carry every one of `scopes` (403 `insufficient_scope`). */
export function scopesGuard<User extends BaseUser>(scopes: readonly string[]): Middleware {
  return (ctx: Context, next: Next) => {
    const bearer = bearerOf<User>(ctx);
    if (!scopes.every((s) => bearer.scopes.includes(s))) {
      const err = forbidden('insufficient_scope', { scopes });
      throw bearer.scheme === undefined ? err : withChallenge(err, bearer.scheme);
    }
    return next();
  };
}
