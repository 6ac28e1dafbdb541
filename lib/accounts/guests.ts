import type { Context } from 'koa';
import type { Core } from '../core.js';
import { AuthError } from '../errors.js';
import { checkCsrf, isUnsafe } from '../http/csrf.js';
import { signInOf } from '../session/sign-in.js';
import type { BaseUser } from '../stores/types.js';

/**
 * Signs in as a guest: a new user with `anonymous: true` and a session (the user already
 * signed in, if any). A later sign-in by any method upgrades the guest in place (same id), or,
 * for an existing account, hands the guest to `onLinkAccount` and deletes it. Guests pass
 * `@OptionalAuth`, and `@LoginRequired` only with `{ allowAnonymous: true }`. Rate-limited
 * per IP, refused from another site.
 */
export async function signInAsGuest<User extends BaseUser>(
  core: Core<User>,
  ctx: Context,
): Promise<User> {
  if (isUnsafe(ctx.method)) checkCsrf(ctx, core.opts);
  const signIn = signInOf<User>(ctx);
  if (signIn.user) return signIn.user;
  await core.limits.consume(ctx, 'guest');
  const data = { anonymous: true } as unknown as Omit<User, 'id'>;
  const user = await createOrUpgrade(core, undefined, data);
  try {
    await signIn.login(user, 'anonymous');
  } catch (err) {
    discardUser(core, user.id); // a guest nobody holds
    throw err;
  }
  core.events.emit('guest_created', { userId: user.id });
  return user;
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
    const upgraded = await core.bounded(() => users.update!(guest.id, patch));
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
  return core.bounded(() => users.create!(data));
}

/**
 * Deletes a user a failed sign-in just created, whom nobody can reach: best effort and not
 * awaited (the request already fails, most likely because a store does).
 */
export function discardUser<User extends BaseUser>(core: Core<User>, id: string): void {
  const { users } = core.opts;
  if (users.delete) Promise.resolve(core.bounded(() => users.delete!(id))).catch(() => undefined);
}
