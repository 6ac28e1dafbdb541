/**
 * The options of the sign-in methods (providers, email, passwords, rate limits): their
 * interfaces and the checks `resolveOptions()` runs on them at start-up.
 */
import type { Context } from 'koa';
import { type Argon2Params, Argon2Hasher, type PasswordHasher } from './passwords/hasher.js';
import type { Mailer } from './email/mailer.js';
import type { MailQueueSettings } from './email/queue.js';
import type { Templates } from './email/templates.js';
import type { OAuth2Provider } from './oauth/provider.js';
import type { Profile, ProviderTokens } from './oauth/types.js';
import type { ResolvedOptions } from './options.js';
import type { RateLimitOptions } from './ratelimit/limiter.js';
import type { BaseUser } from './stores/types.js';
import { type Duration, toMs } from './util/duration.js';

/** Email + password accounts. */
export interface PasswordOptions {
  /** Shortest password accepted, in characters. @default 8 */
  minLength?: number;
  /** Longest password accepted (longer answers 413 before any hashing), 64 or more. @default 128 */
  maxLength?: number;
  /** A new account must follow its verification link before signing in with its password. @default true */
  requireVerifiedEmail?: boolean;
  /** How long a reset link works. @default '1h' */
  resetTtl?: Duration;
  /** How long an email-verification link works. @default '24h' */
  verifyTtl?: Duration;
  /** argon2id parameters (memory in KiB). @default { memoryCost: 19456, timeCost: 2, parallelism: 1 } */
  argon2?: Argon2Params;
  /** Replaces the hasher (argon2id). */
  hasher?: PasswordHasher;
}

/** Email sign-in settings. */
export interface EmailOptions {
  /** The app's name in mails. @default baseUrl's host, else 'Portcullis' */
  appName?: string;
  /** Replaces some of the mail templates. */
  templates?: Partial<Templates>;
  /** How long a magic link works (ASVS 5.0 V6.5.5 caps out-of-band secrets at 10 minutes). @default '10m' */
  magicLinkTtl?: Duration;
  /** How long an email code works. @default '10m' */
  otpTtl?: Duration;
  /** Wrong tries before an email code is dead. @default 5 */
  otpAttempts?: number;
  /** A first sign-in by link or code creates the user (email verified). @default true */
  createUsers?: boolean;
  /** Mails that may wait for the mailer; past it a new one is dropped (`mail_failed`, `queue_full`). @default 1000 */
  queueSize?: number;
  /** A send the mailer has not answered this long counts as failed (and is tried again). @default '10s' */
  sendTimeout?: Duration;
  /** Wait before trying a failed send again, doubled each time (3 tries in all). @default '1s' */
  retryDelay?: Duration;
  /** How long `auth.close()` waits for queued mail before giving up on it. @default '5s' */
  closeTimeout?: Duration;
}

/** Provider sign-in settings. */
export interface OAuthOptions {
  /** Where a failed provider sign-in lands, with `?error=<code>` added. @default '<prefix>/error' */
  errorPath?: string;
  /** How long a started sign-in may take at the provider. @default '10m' */
  flowTimeout?: Duration;
}

/** What `onOAuthLogin` receives. */
export interface OAuthLoginArgs<User extends BaseUser> {
  /** The provider's name (`github`). */
  provider: string;
  /** The user as the provider describes them. */
  profile: Profile;
  /** The provider's tokens (they are also kept in the encrypted session; never log them). */
  tokens: ProviderTokens;
  /** The request. */
  ctx: Context;
  /** The app's own `state` given to `ctx.auth.oauth.loginUrl()`, back from the round trip. */
  state: string | undefined;
  /** The user signed in before this sign-in, if any (to link a provider to an account). */
  currentUser: User | undefined;
}

/** Checks the password options. */
export function passwordOption(
  p: PasswordOptions | undefined,
): ResolvedOptions<BaseUser>['password'] {
  const minLength = p?.minLength ?? 8;
  const maxLength = p?.maxLength ?? 128;
  if (!Number.isInteger(minLength) || minLength < 8) {
    throw new TypeError('Portcullis: password.minLength must be an integer of at least 8');
  }
  if (!Number.isInteger(maxLength) || maxLength < 64 || maxLength > 4096) {
    throw new TypeError('Portcullis: password.maxLength must be an integer from 64 to 4096');
  }
  return {
    minLength,
    maxLength,
    requireVerifiedEmail: p?.requireVerifiedEmail ?? true,
    resetMs: toMs(p?.resetTtl ?? '1h', 'password.resetTtl'),
    verifyMs: toMs(p?.verifyTtl ?? '24h', 'password.verifyTtl'),
    hasher: p?.hasher ?? new Argon2Hasher(p?.argon2),
  };
}

export function mailerOption(mailer: Mailer | undefined): Mailer | undefined {
  if (mailer !== undefined && (typeof mailer !== 'object' || typeof mailer.send !== 'function')) {
    throw new TypeError(
      'Portcullis: `mailer` must have send(mail) (e.g. new SmtpMailer(...), new ConsoleMailer())',
    );
  }
  return mailer;
}

/** Checks the mail queue options: how mail is sent off the request path. */
export function mailQueueOption(e: EmailOptions | undefined): MailQueueSettings {
  const size = e?.queueSize ?? 1000;
  if (!Number.isInteger(size) || size < 1) {
    throw new TypeError('Portcullis: email.queueSize must be a positive integer');
  }
  return {
    size,
    concurrency: 4,
    attempts: 3,
    timeoutMs: toMs(e?.sendTimeout ?? '10s', 'email.sendTimeout'),
    retryMs: toMs(e?.retryDelay ?? '1s', 'email.retryDelay'),
  };
}

export function attemptsOption(n: number | undefined): number {
  const v = n ?? 5;
  if (!Number.isInteger(v) || v < 1 || v > 20) {
    throw new TypeError('Portcullis: email.otpAttempts must be an integer from 1 to 20');
  }
  return v;
}

export function rateLimitsOption(
  value: RateLimitOptions | false | undefined,
  production: boolean,
): RateLimitOptions | false {
  if (value === false && production) {
    throw new TypeError('Portcullis: rateLimits: false is refused in production');
  }
  return value ?? {};
}

/** Route segments the built-in routes use; no provider may take one as its name. */
const RESERVED_NAMES = new Set([
  'token',
  'logout',
  'me',
  'error',
  'magic',
  'otp',
  'password',
  'email',
  'passkeys',
  'anonymous',
  'sessions',
  'accounts',
]);

export function providersOption(
  list: readonly OAuth2Provider[] | undefined,
): readonly OAuth2Provider[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new TypeError('Portcullis: `providers` must be an array');
  const seen = new Set<string>();
  for (const p of list) {
    if (!p || typeof p.name !== 'string' || typeof p.metadata !== 'function') {
      throw new TypeError(
        'Portcullis: every provider must be a provider instance (e.g. new GitHub({ ... }))',
      );
    }
    if (RESERVED_NAMES.has(p.name)) {
      throw new TypeError(
        `Portcullis: the provider name ${p.name} is taken by a built-in route; pass another name`,
      );
    }
    if (seen.has(p.name)) throw new TypeError(`Portcullis: two providers are named ${p.name}`);
    seen.add(p.name);
  }
  return list;
}
