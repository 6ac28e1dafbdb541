/**
 * How every call to a provider is made: within the provider's deadline, following no redirect,
 * reading at most 1 MB, and failing as a 502 `provider_error` (never with what the provider
 * sent in the message). Token-endpoint answers are normalized for oauth4webapi here.
 */
import * as oauth from 'oauth4webapi';
import { AuthError, providerError } from '../../errors.js';
import { peekIdToken } from './id-token.js';
import type { ProviderFetch, ProviderProtocol } from './protocol.js';

const MAX_BODY = 1_048_576;

/** oauth4webapi's transport options, as {@link httpOptions} fills them. */
export interface HttpOptions {
  signal: () => AbortSignal;
  [oauth.customFetch]: ProviderFetch;
  [oauth.allowInsecureRequests]?: boolean;
}

/** oauth4webapi's transport options for this provider: deadline, fetch, http allowed or not. */
export function httpOptions(p: ProviderProtocol, tokenEndpoint = false): HttpOptions {
  const base = p.http.fetch ?? globalThis.fetch;
  const f: ProviderFetch = tokenEndpoint ? normalizing(p, base) : base;
  return {
    signal: () => AbortSignal.timeout(p.http.timeoutMs),
    [oauth.customFetch]: (url: string, init: RequestInit) => f(url, init),
    ...(p.http.insecure ? { [oauth.allowInsecureRequests]: true } : {}),
  };
}

/** Runs one provider call; anything but an AuthError becomes a 502 (or 403 for access_denied). */
export async function tokenCall<T>(p: ProviderProtocol, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AuthError) throw err;
    throw providerError(err, `provider ${p.name} failed`);
  }
}

/** The body as text, refusing more than 1 MB. */
export async function readLimited(res: Response): Promise<string> {
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
      peekIdToken(normalized, out.body.id_token);
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
