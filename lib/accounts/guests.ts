import type { Context } from 'koa';
import type { Core } from '../core.js';
import { AuthError } from '../errors.js';
import type { BaseUser } from '../stores/types.js';

/** What `onLinkAccount` receives: a guest who signed in to an account that already existed. */
export interface LinkAccountArgs<User extends BaseUser> {
  /** The guest (deleted once the hook returns). */
  anonymous: User;
  /** The account the guest signed in to. */
  user: User;
  /** The request. */
  ctx: Context;
}

/**
 * A new user for a sign-in, or the signed-in guest upgraded in place (same id, `anonymous`
 * cleared, `data` set): a guest who signs up keeps everything the app kept under its id.
 */
export async function createOrUpgrade<User extends BaseUser>(
  core: Core<User>,
  guest: User | undefined,
  data: Omit<User, 'id'>,
): Promise<User> {
  const { users } = core.opts;
  if (guest?.anonymous === true && users.update) {
    const patch = { ...data, anonymous: false } as Partial<Omit<User, 'id'>>;
    const upgraded = await core.guarded(() => users.update!(guest.id, patch));
    if (upgraded) {
      core.events.emit('guest_upgraded', { userId: upgraded.id });
      return upgraded;
    }
  }
  if (!users.create) {
    throw new AuthError('misconfigured', {
      message: 'Creating users needs a UserStore with create.',
    });
  }
  return core.guarded(() => users.create!(data));
}

/**
 * Deletes a user a failed sign-in just created, whom nobody can reach: best effort and not
 * awaited (the request already fails, most likely because a store does).
 */
export function discardUser<User extends BaseUser>(core: Core<User>, id: string): void {
  const { users } = core.opts;
  if (users.delete) Promise.resolve(core.guarded(() => users.delete!(id))).catch(() => undefined);
}

/**
 * A guest signed in to an existing account: the app's `onLinkAccount` moves the guest's data,
 * then the guest is deleted.
 */
export async function mergeGuest<User extends BaseUser>(
  core: Core<User>,
  ctx: Context,
  guest: User,
  user: User,
): Promise<void> {
  const { onLinkAccount, users } = core.opts;
  if (onLinkAccount) await core.guarded(() => onLinkAccount({ anonymous: guest, user, ctx }));
  if (users.delete) await core.guarded(() => users.delete!(guest.id));
  core.events.emit('guest_merged', { userId: user.id, guestId: guest.id });
}
