// Shared helpers of the token tests (not a test file itself).
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type JWTHeaderParameters, SignJWT } from 'jose';
import request from 'supertest';
import type { IssuedTokens } from '../../lib/index.js';
import { Keyring } from '../../lib/keys/keyring.js';
import { type TestApp, type TestUser, secretA } from './app.js';

/** The access-token key Portcullis derives from `secretA` (what `makeApp()` uses). */
export const accessKey = new Keyring([Buffer.from(secretA)]).current('access');

/** Seconds since the epoch. */
export function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Signs an access token with jose, independently of Portcullis: by default everything a valid
 * token of a default `makeApp()` has (issuer and audience `portcullis`, `gen` 0, a `jti`).
 * `claims` override or add claims (a claim set to `undefined` is left out); `header` overrides
 * the protected header.
 */
export async function signAccess(
  claims: Record<string, unknown>,
  header: Partial<JWTHeaderParameters> = {},
  key: Uint8Array = accessKey.key,
): Promise<string> {
  const now = nowSec();
  const payload: Record<string, unknown> = {
    iss: 'portcullis',
    aud: 'portcullis',
    iat: now,
    exp: now + 600,
    jti: randomBytes(16).toString('base64url'),
    gen: 0,
    ...claims,
  };
  for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: accessKey.kid, ...header })
    .sign(key);
}

/** Issues tokens through the test app's POST /test/tokens/:id route. */
export async function issueVia(
  t: TestApp,
  user: TestUser,
  scopes: string[] = [],
): Promise<IssuedTokens> {
  const path = `/test/tokens/${user.id}${scopes.length ? `?scopes=${scopes.join(',')}` : ''}`;
  const res = await request(t.app.callback()).post(path);
  if (res.status !== 200) throw new Error(`issuing tokens failed: ${res.status}`);
  return res.body as IssuedTokens;
}

/** `Bearer <token>`. */
export function bearer(token: string): string {
  return `Bearer ${token}`;
}

/** The error code of a JSON error response. */
export function codeOf(res: { body: unknown }): unknown {
  return (res.body as { error?: { code?: unknown } } | undefined)?.error?.code;
}

/** Waits `ms` of real time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A response from {@link rawRequest}. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/**
 * Sends one request with exactly the given header lines (a header given as an array is sent
 * once per value, which supertest cannot do) to `app` listening on 127.0.0.1 and a free port.
 */
export async function rawRequest(
  t: TestApp,
  method: string,
  path: string,
  headers: Record<string, string | string[]>,
): Promise<RawResponse> {
  const server = http.createServer(t.app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<RawResponse>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      for (const [name, value] of Object.entries(headers)) req.setHeader(name, value);
      req.end();
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
