import { createHmac, timingSafeEqual } from 'node:crypto';
import { unauthorized } from '../errors.js';
import type { Keyring } from '../keys/keyring.js';
import type { AccessClaims, AccessTokenConfig } from './access.js';

const SEGMENT = /^[A-Za-z0-9_-]+$/;
/** Header parameters that would make a verifier fetch or trust a key from the token itself, or change how it is read. */
const FORBIDDEN = ['jku', 'x5u', 'jwk', 'x5c', 'x5t', 'x5t#S256', 'crit', 'b64', 'zip', 'enc'];
const MAX_LENGTH = 8192;
/** Refuses invalid UTF-8 instead of replacing it (as jose does). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A parsed, checked protected header: the key it names. */
interface CheckedHeader {
  key: Buffer;
}

/**
 * A strict verifier for our own access tokens (RFC 7515 compact JWS, RFC 7519 claims), on
 * `node:crypto` because it is the per-request path: jose's general `jwtVerify` costs about 34 µs,
 * this about 3. It accepts exactly what Portcullis issues and nothing else: three base64url
 * segments; a header with `alg: HS256`, `typ: at+jwt`, a `kid` in the ring and no key URL,
 * embedded key, `crit`, `b64` or compression; a 32-byte HMAC-SHA256 signature compared in
 * constant time; a JSON-object payload with our `iss`, our `aud` (string, or array holding it),
 * a numeric `exp` not past (allowing `clockSkew`), a numeric `nbf` if present not in the future,
 * a numeric `iat`, string `sub` and `jti`, numeric `gen`, string `scope` and `fam` if present.
 * Cross-tested both ways against jose (test/tokens/hs256.test.ts).
 */
export class Hs256Verifier {
  /** Parsed headers by their encoded segment: our tokens share a handful, so this stays tiny. */
  private readonly headers = new Map<string, CheckedHeader | null>();
  private readonly kids = new Map<string, boolean>();
  /** Header segments seen to name our keys (at most 4), for a prefix check without hashing. */
  private readonly ourSegments: string[] = [];

  constructor(
    private readonly ring: Keyring,
    private readonly cfg: AccessTokenConfig,
  ) {}

  /** The token's claims; throws 401 `token_invalid` or `token_expired`. */
  verify(token: string, nowSec: number): AccessClaims {
    if (typeof token !== 'string' || token.length > MAX_LENGTH) throw unauthorized('token_invalid');
    const dot1 = token.indexOf('.');
    const dot2 = token.indexOf('.', dot1 + 1);
    if (
      dot1 <= 0 ||
      dot2 <= dot1 + 1 ||
      dot2 === token.length - 1 ||
      token.indexOf('.', dot2 + 1) !== -1
    ) {
      throw unauthorized('token_invalid');
    }
    const header = this.header(token.slice(0, dot1));
    const payloadB64 = token.slice(dot1 + 1, dot2);
    const signatureB64 = token.slice(dot2 + 1);
    if (!header || !SEGMENT.test(payloadB64) || !SEGMENT.test(signatureB64))
      throw unauthorized('token_invalid');
    // compared as text: the signature segment must be the exact encoding we issue (a decoded
    // comparison would also accept the three strings that differ only in the last character's
    // unused bits)
    const expected = createHmac('sha256', header.key)
      .update(token.slice(0, dot2))
      .digest('base64url');
    if (
      signatureB64.length !== 43 ||
      !timingSafeEqual(Buffer.from(signatureB64, 'latin1'), Buffer.from(expected, 'latin1'))
    ) {
      throw unauthorized('token_invalid');
    }
    return this.claims(payloadB64, nowSec);
  }

  /** True when the token's header names a key in our ring (whatever else it says): the token is ours to judge. */
  namesOurKey(token: string): boolean {
    if (token.length > MAX_LENGTH) return false;
    // Our tokens share a few header segments: compare prefixes first (no allocation, no hashing).
    for (const segment of this.ourSegments) {
      if (token.startsWith(segment) && token.charCodeAt(segment.length) === 46 /* . */) return true;
    }
    const dot = token.indexOf('.');
    if (dot <= 0) return false;
    const segment = token.slice(0, dot);
    let ours = this.kids.get(segment);
    if (ours === undefined) {
      const kid = parseObject(segment)?.kid;
      ours = typeof kid === 'string' && this.ring.find('access', kid) !== undefined;
      if (this.kids.size < 64) this.kids.set(segment, ours);
      if (ours && this.ourSegments.length < 4) this.ourSegments.push(segment);
    }
    return ours;
  }

  private header(segment: string): CheckedHeader | null {
    let checked = this.headers.get(segment);
    if (checked !== undefined) return checked;
    checked = this.parseHeader(segment);
    if (this.headers.size < 64) this.headers.set(segment, checked);
    return checked;
  }

  private parseHeader(segment: string): CheckedHeader | null {
    const h = parseObject(segment);
    if (!h || h.alg !== 'HS256' || h.typ !== 'at+jwt' || typeof h.kid !== 'string') return null;
    if (FORBIDDEN.some((name) => Object.prototype.hasOwnProperty.call(h, name))) return null;
    const key = this.ring.find('access', h.kid);
    return key ? { key } : null;
  }

  private claims(segment: string, now: number): AccessClaims {
    const p = parseObject(segment);
    if (!p) throw unauthorized('token_invalid');
    const skew = this.cfg.clockSkewSec;
    const { exp, nbf, iat, iss, aud, sub, jti, gen, scope, fam } = p;
    if (typeof exp !== 'number' || !Number.isFinite(exp)) throw unauthorized('token_invalid');
    if (typeof iat !== 'number' || !Number.isFinite(iat)) throw unauthorized('token_invalid');
    if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + skew))
      throw unauthorized('token_invalid');
    if (iss !== this.cfg.issuer) throw unauthorized('token_invalid');
    if (!(aud === this.cfg.audience || (Array.isArray(aud) && aud.includes(this.cfg.audience)))) {
      throw unauthorized('token_invalid');
    }
    if (
      typeof sub !== 'string' ||
      sub === '' ||
      typeof jti !== 'string' ||
      typeof gen !== 'number'
    ) {
      throw unauthorized('token_invalid');
    }
    if (scope !== undefined && typeof scope !== 'string') throw unauthorized('token_invalid');
    if (fam !== undefined && (typeof fam !== 'string' || fam === ''))
      throw unauthorized('token_invalid');
    if (exp <= now - skew) throw unauthorized('token_expired');
    return p as unknown as AccessClaims;
  }
}

function parseObject(segment: string): Record<string, unknown> | null {
  if (!SEGMENT.test(segment)) return null;
  try {
    const value = JSON.parse(UTF8.decode(Buffer.from(segment, 'base64url'))) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
