import type { Context, Middleware, Next } from 'koa';
import type { Core } from './core.js';
import { coreHelpers } from './core.js';
import { type AuthError, isAuthError } from './errors.js';
import { AuthEventBus, type AuthEventListener, type AuthEventName } from './events.js';
import { checkCsrf, isUnsafe } from './http/csrf.js';
import {
  type LoginRequiredOptions,
  type TokenRequiredOptions,
  loginGuard,
  optionalGuard,
  rolesGuard,
  scopesGuard,
  tokenGuard,
} from './guards/guards.js';
import { renderError } from './http/render-error.js';
import { EmailCore } from './email/service.js';
import { OAuthService } from './oauth/service.js';
import { PasskeyService } from './passkeys/service.js';
import { RateLimits } from './ratelimit/limiter.js';
import { type PortcullisOptions, resolveOptions } from './options.js';
import { type Features, RequestAuth } from './request/auth.js';
import { installContextMethods } from './request/context-methods.js';
import {
  type ControllerLike,
  type ControllersOptions,
  mountControllers,
} from './routing/controllers.js';
import { authRoutes } from './routing/routes.js';
import { SessionManager } from './session/session.js';
import { Deadlines, guardStore } from './stores/deadlines.js';
import type { BaseUser } from './stores/types.js';
import { TestKit } from './testing/kit.js';
import { Generations } from './tokens/generations.js';
import { currentUser } from './tokens/bearer.js';
import {
  type IssueOptions,
  type IssuedTokens,
  TokenService,
  type TokenType,
  type VerifiedToken,
} from './tokens/service.js';

/**
 * Authentication for a Koa app: encrypted cookie sessions, bearer tokens, decorated
 * controllers. Options are resolved and validated once, here; a missing or short secret
 * refuses to start with a message that says how to make one.
 *
 * @example
 * ```ts
 * const auth = new Portcullis<User>({ secret: process.env.PORTCULLIS_SECRET, users: new MemoryUserStore() });
 * app.use(auth.middleware());
 * app.use(auth.routes());
 * app.use(auth.controllers([ProfileController]));
 * ```
 */
export class Portcullis<User extends BaseUser = BaseUser> {
  /** Tokens outside a request: `issue(user, opts)`, `verify(token, type)`, `revoke(token)`. */
  readonly tokens: {
    issue(user: User, options?: IssueOptions): Promise<IssuedTokens>;
    verify(token: string, type: TokenType): Promise<VerifiedToken>;
    revoke(token: string): Promise<void>;
  };
  /** Credentials for the app's own tests (`NODE_ENV=test` only, or `enableTestKit`). */
  readonly testing: TestKit<User>;
  private readonly core: Core<User>;
  private readonly features: Features<User>;

  constructor(options: PortcullisOptions<User>) {
    const opts = resolveOptions(options);
    const deadlines = new Deadlines(opts.storeTimeout);
    const store = guardStore(opts.store, deadlines);
    const events = new AuthEventBus((err) =>
      opts.logger.error({ err: String(err) }, 'portcullis: an event listener threw'),
    );
    events.on('token_reuse', ({ userId }) =>
      opts.logger.warn(
        { event: 'token_reuse', userId },
        'portcullis: a spent refresh token came back; its family is revoked',
      ),
    );
    const generations = new Generations(
      store,
      Math.max(opts.session.absoluteMs, opts.tokens.refreshMs) + 86_400_000,
    );
    const tokens = new TokenService(
      opts.ring,
      store,
      {
        issuer: opts.tokens.issuer,
        audience: opts.tokens.audience,
        ttlMs: opts.tokens.accessMs,
        clockSkewSec: opts.tokens.clockSkewSec,
      },
      opts.tokens.refreshMs,
      generations,
      events,
      opts.tokens.cacheSize,
      opts.tokens.refreshIdleMs,
      opts.tokens.reuseGraceMs,
    );
    const sessions = new SessionManager(opts.ring, store, opts.session);
    const core: Core<User> = {
      opts,
      store,
      sessions,
      tokens,
      generations,
      events,
      limits: new RateLimits(opts.rateLimits, opts.store, deadlines),
      ...coreHelpers(opts, deadlines),
    };
    this.core = core;
    this.features = {
      oauth: new OAuthService<User>(core, {
        providers: opts.providers,
        onOAuthLogin: opts.onOAuthLogin,
      }),
      passkeys: new PasskeyService<User>(core, opts.passkeys),
      email: opts.mailer ? new EmailCore<User>(core, opts.mailer, opts) : undefined,
    };
    this.tokens = {
      issue: (user, o) => tokens.issue(user, o),
      verify: (token, type) => tokens.verify(token, type),
      revoke: (token) => tokens.revoke(token),
    };
    this.testing = new TestKit(this.core);
  }

  /**
   * Resolves once every OpenID Connect provider has discovered its endpoints; rejects with what
   * to fix when one cannot (unreachable, or its discovery document names another issuer).
   */
  ready(): Promise<void> {
    return this.features.oauth.ready();
  }

