import { OIDCProvider } from '../oidc.js';
import type { ProviderOptions } from '../provider.js';

/** Discovery reads `https://huggingface.co/.well-known/openid-configuration`. */
const ISSUER = 'https://huggingface.co';

/** Options of {@link HuggingFace}. */
export interface HuggingFaceOptions extends Omit<ProviderOptions, 'name'> {
  /** The route name. @default 'huggingface' */
  name?: string;
}

/**
 * Sign in with Hugging Face (OpenID Connect; endpoints, UserInfo and JWKS discovered from
 * `https://huggingface.co`). The profile is the ID token's claims merged with UserInfo: `sub`
 * (stable across renames), `email` and `email_verified`, `name` (else `preferred_username`),
 * `picture`; the user's organisations stay in `raw.orgs`.
 * Quirks:
 * - a public app (no secret) authenticates with its `client_id` and the PKCE verifier alone;
 *   with a secret, HTTP Basic is what Hugging Face documents (better-auth's `client_secret_post`
 *   is also accepted, per that library: set `clientAuth` to use it);
 * - the docs call an organisation's id `organizations.sub`, the official client `orgs[].sub`;
 * - access to an organisation is asked for with the extra authorization parameter `orgIds`;
 * - UNCONFIRMED: refresh tokens (the official client leaves them out) and revocation (not
 *   documented: only used if the discovery document names a `revocation_endpoint`); whether the
 *   ID token echoes `nonce` (the official client never sends one; the flow here requires it).
 *
 * @example
 * ```ts
 * new HuggingFace({ clientId: process.env.HF_CLIENT_ID! }); // a public app: PKCE only
 * new HuggingFace({
 *   clientId: process.env.HF_CLIENT_ID!,
 *   clientSecret: process.env.HF_CLIENT_SECRET!,
 *   authorizationParams: { orgIds: process.env.HF_ORG_ID! },
 * });
 * ```
 */
export class HuggingFace extends OIDCProvider {
  constructor(options: HuggingFaceOptions) {
    super({
      scopes: ['openid', 'profile', 'email'],
      // Basic with a secret, nothing but client_id without one (the base class's default)
      clientAuth: options.clientSecret ? 'client_secret_basic' : 'none',
      ...options,
      name: options.name ?? 'huggingface',
      issuer: ISSUER,
    });
  }
}
