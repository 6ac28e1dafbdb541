import { SignJWT, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { AuthError, unauthorized } from '../errors.js';
import type { Keyring } from '../keys/keyring.js';
import { randomToken } from '../util/encoding.js';

/** The `typ` header of our access tokens (RFC 9068). */
export const ACCESS_TYP = 'at+jwt';
const ALG = 'HS256';
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'x5t', 'x5t#S256'];

/** Settings for access tokens, resolved once. */
export interface AccessTokenConfig {
  issuer: string;
  audience: string;
  ttlMs: number;
  clockSkewSec: number;
}

/** The claims Portcullis puts in an access token. */
export interface AccessClaims {
  sub: string;
  scope?: string;
  /** The user's sign-out generation when issued; a later "sign out everywhere" kills it. */
  gen: number;
  jti: string;
  iat: number;
  exp: number;
}

/** Signs an access token (HS256, `typ: at+jwt`, `kid`, `iss`, `aud`, `exp`, `jti`). */
export async function signAccessToken(
  ring: Keyring,
  cfg: AccessTokenConfig,
  claims: { sub: string; scopes: readonly string[]; gen: number; ttlMs?: number },
): Promise<{ token: string; expiresIn: number }> {
  const { kid, key } = ring.current('access');
  const ttlSec = Math.max(1, Math.round((claims.ttlMs ?? cfg.ttlMs) / 1000));
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { gen: claims.gen };
  if (claims.scopes.length > 0) payload.scope = claims.scopes.join(' ');
  const token = await new SignJWT(payload)
    .setProtectedHeader({ alg: ALG, typ: ACCESS_TYP, kid })
    .setIssuer(cfg.issuer)
    .setAudience(cfg.audience)
    .setSubject(claims.sub)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSec)
    .setJti(randomToken(16))
    .sign(key);
  return { token, expiresIn: ttlSec };
}

/**
 * True when `token` looks like one of our access tokens: a compact JWS whose header names a
 * key in our ring. Anything else belongs to the app's `tokenLoader`, if there is one.
 */
export function isOurAccessToken(ring: Keyring, token: string): boolean {
  const kid = headerOf(token)?.kid;
  return typeof kid === 'string' && ring.find('access', kid) !== undefined;
}

/**
 * Verifies one of our access tokens strictly: HS256 only, our `typ`, a known `kid`, no key
 * URLs or embedded keys in the header, `iss`, `aud`, `exp` (within the allowed skew), `nbf`.
 * Throws `token_expired` or `token_invalid`; never makes an outbound request.
 */
export async function verifyAccessToken(
  ring: Keyring,
  cfg: AccessTokenConfig,
  token: string,
): Promise<AccessClaims> {
  const header = headerOf(token);
  if (
    !header ||
    header.alg !== ALG ||
    header.typ !== ACCESS_TYP ||
    typeof header.kid !== 'string'
  ) {
    throw unauthorized('token_invalid');
  }
  if (FORBIDDEN_HEADERS.some((h) => h in header)) throw unauthorized('token_invalid');
  const key = ring.find('access', header.kid);
  if (!key) throw unauthorized('token_invalid');
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [ALG],
      typ: ACCESS_TYP,
      issuer: cfg.issuer,
      audience: cfg.audience,
      clockTolerance: cfg.clockSkewSec,
      requiredClaims: ['sub', 'exp', 'iat', 'jti'],
    });
    if (
      typeof payload.gen !== 'number' ||
      (payload.scope !== undefined && typeof payload.scope !== 'string')
    ) {
      throw unauthorized('token_invalid');
    }
    return payload as unknown as AccessClaims;
  } catch (err) {
    if (err instanceof AuthError) throw err;
    if (err instanceof joseErrors.JWTExpired) throw unauthorized('token_expired');
    throw unauthorized('token_invalid');
  }
}

/** The scopes an access token carries. */
export function scopesOf(claims: { scope?: string }): string[] {
  return claims.scope ? claims.scope.split(' ').filter(Boolean) : [];
}

function headerOf(token: string): Record<string, unknown> | undefined {
  if (token.length > 8192 || token.split('.').length !== 3) return undefined;
  try {
    return decodeProtectedHeader(token) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
