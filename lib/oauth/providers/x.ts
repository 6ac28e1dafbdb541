import { providerError } from '../../errors.js';
import { OAuth2Provider, type ProviderOptions } from '../provider.js';
import type { Profile, ProviderTokens } from '../types.js';

const AUTHORIZE = 'https://x.com/i/oauth2/authorize';
const TOKEN = 'https://api.x.com/2/oauth2/token';
const REVOKE = 'https://api.x.com/2/oauth2/revoke';
const ME = 'https://api.x.com/2/users/me?user.fields=profile_image_url,confirmed_email';

interface XUser {
  id: string;
  name?: string;
  username?: string;
  profile_image_url?: string;
  confirmed_email?: string;
}

/** Options of {@link X}. */
export interface XOptions extends Omit<ProviderOptions, 'name' | 'pkce'> {
  /** The route name. @default 'x' */
  name?: string;
}

/**
 * Sign in with X (formerly Twitter), OAuth 2.0 with the API v2.
 * Quirks: PKCE is required; confidential clients must authenticate with HTTP Basic; the user
 * comes wrapped in `data`; the email (`confirmed_email`) only with the `users.email` scope and
 * the app setting "Request email from users"; a refresh token only with `offline.access`.
 *
 * @example
 * ```ts
 * new X({ clientId: process.env.X_CLIENT_ID!, clientSecret: process.env.X_CLIENT_SECRET! })
 * ```
 */
export class X extends OAuth2Provider {
  constructor(options: XOptions) {
    super({
      scopes: ['users.read', 'tweet.read', 'offline.access', 'users.email'],
      // confidential clients: Basic or "unauthorized_client"; public clients: client_id in the body
      clientAuth: options.clientSecret ? 'client_secret_basic' : 'none',
      ...options,
      // X refuses an authorization request without PKCE
      pkce: true,
      name: options.name ?? 'x',
      authorizationEndpoint: AUTHORIZE,
      tokenEndpoint: TOKEN,
      revocationEndpoint: REVOKE,
    });
  }

  override async profile(tokens: ProviderTokens): Promise<Profile> {
    // the user is wrapped: { data: { id, name, username, ... } }
    const { data } = await this.fetchJson<{ data?: XUser }>(ME, tokens);
    if (typeof data?.id !== 'string') throw providerError(undefined, 'X sent no user');
    return {
      id: data.id,
      // only a confirmed address is ever given, so it is a verified one
      email: data.confirmed_email || undefined,
      emailVerified: typeof data.confirmed_email === 'string' && data.confirmed_email !== '',
      name: data.name || data.username || undefined,
      // `_normal` is 48x48: ask for the 400x400 variant of the same image
      picture: data.profile_image_url?.replace(/_normal(\.\w+)?$/, '_400x400$1') || undefined,
      raw: data as unknown as Record<string, unknown>,
    };
  }
}

/**
 * {@link X} under its former name (the route name stays `x` unless `name` says otherwise).
 *
 * @example
 * ```ts
 * new Twitter({ name: 'twitter', clientId: process.env.X_CLIENT_ID!, clientSecret: process.env.X_CLIENT_SECRET! })
 * ```
 */
export { X as Twitter };
