import * as oauth from 'oauth4webapi';
import { providerError } from '../errors.js';
import { userinfo } from './client/api.js';
import { standardProfile } from './profile.js';
import { OAuth2Provider, type ProviderOptions } from './provider.js';
import type { Profile, ProfileContext, ProviderTokens } from './types.js';

/** Options of an OpenID Connect provider: its endpoints are discovered from the issuer. */
export interface OIDCProviderOptions extends ProviderOptions {
  /** The issuer identifier (`https://accounts.google.com`); discovery reads `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
}

/**
 * An OpenID Connect provider: endpoints discovered from the issuer (whose document must name
 * that same issuer), a nonce in every flow, the ID token validated (signature against the
 * provider's JWKS, `iss`, `aud`, `azp`, `exp`, `iat`, `nonce`), and UserInfo, when the provider
 * has it, checked to describe the same `sub`.
 *
 * @example
 * ```ts
 * class Corp extends OIDCProvider {
 *   constructor(opts: { clientId: string; clientSecret: string }) {
 *     super({ name: 'corp', issuer: 'https://id.corp.example', ...opts });
 *   }
 * }
 * ```
 */
export class OIDCProvider extends OAuth2Provider {
  override readonly oidc: boolean = true;
  /** The issuer identifier. */
  readonly issuer: string;
  private discovered: Promise<oauth.AuthorizationServer> | undefined;

  constructor(options: OIDCProviderOptions) {
    super({ ...options, scopes: options.scopes ?? ['openid', 'email', 'profile'], oidc: true });
    let url: URL;
    try {
      url = new URL(options.issuer);
    } catch {
      throw new TypeError(`provider ${options.name}: issuer must be a URL`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.allowInsecureRequests)) {
      throw new TypeError(
        `provider ${options.name}: issuer must be https (for a local identity provider in development, set allowInsecureRequests: true)`,
      );
    }
    this.issuer = options.issuer;
  }

  /** Where discovery starts (the issuer; Entra's `common` tenant differs from its issuer). */
  protected discoveryUrl(): string {
    return this.issuer;
  }

  /** The issuer the discovery document must name. */
  protected discoveryIssuer(): string {
    return this.issuer;
  }

  /** The provider's metadata, discovered once (a failed discovery is tried again next time). */
  override metadata(): Promise<oauth.AuthorizationServer> {
    this.discovered ??= this.discover().catch((err: unknown) => {
      this.discovered = undefined;
      throw err;
    });
    return this.discovered;
  }

  private async discover(): Promise<oauth.AuthorizationServer> {
    const options = {
      signal: AbortSignal.timeout(this.http.timeoutMs),
      ...(this.http.fetch ? { [oauth.customFetch]: this.http.fetch } : {}),
      ...(this.http.insecure ? { [oauth.allowInsecureRequests]: true } : {}),
    };
    let response: Response;
    try {
      response = await oauth.discoveryRequest(new URL(this.discoveryUrl()), {
        ...options,
        algorithm: 'oidc',
      });
    } catch (err) {
      throw providerError(err, `provider ${this.name}: discovery at ${this.discoveryUrl()} failed`);
    }
    try {
      return await oauth.processDiscoveryResponse(new URL(this.discoveryIssuer()), response);
    } catch (err) {
      const detail =
        err instanceof oauth.OperationProcessingError &&
        err.code === oauth.JSON_ATTRIBUTE_COMPARISON
          ? `its discovery document names another issuer than ${this.discoveryIssuer()}`
          : 'its discovery document is not valid';
      throw providerError(err, `provider ${this.name}: ${detail}`);
    }
  }

  /**
   * The user from the ID token's claims, merged with UserInfo when the provider has it (whose
   * `sub` must be the ID token's).
   */
  override async profile(tokens: ProviderTokens, _context?: ProfileContext): Promise<Profile> {
    const meta = await this.metadata();
    const claims = tokens.claims ?? {};
    const info = meta.userinfo_endpoint ? await this.userinfo(tokens) : {};
    return standardProfile(mergeClaims(claims, info));
  }

  /** The provider's UserInfo for these tokens (its `sub` checked against the ID token's). */
  protected async userinfo(tokens: ProviderTokens): Promise<Record<string, unknown>> {
    return userinfo(this, await this.metadata(), tokens);
  }
}

/**
 * ID-token claims overlaid with UserInfo; `email` and `email_verified` always come together
 * from one source, so that one source's `email_verified: true` never vouches for an address
 * the other gave.
 */
export function mergeClaims(
  claims: Record<string, unknown>,
  info: Record<string, unknown>,
): Record<string, unknown> {
  const source = typeof info.email === 'string' ? info : claims;
  return { ...claims, ...info, email: source.email, email_verified: source.email_verified };
}
