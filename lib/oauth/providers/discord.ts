import { OAuth2Provider, type ProviderOptions } from '../provider.js';
import type { Profile, ProviderTokens } from '../types.js';

const AUTHORIZATION = 'https://discord.com/oauth2/authorize';
const TOKEN = 'https://discord.com/api/oauth2/token';
const REVOCATION = 'https://discord.com/api/oauth2/token/revoke';
const ME = 'https://discord.com/api/users/@me';
const CDN = 'https://cdn.discordapp.com';

interface DiscordUser {
  id: string;
  username: string;
  discriminator?: string;
  global_name?: string | null;
  avatar?: string | null;
  email?: string | null;
  verified?: boolean;
}

/** Options of {@link Discord}. */
export interface DiscordOptions extends Omit<ProviderOptions, 'name'> {
  /** The route name. @default 'discord' */
  name?: string;
}

/**
 * Sign in with Discord. The token endpoint takes form bodies only (which the shared client
 * sends); sign-out revokes through Discord's RFC 7009 endpoint, which ends the whole
 * authorization. PKCE is undocumented but works (S256 only, verifier of 43+ characters).
 *
 * @example
 * ```ts
 * new Discord({ clientId: process.env.DISCORD_ID!, clientSecret: process.env.DISCORD_SECRET! })
 * ```
 */
export class Discord extends OAuth2Provider {
  constructor(options: DiscordOptions) {
    super({
      scopes: ['identify', 'email'],
      ...options,
      name: options.name ?? 'discord',
      authorizationEndpoint: AUTHORIZATION,
      tokenEndpoint: TOKEN,
      revocationEndpoint: REVOCATION,
    });
  }

  /** The user from `GET /users/@me`: snowflake id, display name, avatar URL, email if verified. */
  override async profile(tokens: ProviderTokens): Promise<Profile> {
    const user = await this.fetchJson<DiscordUser>(ME, tokens);
    // ids are snowflakes sent as strings (they overflow a JS number)
    if (typeof user?.id !== 'string' || !/^\d+$/.test(user.id)) {
      throw new TypeError('Discord sent a user without a snowflake id');
    }
    // `email` is null for phone-only accounts and absent without the `email` scope
    const email = typeof user.email === 'string' && user.email !== '' ? user.email : undefined;
    return {
      id: user.id,
      email,
      emailVerified: email !== undefined && user.verified === true,
      // `global_name` is the display name (nullable); `username` the unique handle
      name: user.global_name ?? user.username,
      picture: avatarUrl(user),
      raw: user as unknown as Record<string, unknown>,
    };
  }
}

/** The avatar on Discord's CDN: the user's own, or the default one picked from id or discriminator. */
function avatarUrl(user: DiscordUser): string {
  if (user.avatar) {
    // a hash starting with `a_` is an animated avatar
    const ext = user.avatar.startsWith('a_') ? 'gif' : 'png';
    return `${CDN}/avatars/${user.id}/${user.avatar}.${ext}`;
  }
  // migrated usernames have discriminator "0": the default avatar then follows the id's timestamp
  const legacy =
    user.discriminator && user.discriminator !== '0' ? Number(user.discriminator) : NaN;
  const index = Number.isInteger(legacy) ? legacy % 5 : Number((BigInt(user.id) >> 22n) % 6n);
  return `${CDN}/embed/avatars/${index}.png`;
}
