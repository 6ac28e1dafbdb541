import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyPurpose, Keyring } from '../keys/keyring.js';

const IV = 12;
const TAG = 16;
const KID = /^[A-Za-z0-9_-]{8}$/;

/** What {@link unseal} found: the value and whether it was sealed with an older key. */
export interface Unsealed<T> {
  value: T;
  /** True when sealed with a key other than the current one: re-seal it. */
  stale: boolean;
}

/**
 * Encrypts and authenticates `value` (as JSON) with AES-256-GCM under the current key for
 * `purpose`. The result is `<kid>.<base64url(iv | ciphertext | tag)>`; the purpose is bound as
 * additional data, so a value sealed for one purpose never opens as another.
 *
 * @example
 * ```ts
 * const sealed = seal(ring, 'session', { uid: 'u1' });
 * unseal(ring, 'session', sealed)?.value; // { uid: 'u1' }
 * ```
 */
export function seal(ring: Keyring, purpose: KeyPurpose, value: unknown): string {
  const { kid, key } = ring.current(purpose);
  const iv = randomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(purpose));
  const body = Buffer.concat([
    iv,
    cipher.update(JSON.stringify(value), 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return `${kid}.${body.toString('base64url')}`;
}

/**
 * Opens a value made by {@link seal}. Returns undefined (never throws) for anything that is
 * not a well-formed value sealed for this purpose under a key in the ring.
 */
export function unseal<T = unknown>(
  ring: Keyring,
  purpose: KeyPurpose,
  sealed: string,
): Unsealed<T> | undefined {
  if (typeof sealed !== 'string' || sealed.length < 10 || sealed[8] !== '.') return undefined;
  const kid = sealed.slice(0, 8);
  if (!KID.test(kid)) return undefined;
  const key = ring.find(purpose, kid);
  if (!key) return undefined;
  const b64 = sealed.slice(9);
  if (!/^[A-Za-z0-9_-]+$/.test(b64)) return undefined;
  const body = Buffer.from(b64, 'base64url');
  if (body.length < IV + TAG + 2) return undefined;
  // only the one encoding we issue: no spare bits set, nothing that decodes to the same bytes
  if (body.toString('base64url') !== b64) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(body.subarray(body.length - TAG));
    const plain = Buffer.concat([
      decipher.update(body.subarray(IV, body.length - TAG)),
      decipher.final(),
    ]);
    const value = JSON.parse(plain.toString('utf8')) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    return { value: value as T, stale: !ring.isCurrent(kid) };
  } catch {
    return undefined;
  }
}
