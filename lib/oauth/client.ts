/**
 * The one OAuth 2.0 / OpenID Connect client every provider goes through, built on
 * `oauth4webapi`: authorization URLs with PKCE (S256), state and nonce; the authorization
 * response (state, RFC 9207 `iss`, errors); the code exchange with ID-token validation
 * (claims, then the signature against the provider's JWKS); UserInfo with its `sub` check;
 * refresh; RFC 7009 revocation. Every call has a deadline, follows no redirect, reads at most
 * 1 MB, and fails as a 502 `provider_error` (never with what the provider sent in the message).
 */
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { AuthError, providerError } from '../errors.js';
import type { ProviderTokens } from './types.js';

/** How a provider's HTTP calls are made. */
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

/** The secrets of one sign-in flow, kept in the sealed flow cookie. */
export interface FlowSecrets {
  state: string;
  verifier?: string | undefined;
  nonce?: string | undefined;
}

const MAX_BODY = 1_048_576;

/** Fresh secrets for a flow: state always, a PKCE verifier and a nonce where they apply. */
export function newFlowSecrets(p: ProviderProtocol): FlowSecrets {
  return {
    state: oauth.generateRandomState(),
    ...(p.pkce ? { verifier: oauth.generateRandomCodeVerifier() } : {}),
    ...(p.oidc && p.nonce ? { nonce: oauth.generateRandomNonce() } : {}),
  };
}

/** The provider URL the browser is sent to. */
export async function authorizationUrl(
  p: ProviderProtocol,
  redirectUri: string,
  flow: FlowSecrets,
): Promise<string> {
  const as = await p.metadata();
  if (!as.authorization_endpoint) throw providerError(undefined, 'no authorization endpoint');
  const url = new URL(as.authorization_endpoint);
  const q = url.searchParams;
  q.set('response_type', 'code');
  q.set('client_id', p.clientId);
  q.set('redirect_uri', redirectUri);
  if (p.scopes.length > 0) q.set('scope', p.scopes.join(' '));
  q.set('state', flow.state);
  if (flow.verifier !== undefined) {
    q.set('code_challenge', await oauth.calculatePKCECodeChallenge(flow.verifier));
    q.set('code_challenge_method', 'S256');
  }
  if (flow.nonce !== undefined) q.set('nonce', flow.nonce);
  if (p.responseMode !== 'query') q.set('response_mode', p.responseMode);
  for (const [k, v] of Object.entries(p.authorizationParams())) q.set(k, v);
  return url.href;
}

/**
 * Finishes a flow: validates the authorization response against the flow's state (and the
 * provider's issuer), exchanges the code (with the PKCE verifier) and validates what comes
 * back; for OpenID Connect the ID token's claims (`iss`, `aud`, `azp`, `exp`, `iat`, `nonce`)
 * and its signature against the provider's JWKS.
 */
export async function exchangeCode(
  p: ProviderProtocol,
  callback: URLSearchParams,
  flow: FlowSecrets,
  redirectUri: string,
): Promise<ProviderTokens> {
  const as = await p.metadata();
  const client: oauth.Client = { client_id: p.clientId };
  const params = new URLSearchParams(callback);
  if (!p.checksIssuer) params.delete('iss');
  let validated: URLSearchParams;
  try {
    validated = oauth.validateAuthResponse(as, client, params, flow.state);
  } catch (err) {
    throw authorizationError(p, err);
  }
  return tokenCall(p, async () => {
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      await p.clientAuthentication(),
      validated,
      redirectUri,
      flow.verifier ?? oauth.nopkce,
      { ...httpOptions(p, true), additionalParameters: p.tokenRequestParams(callback) },
    );
    const checked = p.oidc ? issuerFor(p, as, response) : as;
    const body = await oauth.processAuthorizationCodeResponse(checked, client, response, {
      ...(p.oidc
        ? {
            expectedNonce: p.nonce ? (flow.nonce ?? '') : oauth.expectNoNonce,
            requireIdToken: true,
          }
        : {}),
    });
    if (p.oidc) {
      await oauth.validateApplicationLevelSignature(checked, response, httpOptions(p));
      checkIssuedAt(oauth.getValidatedIdTokenClaims(body));
    }
    return tokensOf(body);
  });
}

/** An ID token must be fresh: issued no earlier than the flow could have started, and not in the future. */
const MAX_ID_TOKEN_AGE_S = 15 * 60;
const CLOCK_SKEW_S = 60;

