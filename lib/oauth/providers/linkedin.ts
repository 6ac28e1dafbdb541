import { OIDCProvider } from '../oidc.js';
import type { ProviderOptions } from '../provider.js';

/**
 * LinkedIn's issuer since April 2024 (it was `https://www.linkedin.com`); discovery reads
 * `https://www.linkedin.com/oauth/.well-known/openid-configuration`.
 */
const ISSUER = 'https://www.linkedin.com/oauth';

/** Options of {@link LinkedIn}. */
export interface LinkedInOptions extends Omit<ProviderOptions, 'name'> {
  /** The route name. @default 'linkedin' */
  name?: string;
}

/**
 * Sign in with LinkedIn ("Sign In with LinkedIn using OpenID Connect"; endpoints discovered
 * from `https://www.linkedin.com/oauth`, the user read from UserInfo at
 * `https://api.linkedin.com/v2/userinfo`): `sub`, `name`, `picture`, and `email` /
 * `email_verified` only when the member granted them (both optional). LinkedIn itself says this
 * sign-in "does not verify user identities".
 * Quirks:
 * - a discovery document naming another issuer (the pre-2024 `https://www.linkedin.com`) is
 *   refused: the provider does not start;
 * - the client secret goes in the form body (`client_secret_post`): LinkedIn has no Basic;
 * - no PKCE: a `code_verifier` sent to an app without PKCE enabled fails with `invalid_client`
 *   (set `pkce: true` only for an app where LinkedIn enabled it);
 * - the ID token carries no `nonce` (LinkedIn takes none): no nonce is sent or expected; the ID
 *   token is still validated (signature, `iss`, `aud`, `exp`, `iat`) and UserInfo must match it;
 * - `locale` is an object (`{ country, language }`), kept in `raw` only;
 * - refresh tokens are for approved partners only; UNCONFIRMED: revocation (not documented).
 *
 * @example
 * ```ts
 * new LinkedIn({ clientId: process.env.LINKEDIN_ID!, clientSecret: process.env.LINKEDIN_SECRET! })
 * ```
 */
export class LinkedIn extends OIDCProvider {
  /** LinkedIn's ID tokens carry no nonce (social-core#833, authlib#763, linkedin-api-js-client#34). */
  override get nonce(): boolean {
    return false;
  }

  constructor(options: LinkedInOptions) {
    super({
      scopes: ['openid', 'profile', 'email'],
      clientAuth: 'client_secret_post',
      pkce: false,
      ...options,
      name: options.name ?? 'linkedin',
      issuer: ISSUER,
    });
    if (!options.clientSecret && options.clientAuth !== 'none') {
      throw new TypeError(
        `provider ${this.name}: clientSecret is required (from the LinkedIn app's Auth tab)`,
      );
    }
  }
}
