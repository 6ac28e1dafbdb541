import type { Context } from 'koa';
import type { AuthError } from './errors.js';
import { Keyring, secretsFrom } from './keys/keyring.js';
import type { PasswordHasher } from './passwords/hasher.js';
import type { Mailer } from './email/mailer.js';
import type { MailQueueSettings } from './email/queue.js';
import {
  type EmailOptions,
  type OAuthLoginArgs,
  type OAuthOptions,
  type PasswordOptions,
  attemptsOption,
  mailQueueOption,
  mailerOption,
  passwordOption,
  providersOption,
  rateLimitsOption,
} from './options-signin.js';
import { defaultTemplates, type Templates } from './email/templates.js';
import type { OAuth2Provider } from './oauth/provider.js';
import {
  type PasskeyOptions,
  type ResolvedPasskeyOptions,
  passkeyOptions,
} from './passkeys/options.js';
import type { RateLimitOptions } from './ratelimit/limiter.js';
import { MemoryStore } from './stores/memory-store.js';
import type { BaseUser, Store, UserStore } from './stores/types.js';
import { type Duration, toMs } from './util/duration.js';

export type { EmailOptions, OAuthLoginArgs, OAuthOptions, PasswordOptions };

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

/** The session cookie. */
export interface SessionOptions {
  /** Cookie name; in production it gets the `__Host-` prefix. @default 'portcullis' */
  cookieName?: string;
  /** A session unused for this long ends. @default '7d' */
  idleTimeout?: Duration;
  /** A session ends this long after sign-in, however active. @default '30d' */
  absoluteTimeout?: Duration;
  /** How often the last-seen time sealed in the cookie is refreshed. @default idleTimeout / 10, at most 5 minutes */
  touchInterval?: Duration;
  /** How many cookies a large session may span (about 3.8 KB each). @default 3 */
  maxCookies?: number;
  /**
   * Past this long after signing in, a user signs in again before changing how they sign in
   * (adding or removing a passkey, adding a first password, linking or unlinking a provider)
   * or ending other sessions: 403 `reauthentication_required` (ASVS 5.0 V7.5.1, V7.5.2).
   * `false`: never asked. @default '15m'
   */
  reauthenticateAfter?: Duration | false;
  /** How many opened session cookies are kept in memory (0: none); revocation is still checked every request. @default 20000 */
  cacheSize?: number;
}

/** Access and refresh tokens. */
export interface TokenOptions {
  /** `iss` of access tokens. @default baseUrl, else 'portcullis' */
  issuer?: string;
  /** `aud` of access tokens. @default the issuer */
  audience?: string;
  /** Access-token lifetime. @default '1h' */
  accessTokenTtl?: Duration;
  /** Refresh-family absolute lifetime. @default '30d' */
  refreshTokenTtl?: Duration;
  /**
   * A refresh token not used (rotated) for this long expires, and its family with it
   * (RFC 9700 §4.14.2); `false`: only the absolute lifetime. @default '15d'
   */
  refreshIdleTimeout?: Duration | false;
  /**
   * A refresh token rotated less than this ago, presented again while its successor is unused,
   * gets that successor back instead of being taken for reuse (two tabs refreshing at once);
   * at most 5 minutes; `0` or `false`: off (docs/tokens.md says what it costs). @default '10s'
   */
  refreshReuseGrace?: Duration | false;
  /** Allowed clock skew when checking `exp` and `nbf`, in seconds. @default 30 */
  clockSkew?: number;
  /** Header that carries bearer tokens. @default 'Authorization' */
  header?: string;
  /** Scheme before the token. @default 'Bearer' */
  scheme?: string;
  /** How many verified access tokens are kept in memory (0: none); expiry and revocation are still checked every request. @default 20000 */
  cacheSize?: number;
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
  session: {
    cookieName: string;
    idleMs: number;
    absoluteMs: number;
    touchMs: number;
    maxCookies: number;
    secure: boolean;
    cacheSize: number;
    /** Infinity when off. */
    reauthMs: number;
  };
  tokens: {
    issuer: string;
    audience: string;
    accessMs: number;
    refreshMs: number;
    /** Infinity when off. */
    refreshIdleMs: number;
    /** 0 when off. */
    reuseGraceMs: number;
    clockSkewSec: number;
    header: string;
    scheme: string;
    cacheSize: number;
  };
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
  oauth: { errorPath: string; flowMs: number };
  mailer: Mailer | undefined;
  email: {
    appName: string;
    templates: Templates;
    magicLinkMs: number;
    otpMs: number;
    otpAttempts: number;
    createUsers: boolean;
    queue: MailQueueSettings;
    closeMs: number;
  };
  rateLimits: RateLimitOptions | false;
  passkeys: ResolvedPasskeyOptions;
  password: {
    minLength: number;
    maxLength: number;
    requireVerifiedEmail: boolean;
    resetMs: number;
    verifyMs: number;
    hasher: PasswordHasher;
  };
}

