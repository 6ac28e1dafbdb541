/**
 * Calls made with the user's access token once signed in: OpenID Connect UserInfo (its `sub`
 * checked), RFC 7009 revocation, and the provider's own API (profile, emails).
 */
import * as oauth from 'oauth4webapi';
import { providerError } from '../../errors.js';
import type { ProviderTokens } from '../types.js';
import type { ProviderProtocol } from './protocol.js';
import { httpOptions, readLimited, tokenCall } from './transport.js';

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
