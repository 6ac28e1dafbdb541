import type { Context } from 'koa';
import { signInAsGuest } from '../accounts/guests.js';
import type { Core } from '../core.js';
import {
  type RequestEmailCodes,
  type RequestMagicLinks,
  requestEmailCodes,
  requestMagicLinks,
} from '../email/part.js';
import type { EmailCore } from '../email/service.js';
import { AuthError, unauthorized } from '../errors.js';
import { checkCsrf, isUnsafe } from '../http/csrf.js';
import type { LoginUrlOptions, OAuthService } from '../oauth/service.js';
import type { PasskeyService, RequestPasskeys } from '../passkeys/service.js';
import { type RequestPasswords, requestPasswords } from '../passwords/part.js';
import { type RequestSessions, requestSessions } from '../session/devices.js';
import { SignIn } from '../session/sign-in.js';
import type { SignInRecord } from '../session/types.js';
import type { BaseUser } from '../stores/types.js';
import { Bearer } from '../tokens/bearer.js';
import { type RequestTokens, requestTokens } from '../tokens/part.js';

export type { RequestTokens };

/** The sign-in methods `ctx.auth` reaches, built once by `Portcullis`. @internal */
export interface Features<User extends BaseUser> {
  readonly oauth: OAuthService<User>;
  readonly passkeys: PasskeyService<User>;
  /** Email sign-in and passwords, when a mailer is configured. */
  readonly email: EmailCore<User> | undefined;
}

/**
 * `ctx.auth`: what a handler can do about authentication in this request. Each part is the
 * capability's own (sessions, tokens, providers, passkeys, email, passwords, guests); this
 * class only hands them out.
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
  /** @internal This request's cookie session. */
  readonly signIn: SignIn<User>;
  /** @internal This request's bearer token. */
  readonly bearer: Bearer<User>;

  constructor(
    private readonly core: Core<User>,
    private readonly features: Features<User>,
    private readonly ctx: Context,
  ) {
    this.signIn = new SignIn(core, ctx);
    this.bearer = new Bearer(core, ctx);
  }

  /** The signed-in user of this request (session or bearer), if any. */
  get user(): User | undefined {
    return this.ctx.state.user as User | undefined;
  }

  /** The user of a live cookie session, if any. */
  get sessionUser(): User | undefined {
    return this.signIn.user;
  }

  /** The sign-in sealed in the cookie, if it is live: session id, user id, when signed in and last seen. */
  get session(): SignInRecord | undefined {
    return this.signIn.session;
  }

  /** The scopes of the bearer token a guard accepted (empty for cookie sessions). */
  get scopes(): readonly string[] {
    return this.bearer.scopes;
  }

  /** Token calls: issue, rotate (the presented refresh token), revoke. */
  get tokens(): RequestTokens<User> {
    return requestTokens(this.core, this.ctx);
  }

  /**
   * The signed-in user's sessions on every device: `list()`, `revoke(id)` (any but this
   * one), `revokeOthers()`. A revoked session's cookie stops working at once.
   */
  get sessions(): RequestSessions {
    return requestSessions(this.core, this.ctx);
  }

  /** Provider sign-in: `loginUrl(provider, { returnTo?, state? })`, the link that starts it. */
  get oauth(): { loginUrl(provider: string, options?: LoginUrlOptions): string } {
    const { oauth } = this.features;
    return { loginUrl: (provider, options) => oauth.loginUrl(provider, options) };
  }

  /**
   * The provider's access token kept in this session (from a sign-in with `provider`),
   * refreshed first when it has expired; undefined when there is none (or the provider refused
   * the refresh). A provider that fails answers 502 `provider_error`.
   */
  providerToken(provider: string): Promise<string | undefined> {
    return this.features.oauth.providerToken(this.ctx, provider);
  }

  /**
   * Passkeys: `registrationOptions()` / `register(response)` (signed in), `loginOptions()` /
   * `login(response)`, `list()`, `rename(id, name)`, `remove(id)`.
   */
  get passkeys(): RequestPasskeys<User> {
    return this.features.passkeys.forRequest(this.ctx);
  }

  /** Magic links: `send(email, { returnTo? })` mails a single-use sign-in link. */
  get magic(): RequestMagicLinks {
    return requestMagicLinks(this.email(), this.ctx);
  }

  /** Email codes: `send(email)` mails a 6-digit code; `verify(email, code)` signs its owner in. */
  get otp(): RequestEmailCodes<User> {
    return requestEmailCodes(this.email(), this.ctx);
  }

  /** Email + password accounts: register, login, change, requestReset, reset, verifyEmail. */
  get password(): RequestPasswords<User> {
    return requestPasswords(this.email().password, this.ctx);
  }

  /**
   * Signs in as a guest: a new user with `anonymous: true` and a session. A later sign-in by
   * any method upgrades the guest in place (same id), or, for an existing account, hands the
   * guest to `onLinkAccount` and deletes it. Rate-limited per IP.
   */
  signInAnonymously(): Promise<User> {
    return signInAsGuest(this.core, this.ctx);
  }

  /**
   * Signs `user` in with a new session (the previous session id, if any, is dead). A guest
   * signed in here is merged into `user` (`onLinkAccount`), unless `mergeGuest` is false.
   */
  login(user: User, method?: string, options?: { mergeGuest?: boolean }): Promise<void> {
    return this.signIn.login(user, method, options);
  }

  /** Ends the cookie session (revoked on the server, cookie cleared), then the provider's tokens kept in it. */
  async logout(): Promise<void> {
    const { oauth } = this.features;
    const kept = this.signIn.session ? oauth.keptTokens(this.ctx) : undefined;
    // the session ends first: a provider slow to revoke its tokens delays the answer, never the sign-out
    await this.signIn.logout();
    await oauth.revokeKept(kept);
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

  /** The email methods, after refusing a cross-site unsafe request (login CSRF), also on the app's own routes. */
  private email(): EmailCore<User> {
    if (isUnsafe(this.ctx.method)) checkCsrf(this.ctx, this.core.opts);
    const { email } = this.features;
    if (!email) {
      throw new AuthError('misconfigured', {
        message: 'Email sign-in needs a mailer: new Portcullis({ mailer: new SmtpMailer(...) })',
      });
    }
    return email;
  }
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
