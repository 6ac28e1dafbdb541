import type { Core } from '../core.js';
import type { BaseUser } from '../stores/types.js';
import { isTokenShape, type Stamped, stampOf, storeKey } from '../stores/single-use.js';
import { Generations } from '../tokens/generations.js';

/** The kinds of mailed single-use link a password account has. */
export type LinkPurpose = 'reset' | 'verify';

/** True when a stamped record outlives the user's credentials (see `Stamped`). */
export async function issuedAlive<User extends BaseUser>(
  core: Core<User>,
  userId: string,
  record: Partial<Stamped>,
): Promise<boolean> {
  const issued = stampOf(record);
  if (issued === undefined) return true;
  return Generations.alive(issued, await core.generations.current(userId));
}

/** A link's Store key and record, read without spending it (for the pages behind GET). */
export async function peekLink<User extends BaseUser, R>(
  core: Core<User>,
  purpose: LinkPurpose,
  token: unknown,
): Promise<{ key: string; record: R } | undefined> {
  if (!isTokenShape(token)) return undefined;
  const key = storeKey(core.opts.ring, purpose, token);
  const raw = await core.bounded(() => core.store.get(key));
  if (raw === undefined) return undefined;
  return { key, record: JSON.parse(raw) as R };
}