const MAX_COOKIE_AGE_MS = 400 * 86_400_000;

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

  const idleMs = toMs(o.session?.idleTimeout ?? '7d', 'session.idleTimeout');
  const absoluteMs = toMs(o.session?.absoluteTimeout ?? '30d', 'session.absoluteTimeout');
  if (idleMs > MAX_COOKIE_AGE_MS || absoluteMs > MAX_COOKIE_AGE_MS) {
    throw new TypeError('Portcullis: session lifetimes may not exceed 400 days (RFC 6265bis)');
  }
  const touchMs = o.session?.touchInterval
    ? toMs(o.session.touchInterval, 'session.touchInterval')
    : Math.min(Math.floor(idleMs / 10), 300_000);
  const maxCookies = o.session?.maxCookies ?? 3;
  if (!Number.isInteger(maxCookies) || maxCookies < 1 || maxCookies > 10) {
    throw new TypeError('Portcullis: session.maxCookies must be an integer from 1 to 10');
  }
  const baseName = o.session?.cookieName ?? 'portcullis';
  if (!/^[A-Za-z0-9_-]+$/.test(baseName))
    throw new TypeError('Portcullis: session.cookieName may use only letters, digits, _ and -');

  const issuer = o.tokens?.issuer ?? baseOrigin ?? 'portcullis';
  const clockSkewSec = o.tokens?.clockSkew ?? 30;
  if (!(clockSkewSec >= 0 && clockSkewSec <= 300))
    throw new TypeError('Portcullis: tokens.clockSkew must be 0 to 300 seconds');

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
    session: {
      cookieName: production ? `__Host-${baseName}` : baseName,
      idleMs,
      absoluteMs,
      touchMs: Math.max(1000, touchMs),
      maxCookies,
      secure: production,
      cacheSize: cacheSizeOption(o.session?.cacheSize, 'session.cacheSize'),
      reauthMs:
        o.session?.reauthenticateAfter === false
          ? Number.POSITIVE_INFINITY
          : toMs(o.session?.reauthenticateAfter ?? '15m', 'session.reauthenticateAfter'),
    },
    tokens: {
      issuer,
      audience: o.tokens?.audience ?? issuer,
      accessMs: toMs(o.tokens?.accessTokenTtl ?? '1h', 'tokens.accessTokenTtl'),
      refreshMs: toMs(o.tokens?.refreshTokenTtl ?? '30d', 'tokens.refreshTokenTtl'),
      refreshIdleMs:
        o.tokens?.refreshIdleTimeout === false
          ? Number.POSITIVE_INFINITY
          : toMs(o.tokens?.refreshIdleTimeout ?? '15d', 'tokens.refreshIdleTimeout'),
      reuseGraceMs: reuseGraceOption(o.tokens?.refreshReuseGrace),
      clockSkewSec,
      header: o.tokens?.header ?? 'Authorization',
      scheme: o.tokens?.scheme ?? 'Bearer',
      cacheSize: cacheSizeOption(o.tokens?.cacheSize, 'tokens.cacheSize'),
    },
    csrf: {
      trustedOrigins: new Set((o.csrf?.trustedOrigins ?? []).map((u) => originOf(u, false)!)),
      allowMissingOrigin: o.csrf?.allowMissingOrigin ?? false,
    },
    loginPath: pathOption(o.loginPath ?? '/login', 'loginPath'),
    defaultReturnTo: pathOption(o.defaultReturnTo ?? '/', 'defaultReturnTo'),
    prefix: pathOption(o.prefix ?? '/auth', 'prefix').replace(/\/$/, ''),
    storeTimeout,
    tokenLoader: o.tokenLoader,
    userLoader: o.userLoader,
    isUserValid: o.isUserValid,
    onError: o.onError,
    logger: o.logger ?? console,
    getRoles: o.getRoles ?? ((user) => user.roles ?? []),
    publicUser: o.publicUser ?? withoutSecrets,
    enableTestKit: o.enableTestKit ?? false,
    providers: providersOption(o.providers),
    onOAuthLogin: o.onOAuthLogin,
    onLinkAccount: o.onLinkAccount,
    oauth: {
      errorPath: pathOption(
        o.oauth?.errorPath ??
          `${pathOption(o.prefix ?? '/auth', 'prefix').replace(/\/$/, '')}/error`,
        'oauth.errorPath',
      ),
      flowMs: toMs(o.oauth?.flowTimeout ?? '10m', 'oauth.flowTimeout'),
    },
    mailer: mailerOption(o.mailer),
    email: {
      appName: o.email?.appName ?? (baseOrigin ? new URL(baseOrigin).host : 'Portcullis'),
      templates: { ...defaultTemplates, ...o.email?.templates },
      magicLinkMs: toMs(o.email?.magicLinkTtl ?? '10m', 'email.magicLinkTtl'),
      otpMs: toMs(o.email?.otpTtl ?? '10m', 'email.otpTtl'),
      otpAttempts: attemptsOption(o.email?.otpAttempts),
      createUsers: o.email?.createUsers ?? true,
      queue: mailQueueOption(o.email),
      closeMs: toMs(o.email?.closeTimeout ?? '5s', 'email.closeTimeout'),
    },
    rateLimits: rateLimitsOption(o.rateLimits, production),
    password: passwordOption(o.password),
    passkeys: passkeyOptions(o.passkeys, baseOrigin),
  };
}

