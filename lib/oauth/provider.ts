/**
 * `OAuth2Provider`, the base class of every provider (what it is and how its user reads); its
 * options and their checks are in `provider-options.ts`, the protocol work in `client/`.
 */
import type * as oauth from 'oauth4webapi';
import { ClientSecretBasic, ClientSecretPost, None } from 'oauth4webapi';
import {
  fetchJson,
  providerRequest,
  type ProviderRequest,
  revokeToken,
  userinfo,
} from './client/api.js';
import type { HttpSettings, ProviderFetch, ProviderProtocol } from './client/protocol.js';
import { standardProfile } from './profile.js';
import {
  checkProviderOptions,
  type OAuth2ProviderOptions,
  type ProviderOptions,
} from './provider-options.js';
import type { Profile, ProfileContext, ProviderTokens } from './types.js';

export type {
  ClientAuthMethod,
  OAuth2ProviderOptions,
  ProviderOptions,
} from './provider-options.js';
export type { ProviderFetch };
export { standardProfile };

/**
 * An OAuth 2.0 provider: endpoints, scopes and how to read the user. All protocol work (PKCE,
 * state, code exchange, refresh, revocation) happens in the shared client on `oauth4webapi`;
 * a subclass only says where things are and how the provider's user looks.
 *
 * @example
 * ```ts
 * export class Gitea extends OAuth2Provider {
 *   constructor(opts: { baseUrl: string; clientId: string; clientSecret: string }) {
 *     super({ name: 'gitea', authorizationEndpoint: `${opts.baseUrl}/login/oauth/authorize`,
 *             tokenEndpoint: `${opts.baseUrl}/login/oauth/access_token`, scopes: ['read:user'], ...opts });
 *     this.api = `${opts.baseUrl}/api/v1`;
 *   }
 *   async profile(tokens: ProviderTokens): Promise<Profile> {
 *     const u = await this.fetchJson<{ id: number; email: string; full_name: string }>(`${this.api}/user`, tokens);
 *     return { id: String(u.id), email: u.email, emailVerified: false, name: u.full_name, picture: undefined, raw: u };
 *   }
 * }
 * ```
 */
export class OAuth2Provider implements ProviderProtocol {
  /** The name in routes. */
  readonly name: string;
  /** The client id. */
  readonly clientId: string;
  /** @internal */
  readonly http: HttpSettings;
  /** Scopes asked for. */
  readonly scopes: readonly string[];
  /** True for OpenID Connect providers (ID token, nonce). */
  readonly oidc: boolean = false;
  /** `form_post` when the provider answers the callback with a cross-site POST (Apple). */
  readonly responseMode: 'query' | 'form_post' = 'query';
  protected readonly options: ProviderOptions;
  private readonly endpoints: OAuth2ProviderOptions | undefined;

  constructor(options: OAuth2ProviderOptions | (ProviderOptions & { oidc: true })) {
    checkProviderOptions(options);
    this.name = options.name;
    this.clientId = options.clientId;
    this.options = options;
    this.scopes = options.scopes ?? [];
    this.endpoints = 'oidc' in options ? undefined : options;
    this.http = {
      timeoutMs: options.timeout ?? 10_000,
      fetch: options.fetch,
      insecure: options.allowInsecureRequests === true,
    };
  }

  /** The authorization server's metadata (configured here; discovered for OpenID Connect). */
  metadata(): Promise<oauth.AuthorizationServer> {
    const e = this.endpoints!;
    return Promise.resolve({
      issuer: e.issuer ?? new URL(e.authorizationEndpoint).origin,
      authorization_endpoint: e.authorizationEndpoint,
      token_endpoint: e.tokenEndpoint,
      ...(e.userinfoEndpoint ? { userinfo_endpoint: e.userinfoEndpoint } : {}),
      ...(e.revocationEndpoint ? { revocation_endpoint: e.revocationEndpoint } : {}),
    });
  }

  /** True when `iss` on the authorization response is checked (RFC 9207): the issuer is known. */
  get checksIssuer(): boolean {
    return this.oidc || this.endpoints?.issuer !== undefined;
  }

  /**
   * Whether a nonce is sent and required in the ID token: for OpenID Connect providers, unless
   * the provider never echoes it (LinkedIn); the ID token is validated either way.
   */
  get nonce(): boolean {
    return this.oidc;
  }

