/**
 * What the shared OAuth 2.0 / OpenID Connect client (the files of `client/`, built on
 * `oauth4webapi`) needs of a provider, and how a provider's HTTP calls are made.
 */
import type * as oauth from 'oauth4webapi';

/** A `fetch` for server-to-server calls (a proxy, or a test server standing in for the provider). */
export type ProviderFetch = (url: string, init: RequestInit) => Promise<Response>;

/** A provider as the protocol client sees it (`OAuth2Provider` implements it). */
export interface ProviderProtocol {
  readonly name: string;
  readonly clientId: string;
  readonly http: HttpSettings;
  readonly scopes: readonly string[];
  readonly oidc: boolean;
  readonly responseMode: 'query' | 'form_post';
  readonly checksIssuer: boolean;
  readonly nonce: boolean;
  readonly deniedErrors: readonly string[];
  readonly pkce: boolean;
  readonly redirectUri: string | undefined;
  metadata(): Promise<oauth.AuthorizationServer>;
  authorizationParams(): Record<string, string>;
  clientAuthentication(): oauth.ClientAuth | Promise<oauth.ClientAuth>;
  tokenRequestParams(callback: URLSearchParams): Record<string, string>;
  refreshRequestParams(kept: Record<string, string> | undefined): Record<string, string>;
  normalizeTokenResponse(
    body: Record<string, unknown>,
    status: number,
  ): { body: Record<string, unknown>; status: number };
  expectedIssuer(claims: Record<string, unknown>, discovered: string): string;
}

/** How a provider's endpoints are called: timeout, `fetch`, plain http allowed (tests only). */
export interface HttpSettings {
  timeoutMs: number;
  fetch: ProviderFetch | undefined;
  insecure: boolean;
}
