import type { Context } from 'koa';
import { withoutSecrets } from './accounts/public-user.js';
import {
  type EmailOptions,
  type EmailSettings,
  checkMailer,
  emailSettings,
} from './email/options.js';
import type { Mailer } from './email/mailer.js';
import type { AuthError } from './errors.js';
import { Keyring, secretsFrom } from './keys/keyring.js';
import {
  type OAuthLoginArgs,
  type OAuthOptions,
  type OAuthSettings,
  checkProviders,
  oauthSettings,
} from './oauth/options.js';
import type { OAuth2Provider } from './oauth/provider.js';
import {
  type PasskeyOptions,
  type ResolvedPasskeyOptions,
  passkeyOptions,
} from './passkeys/options.js';
import {
  type PasswordOptions,
  type PasswordSettings,
  passwordSettings,
} from './passwords/options.js';
import { type RateLimitOptions, checkRateLimits } from './ratelimit/limiter.js';
import { type SessionOptions, type SessionSettings, sessionSettings } from './session/options.js';
import { MemoryStore } from './stores/memory-store.js';
import type { BaseUser, Store, UserStore } from './stores/types.js';
import { type TokenOptions, type TokenSettings, tokenSettings } from './tokens/options.js';
import { originOf, pathOption } from './util/checks.js';

export type {
  EmailOptions,
  OAuthLoginArgs,
  OAuthOptions,
  PasswordOptions,
  SessionOptions,
  TokenOptions,
};

/** What `onLinkAccount` receives: a guest who signed in to an account that already existed. */
export interface LinkAccountArgs<User extends BaseUser> {
  /** The guest (deleted once the hook returns). */
  anonymous: User;
  /** The account the guest signed in to. */
  user: User;
  /** The request. */
  ctx: Context;
}

/** A structured logger: pino, bunyan and `console` all fit. Records never carry secrets. */
export interface AuthLogger {
  warn(record: Record<string, unknown>, message?: string): void;
  error(record: Record<string, unknown>, message?: string): void;
}

/** Cross-site request refusal for cookie-authenticated unsafe requests. */
export interface CsrfOptions {
  /** Other origins whose requests are accepted (e.g. a separate front-end origin). @default [] */
  trustedOrigins?: string[];
  /** Accept an unsafe request that has none of `Origin`, `Sec-Fetch-Site`, `Referer`. @default false */
  allowMissingOrigin?: boolean;
}

/** An opaque-token record returned by `tokenLoader`. */
export interface LoadedToken {
  /** Scopes the token grants (array or space-separated string). */
  scopes?: readonly string[] | string;
  [key: string]: unknown;
}

/** Everything `new Portcullis(options)` accepts. */
export interface PortcullisOptions<User extends BaseUser = BaseUser> {
  /** The root secret, at least 32 bytes. Give this or `keys`. */
  secret?: string | Uint8Array;
  /** `[current, ...older]` secrets for rotation: the first signs, all verify. */
  keys?: Array<string | Uint8Array>;
  /** The app's users. */
  users: UserStore<User>;
  /** Server-side state. @default new MemoryStore() */
  store?: Store;
  /** The app's public origin; required in production (the Host header is never trusted there). */
  baseUrl?: string;
  /** Production mode: Secure `__Host-` cookies, `baseUrl` required. @default NODE_ENV === 'production' */
  production?: boolean;
  /** The session cookie. */
  session?: SessionOptions;
  /** Access and refresh tokens. */
  tokens?: TokenOptions;
  /** CSRF defence. */
  csrf?: CsrfOptions;
  /** Where `@LoginRequired` sends a browser that is not signed in. @default '/login' */
  loginPath?: string;
  /** Where a sign-in without a usable `returnTo` lands. @default '/' */
  defaultReturnTo?: string;
  /** Path prefix of the routes `auth.routes()` mounts (and of links built to them). @default '/auth' */
  prefix?: string;
  /** A store or loader call that takes longer fails with 503 `store_unavailable`, in ms. @default 2000 */
  storeTimeout?: number;
  /** Looks up an opaque bearer token that is not ours in the app's datastore. */
  tokenLoader?: (
    token: string,
    tokenType: 'access' | 'refresh',
    scheme: string,
  ) => Promise<LoadedToken | null | undefined> | LoadedToken | null | undefined;
  /** Turns the record from `tokenLoader` into the user. */
  userLoader?: (record: LoadedToken) => Promise<User | null | undefined> | User | null | undefined;
  /** Checked on every authenticated request; false ends the session (banned, disabled). */
  isUserValid?: (user: User, ctx: Context) => boolean | Promise<boolean>;
  /** Renders an `AuthError` the app's way; by default API requests get JSON. */
  onError?: (err: AuthError, ctx: Context) => void | Promise<void>;
  /** Receives warnings and errors worth an operator's eye. @default console */
  logger?: AuthLogger;
  /** The roles of a user, for `@Roles`. @default user.roles */
  getRoles?: (user: User) => readonly string[];
  /** What `GET /auth/me` shows of a user. @default every field but those named as secrets (passwordHash, apiToken, totpSecret, ...) */
  publicUser?: (user: User) => unknown;
  /** Allow `auth.testing` outside `NODE_ENV=test`. Never in production. @default false */
  enableTestKit?: boolean;
  /** OAuth 2.0 / OpenID Connect providers users may sign in with (`portcullis/providers`). @default [] */
  providers?: readonly OAuth2Provider[];
  /** A provider sign-in came back: return the user to sign in, `false` to refuse, or nothing for the default (find or create by provider + subject; link by verified email only). */
  onOAuthLogin?: (
    args: OAuthLoginArgs<User>,
  ) => User | false | undefined | void | Promise<User | false | undefined | void>;
  /** Provider sign-in settings. */
  oauth?: OAuthOptions;
  /** A guest signed in to an existing account: move the guest's data to `user` (the guest is deleted afterwards). */
  onLinkAccount?: (args: LinkAccountArgs<User>) => void | Promise<void>;
  /** Where sign-in links and codes are mailed; email sign-in (`/auth/magic`, `/auth/otp`) is on only with a mailer. */
  mailer?: Mailer;
  /** Email sign-in settings. */
  email?: EmailOptions;
  /** Brute-force limits per client IP and per account; `false` turns them off (not in production). */
  rateLimits?: RateLimitOptions | false;
  /** Email + password accounts (on with a mailer). */
  password?: PasswordOptions;
  /** Passkeys (WebAuthn): RP name, RP ID, origins, user verification, timeout. */
  passkeys?: PasskeyOptions;
}

