import { badRequest } from '../errors.js';

const MAX_LENGTH = 254;
// one @, a local part and a domain with a dot; no spaces, controls, quotes or angle brackets
const SHAPE =
  /^[^\s@"<>()[\]\\,;:]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/**
 * The address as Portcullis stores and compares it: trimmed, and lower-cased whole (domains are
 * case-insensitive; virtually every provider treats the local part so too, and two accounts
 * for `Ada@` and `ada@` would be a trap). Refused with 400 `email_invalid`: a non-string, CR/LF
 * or any other control or invisible format character, more than 254 characters, or not the shape `local@domain.tld`
 * (internationalized domains must arrive in their ASCII `xn--` form).
 *
 * @example
 * ```ts
 * normalizeEmail('  Ada@Example.COM ') // 'ada@example.com'
 * ```
 */
export function normalizeEmail(value: unknown): string {
  if (typeof value !== 'string') throw badRequest('email_invalid');
  // control characters (C0, DEL, C1) and invisible format characters (zero-width, bidi controls)
  if (/[\p{Cc}\p{Cf}]/u.test(value)) throw badRequest('email_invalid');
  const email = value.trim().toLowerCase();
  if (email.length === 0 || email.length > MAX_LENGTH || !SHAPE.test(email)) {
    throw badRequest('email_invalid');
  }
  return email;
}
