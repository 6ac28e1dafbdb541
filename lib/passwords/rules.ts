import { AuthError, badRequest } from '../errors.js';
import { isCommonPassword } from './common.js';
import type { PasswordSettings } from './options.js';

/** A password as received: a string, not longer than `maxLength` (413 before any hashing). */
export async function received(password: unknown, settings: PasswordSettings): Promise<string> {
  if (typeof password !== 'string' || password.length === 0) throw badRequest('invalid_request');
  if (password.length > settings.maxLength) {
    throw new AuthError('payload_too_large', {
      message: `Passwords have at most ${settings.maxLength} characters.`,
    });
  }
  return password;
}

/** A new password: as received, at least `minLength` characters, not a common one. */
export async function acceptable(password: unknown, settings: PasswordSettings): Promise<string> {
  const pw = await received(password, settings);
  const { minLength } = settings;
  if ([...pw].length < minLength) {
    throw badRequest('password_weak', { message: `Use at least ${minLength} characters.` });
  }
  if (await isCommonPassword(pw)) {
    throw badRequest('password_weak', {
      message: 'This password is too common; choose another.',
    });
  }
  return pw;
}
