import type { Core } from '../core.js';
import { createOrUpgrade } from './guests.js';
import { AuthError } from '../errors.js';
import type { BaseUser } from '../stores/types.js';

/**
 * True when the account holding an address has proven it (verified, not a guest still waiting
 * for its verification): a proof of the address signs in to it as it is. Provider sign-in links
 * only to such an account.
 */
export function hasProvenEmail(user: BaseUser): boolean {
  return user.emailVerified === true && user.anonymous !== true;
}

/**
 * What proving a mailbox does to the account that already holds the address, one rule for
 * every mailed proof (a link or code, a password reset, a verification link).
 *
 * - A verified account is signed in to as it is.
 * - An unverified account, or a guest that registered the address and waits for its
 *   verification, proven from the browser that set it up (`here`): verified (the guest becomes
 *   a full account in place), its password kept: the person who set it is the one proving it.
 * - An unverified account proven from another browser may have been registered by someone
 *   who does not own the mailbox (account pre-hijacking): every session and token of it ends,
 *   and every way in set before the proof goes (the password, passkeys, linked providers); the
 *   owner sets a password by reset.
 * - A guest registration proven from another browser is never upgraded in place: the guest
 *   loses the address (and the password it registered) and stays a guest, and the address gets
 *   a new account of its own.
 *
 * Returns the account the proof signs in to, verified.
 */
export async function claimProvenEmail<User extends BaseUser>(
  core: Core<User>,
  found: User,
  email: string,
  here: boolean,
): Promise<User> {
  if (hasProvenEmail(found)) return found;
  const pendingGuest = found.anonymous === true;
  const update = core.opts.users.update?.bind(core.opts.users);
  if (!update) {
    throw new AuthError('misconfigured', {
      message: 'Proving the address of an unverified account needs a UserStore with update.',
    });
  }
  const patch = (fields: Record<string, unknown>) => fields as Partial<Omit<User, 'id'>>;
  if (here) {
    const verified = patch({ emailVerified: true, ...(pendingGuest ? { anonymous: false } : {}) });
    const updated = (await core.bounded(() => update(found.id, verified))) ?? found;
    if (pendingGuest) core.events.emit('guest_upgraded', { userId: found.id });
    return updated;
  }
  if (pendingGuest) {
    const detach = patch({ email: undefined, emailVerified: undefined, passwordHash: undefined });
    await core.bounded(() => update(found.id, detach));
    const data = { email, emailVerified: true } as unknown as Omit<User, 'id'>;
    const user = await createOrUpgrade(core, undefined, data);
    core.events.emit('email_reclaimed', { userId: user.id, guestId: found.id });
    return user;
  }
  // sessions and tokens end first: a store failing after this leaves nobody signed in
  await core.generations.bump(found.id);
  await removeWaysIn(core, found.id);
  const verified = patch({ emailVerified: true, passwordHash: undefined });
  const updated = await core.bounded(() => update(found.id, verified));
  core.events.emit('email_reclaimed', { userId: found.id });
  return updated ?? found;
}

/** Removes the passkeys and provider links of an account (its password goes with the update). */
async function removeWaysIn<User extends BaseUser>(
  core: Core<User>,
  userId: string,
): Promise<void> {
  const { users } = core.opts;
  if (users.passkeysOf && users.deletePasskey) {
    const passkeys = await core.bounded(() => users.passkeysOf!(userId));
    for (const p of passkeys) await core.bounded(() => users.deletePasskey!(userId, p.id));
  }
  if (users.accountsOf && users.unlinkAccount) {
    const accounts = await core.bounded(() => users.accountsOf!(userId));
    for (const a of accounts) await core.bounded(() => users.unlinkAccount!(userId, a.provider));
  }
}
