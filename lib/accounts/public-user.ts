import type { BaseUser } from '../stores/types.js';

const SECRET_WORDS = new Set([
  'password',
  'passwords',
  'passwd',
  'pwd',
  'secret',
  'secrets',
  'hash',
  'hashes',
  'token',
  'tokens',
  'salt',
  'otp',
  'totp',
  'credential',
  'credentials',
  'mfa',
  'recovery',
  'key',
  'keys',
]);

/** True when a field name has a word that names a secret: `passwordHash`, `api_token`, `totpSecret`. */
function isSecretField(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return words.some((w) => SECRET_WORDS.has(w));
}

/** What `GET /auth/me` shows of a user by default: every field but those named as secrets. */
export function withoutSecrets(user: BaseUser): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(user)) if (!isSecretField(k)) out[k] = v;
  return out;
}
