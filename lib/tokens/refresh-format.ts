import { createHash, createHmac } from 'node:crypto';
import { unauthorized } from '../errors.js';
import type { Keyring } from '../keys/keyring.js';
import { randomToken, safeEqual } from '../util/encoding.js';

/** Every refresh token Portcullis issues starts with this, so it is never mistaken for another. */
export const REFRESH_PREFIX = 'pcr_';
const SHAPE =
  /^pcr_([A-Za-z0-9_-]{8})\.([A-Za-z0-9_-]{22})\.(\d{1,12})\.([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/;

/** What a well-formed, authentic refresh token names. */
export interface RefreshTokenParts {
  /** The family (one sign-in's chain of rotations). */
  familyId: string;
  /** The family's absolute expiry, in ms since the epoch. */
  expiresAt: number;
  /** The key under which the token's record is stored (a hash, never the token). */
  storageKey: string;
}

/** A new refresh token and the key its record is stored under. */
export interface RefreshToken {
  token: string;
  storageKey: string;
}

/**
 * Makes a refresh token: `pcr_<kid>.<family>.<expiry>.<random>.<mac>`. The MAC (HMAC-SHA256
 * under the refresh-purpose key) lets forgeries be refused before any store lookup; the
 * random part makes it unguessable; only its hash is stored.
 */
export function makeRefreshToken(ring: Keyring, familyId: string, expiresAt: number): RefreshToken {
  const { kid, key } = ring.current('refresh');
  const body = `${kid}.${familyId}.${Math.ceil(expiresAt / 1000)}.${randomToken(32)}`;
  const token = `${REFRESH_PREFIX}${body}.${mac(key, body)}`;
  return { token, storageKey: storageKeyOf(token) };
}

/** Checks shape, key, MAC (in constant time) and expiry; throws `token_invalid` / `token_expired`. */
export function parseRefreshToken(ring: Keyring, token: string): RefreshTokenParts {
  const m = SHAPE.exec(token);
  if (!m) throw unauthorized('token_invalid');
  const [, kid, familyId, exp, random, tag] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const key = ring.find('refresh', kid);
  if (!key || !safeEqual(mac(key, `${kid}.${familyId}.${exp}.${random}`), tag))
    throw unauthorized('token_invalid');
  const expiresAt = Number(exp) * 1000;
  if (expiresAt <= Date.now()) throw unauthorized('token_expired');
  return { familyId, expiresAt, storageKey: storageKeyOf(token) };
}

/** True when `token` has the shape of one of our refresh tokens. */
export function looksLikeRefreshToken(token: string): boolean {
  return token.startsWith(REFRESH_PREFIX);
}

function mac(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}

function storageKeyOf(token: string): string {
  return `rt:${createHash('sha256').update(token).digest('base64url')}`;
}
