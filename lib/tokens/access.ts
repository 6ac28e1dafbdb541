import { SignJWT } from 'jose';
import type { Keyring } from '../keys/keyring.js';
import { randomToken } from '../util/encoding.js';

/** The `typ` header of our access tokens (RFC 9068). */
export const ACCESS_TYP = 'at+jwt';
const ALG = 'HS256';

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
  /** The refresh family it was issued with: revoking the family refuses it too (tokens issued before the claim existed have none). */
  fam?: string;
  jti: string;
  iat: number;
  exp: number;
}

/** Signs an access token (HS256, `typ: at+jwt`, `kid`, `iss`, `aud`, `exp`, `jti`, `fam` when given). */
export async function signAccessToken(
  ring: Keyring,
  cfg: AccessTokenConfig,
  claims: { sub: string; scopes: readonly string[]; gen: number; fam?: string; ttlMs?: number },
): Promise<{ token: string; expiresIn: number }> {
  const { kid, key } = ring.current('access');
  const ttlSec = Math.max(1, Math.round((claims.ttlMs ?? cfg.ttlMs) / 1000));
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { gen: claims.gen };
  if (claims.fam !== undefined) payload.fam = claims.fam;
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

/** The scopes an access token carries. */
export function scopesOf(claims: { scope?: string }): string[] {
  return claims.scope ? claims.scope.split(' ').filter(Boolean) : [];
}
