import { providerError } from '../../errors.js';
import { OAuth2Provider, type ProviderOptions } from '../provider.js';
import type { Profile, ProviderTokens } from '../types.js';

const AUTHORIZE = 'https://oauth.yandex.com/authorize';
const TOKEN = 'https://oauth.yandex.com/token';
const INFO = 'https://login.yandex.ru/info?format=json';
const AVATAR = 'https://avatars.yandex.net/get-yapic';

interface YandexUser {
  id: string;
  login?: string;
  display_name?: string;
  real_name?: string;
  first_name?: string;
  default_email?: string;
  emails?: string[];
  default_avatar_id?: string;
  is_avatar_empty?: boolean;
}

/** Options of {@link Yandex}. */
export interface YandexOptions extends Omit<ProviderOptions, 'name'> {
  /** The route name. @default 'yandex' */
  name?: string;
}

/**
 * Sign in with Yandex ID.
 * Quirks: the user API wants `Authorization: OAuth <token>`, not `Bearer`; the avatar is an id
 * to build a URL from; a refresh may give back the same access token. No revocation: Yandex
 * revokes only tokens issued for a `device_id`.
 *
 * @example
 * ```ts
 * new Yandex({ clientId: process.env.YANDEX_ID!, clientSecret: process.env.YANDEX_SECRET! })
 * ```
 */
export class Yandex extends OAuth2Provider {
  constructor(options: YandexOptions) {
    super({
      scopes: ['login:info', 'login:email', 'login:avatar'],
      // Basic or body credentials are both documented
      clientAuth: options.clientSecret ? 'client_secret_basic' : 'none',
      ...options,
      name: options.name ?? 'yandex',
      authorizationEndpoint: AUTHORIZE,
      tokenEndpoint: TOKEN,
    });
  }

  override async profile(tokens: ProviderTokens): Promise<Profile> {
    // the `OAuth` scheme is documented; whether `Bearer` works is UNCONFIRMED
    const user = await this.fetchJson<YandexUser>(INFO, tokens, { scheme: 'OAuth' });
    if (typeof user.id !== 'string' || user.id === '') {
      throw providerError(undefined, 'Yandex sent no user');
    }
    const avatar = user.default_avatar_id;
    return {
      id: user.id,
      email: user.default_email || user.emails?.[0] || undefined,
      // Yandex has no verification flag
      emailVerified: false,
      name: user.display_name || user.real_name || user.first_name || user.login || undefined,
      // an avatar id, not a URL; a placeholder one when is_avatar_empty
      picture: avatar && !user.is_avatar_empty ? `${AVATAR}/${avatar}/islands-200` : undefined,
      raw: user as unknown as Record<string, unknown>,
    };
  }
}
