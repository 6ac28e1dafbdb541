import type { Duration } from '../util/duration.js';
import { toMs } from '../util/duration.js';
import { type Argon2Params, Argon2Hasher, type PasswordHasher } from './hasher.js';

/** Email + password accounts. */
export interface PasswordOptions {
  /** Shortest password accepted, in characters. @default 8 */
  minLength?: number;
  /** Longest password accepted (longer answers 413 before any hashing), 64 or more. @default 128 */
  maxLength?: number;
  /** A new account must follow its verification link before signing in with its password. @default true */
  requireVerifiedEmail?: boolean;
  /** How long a reset link works. @default '1h' */
  resetTtl?: Duration;
  /** How long an email-verification link works. @default '24h' */
  verifyTtl?: Duration;
  /** argon2id parameters (memory in KiB). @default { memoryCost: 19456, timeCost: 2, parallelism: 1 } */
  argon2?: Argon2Params;
  /** Replaces the hasher (argon2id). */
  hasher?: PasswordHasher;
}

/** The password options, resolved. */
export interface PasswordSettings {
  minLength: number;
  maxLength: number;
  requireVerifiedEmail: boolean;
  resetMs: number;
  verifyMs: number;
  hasher: PasswordHasher;
}

/** Fills the password defaults and checks them (a `TypeError` that says what to change). */
export function passwordSettings(p: PasswordOptions | undefined): PasswordSettings {
  const minLength = p?.minLength ?? 8;
  const maxLength = p?.maxLength ?? 128;
  if (!Number.isInteger(minLength) || minLength < 8) {
    throw new TypeError('Portcullis: password.minLength must be an integer of at least 8');
  }
  if (!Number.isInteger(maxLength) || maxLength < 64 || maxLength > 4096) {
    throw new TypeError('Portcullis: password.maxLength must be an integer from 64 to 4096');
  }
  return {
    minLength,
    maxLength,
    requireVerifiedEmail: p?.requireVerifiedEmail ?? true,
    resetMs: toMs(p?.resetTtl ?? '1h', 'password.resetTtl'),
    verifyMs: toMs(p?.verifyTtl ?? '24h', 'password.verifyTtl'),
    hasher: p?.hasher ?? new Argon2Hasher(p?.argon2),
  };
}
