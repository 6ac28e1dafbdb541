import type { Context } from 'koa';
import type { BaseUser } from '../stores/types.js';
import { pathOption } from '../util/checks.js';
import { type Duration, toMs } from '../util/duration.js';
import type { OAuth2Provider } from './provider.js';
import type { Profile, ProviderTokens } from './types.js';

/** Provider sign-in settings. */
export interface OAuthOptions {
  /** Where a failed provider sign-in lands, with `?error=<code>` added. @default '<prefix>/error' */
  errorPath?: string;
  /** How long a started sign-in may take at the provider. @default '10m' */
  flowTimeout?: Duration;
}

/** The provider sign-in options, resolved. */
export interface OAuthSettings {
  errorPath: string;
  flowMs: number;
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

/** The app's `onOAuthLogin` hook: the user to sign in, `false` to refuse, or nothing for the default. */
export type OnOAuthLogin<User extends BaseUser> = (
  args: OAuthLoginArgs<User>,
) => User | false | undefined | void | Promise<User | false | undefined | void>;

/** Fills the provider sign-in defaults and checks them (`prefix`: where the routes are). */
export function oauthSettings(o: OAuthOptions | undefined, prefix: string): OAuthSettings {
  return {
    errorPath: pathOption(o?.errorPath ?? `${prefix}/error`, 'oauth.errorPath'),
    flowMs: toMs(o?.flowTimeout ?? '10m', 'oauth.flowTimeout'),
  };
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

/** Checks the `providers` option: provider instances with distinct names no built-in route takes. */
export function checkProviders(
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
