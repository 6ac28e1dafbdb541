import { importPKCS8, SignJWT } from 'jose';
import { ClientSecretPost, type ClientAuth } from 'oauth4webapi';
import { AuthError } from '../../errors.js';
import { OIDCProvider } from '../oidc.js';
import type { ProviderOptions } from '../provider.js';
import type { Profile, ProfileContext, ProviderTokens } from '../types.js';

/** Discovery reads `https://appleid.apple.com/.well-known/openid-configuration`. */
const ISSUER = 'https://appleid.apple.com';
/** How long one client secret JWT lives (Apple allows up to 6 months), and its re-sign margin. */
const SECRET_TTL_S = 3600;
const RESIGN_BEFORE_S = 300;

type Base = Omit<ProviderOptions, 'name' | 'clientSecret' | 'clientAuth'>;

/** Options of {@link Apple}: the client secret is made from the team's signing key. */
export interface AppleOptions extends Base {
  /** The route name. @default 'apple' */
  name?: string;
  /** The Apple Developer Team ID (the client secret's `iss`). */
  teamId: string;
  /** The Key ID of the Sign in with Apple private key. */
  keyId: string;
  /** That private key (the `.p8` file): PEM, PKCS#8, P-256. */
  privateKey: string;
}

/**
 * Sign in with Apple (OpenID Connect without UserInfo; the profile is the ID token's claims).
 * `clientId` is the Services ID. Quirks:
 * - the callback is a cross-site form POST (`response_mode=form_post`): the flow cookie is then
 *   `SameSite=None; Secure`, so the app must be served over HTTPS;
 * - the client secret is an ES256 JWT signed with the team's key, sent in the body;
 * - `email_verified` and `is_private_email` come as booleans or as the string `"true"`;
 * - the name comes only on the first authorization, as the form field `user` (a JSON string,
 *   unsigned: used for the name only); there is no picture;
 * - a refresh answer carries no new refresh token (the first is kept);
 * - UNCONFIRMED: PKCE (sent; not in the metadata) and the revocation parameters (RFC 7009 form:
 *   `client_id`, `client_secret`, `token`, `token_type_hint`).
 *
 * @example
 * ```ts
 * new Apple({
 *   clientId: 'com.example.web', // the Services ID
 *   teamId: process.env.APPLE_TEAM_ID!,
 *   keyId: process.env.APPLE_KEY_ID!,
 *   privateKey: process.env.APPLE_PRIVATE_KEY!, // -----BEGIN PRIVATE KEY-----...
 * });
 * ```
 */
export class Apple extends OIDCProvider {
  override readonly responseMode = 'form_post' as const;

  /** Apple says "the user cancelled" with its own error value. */
  override get deniedErrors(): readonly string[] {
    return ['user_cancelled_authorize'];
  }
  private readonly signer: Pick<AppleOptions, 'teamId' | 'keyId' | 'privateKey'>;
  private secret: { jwt: string; exp: number } | undefined;

  constructor(options: AppleOptions) {
    const { teamId, keyId, privateKey, ...rest } = options;
    const name = options.name ?? 'apple';
    const missing = Object.entries({ teamId, keyId, privateKey }).find(([, v]) => !v)?.[0];
    if (missing) throw new TypeError(`provider ${name}: ${missing} is required`);
    super({ scopes: ['name', 'email'], ...rest, name, issuer: ISSUER });
    this.signer = { teamId, keyId, privateKey };
  }

  /** `client_secret_post` with a fresh-enough ES256 JWT as the secret. */
  override async clientAuthentication(): Promise<ClientAuth> {
    const now = Math.floor(Date.now() / 1000);
    if (!this.secret || this.secret.exp - RESIGN_BEFORE_S <= now) {
      const { teamId, keyId, privateKey } = this.signer;
      const key = await importPKCS8(privateKey, 'ES256').catch((cause: unknown) => {
        const message = `provider ${this.name}: privateKey is not a PKCS#8 P-256 key`;
        throw new AuthError('misconfigured', { cause, message });
      });
      const exp = now + SECRET_TTL_S;
      const payload = { iss: teamId, sub: this.clientId, aud: ISSUER, iat: now, exp };
      const jwt = await new SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256', kid: keyId })
        .sign(key);
      this.secret = { jwt, exp };
    }
    return ClientSecretPost(this.secret.jwt);
  }

  override profile(tokens: ProviderTokens, context?: ProfileContext): Promise<Profile> {
    const claims = tokens.claims ?? {};
    const yes = (v: unknown): boolean => v === true || v === 'true';
    const email = typeof claims.email === 'string' ? claims.email : undefined;
    return Promise.resolve({
      id: String(claims.sub),
      email,
      emailVerified: email !== undefined && yes(claims.email_verified),
      name: nameFromUserField(context?.callback.get('user')),
      picture: undefined,
      // as sent, but for `is_private_email`, made a boolean
      raw: {
        ...claims,
        ...('is_private_email' in claims ? { is_private_email: yes(claims.is_private_email) } : {}),
      },
    });
  }
}

/** The name in a first authorization's `user` field (`{"name":{"firstName","lastName"}}`), if well formed. */
function nameFromUserField(text: string | null | undefined): string | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
  const n = (v as { name?: unknown } | null)?.name as Record<string, unknown> | null | undefined;
  if (typeof n !== 'object' || n === null) return undefined;
  const parts = [n.firstName, n.lastName].filter((s) => typeof s === 'string' && s.trim() !== '');
  return parts.length > 0 ? parts.join(' ') : undefined;
}