function checkIssuedAt(claims: oauth.IDToken | undefined): void {
  const now = Date.now() / 1000;
  const iat = claims?.iat;
  if (
    typeof iat !== 'number' ||
    iat > now + CLOCK_SKEW_S ||
    iat < now - MAX_ID_TOKEN_AGE_S - CLOCK_SKEW_S
  ) {
    throw providerError(undefined, 'the ID token was not issued for this sign-in (iat)');
  }
}

/** Uses a refresh token; the new response is validated as at sign-in (without a nonce). */
export async function refreshTokens(
  p: ProviderProtocol,
  refreshToken: string,
  kept: Record<string, string> | undefined,
): Promise<ProviderTokens> {
  const as = await p.metadata();
  const client: oauth.Client = { client_id: p.clientId };
  return tokenCall(p, async () => {
    const response = await oauth.refreshTokenGrantRequest(
      as,
      client,
      await p.clientAuthentication(),
      refreshToken,
      { ...httpOptions(p, true), additionalParameters: p.refreshRequestParams(kept) },
    );
    const checked = p.oidc ? issuerFor(p, as, response) : as;
    const body = await oauth.processRefreshTokenResponse(checked, client, response);
    if (p.oidc && body.id_token !== undefined) {
      await oauth.validateApplicationLevelSignature(checked, response, httpOptions(p));
      checkIssuedAt(oauth.getValidatedIdTokenClaims(body));
    }
    return tokensOf(body);
  });
}

/** RFC 7009 revocation. */
export async function revokeToken(
  p: ProviderProtocol,
  as: oauth.AuthorizationServer,
  token: string,
  hint: 'access_token' | 'refresh_token',
): Promise<void> {
  const client: oauth.Client = { client_id: p.clientId };
  await tokenCall(p, async () => {
    const response = await oauth.revocationRequest(
      as,
      client,
      await p.clientAuthentication(),
      token,
      { ...httpOptions(p), additionalParameters: { token_type_hint: hint } },
    );
    await oauth.processRevocationResponse(response);
  });
}

/** OpenID Connect UserInfo; its `sub` must equal the ID token's. */
export async function userinfo(
  p: ProviderProtocol,
  as: oauth.AuthorizationServer,
  tokens: ProviderTokens,
): Promise<Record<string, unknown>> {
  const client: oauth.Client = { client_id: p.clientId };
  const sub = tokens.claims?.sub;
  return tokenCall(p, async () => {
    const response = await oauth.userInfoRequest(as, client, tokens.accessToken, httpOptions(p));
    const expected = typeof sub === 'string' ? sub : oauth.skipSubjectCheck;
    return (await oauth.processUserInfoResponse(as, client, expected, response)) as Record<
      string,
      unknown
    >;
  });
}

/** What {@link providerRequest} takes. */
export interface ProviderRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The scheme before the access token (`Bearer`; Yandex wants `OAuth`). */
  scheme?: string;
}

/**
 * An HTTP call to the provider's API: https only (unless the provider allows http), within the
 * provider's timeout, no redirect followed, at most 1 MB read; the access token, when given,
 * as `Authorization: <scheme> <token>`. A transport failure is a 502 `provider_error`.
 */
export async function providerRequest(
  p: ProviderProtocol,
  url: string,
  accessToken: string | undefined,
  init: ProviderRequest = {},
): Promise<{ status: number; text: string; headers: Headers }> {
  const u = new URL(url);
  if (u.protocol !== 'https:' && !(p.http.insecure && u.protocol === 'http:')) {
    throw providerError(undefined, `provider ${p.name}: refusing a non-https URL`);
  }
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
  headers['user-agent'] ??= 'portcullis';
  if (accessToken !== undefined)
    headers.authorization = `${init.scheme ?? 'Bearer'} ${accessToken}`;
  return tokenCall(p, async () => {
    const res = await (p.http.fetch ?? globalThis.fetch)(u.href, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body !== undefined ? { body: init.body } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(p.http.timeoutMs),
    });
    return { status: res.status, text: await readLimited(res), headers: res.headers };
  });
}

/** A JSON API call to the provider (profile, emails); anything but a 200 with JSON is a 502. */
export async function fetchJson<T>(
  p: ProviderProtocol,
  url: string,
  accessToken: string | undefined,
  init: ProviderRequest = {},
): Promise<T> {
  const res = await providerRequest(p, url, accessToken, init);
  if (res.status !== 200) throw providerError(undefined, `${p.name} API answered ${res.status}`);
  try {
    return JSON.parse(res.text) as T;
  } catch {
    throw providerError(undefined, `${p.name} API answered something other than JSON`);
  }
}

