import { randomBytes } from 'node:crypto';
import { providerError } from '../../errors.js';
import { OAuth2Provider, type ProviderOptions } from '../provider.js';
import type { Profile, ProviderTokens } from '../types.js';

const AUTHORIZE = 'https://id.vk.com/authorize';
const TOKEN = 'https://id.vk.com/oauth2/auth';
const USER_INFO = 'https://id.vk.com/oauth2/user_info';

interface VKUser {
  user_id: string | number;
  first_name?: string;
  last_name?: string;
  avatar?: string;
  email?: string;
}

/** Options of {@link VK}. */
export interface VKOptions extends Omit<ProviderOptions, 'name' | 'pkce'> {
  /** The route name. @default 'vk' */
  name?: string;
}

/**
 * Sign in with VK ID (OAuth 2.1 at id.vk.com; not the legacy oauth.vk.com).
 * Quirks: PKCE is mandatory and replaces the client secret; the callback's `device_id` must
 * go to the token call and to every refresh; the user comes wrapped in `user`. No revocation:
 * VK documents only `/oauth2/logout`, which takes the access token, not the refresh token.
 *
 * @example
 * ```ts
 * new VK({ clientId: process.env.VK_APP_ID! })
 * ```
 */
export class VK extends OAuth2Provider {
  constructor(options: VKOptions) {
    super({
      // name and avatar need vkid.personal_info, VK's default when no scope is sent
      scopes: ['vkid.personal_info', 'email'],
      // client_id in the body, no secret (what a secret would do is UNCONFIRMED)
      clientAuth: 'none',
      ...options,
      // VK ID refuses a flow without PKCE
      pkce: true,
      name: options.name ?? 'vk',
      authorizationEndpoint: AUTHORIZE,
      tokenEndpoint: TOKEN,
    });
  }

  /** The code exchange carries the callback's `device_id` and `state`. */
  override tokenRequestParams(callback: URLSearchParams): Record<string, string> {
    const deviceId = callback.get('device_id');
    if (!deviceId) throw providerError(undefined, 'VK sent no device_id with the code');
    return { device_id: deviceId, state: callback.get('state') ?? '' };
  }

  /** A refresh needs the sign-in's `device_id` again. */
  override keepForRefresh(callback: URLSearchParams): Record<string, string> | undefined {
    const deviceId = callback.get('device_id');
    return deviceId ? { device_id: deviceId } : undefined;
  }

  /** `device_id` as kept, and a fresh `state` (VK echoes it; its web SDK always sends one). */
  override refreshRequestParams(kept: Record<string, string> | undefined): Record<string, string> {
    return {
      ...(kept?.device_id ? { device_id: kept.device_id } : {}),
      state: randomBytes(16).toString('base64url'),
    };
  }

  override async profile(tokens: ProviderTokens): Promise<Profile> {
    // a POSTed form, not a bearer header; the user is wrapped: { user: { ... } }
    const { user } = await this.fetchJson<{ user?: VKUser }>(USER_INFO, undefined, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        access_token: tokens.accessToken,
        client_id: this.clientId,
      }).toString(),
    });
    if (!user || (typeof user.user_id !== 'string' && typeof user.user_id !== 'number')) {
      throw providerError(undefined, 'VK sent no user');
    }
    const name = [user.first_name, user.last_name].filter(Boolean).join(' ');
    return {
      // a number in the token response, a string or a number here: always a string
      id: String(user.user_id),
      email: user.email || undefined,
      // VK ID has no verification flag
      emailVerified: false,
      name: name || undefined,
      picture: user.avatar || undefined,
      raw: user as unknown as Record<string, unknown>,
    };
  }
}
