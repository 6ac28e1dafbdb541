import type { Core } from '../core.js';
import type { BaseUser } from '../stores/types.js';

/** One way a user can sign in. */
export interface SignInMethod {
  /** `provider` (with its name), `password`, `email` (links and codes), `passkey` (with a count). */
  type: 'provider' | 'password' | 'email' | 'passkey';
  provider?: string;
  email?: string;
  count?: number;
}

/** The ways `user` can sign in today. */
export async function methodsOf<User extends BaseUser>(
  core: Core<User>,
  user: User,
): Promise<SignInMethod[]> {
  const { users } = core.opts;
  const out: SignInMethod[] = [];
  const accounts = users.accountsOf ? await core.bounded(() => users.accountsOf!(user.id)) : [];
  for (const a of accounts)
    out.push({ type: 'provider', provider: a.provider, ...(a.email ? { email: a.email } : {}) });
  if (typeof (user as { passwordHash?: unknown }).passwordHash === 'string')
    out.push({ type: 'password' });
  if (core.opts.mailer && user.email && user.emailVerified === true)
    out.push({ type: 'email', email: user.email });
  const passkeys = (users as { passkeysOf?: (id: string) => Promise<unknown[]> }).passkeysOf;
  if (passkeys) {
    const list = await core.bounded(() => passkeys.call(users, user.id));
    if (list.length > 0) out.push({ type: 'passkey', count: list.length });
  }
  return out;
}