/** oauth4webapi's transport options for this provider: deadline, fetch, http allowed or not. */
function httpOptions(p: ProviderProtocol, tokenEndpoint = false) {
  const base = p.http.fetch ?? globalThis.fetch;
  const f: ProviderFetch = tokenEndpoint ? normalizing(p, base) : base;
  return {
    signal: () => AbortSignal.timeout(p.http.timeoutMs),
    [oauth.customFetch]: (url: string, init: RequestInit) => f(url, init),
    ...(p.http.insecure ? { [oauth.allowInsecureRequests]: true } : {}),
  };
}

/**
 * Reads a token-endpoint answer (JSON, or form-encoded as GitHub answers without `Accept`)
 * and hands oauth4webapi the provider's normalized version. Redirects pass through as they
 * are (oauth4webapi refuses them; none is followed); anything else that is not an object is
 * passed on as it came, to be refused there.
 */
function normalizing(p: ProviderProtocol, base: ProviderFetch): ProviderFetch {
  return async (url, init) => {
    const res = await base(url, init);
    if ((res.status >= 300 && res.status < 400) || res.status === 204) return res;
    const type = res.headers.get('content-type') ?? '';
    const text = await readLimited(res);
    let body: Record<string, unknown> | undefined;
    if (/json/i.test(type)) body = parseObject(text);
    else if (/x-www-form-urlencoded/i.test(type)) {
      body = Object.fromEntries(new URLSearchParams(text));
    }
    if (!body) {
      return new Response(text === '' ? null : text, { status: res.status, headers: res.headers });
    }
    if (!p.oidc) delete body.id_token;
    const out = p.normalizeTokenResponse(body, res.status);
    const normalized = new Response(JSON.stringify(out.body), {
      status: out.status,
      headers: { 'content-type': 'application/json' },
    });
    if (p.oidc && typeof out.body.id_token === 'string') {
      try {
        peeked.set(normalized, decodeJwt(out.body.id_token));
      } catch {
        // not a JWT: oauth4webapi refuses it
      }
    }
    return normalized;
  };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The body as text, refusing more than 1 MB. */
async function readLimited(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY) {
      await reader.cancel();
      throw providerError(undefined, 'the provider answered more than 1 MB');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The server metadata to validate an ID token against: the provider may name the issuer the
 * token must carry (Google's legacy `accounts.google.com`, Entra's `{tenantid}` template).
 */
function issuerFor(
  p: ProviderProtocol,
  as: oauth.AuthorizationServer,
  response: Response,
): oauth.AuthorizationServer {
  const claims = peeked.get(response);
  if (claims === undefined) return as; // no ID token in this answer: nothing to check
  const issuer = p.expectedIssuer(claims, as.issuer);
  return issuer === as.issuer ? as : { ...as, issuer };
}

const peeked = new WeakMap<Response, Record<string, unknown>>();

/** Runs one provider call; anything but an AuthError becomes a 502 (or 403 for access_denied). */
async function tokenCall<T>(p: ProviderProtocol, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AuthError) throw err;
    throw providerError(err, `provider ${p.name} failed`);
  }
}

function authorizationError(p: ProviderProtocol, err: unknown): AuthError {
  if (err instanceof oauth.AuthorizationResponseError) {
    return err.error === 'access_denied' || p.deniedErrors.includes(err.error)
      ? new AuthError('access_denied', { cause: err })
      : providerError(err, 'the provider answered the sign-in with an error');
  }
  if (err instanceof oauth.OperationProcessingError && /"state"/.test(err.message)) {
    return new AuthError('state_mismatch', { cause: err });
  }
  if (err instanceof TypeError && /duplicat/i.test(err.message)) {
    return new AuthError('state_mismatch', { cause: err });
  }
  return providerError(err, 'the provider answered the sign-in wrongly');
}

function tokensOf(body: oauth.TokenEndpointResponse): ProviderTokens {
  const claims = oauth.getValidatedIdTokenClaims(body);
  return {
    accessToken: body.access_token,
    tokenType: body.token_type,
    refreshToken: body.refresh_token,
    expiresAt:
      typeof body.expires_in === 'number' ? Date.now() + body.expires_in * 1000 : undefined,
    scope: body.scope,
    idToken: body.id_token,
    claims: claims as Record<string, unknown> | undefined,
    raw: body as Record<string, unknown>,
  };
}
