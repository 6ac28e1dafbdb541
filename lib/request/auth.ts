import type { Context } from 'koa';
import type { Core } from '../core.js';
import { createOrUpgrade, discardUser, mergeGuest } from '../accounts/guests.js';
import { checkCsrf, isUnsafe } from '../http/csrf.js';
import { AuthError, badRequest, isAuthError, storeUnavailable, unauthorized } from '../errors.js';
import type { LoadedToken } from '../options.js';
import type { SessionAuth, SessionInfo } from '../session/session.js';
import { Generations } from '../tokens/generations.js';
import type { BaseUser } from '../stores/types.js';
import { withChallenge } from '../tokens/challenge.js';
import { type BearerSource, hasHeader, readBearer } from '../tokens/header.js';
import type { IssueOptions, IssuedTokens, TokenType } from '../tokens/service.js';
import type { LoginUrlOptions } from '../oauth/service.js';
import type { RequestPasskeys } from '../passkeys/service.js';

/** The token calls available on `ctx.auth.tokens`. */
export interface RequestTokens<User extends BaseUser> {
  /** Issues an access + refresh pair for `user`. */
  issue(user: User, options?: IssueOptions): Promise<IssuedTokens>;
  /** Spends the refresh token this request carried and returns the next pair. */
  rotate(): Promise<IssuedTokens>;
  /** Revokes a token (refresh: its whole family). */
  revoke(token: string): Promise<void>;
}

/** What a bearer token resolved to. */
interface BearerResult<User> {
  user: User;
  scopes: readonly string[];
  token: string;
  ours: boolean;
}

/**
 * `ctx.auth`: what a handler can do about authentication in this request.
 *
 * @example
 * ```ts
 * @Post('/login')
 * async login(ctx: OptionalAuthContext<User>) {
 *   const user = await checkCredentials(ctx);
 *   await ctx.login(user);                      // new session id, cookie sealed
 *   return ctx.auth.tokens.issue(user, { scopes: ['reports:read'] });
 * }
 * ```
 */
export class RequestAuth<User extends BaseUser = BaseUser> {
  /** The user of a live cookie session, if any. */
  sessionUser: User | undefined;
  /** The sign-in sealed in the cookie, if it is live. */
  session: SessionAuth | undefined;
  /** The scopes of the bearer token a guard accepted (empty for cookie sessions). */
  scopes: readonly string[] = [];
  /** The scheme of the bearer token a guard accepted, for challenges. */
  scheme: string | undefined;
  private presented: BearerResult<User> | undefined;
  private read: { source: BearerSource; token: string | undefined } | undefined;
  private memo:
    { type: TokenType; source: BearerSource; result: Promise<BearerResult<User>> } | undefined;

  constructor(
    /** @internal */
    readonly core: Core<User>,
    private readonly ctx: Context,
  ) {}

  /** The signed-in user of this request (session or bearer), if any. */
  get user(): User | undefined {
    return this.ctx.state.user as User | undefined;
  }

  /** Token calls: issue, rotate (the presented refresh token), revoke. */
  get tokens(): RequestTokens<User> {
    const { core } = this;
    return {
      issue: async (user, options) => {
        this.ctx.set('Cache-Control', 'no-store');
        return core.tokens.issue(user, options);
      },
      rotate: async () => {
        const presented = this.presented;
        if (!presented) {
          throw unauthorized('token_missing', {
            message: 'rotate() needs a refresh token from this request.',
          });
        }
        if (!presented.ours) {
          throw unauthorized('token_invalid', {
            message: 'Only refresh tokens issued by Portcullis rotate.',
          });
        }
        this.ctx.set('Cache-Control', 'no-store');
        return core.tokens.rotate(presented.token);
      },
      revoke: (token) => core.tokens.revoke(token),
    };
  }