/** The options after defaults and validation: what the rest of the library reads. */
export interface ResolvedOptions<User extends BaseUser> {
  ring: Keyring;
  users: UserStore<User>;
  store: Store;
  baseOrigin: string | undefined;
  production: boolean;
  session: SessionSettings;
  tokens: TokenSettings;
  csrf: { trustedOrigins: Set<string>; allowMissingOrigin: boolean };
  loginPath: string;
  defaultReturnTo: string;
  prefix: string;
  storeTimeout: number;
  tokenLoader: PortcullisOptions<User>['tokenLoader'];
  userLoader: PortcullisOptions<User>['userLoader'];
  isUserValid: PortcullisOptions<User>['isUserValid'];
  onError: PortcullisOptions<User>['onError'];
  logger: AuthLogger;
  getRoles: (user: User) => readonly string[];
  publicUser: (user: User) => unknown;
  enableTestKit: boolean;
  providers: readonly OAuth2Provider[];
  onOAuthLogin: PortcullisOptions<User>['onOAuthLogin'];
  onLinkAccount: PortcullisOptions<User>['onLinkAccount'];
  oauth: OAuthSettings;
  mailer: Mailer | undefined;
  email: EmailSettings;
  rateLimits: RateLimitOptions | false;
  passkeys: ResolvedPasskeyOptions;
  password: PasswordSettings;
}

/**
 * Fills defaults and validates every option once, at construction. Throws a `TypeError` that
 * says what to change; nothing here runs per request.
 */
export function resolveOptions<User extends BaseUser>(
  o: PortcullisOptions<User>,
): ResolvedOptions<User> {
  if (!o || typeof o !== 'object') throw new TypeError('Portcullis: options are required');
  const ring = new Keyring(secretsFrom(o.secret, o.keys));
  if (!o.users || typeof o.users.findById !== 'function') {
    throw new TypeError('Portcullis: `users` must be a UserStore (e.g. new MemoryUserStore())');
  }
  const production = o.production ?? process.env.NODE_ENV === 'production';
  const baseOrigin = originOf(o.baseUrl, production);

  const prefix = pathOption(o.prefix ?? '/auth', 'prefix').replace(/\/$/, '');
  const storeTimeout = o.storeTimeout ?? 2000;
  if (!(storeTimeout > 0))
    throw new TypeError('Portcullis: storeTimeout must be a positive number of ms');
  if ((o.tokenLoader === undefined) !== (o.userLoader === undefined)) {
    throw new TypeError(
      'Portcullis: `tokenLoader` and `userLoader` go together; give both or neither',
    );
  }
  if (production && o.enableTestKit)
    throw new TypeError('Portcullis: enableTestKit is refused in production');

  return {
    ring,
    users: o.users,
    store: o.store ?? new MemoryStore(),
    baseOrigin,
    production,
    session: sessionSettings(o.session, production),
    tokens: tokenSettings(o.tokens, baseOrigin),
    csrf: {
      trustedOrigins: new Set((o.csrf?.trustedOrigins ?? []).map((u) => originOf(u, false)!)),
      allowMissingOrigin: o.csrf?.allowMissingOrigin ?? false,
    },
    loginPath: pathOption(o.loginPath ?? '/login', 'loginPath'),
    defaultReturnTo: pathOption(o.defaultReturnTo ?? '/', 'defaultReturnTo'),
    prefix,
    storeTimeout,
    tokenLoader: o.tokenLoader,
    userLoader: o.userLoader,
    isUserValid: o.isUserValid,
    onError: o.onError,
    logger: o.logger ?? console,
    getRoles: o.getRoles ?? ((user) => user.roles ?? []),
    publicUser: o.publicUser ?? withoutSecrets,
    enableTestKit: o.enableTestKit ?? false,
    providers: checkProviders(o.providers),
    onOAuthLogin: o.onOAuthLogin,
    onLinkAccount: o.onLinkAccount,
    oauth: oauthSettings(o.oauth, prefix),
    mailer: checkMailer(o.mailer),
    email: emailSettings(o.email, baseOrigin),
    rateLimits: checkRateLimits(o.rateLimits, production),
    password: passwordSettings(o.password),
    passkeys: passkeyOptions(o.passkeys, baseOrigin),
  };
}
