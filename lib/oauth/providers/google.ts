import { AuthError } from '../../errors.js';
import { OIDCProvider } from '../oidc.js';
import type { ProviderOptions } from '../provider.js';
import type { Profile, ProfileContext, ProviderTokens } from '../types.js';

/** Discovery reads `https://accounts.google.com/.well-known/openid-configuration`. */
const ISSUER = 'https://accounts.google.com';
/** The issuer some Google ID tokens still carry (no scheme). */
const LEGACY_ISSUER = 'accounts.google.com';

/** Options of {@link Google}. */
export interface GoogleOptions extends Omit<ProviderOptions, 'name'> {
  /** The route name. @default 'google' */
  name?: string;
  /** A Google Workspace domain: sent as `hd`, and the ID token's `hd` claim must equal it. */
  hostedDomain?: string | undefined;
  /** `'offline'` asks for a refresh token (`access_type=offline` with `prompt=consent`). */
  accessType?: 'online' | 'offline' | undefined;
}

/**
 * Sign in with Google (OpenID Connect; endpoints, UserInfo, JWKS and the RFC 7009 revocation
 * endpoint discovered from `https://accounts.google.com`). The profile is the ID token's claims
 * merged with UserInfo: `sub`, `email`, `email_verified`, `name`, `picture` (`hd` in `raw`).
 * Quirks:
 * - ID tokens may carry the legacy issuer `accounts.google.com`: both forms are accepted;
 * - `hd` in the authorization request is only a UI hint: `hostedDomain` is enforced on the claim;
 * - a refresh token comes only with `access_type=offline` and a consent screen (`prompt=consent`),
 *   and a refresh answer carries no new one (the first is kept).
 *
 * @example
 * ```ts
 * new Google({
 *   clientId: process.env.GOOGLE_CLIENT_ID!,
 *   clientSecret: process.env.GOOGLE_CLIENT_SECRET!,
 *   hostedDomain: 'example.com', // Workspace accounts of example.com only
 *   accessType: 'offline',
 * });
 * ```
 */
export class Google extends OIDCProvider {
  private readonly hostedDomain: string | undefined;
  private readonly offline: boolean;

  constructor(options: GoogleOptions) {
    const { hostedDomain, accessType, ...rest } = options;
    super({
      scopes: ['openid', 'email', 'profile'],
      clientAuth: 'client_secret_post',
      ...rest,
      name: options.name ?? 'google',
      issuer: ISSUER,
    });
    this.hostedDomain = hostedDomain;
    this.offline = accessType === 'offline';
  }

  override authorizationParams(): Record<string, string> {
    return {
      ...(this.hostedDomain !== undefined ? { hd: this.hostedDomain } : {}),
      // without a consent screen Google sends no refresh token, even offline
      ...(this.offline ? { access_type: 'offline', prompt: 'consent' } : {}),
      ...super.authorizationParams(),
    };
  }

  /** `https://accounts.google.com`, or the legacy `accounts.google.com` when the token says so. */
  override expectedIssuer(claims: Record<string, unknown>, discovered: string): string {
    return discovered === ISSUER && claims.iss === LEGACY_ISSUER ? LEGACY_ISSUER : discovered;
  }

  override async profile(tokens: ProviderTokens, context?: ProfileContext): Promise<Profile> {
    // the `hd` request parameter can be edited by the user: check the signed claim
    if (this.hostedDomain !== undefined && tokens.claims?.hd !== this.hostedDomain) {
      throw new AuthError('login_refused');
    }
    return super.profile(tokens, context);
  }
}
