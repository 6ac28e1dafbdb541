import type { Profile } from './types.js';

/** Maps OpenID Connect standard claims to a {@link Profile}. */
export function standardProfile(raw: Record<string, unknown>): Profile {
  const str = (v: unknown): string | undefined =>
    typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
  const id = str(raw.sub) ?? str(raw.id);
  if (id === undefined) throw new TypeError('the provider sent a user without an id');
  const email = str(raw.email);
  return {
    id,
    email,
    emailVerified:
      email !== undefined && (raw.email_verified === true || raw.email_verified === 'true'),
    name: str(raw.name) ?? str(raw.preferred_username),
    picture: str(raw.picture),
    raw,
  };
}
