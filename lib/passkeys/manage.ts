import type { Core } from '../core.js';
import { AuthError, badRequest } from '../errors.js';
import { methodsOf } from '../accounts/methods.js';
import { withWaysInLease } from '../accounts/lease.js';
import type { BaseUser, UserStore } from '../stores/types.js';
import { type PasskeyInfo, passkeyInfo } from '../stores/passkey.js';

/** A UserStore that keeps passkeys. */
export type PasskeyStore<User extends BaseUser> = UserStore<User> &
  Required<
    Pick<
      UserStore<User>,
      'passkeysOf' | 'findPasskey' | 'savePasskey' | 'updatePasskey' | 'deletePasskey'
    >
  >;

/** The UserStore methods that turn passkeys on. */
export const METHODS = [
  'passkeysOf',
  'findPasskey',
  'savePasskey',
  'updatePasskey',
  'deletePasskey',
] as const;

/** A credential id as browsers send it: base64url, 16 to 1023 bytes. */
export const CREDENTIAL_ID = /^[A-Za-z0-9_-]{16,1400}$/;

/** A UserStore call, failing closed (503) within `storeTimeout`. */
export function passkeyCall<User extends BaseUser, T>(
  core: Core<User>,
  work: (users: PasskeyStore<User>) => Promise<T>,
): Promise<T> {
  const users = core.opts.users as PasskeyStore<User>;
  return Promise.resolve(core.bounded(() => work(users)));
}

/** `user`'s passkeys, oldest first. */
export async function listPasskeys<User extends BaseUser>(
  core: Core<User>,
  user: User,
): Promise<PasskeyInfo[]> {
  const all = await passkeyCall(core, (u) => u.passkeysOf(user.id));
  return all.map(passkeyInfo).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Renames one of `user`'s passkeys; undefined when it is not theirs; 400 for a bad name. */
export async function renamePasskey<User extends BaseUser>(
  core: Core<User>,
  user: User,
  id: unknown,
  name: unknown,
): Promise<PasskeyInfo | undefined> {
  const chosen = nameOf(name);
  if (chosen === undefined) throw badName();
  const theirs = await theirId(core, user, id);
  if (theirs === undefined) return undefined;
  const updated = await passkeyCall(core, (u) =>
    u.updatePasskey(user.id, theirs, { name: chosen }),
  );
  return updated && passkeyInfo(updated);
}

/**
 * Removes one of `user`'s passkeys; false when it is not theirs; 409 `last_sign_in_method`
 * when it is their only way in (no provider, password, email sign-in or other passkey); 409
 * `change_in_progress` while another change to their ways in runs.
 */
export async function removePasskey<User extends BaseUser>(
  core: Core<User>,
  user: User,
  id: unknown,
): Promise<boolean> {
  const theirs = await theirId(core, user, id);
  if (theirs === undefined) return false;
  return withWaysInLease(core, user.id, async (lease) => {
    const methods = await methodsOf(core, user);
    const left = methods.reduce((n, m) => n + (m.type === 'passkey' ? (m.count ?? 1) - 1 : 1), 0);
    if (left < 1) throw new AuthError('last_sign_in_method');
    lease.held();
    const deleted = await passkeyCall(core, (u) => u.deletePasskey(user.id, theirs));
    if (deleted) core.events.emit('passkey_removed', { userId: user.id, passkeyId: theirs });
    return deleted;
  });
}

/** `id` when it names a passkey of `user`, else undefined. */
async function theirId<User extends BaseUser>(
  core: Core<User>,
  user: User,
  id: unknown,
): Promise<string | undefined> {
  if (typeof id !== 'string' || !CREDENTIAL_ID.test(id)) return undefined;
  const found = await passkeyCall(core, (u) => u.findPasskey(id));
  return found?.userId === user.id ? id : undefined;
}

/** A passkey name: 1 to 64 printable characters, trimmed; undefined otherwise. */
export function nameOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const name = value.trim();
  // eslint-disable-next-line no-control-regex
  return name.length >= 1 && name.length <= 64 && !/[\u0000-\u001f\u007f]/.test(name)
    ? name
    : undefined;
}

/** 400 `invalid_request` for a bad passkey name. */
export function badName(): AuthError {
  return badRequest('invalid_request', { message: 'A passkey name has 1 to 64 characters.' });
}