function originOf(url: string | undefined, required: boolean): string | undefined {
  if (url === undefined) {
    if (required) {
      throw new TypeError(
        'Portcullis: `baseUrl` is required in production (e.g. baseUrl: "https://app.example.com"); links and redirects are never built from the Host header there',
      );
    }
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`Portcullis: ${JSON.stringify(url)} is not an absolute URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new TypeError(`Portcullis: ${JSON.stringify(url)} must be an http(s) URL`);
  }
  if (required && parsed.protocol !== 'https:') {
    throw new TypeError(
      `Portcullis: in production baseUrl must be https (Secure cookies), got ${JSON.stringify(url)}`,
    );
  }
  return parsed.origin;
}

function cacheSizeOption(value: number | undefined, name: string): number {
  const n = value ?? 20_000;
  if (!Number.isInteger(n) || n < 0 || n > 1_000_000) {
    throw new TypeError(`Portcullis: ${name} must be an integer from 0 to 1000000`);
  }
  return n;
}

function pathOption(path: string, name: string): string {
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) {
    throw new TypeError(`Portcullis: ${name} must be a path starting with a single '/'`);
  }
  return path;
}

const SECRET_WORDS = new Set([
  'password',
  'passwords',
  'passwd',
  'pwd',
  'secret',
  'secrets',
  'hash',
  'hashes',
  'token',
  'tokens',
  'salt',
  'otp',
  'totp',
  'credential',
  'credentials',
  'mfa',
  'recovery',
  'key',
  'keys',
]);

/** True when a field name has a word that names a secret: `passwordHash`, `api_token`, `totpSecret`. */
function isSecretField(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return words.some((w) => SECRET_WORDS.has(w));
}

function withoutSecrets(user: BaseUser): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(user)) if (!isSecretField(k)) out[k] = v;
  return out;
}

/** `tokens.refreshReuseGrace` in ms: 0 when off, at most 5 minutes. */
function reuseGraceOption(value: Duration | false | undefined): number {
  if (value === false || value === 0) return 0;
  const ms = toMs(value ?? '10s', 'tokens.refreshReuseGrace');
  if (ms > 300_000) {
    throw new TypeError('Portcullis: tokens.refreshReuseGrace must be at most 5 minutes');
  }
  return ms;
}