  /** Authorization-response `error` values that mean the user said no (besides `access_denied`). */
  get deniedErrors(): readonly string[] {
    return [];
  }

  /** Whether PKCE is sent. */
  get pkce(): boolean {
    return this.options.pkce ?? true;
  }

  /** The redirect URI override, if any. */
  get redirectUri(): string | undefined {
    return this.options.redirectUri;
  }

  /** Extra authorization-request parameters. */
  authorizationParams(): Record<string, string> {
    return { ...this.options.authorizationParams };
  }

  /** How the client authenticates at the token endpoint. */
  clientAuthentication(): oauth.ClientAuth | Promise<oauth.ClientAuth> {
    const secret = this.options.clientSecret;
    const method = this.options.clientAuth ?? (secret ? 'client_secret_basic' : 'none');
    if (method === 'none') return None();
    if (!secret) throw new TypeError(`provider ${this.name}: ${method} needs clientSecret`);
    return method === 'client_secret_post' ? ClientSecretPost(secret) : ClientSecretBasic(secret);
  }

  /** Extra parameters for the code exchange (from the callback: VK's `device_id`). */
  tokenRequestParams(_callback: URLSearchParams): Record<string, string> {
    return {};
  }

  /** Values kept with the provider token for later refreshes (VK's `device_id`). */
  keepForRefresh(_callback: URLSearchParams): Record<string, string> | undefined {
    return undefined;
  }

  /** Extra parameters for a refresh request, from what {@link keepForRefresh} kept. */
  refreshRequestParams(_kept: Record<string, string> | undefined): Record<string, string> {
    return {};
  }

  /**
   * Turns the provider's token response into a standard one before it is validated: an `error`
   * answered with 200 (GitHub, Slack's `ok: false`) becomes a 400; subclasses add their quirks.
   */
  normalizeTokenResponse(
    body: Record<string, unknown>,
    status: number,
  ): { body: Record<string, unknown>; status: number } {
    if (body.ok === false && typeof body.error === 'string') return { body, status: 400 };
    if (status === 200 && typeof body.error === 'string') return { body, status: 400 };
    return { body, status };
  }

  /**
   * The signed-in user. The default reads the `userinfo` endpoint and maps the standard
   * claims (`sub`, `email`, `email_verified`, `name`, `picture`); providers override it.
   */
  async profile(tokens: ProviderTokens, _context?: ProfileContext): Promise<Profile> {
    const meta = await this.metadata();
    if (!meta.userinfo_endpoint) {
      throw new TypeError(`provider ${this.name}: no userinfo endpoint; override profile()`);
    }
    const raw = await userinfo(this, meta, tokens);
    return standardProfile(raw);
  }

  /**
   * The issuer an ID token must carry, given its (not yet verified) claims and the discovered
   * issuer: the discovered one, unless the provider says otherwise (Google's legacy
   * `accounts.google.com`; Entra's `{tenantid}` template filled from `tid`).
   */
  expectedIssuer(_claims: Record<string, unknown>, discovered: string): string {
    return discovered;
  }

  /** Revokes a token at the provider on sign-out, where it can; the default uses RFC 7009. */
  async revoke(token: string, kind: 'access_token' | 'refresh_token'): Promise<boolean> {
    const meta = await this.metadata();
    if (!meta.revocation_endpoint) return false;
    await revokeToken(this, meta, token, kind);
    return true;
  }

  /**
   * A JSON API call with the user's access token (`Authorization: Bearer`, or `init.scheme`),
   * within the provider's timeout; anything but a 200 with JSON is a 502 `provider_error`.
   */
  protected fetchJson<T = Record<string, unknown>>(
    url: string,
    tokens: Pick<ProviderTokens, 'accessToken'> | undefined,
    init: ProviderRequest = {},
  ): Promise<T> {
    return fetchJson<T>(this, url, tokens?.accessToken, init);
  }

  /** Any other call to the provider (revocation APIs that answer 204): status, text and headers. */
  protected request(
    url: string,
    tokens: Pick<ProviderTokens, 'accessToken'> | undefined,
    init: ProviderRequest = {},
  ): Promise<{ status: number; text: string; headers: Headers }> {
    return providerRequest(this, url, tokens?.accessToken, init);
  }
}
