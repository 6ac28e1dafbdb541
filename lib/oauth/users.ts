import { createOrUpgrade, discardUser } from '../accounts/guests.js';
import type { Core } from '../core.js';
import { AuthError } from '../errors.js';
import { signInOf } from '../session/sign-in.js';
import { hasProvenEmail } from '../accounts/email-proof.js';
import type { OAuthLoginArgs, OnOAuthLogin } from './options.js';
import type { BaseUser, UserStore } from '../stores/types.js';

/**
 * Decides who a provider sign-in signs in: the app's `onOAuthLogin` first (a user, `false` to
 * refuse, nothing for the default), then the default:
 * 1. the user already linked to this provider account;
 * 2. when someone is signed in, that user (the provider account is linked to them);
 * 3. the user with the same email, only when the provider verified the email **and** that
 *    user's own email is verified (no pre-hijacking through an unverified account); an
 *    account with that email that does not qualify refuses with 409 `account_exists`;
 * 4. a new user (its `email` set only when the provider verified it), linked to the account.
 */
export async function resolveOAuthUser<User extends BaseUser>(
  core: Core<User>,
  onOAuthLogin: OnOAuthLogin<User> | undefined,
  args: OAuthLoginArgs<User>,
): Promise<User> {
  const { opts } = core;
  if (onOAuthLogin) {
    const decided = await core.bounded(() => onOAuthLogin(args));
    if (decided === false) throw new AuthError('login_refused');
    if (decided !== undefined && decided !== null) {
      if (typeof (decided as BaseUser).id !== 'string') {
        throw new AuthError('misconfigured', {
          message: 'onOAuthLogin must return a user with a string id, false, or nothing',
        });
      }
      return decided as User;
    }
  }
  return defaultUser(core, opts.users, args);
}

async function defaultUser<User extends BaseUser>(
  core: Core<User>,
  users: UserStore<User>,
  { provider, profile, currentUser, ctx }: OAuthLoginArgs<User>,
): Promise<User> {
  const { findByAccount, linkAccount, create } = users;
  if (!findByAccount || !linkAccount || !create) {
    throw new AuthError('misconfigured', {
      message:
        'Provider sign-in needs a UserStore with findByAccount, linkAccount and create (MemoryUserStore has them), or an onOAuthLogin hook.',
    });
  }
  const call = <T>(work: () => Promise<T>): Promise<T> => Promise.resolve(core.bounded(work));
  const link = async (user: User): Promise<User> => {
    await call(() =>
      linkAccount.call(users, user.id, { provider, subject: profile.id, email: profile.email }),
    );
    core.events.emit('account_linked', { userId: user.id, provider });
    return user;
  };
  const email = profile.email?.trim().toLowerCase();
  const data = {
    ...(email && profile.emailVerified ? { email, emailVerified: true } : {}),
    ...(profile.name !== undefined ? { name: profile.name } : {}),
    ...(profile.picture !== undefined ? { picture: profile.picture } : {}),
  } as unknown as Omit<User, 'id'>;
  const linked = await call(() => findByAccount.call(users, provider, profile.id));
  // a guest whose sign-up failed after its link (below) is upgraded now
  if (linked) return linked.anonymous === true ? createOrUpgrade(core, linked, data) : linked;
  if (currentUser && currentUser.anonymous !== true) {
    // a new way into the signed-in account: only soon after its own sign-in
    signInOf<User>(ctx).requireRecent();
    return link(currentUser);
  }
  if (email && users.findByEmail) {
    const existing = await call(() => users.findByEmail!(email));
    if (existing) {
      // the rule of every proof of an address (see claimProvenEmail), but a provider's word is
      // not the mailbox itself: an account that has not proven the address is refused here,
      // and its owner claims it with a mailed link, code or reset
      if (profile.emailVerified && hasProvenEmail(existing)) return link(existing);
      throw new AuthError('account_exists');
    }
  }
  if (currentUser?.anonymous === true && users.update) {
    // A guest signing up keeps its id: linked first, then upgraded, so a store failing in
    // between leaves a guest (never a full account without a way in), and the next sign-in
    // with this provider account finishes the upgrade.
    await link(currentUser);
    return createOrUpgrade(core, currentUser, data);
  }
  const user = await createOrUpgrade(core, undefined, data);
  try {
    return await link(user);
  } catch (err) {
    discardUser(core, user.id); // a new user the link failed for has no way in
    throw err;
  }
}
