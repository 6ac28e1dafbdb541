/**
 * The options every provider takes, and their checks at construction: a route-safe name, a
 * client id, and absolute https endpoints (http only with `allowInsecureRequests`).
 */
import type { ProviderFetch } from './client/protocol.js';

/** How the client proves itself at the token endpoint. */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/** Options every provider takes. */
export interface ProviderOptions {
  /** The provider's name in routes (`/auth/<name>/login`): lower-case letters, digits, `-`. */
  name: string;
  /** The client id the provider gave the app. */
  clientId: string;
  /** The client secret (absent for public clients). */
  clientSecret?: string | undefined;
  /** Scopes to ask for. @default the provider's own */
  scopes?: readonly string[] | undefined;
  /** Token-endpoint client authentication. @default 'client_secret_basic' with a secret, else 'none' */
  clientAuth?: ClientAuthMethod | undefined;
  /** Send PKCE (S256). @default true */
  pkce?: boolean | undefined;
  /** Extra parameters for the authorization request (`prompt`, `access_type`, ...). */
  authorizationParams?: Record<string, string> | undefined;
  /** Overrides the redirect URI (default: `<baseUrl or request origin><prefix>/<name>/callback`). */
  redirectUri?: string | undefined;
  /** How long one call to the provider may take, in ms. @default 10000 */
  timeout?: number | undefined;
  /** `fetch` for calls to the provider. @default globalThis.fetch */
  fetch?: ProviderFetch | undefined;
  /** Allow plain-http provider endpoints (a local identity provider in development or tests). @default false */
  allowInsecureRequests?: boolean | undefined;
}

/** Options of a plain OAuth 2.0 provider: its endpoints are configured, not discovered. */
export interface OAuth2ProviderOptions extends ProviderOptions {
  /** The authorization endpoint (where the browser goes). */
  authorizationEndpoint: string;
  /** The token endpoint. */
  tokenEndpoint: string;
  /** An endpoint that returns the user as JSON for a bearer access token. */
  userinfoEndpoint?: string | undefined;
  /** An RFC 7009 revocation endpoint. */
  revocationEndpoint?: string | undefined;
  /** The provider's issuer identifier, checked against `iss` on the callback (RFC 9207) when it sends one. */
  issuer?: string | undefined;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

/**
 * Refuses (TypeError) a provider's options that cannot work: a name unfit for routes, no client
 * id, and for a plain OAuth 2.0 provider a missing or non-https endpoint.
 */
export function checkProviderOptions(
  options: OAuth2ProviderOptions | (ProviderOptions & { oidc: true }),
): void {
  if (typeof options.name !== 'string' || !NAME.test(options.name)) {
    throw new TypeError(
      `provider name ${JSON.stringify(options.name)}: use lower-case letters, digits and '-' (it becomes /auth/<name>/login)`,
    );
  }
  if (typeof options.clientId !== 'string' || options.clientId === '') {
    throw new TypeError(
      `provider ${options.name}: clientId is required (from the provider's app settings)`,
    );
  }
  if ('oidc' in options) return;
  for (const key of ['authorizationEndpoint', 'tokenEndpoint'] as const) {
    if (typeof options[key] !== 'string') {
      throw new TypeError(`provider ${options.name}: ${key} is required`);
    }
  }
  const insecure = options.allowInsecureRequests === true;
  for (const key of [
    'authorizationEndpoint',
    'tokenEndpoint',
    'userinfoEndpoint',
    'revocationEndpoint',
  ] as const) {
    const url = options[key];
    if (url !== undefined) checkEndpoint(options.name, key, url, insecure);
  }
}

/** An endpoint must be an absolute https URL (http only with `allowInsecureRequests`). */
function checkEndpoint(name: string, key: string, value: string, insecure: boolean): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`provider ${name}: ${key} must be an absolute URL`);
  }
  if (url.protocol === 'https:' || (insecure && url.protocol === 'http:')) return;
  throw new TypeError(
    `provider ${name}: ${key} must be https (for a local identity provider in development, set allowInsecureRequests: true)`,
  );
}
