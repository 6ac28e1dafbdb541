import { createOrUpgrade } from '../anonymous.js';
import type { Core } from '../core.js';
import { AuthError } from '../errors.js';
import type { BaseUser } from '../stores/types.js';

/**
 * The user who proved they own `email` (by a link or a code): the existing one, now marked
 * verified; or, when `create` allows it, a new one with the email verified (a signed-in guest
 * is upgraded in place). Undefined when
 * there is none and none may be created.
 */
export async function userWithProvenEmail<User extends BaseUser>(
  core: Core<User>,
  email: string,
  create: boolean,
  guest?: User,
): Promise<User | undefined> {
  const { users } = core.opts;
  if (!users.findByEmail) {
    throw new AuthError('misconfigured', {
      message: 'Email sign-in needs a UserStore with findByEmail.',
    });
  }
  const found = await core.guarded(() => users.findByEmail!(email));
  if (found) {
    const pendingGuest = found.anonymous === true; // registered as a guest, not yet verified
    if ((found.emailVerified === true && !pendingGuest) || !users.update) return found;
    const patch = {
      emailVerified: true,
      ...(pendingGuest ? { anonymous: false } : {}),
    } as Partial<Omit<User, 'id'>>;
    const updated = (await core.guarded(() => users.update!(found.id, patch))) ?? found;
    if (pendingGuest) core.events.emit('guest_upgraded', { userId: found.id });
    return updated;
  }
  if (!create) return undefined;
  const data = { email, emailVerified: true } as unknown as Omit<User, 'id'>;
  return createOrUpgrade(core, guest, data);
}
