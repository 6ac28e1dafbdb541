/** A family record outlives its last token a little, so a late token reads "expired", not "revoked". */
export const FAMILY_GRACE_MS = 60_000;

/** A refresh family's stored record (`rtf:<family id>`): one sign-in's chain of rotations. */
export interface Family {
  /** user id */
  u: string;
  /** generation at issue */
  g: number;
  /** scopes */
  s: string[];
  /** absolute expiry (ms) */
  e: number;
  /** revoked */
  r?: 1;
  /** access-token lifetime (s) asked for at issue, kept for every rotation */
  a?: number;
}

/**
 * True when a family record (`rtf:` value) says the family was revoked. No record is not
 * revoked (the family ended on its own, after its tokens); a record that does not parse is
 * taken as revoked (fail closed).
 */
export function familyRevoked(raw: string | undefined): boolean {
  if (raw === undefined) return false;
  try {
    return (JSON.parse(raw) as Family).r === 1;
  } catch {
    return true;
  }
}

/**
 * How long a revoked family's record is kept: while its refresh tokens or its access tokens
 * (which name it in `fam` and read this record) could still be presented, and a little more.
 */
export function revokedLifetime(
  family: Family,
  access: { ttlMs: number; clockSkewSec: number },
): number {
  const accessMs =
    (family.a === undefined ? access.ttlMs : family.a * 1000) + access.clockSkewSec * 1000;
  return Math.max(family.e - Date.now(), accessMs) + FAMILY_GRACE_MS;
}

/** Checks an `expiresIn` given to `issue()`: seconds from 1 to a year. */
export function checkLifetime(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 31_536_000) {
    throw new TypeError('Portcullis: expiresIn must be a number of seconds from 1 to 31536000');
  }
  return seconds;
}

/** The scopes given to `issue()`, each checked to be an RFC 6749 scope-token, without repeats. */
export function normalizeScopes(scopes: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const s of scopes ?? []) {
    if (typeof s !== 'string' || !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s)) {
      throw new TypeError(`Portcullis: invalid scope ${JSON.stringify(s)} (RFC 6749 scope-token)`);
    }
    if (!out.includes(s)) out.push(s);
  }
  return out;
}
