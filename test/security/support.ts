// Shared helpers of the security suite: forging tokens and cookies, reading Set-Cookie, and
// the assertions every case repeats. Forgeries use the library's own key derivation (Keyring)
// and sealing (seal.ts), so a forged value differs from a real one only where a test says so.
import { createHmac, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { Keyring, type KeyPurpose } from '../../lib/keys/keyring.js';
import { seal } from '../../lib/session/seal.js';
import request from 'supertest';
import type { TestApp, TestUser } from '../support/app.js';

/** What the assertions need of a supertest response. */
export interface Res {
  status: number;
  body: unknown;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/** The default `iss` / `aud` of access tokens when no baseUrl is configured. */
export const ISSUER = 'portcullis';

/** Marks a cookie-authenticated unsafe request as same-origin (passes the CSRF check). */
export const SAME_ORIGIN = { 'Sec-Fetch-Site': 'same-origin' } as const;

export const JSON_ACCEPT = { Accept: 'application/json' } as const;

export function ringOf(...secrets: string[]): Keyring {
  return new Keyring(secrets.map((s) => Buffer.from(s)));
}

export function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}

export function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** The `error.code` of a JSON error body, if any. */
export function codeOf(res: Res): unknown {
  const body = res.body as { error?: { code?: unknown } } | undefined;
  return body?.error?.code;
}

/** Status and error code; the message carries the body, so a failure says what came back. */
export function expectError(res: Res, status: number, code: string): void {
  expect(res.status, `status (body: ${res.text?.slice(0, 200)})`).to.equal(status);
  expect(codeOf(res), 'error.code').to.equal(code);
}

/** A 401 with an RFC 6750 `invalid_token` challenge. */
export function expectInvalidToken(res: Res, code = 'token_invalid'): void {
  expectError(res, 401, code);
  expect(String(res.headers['www-authenticate'])).to.match(/^Bearer\b.*error="invalid_token"/);
}

/**
 * Builds a compact JWS by hand so that any header can be forged (an `alg` label that does not
 * match the signature, `none`, `jku`, ...). The signature is an HMAC with `hash` under `key`,
 * or empty when no key is given.
 */
export function forgeJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown> | string,
  key?: Buffer,
  hash: 'sha256' | 'sha384' | 'sha512' = 'sha256',
): string {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const input = `${b64url(JSON.stringify(header))}.${b64url(body)}`;
  const sig = key ? createHmac(hash, key).update(input).digest('base64url') : '';
  return `${input}.${sig}`;
}

/** The header of a genuine access token of `ring`, with `overrides` (undefined deletes). */
export function accessHeader(
  ring: Keyring,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return dropUndefined({
    alg: 'HS256',
    typ: 'at+jwt',
    kid: ring.current('access').kid,
    ...overrides,
  });
}

/** The claims of a genuine, live access token for `user`, with `overrides` (undefined deletes). */
export function accessClaims(
  user: TestUser,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const now = nowSec();
  return dropUndefined({
    iss: ISSUER,
    aud: ISSUER,
    sub: user.id,
    iat: now,
    exp: now + 300,
    jti: randomBytes(16).toString('base64url'),
    gen: 0,
    ...overrides,
  });
}

/** A forged access token signed with the right key for `purpose` (default: access). */
export function forgeAccess(
  ring: Keyring,
  user: TestUser,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
  purpose: KeyPurpose = 'access',
): string {
  return forgeJwt(
    accessHeader(ring, header),
    accessClaims(user, claims),
    ring.current(purpose).key,
  );
}

/** Issues a token pair for `user` through the test app's HTTP route. */
export async function issuePair(
  agent: { post(url: string): PromiseLike<Res> },
  user: TestUser,
): Promise<{ accessToken: string; refreshToken: string }> {
  const res = await agent.post(`/test/tokens/${user.id}`);
  expect(res.status, 'issuing tokens').to.equal(200);
  return res.body as { accessToken: string; refreshToken: string };
}

/** Times to seal into a forged session, in ms since the epoch. */
export interface SessionTimes {
  /** Signed in at. */
  createdAt?: number;
  /** Last seen at. */
  lastSeen?: number;
  /** koa-session's own expiry (`_expire`); far in the future unless a test says otherwise. */
  expire?: number;
}

/**
 * Seals a session cookie for `user` by hand (the format of lib/session/session.ts) and
 * registers it in the app's store, so only the sealed times decide whether it is live.
 * Returns the `Cookie` header value.
 */
export async function forgeSessionCookie(
  t: TestApp,
  ring: Keyring,
  user: TestUser,
  times: SessionTimes = {},
  cookieName = 'portcullis',
): Promise<string> {
  const now = Date.now();
  const c = times.createdAt ?? now;
  const s = randomBytes(18).toString('base64url');
  await t.store.set(`sess:${s}`, JSON.stringify({ u: user.id, g: 0, c }), 86_400_000 * 400);
  const sealed = seal(ring, 'session', {
    $pc: { s, u: user.id, c, t: times.lastSeen ?? c },
    _expire: times.expire ?? now + 86_400_000 * 365,
    _maxAge: 86_400_000 * 365,
  });
  return `${cookieName}=${sealed}`;
}

/** One parsed Set-Cookie header. */
export interface SetCookie {
  name: string;
  value: string;
  /** Attribute names lower-cased; a flag's value is ''. */
  attrs: Map<string, string>;
}

export function setCookies(res: Res): SetCookie[] {
  const raw = res.headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return list.map((line) => {
    const [pair, ...rest] = line.split(';');
    const eq = pair!.indexOf('=');
    const attrs = new Map<string, string>();
    for (const a of rest) {
      const i = a.indexOf('=');
      const name = (i === -1 ? a : a.slice(0, i)).trim().toLowerCase();
      attrs.set(name, i === -1 ? '' : a.slice(i + 1).trim());
    }
    return { name: pair!.slice(0, eq).trim(), value: pair!.slice(eq + 1).trim(), attrs };
  });
}

/** True when a Set-Cookie deletes its cookie (empty value or an expiry in the past). */
export function isClearing(c: SetCookie): boolean {
  const expires = c.attrs.get('expires');
  return (
    c.value === '' ||
    c.attrs.get('max-age') === '0' ||
    (expires !== undefined && Date.parse(expires) <= Date.now())
  );
}

/** The response sets no live session cookie (clearing one is fine: that is not a loop). */
export function expectNoNewSession(res: Res, name = 'portcullis'): void {
  const live = setCookies(res).filter((c) => c.name.startsWith(name) && !isClearing(c));
  expect(
    live.map((c) => c.name),
    'live session Set-Cookie',
  ).to.deep.equal([]);
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/** GET `path` with `Authorization: Bearer <token>`. */
export function getWithBearer(t: TestApp, path: string, token: string): Promise<Res> {
  return request(t.app.callback()).get(path).set('Authorization', `Bearer ${token}`);
}
