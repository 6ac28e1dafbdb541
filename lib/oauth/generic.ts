import { OAuth2Provider, type OAuth2ProviderOptions } from './provider.js';
import { OIDCProvider, type OIDCProviderOptions } from './oidc.js';
import type { Profile, ProfileContext, ProviderTokens } from './types.js';

/** Maps what a provider's user endpoint returned to a {@link Profile}. */
export type ProfileMapper = (raw: Record<string, unknown>, tokens: ProviderTokens) => Profile;

/**
 * Any OAuth 2.0 provider, by configuration alone: its endpoints, and a user endpoint whose JSON
 * is mapped with `mapProfile` (default: the standard claim names `sub`/`id`, `email`,
 * `email_verified`, `name`, `picture`).
 *
 * @example
 * ```ts
 * new OAuth2({
 *   name: 'gitea', clientId, clientSecret,
 *   authorizationEndpoint: 'https://git.example.com/login/oauth/authorize',
 *   tokenEndpoint: 'https://git.example.com/login/oauth/access_token',
 *   userinfoEndpoint: 'https://git.example.com/api/v1/user',
 *   mapProfile: (u) => ({ id: String(u.id), email: u.email as string, emailVerified: false,
 *                         name: u.full_name as string, picture: u.avatar_url as string, raw: u }),
 * });
 * ```
 */
export class OAuth2 extends OAuth2Provider {
  private readonly mapper: ProfileMapper | undefined;

  constructor(
    options: OAuth2ProviderOptions & { userinfoEndpoint: string; mapProfile?: ProfileMapper },
  ) {
    super(options);
    this.mapper = options.mapProfile;
  }

  override async profile(tokens: ProviderTokens, context?: ProfileContext): Promise<Profile> {
    if (!this.mapper) return super.profile(tokens, context);
    const meta = await this.metadata();
    const raw = await this.fetchJson(meta.userinfo_endpoint!, tokens);
    return this.mapper(raw, tokens);
  }
}

/**
 * Any OpenID Connect provider, by configuration alone: the issuer, the client, the scopes.
 *
 * @example
 * ```ts
 * new OIDC({ name: 'corp', issuer: 'https://id.example.com', clientId, clientSecret });
 * ```
 */
export class OIDC extends OIDCProvider {
  private readonly mapper: ProfileMapper | undefined;

  constructor(options: OIDCProviderOptions & { mapProfile?: ProfileMapper }) {
    super(options);
    this.mapper = options.mapProfile;
  }

  override async profile(tokens: ProviderTokens, context?: ProfileContext): Promise<Profile> {
    const profile = await super.profile(tokens, context);
    return this.mapper ? this.mapper(profile.raw, tokens) : profile;
  }
}
