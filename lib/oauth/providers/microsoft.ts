import { providerError } from '../../errors.js';
import { OIDCProvider } from '../oidc.js';
import type { ProviderOptions } from '../provider.js';
import type { Profile, ProfileContext, ProviderTokens } from '../types.js';

const LOGIN = 'https://login.microsoftonline.com';
/** The issuer the `common` and `organizations` discovery documents name: a template. */
const TEMPLATE = `${LOGIN}/{tenantid}/v2.0`;
/** The tenant of personal Microsoft accounts (MSA). */
const CONSUMERS_TID = '9188040d-6c67-4c5b-b112-36a304b66dad';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Options of {@link Microsoft}. */
export interface MicrosoftOptions extends Omit<ProviderOptions, 'name'> {
  /** The route name. @default 'microsoft' */
  name?: string;
  /** `common`, `organizations`, `consumers`, or a tenant id (GUID). @default 'common' */
  tenant?: string | undefined;
}

/**
 * Sign in with Microsoft Entra ID (v2.0 endpoints; discovered from
 * `https://login.microsoftonline.com/<tenant>/v2.0`, UserInfo at Microsoft Graph). Profile: id
 * from `oid` (else `sub`), `name` (else `preferred_username`), `email` never taken as verified.
 * Quirks:
 * - `common`/`organizations` name the issuer `…/{tenantid}/v2.0`: filled from the token's `tid`;
 * - `email` is optional, mutable and not proof of ownership: `emailVerified` is always false;
 * - `sub` is pairwise per app: `oid` is the user's id in the tenant;
 * - no `iss` on the authorization response (RFC 9207) and no revocation endpoint;
 * - the picture is a binary Graph resource (`/me/photo`), left out;
 * - a public (SPA) client must send `Origin` on the code exchange, which this server-side client
 *   does not: register the app as "Web" with a secret.
 *
 * @example
 * ```ts
 * new Microsoft({
 *   clientId: process.env.ENTRA_CLIENT_ID!,
 *   clientSecret: process.env.ENTRA_CLIENT_SECRET!,
 *   tenant: 'organizations',
 * });
 * ```
 */
export class Microsoft extends OIDCProvider {
  private readonly tenant: string;

  constructor(options: MicrosoftOptions) {
    const { tenant: given = 'common', ...rest } = options;
    const tenant = given.toLowerCase();
    if (!['common', 'organizations', 'consumers'].includes(tenant) && !GUID.test(tenant)) {
      throw new TypeError(
        `provider ${options.name ?? 'microsoft'}: tenant must be 'common', 'organizations', 'consumers' or the tenant id (a GUID, in the app's Overview in the Entra admin center)`,
      );
    }
    super({
      // offline_access: a refresh token comes only with it
      scopes: ['openid', 'profile', 'email', 'User.Read', 'offline_access'],
      clientAuth: 'client_secret_post',
      ...rest,
      name: options.name ?? 'microsoft',
      issuer: `${LOGIN}/${tenant}/v2.0`,
    });
    this.tenant = tenant;
  }

  protected override discoveryIssuer(): string {
    if (this.tenant === 'common' || this.tenant === 'organizations') return TEMPLATE;
    // UNCONFIRMED: `consumers` names the MSA tenant's own issuer
    if (this.tenant === 'consumers') return `${LOGIN}/${CONSUMERS_TID}/v2.0`;
    return this.issuer;
  }

  /** The template filled from the token's `tid`, which must be a GUID; else the discovered issuer. */
  override expectedIssuer(claims: Record<string, unknown>, discovered: string): string {
    if (discovered !== TEMPLATE) return discovered;
    if (typeof claims.tid === 'string' && GUID.test(claims.tid)) {
      return TEMPLATE.replace('{tenantid}', claims.tid);
    }
    // an answer without an ID token (a refresh) has nothing to check
    if (claims.iss === undefined && claims.tid === undefined) return discovered;
    throw providerError(undefined, `provider ${this.name}: the ID token has no valid tid`);
  }

  override async profile(tokens: ProviderTokens, context?: ProfileContext): Promise<Profile> {
    const base = await super.profile(tokens, context);
    const { raw } = base;
    const str = (v: unknown): string | undefined =>
      typeof v === 'string' && v !== '' ? v : undefined;
    return {
      id: str(tokens.claims?.oid) ?? base.id,
      email: str(raw.email),
      emailVerified: false,
      name: str(raw.name) ?? str(raw.preferred_username),
      picture: undefined,
      raw,
    };
  }
}