  /**
   * One middleware that sends every request without a signed-in user to the login page (HTML)
   * or answers 401 (APIs), except the auth routes, the login page and the `skip` paths (exact
   * paths, or prefixes ending in `*`: `'/public/*'`).
   *
   * @example
   * ```ts
   * app.use(auth.middleware());
   * app.use(auth.routes());
   * app.use(auth.guard({ skip: ['/', '/about', '/assets/*'] }));
   * ```
   */
  guard(options: { skip?: readonly string[] } = {}): Middleware {
    const { prefix, loginPath, oauth } = this.core.opts;
    const exact = new Set<string>([loginPath]);
    const prefixes = [
      `${prefix}/`,
      ...(oauth.errorPath.startsWith(`${prefix}/`) ? [] : [oauth.errorPath]),
    ];
    for (const s of options.skip ?? []) {
      if (typeof s !== 'string' || !s.startsWith('/')) {
        throw new TypeError(`auth.guard(): skip paths start with '/', got ${JSON.stringify(s)}`);
      }
      if (s.endsWith('*')) prefixes.push(s.slice(0, -1));
      else exact.add(s);
    }
    const login = loginGuard(this.core);
    return (ctx: Context, next: Next) => {
      const path = ctx.path;
      if (exact.has(path) || prefixes.some((p) => path.startsWith(p))) return next();
      return login(ctx, next);
    };
  }

  /**
   * The middleware every app uses first: refuses cross-site cookie-authenticated writes,
   * opens the encrypted session cookie, reads the bearer header, sets `ctx.state.user`,
   * `ctx.auth`, `ctx.login()` / `ctx.logout()` / `ctx.isAuthenticated()`, and answers every
   * `AuthError` thrown below it (JSON for APIs, or the app's `onError`).
   */
  middleware(): Middleware {
    const { core, features } = this;
    const { sessions } = core;
    const { oauth } = features;
    return async (ctx: Context, next: Next) => {
      installContextMethods(ctx);
      if (oauth.enabled) {
        const warming = oauth.warm();
        if (warming) await warming;
      }
      const auth = new RequestAuth<User>(core, features, ctx);
      (ctx as { auth?: unknown }).auth = auth;
      try {
        sessions.install(ctx.app);
        try {
          const sealed = sessions.sealedFrom(ctx);
          const bearer = auth.bearer.has();
          const unsafe = isUnsafe(ctx.method);
          if (sealed !== undefined && unsafe && !bearer) checkCsrf(ctx, core.opts);
          if (sealed !== undefined && !(unsafe && bearer)) await auth.signIn.resolve(sealed);
          // our own access tokens are verified up front, so every route sees their user
          const user = await currentUser<User>(ctx, 'eager');
          if (user) ctx.state.user = user;
          await next();
        } finally {
          await sessions.commit(ctx);
        }
      } catch (err) {
        if (!isAuthError(err)) throw err;
        await renderError(err as AuthError, ctx, core);
      }
    };
  }

  /** The built-in `/auth/*` routes: tokens, sign-out, `me`, and each configured sign-in method's (see docs/README.md). */
  routes(): Middleware {
    return authRoutes(this.core, this.features);
  }

  /** Mounts decorated controllers (classes or instances) on `@koa/router`. */
  controllers(controllers: readonly ControllerLike[], options?: ControllersOptions): Middleware {
    return mountControllers(this.core, controllers, options);
  }

  /** `@LoginRequired` as plain middleware. @example `router.get('/x', auth.loginRequired(), handler)` */
  loginRequired(options?: LoginRequiredOptions): Middleware {
    return loginGuard(this.core, options);
  }

  /** `@TokenRequired` as plain middleware. @example `router.get('/api/x', auth.tokenRequired('access'), handler)` */
  tokenRequired(type: TokenType, options?: TokenRequiredOptions): Middleware {
    return tokenGuard(this.core, type, options);
  }

  /** `@OptionalAuth` as plain middleware. */
  optionalAuth(): Middleware {
    return optionalGuard<User>();
  }

  /** `@Roles` as plain middleware (after a login or token guard). */
  roles(...roles: string[]): Middleware {
    return rolesGuard(this.core, roles);
  }

  /** `@RequireScopes` as plain middleware (after a token guard). */
  requireScopes(...scopes: string[]): Middleware {
    return scopesGuard<User>(scopes);
  }

  /** Ends every session and token family of a user on every device (e.g. after a breach). */
  async signOutEverywhere(userId: string): Promise<void> {
    await this.core.generations.bump(userId);
    this.core.events.emit('signed_out_everywhere', { userId });
  }

  /**
   * Shuts down gracefully: waits up to `email.closeTimeout` (5 s) for queued mail to be sent,
   * then gives up on the rest (a `mail_failed` event each). Call it after the server stopped
   * taking requests; the store, user store and mailer are the app's to close.
   *
   * @example
   * ```ts
   * server.close();
   * await auth.close();
   * ```
   */
  async close(): Promise<void> {
    await this.features.email?.close();
  }

  /** Listens to audit events (`login`, `logout`, `token_reuse`, ...); events never carry secrets. */
  on<E extends AuthEventName>(event: E, listener: AuthEventListener<E>): this {
    this.core.events.on(event, listener);
    return this;
  }

  /** Stops listening. */
  off<E extends AuthEventName>(event: E, listener: AuthEventListener<E>): this {
    this.core.events.off(event, listener);
    return this;
  }
}
