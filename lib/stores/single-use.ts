import { createHmac, randomInt } from 'node:crypto';
import { isAuthError } from '../errors.js';
import type { KeyPurpose, Keyring } from '../keys/keyring.js';
import type { Store } from './types.js';

/**
 * The Store key for a single-use secret (link token, code flow): an HMAC under the purpose's
 * own key, so the Store holds no usable secret and a value of one purpose never matches
 * another's.
 */
export function storeKey(ring: Keyring, purpose: KeyPurpose, secret: string): string {
  return `${purpose}:${createHmac('sha256', ring.current(purpose).key).update(secret).digest('base64url')}`;
}

/**
 * The fields that tie a mailed link or code to the credentials of its user: `g`, the user's
 * sign-out generation when it was mailed (0: no user then); a link mailed before the user's
 * last sign-out everywhere, password change or reset is refused. `k` marks a record put back
 * by a use that had passed that check and then failed half-way (perhaps after ending the
 * user's sessions itself, which moves the generation on): its retry is not refused by these
 * checks again (nor by the newest-reset-link check).
 */
export interface Stamped {
  g: number;
  k?: 1;
}

/** The generation to check a stamped record against; undefined when a retry skips the check. */
export function stampOf(record: Partial<Stamped>): number | undefined {
  if (record.k === 1) return undefined;
  return typeof record.g === 'number' ? record.g : 0;
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

/** A single-use record as stored: its fields and its expiry (`x`, ms since the epoch). */
export type Expiring<T> = T & { x: number };

/** The stored form of a single-use record that lives `ttlMs` from now. */
export function expiring<T extends object>(record: T, ttlMs: number): string {
  return JSON.stringify({ ...record, x: Date.now() + ttlMs });
}

/**
 * Runs `use` on a single-use record (`raw`, its stored form) just taken from the store. When
 * `use` fails for want of a back-end (an error answered 5xx: a store or user store down), the
 * record is put back for the rest of its lifetime, so the same link or code works once the
 * back-end is back; a refusal of the request (4xx) or a success leaves it spent. The put-back
 * is best effort and not awaited: with the store down too, the link stays spent and the user
 * asks for a new one. `use` calls `passed()` once the record passed its checks, before writes
 * that may end the user's sessions: a record put back after that is marked (`k`, see
 * {@link Stamped}) so that its retry is not refused by them.
 */
export async function putBackOnFailure<T>(
  store: Store,
  key: string,
  raw: string,
  use: (passed: () => void) => Promise<T>,
): Promise<T> {
  let checked = false;
  try {
    return await use(() => void (checked = true));
  } catch (err) {
    const record = checked ? JSON.stringify({ ...JSON.parse(raw), k: 1 }) : raw;
    const left = (JSON.parse(record) as { x?: unknown }).x;
    const ttl = typeof left === 'number' ? left - Date.now() : 0;
    if (ttl > 0 && !(isAuthError(err) && err.status < 500)) {
      store.add(key, record, ttl).catch(() => undefined);
    }
    throw err;
  }
}
