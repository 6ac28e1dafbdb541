import { createHmac, randomInt } from 'node:crypto';
import type { KeyPurpose, Keyring } from '../keys/keyring.js';

/**
 * The Store key for a single-use secret (link token, code flow): an HMAC under the purpose's
 * own key, so the Store holds no usable secret and a value of one purpose never matches
 * another's.
 */
export function storeKey(ring: Keyring, purpose: KeyPurpose, secret: string): string {
  return `${purpose}:${createHmac('sha256', ring.current(purpose).key).update(secret).digest('base64url')}`;
}

/** `n` random decimal digits (uniform, from the CSPRNG). */
export function randomDigits(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += String(randomInt(10));
  return out;
}

/** True for a link token's shape (base64url, 43 characters): anything else is refused unread. */
export function isTokenShape(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}