  /**
   * The signed-in user's sessions on every device: `list()`, `revoke(id)` (any but this
   * one), `revokeOthers()`. A revoked session's cookie stops working at once.
   */
  get sessions(): {
    list(): Promise<SessionInfo[]>;
    revoke(id: string): Promise<boolean>;
    revokeOthers(): Promise<number>;
  } {
    const { core } = this;
    const mine = (): { user: User; auth: SessionAuth } => {
      if (!this.sessionUser || !this.session) throw unauthorized('login_required');
      return { user: this.sessionUser, auth: this.session };
    };
    const run = async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        return await core.guarded(work);
      } catch (err) {
        throw isAuthError(err) ? err : storeUnavailable(err);
      }
    };
    return {
      list: () => {
        const { user, auth } = mine();
        return run(async () =>
          core.sessions.list(user.id, auth, await core.generations.current(user.id)),
        );
      },
      revoke: (id) => {
        const { user, auth } = mine();
        if (typeof id !== 'string' || id.length > 64) throw badRequest('invalid_request');
        this.requireRecentSignIn();
        return run(() => core.sessions.revokeById(user.id, id, auth));
      },
      revokeOthers: () => {
        const { user, auth } = mine();
        this.requireRecentSignIn();
        return run(async () =>
          core.sessions.revokeOthers(user.id, auth, await core.generations.current(user.id)),
        );
      },
    };
  }

  /** Provider sign-in: `loginUrl(provider, { returnTo?, state? })`, the link that starts it. */
  get oauth(): { loginUrl(provider: string, options?: LoginUrlOptions): string } {
    const { oauth } = this.core;
    return { loginUrl: (provider, options) => oauth.loginUrl(provider, options) };
  }

  /**
   * The provider's access token kept in this session (from a sign-in with `provider`),
   * refreshed first when it has expired; undefined when there is none (or the provider refused
   * the refresh). A provider that fails answers 502 `provider_error`.
   */
  providerToken(provider: string): Promise<string | undefined> {
    return this.core.oauth.providerToken(this.ctx, provider);
  }

  /**
   * Passkeys: `registrationOptions()` / `register(response)` (signed in), `loginOptions()` /
   * `login(response)`, `list()`, `rename(id, name)`, `remove(id)`.
   */
  get passkeys(): RequestPasskeys<User> {
    return this.core.passkeys.forRequest(this.ctx);
  }

  /** Magic links: `send(email, { returnTo? })` mails a single-use sign-in link. */
  get magic(): { send(email: string, options?: { returnTo?: string }): Promise<void> } {
    const email = this.emailCore();
    return { send: (to, options) => email.magic.send(this.ctx, to, options) };
  }

  /** Email codes: `send(email)` mails a 6-digit code; `verify(email, code)` signs its owner in. */
  get otp(): {
    send(email: string): Promise<void>;
    verify(email: string, code: string): Promise<User>;
  } {
    const email = this.emailCore();
    return {
      send: (to) => email.otp.send(this.ctx, to),
      verify: (to, code) => email.otp.verify(this.ctx, to, code),
    };
  }

  /** Email + password accounts: register, login, change, requestReset, reset, verifyEmail. */
  get password(): {
    register(email: string, password: string): Promise<void>;
    login(email: string, password: string): Promise<User>;
    change(currentPassword: string, newPassword: string): Promise<void>;
    requestReset(email: string): Promise<void>;
    reset(token: string, password: string): Promise<User>;
    verifyEmail(token: string): Promise<void>;
  } {
    const { password } = this.emailCore();
    const ctx = this.ctx;
    return {
      register: (email, pw) => password.register(ctx, email, pw),
      login: (email, pw) => password.login(ctx, email, pw),
      change: (current, next) => password.change(ctx, current, next),
      requestReset: (email) => password.requestReset(ctx, email),
      reset: (token, pw) => password.reset(ctx, token, pw),
      verifyEmail: (token) => password.verifyEmail(ctx, token),
    };
  }

  /** The email methods, after refusing a cross-site unsafe request (login CSRF), also on the app's own routes. */
  private emailCore() {
    if (isUnsafe(this.ctx.method)) checkCsrf(this.ctx, this.core.opts);
    const email = this.core.email;
    if (!email) {
      throw new AuthError('misconfigured', {
        message: 'Email sign-in needs a mailer: new Portcullis({ mailer: new SmtpMailer(...) })',
      });
    }
    return email;
  }

  /**
   * Signs in as a guest: a new user with `anonymous: true` and a session. A later sign-in by
   * any method upgrades the guest in place (same id), or, for an existing account, hands the
   * guest to `onLinkAccount` and deletes it. Guests pass `@OptionalAuth`, and `@LoginRequired`
   * only with `{ allowAnonymous: true }`. Rate-limited per IP.
   */
  async signInAnonymously(): Promise<User> {
    const { core, ctx } = this;
    if (isUnsafe(ctx.method)) checkCsrf(ctx, core.opts);
    if (this.sessionUser) return this.sessionUser;
    await core.limits.consume(ctx, 'guest');
    const user = await createOrUpgrade(core, undefined, { anonymous: true } as unknown as Omit<
      User,
      'id'
    >);
    try {
      await this.login(user, 'anonymous');
    } catch (err) {
      discardUser(core, user.id); // a guest nobody holds
      throw err;
    }
    core.events.emit('guest_created', { userId: user.id });
    return user;
  }

  /**
   * Signs `user` in with a new session (the previous session id, if any, is dead). A guest
   * signed in here is handed to `onLinkAccount` and deleted, unless `mergeGuest` is false
   * (a sign-in this browser did not ask for: the guest is left as it was).
   */
  async login(
    user: User,
    method = 'session',
    { mergeGuest: merge = true }: { mergeGuest?: boolean } = {},
  ): Promise<void> {
    if (!user || typeof user.id !== 'string' || user.id === '') {
      throw new TypeError('ctx.login(user): user must have a string id');
    }
    const guest = this.sessionUser;
    if (merge && guest?.anonymous === true && guest.id !== user.id) {
      await mergeGuest(this.core, this.ctx, guest, user);
    }
    try {
      const mark = await this.core.generations.current(user.id);
      this.session = await this.core.sessions.start(this.ctx, user.id, mark, this.session);
    } catch (err) {
      // A sign-in that fails leaves the browser signed out, never on its old session id: a
      // guest upgraded just before (same user id) must not carry on under a session id it
      // had before signing in. Best effort, not awaited: the store is failing.
      if (this.session) this.core.sessions.abandon(this.session);
      throw err;
    }
    this.sessionUser = user;
    this.ctx.state.user = user;
    this.core.events.emit('login', { userId: user.id, method });
  }

  /**
   * @internal Before a change to how the user signs in, or ending other sessions: 403
   * `reauthentication_required` when this session's sign-in is older than
   * `session.reauthenticateAfter` (401 `login_required` without a session).
   */
  requireRecentSignIn(): void {
    const s = this.session;
    if (!s || !this.sessionUser) throw unauthorized('login_required');
    if (Date.now() - s.c > this.core.opts.session.reauthMs) {
      throw new AuthError('reauthentication_required');
    }
  }

  /** Ends the cookie session: revoked on the server, cookie cleared. */
  async logout(): Promise<void> {
    const live = this.session;
    const kept = live ? this.core.oauth.keptTokens(this.ctx) : undefined;
    // the session ends first: a provider slow to revoke its tokens delays the answer, never the sign-out
    await this.core.sessions.end(this.ctx, live);
    // a cookie that was already dead (replayed after a sign-out) is cleared, and not reported
    if (live) this.core.events.emit('logout', { userId: live.u });
    await this.core.oauth.revokeKept(kept);
    this.session = undefined;
    this.sessionUser = undefined;
    this.ctx.state.user = undefined;
  }

  /** Ends every session and token family of the signed-in user, on every device. */
  async signOutEverywhere(): Promise<void> {
    const user = this.user;
    if (!user) throw unauthorized('login_required');
    await this.core.generations.bump(user.id);
    this.core.events.emit('signed_out_everywhere', { userId: user.id });
    await this.logout();
  }

  /** True when a user is signed in for this request. */
  isAuthenticated(): boolean {
    return this.ctx.state.user !== undefined;
  }

  /**
   * @internal Loads the session user from a sealed cookie value; clears dead sessions. A store
   * that fails answers 503 (never a pass as anonymous).
   */
  async resolveSession(sealed: string): Promise<void> {
    const { core, ctx } = this;
    const now = Date.now();
    const opened = core.sessions.open(sealed, now);
    const auth = opened?.auth;
    if (!auth) return;
    try {
      let user: User | undefined;
      if (core.sessions.isKnownLive(opened)) {
        user = await core.findUser(auth.u);
      } else {
        const revision = core.sessions.revisionNow();
        const mark = await core.sessions.registered(auth);
        if (mark === undefined) return core.sessions.drop(ctx);
        const current = await core.generations.current(auth.u);
        user = Generations.alive(mark, current) ? await core.findUser(auth.u) : undefined;
        if (user) opened.live = revision;
      }
      if (!user) return void (await core.sessions.end(ctx, auth));
      if (core.opts.isUserValid && !(await core.guarded(() => core.opts.isUserValid!(user, ctx)))) {
        await core.sessions.end(ctx, auth);
        core.events.emit('user_rejected', { userId: user.id });
        return;
      }
      if (core.sessions.refresh(ctx, opened, now)) await core.sessions.seen(auth, now);
      this.session = auth;
      this.sessionUser = user;
    } catch (err) {
      throw isAuthError(err) ? err : storeUnavailable(err);
    }
  }

  /** @internal True when the request carries the bearer header. */
  hasBearer(source: BearerSource = this.core.opts.tokens): boolean {
    return hasHeader(this.ctx, source.header);
  }

  /** @internal The token in the bearer header of `source` (read once per request), or undefined. */
  token(source: BearerSource = this.core.opts.tokens): string | undefined {
    if (this.read?.source !== source) this.read = { source, token: readBearer(this.ctx, source) };
    return this.read.token;
  }

  /**
   * @internal Resolves the bearer token as `type`, once per request and source; throws a
   * 400/401 `AuthError` with its `WWW-Authenticate` challenge, or 503 when a store fails.
   */
  bearer(
    type: TokenType,
    source: BearerSource = this.core.opts.tokens,
  ): Promise<BearerResult<User>> {
    if (this.memo?.type !== type || this.memo.source !== source) {
      this.memo = { type, source, result: this.loadBearer(type, source) };
    }
    return this.memo.result;
  }

  /** Finds the token's user: ours verified by us, others through the app's loaders. */
  private async loadBearer(type: TokenType, source: BearerSource): Promise<BearerResult<User>> {
    const { core } = this;
    let result: BearerResult<User>;
    try {
      const token = this.token(source);
      if (token === undefined) throw unauthorized('token_missing');
      if (core.tokens.isOurs(token)) {
        // A cached token known to be live needs no store read: skip the async verify.
        const verified =
          core.tokens.knownLive(token, type) ?? (await core.tokens.verify(token, type));
        const user = await core.findUser(verified.userId);
        if (!user) throw unauthorized('token_invalid');
        result = { user, scopes: verified.scopes, token, ours: true };
      } else {
        const { tokenLoader, userLoader } = core.opts;
        if (!tokenLoader || !userLoader) throw unauthorized('token_invalid');
        const record = await core.guarded(() => tokenLoader(token, type, source.scheme));
        if (!record) throw unauthorized('token_invalid');
        const user = await core.guarded(() => userLoader(record));
        if (!user) throw unauthorized('token_invalid');
        result = { user, scopes: scopesOfRecord(record), token, ours: false };
      }
      const { isUserValid } = core.opts;
      if (isUserValid && !(await core.guarded(() => isUserValid(result.user, this.ctx)))) {
        throw unauthorized('token_revoked');
      }
    } catch (err) {
      if (!isAuthError(err)) throw storeUnavailable(err);
      throw err.status < 500 ? withChallenge(err, source.scheme) : err;
    }
    this.presented = result;
    this.scopes = result.scopes;
    this.scheme = source.scheme;
    return result;
  }
}

function scopesOfRecord(record: LoadedToken): readonly string[] {
  const s = record.scopes;
  if (typeof s === 'string') return s.split(' ').filter(Boolean);
  return Array.isArray(s) ? s.filter((x): x is string => typeof x === 'string') : [];
}

/** The `ctx.auth` of this request; a clear error when `auth.middleware()` did not run first. */
export function authOf<User extends BaseUser>(ctx: Context): RequestAuth<User> {
  const auth = (ctx as { auth?: unknown }).auth;
  if (!(auth instanceof RequestAuth)) {
    throw new AuthError('misconfigured', {
      message: 'app.use(auth.middleware()) must come before guarded routes.',
    });
  }
  return auth as RequestAuth<User>;
}
