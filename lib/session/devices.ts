import type { Context } from 'koa';
import type { Core } from '../core.js';
import { badRequest, isAuthError, storeUnavailable, unauthorized } from '../errors.js';
import type { BaseUser } from '../stores/types.js';
import { signInOf } from './sign-in.js';
import type { SessionInfo, SignInRecord } from './types.js';

/** `ctx.auth.sessions`: the signed-in user's sessions on every device. */
export interface RequestSessions {
  /** Every live session of the user, this one marked. */
  list(): Promise<SessionInfo[]>;
  /** Ends one session (any but this one); false when there is none with that id. */
  revoke(id: string): Promise<boolean>;
  /** Ends every other session; how many it ended. */
  revokeOthers(): Promise<number>;
}

/** `ctx.auth.sessions` of one request. A revoked session's cookie stops working at once. */
export function requestSessions<User extends BaseUser>(
  core: Core<User>,
  ctx: Context,
): RequestSessions {
  const signIn = signInOf<User>(ctx);
  const mine = (): { user: User; auth: SignInRecord } => {
    if (!signIn.user || !signIn.session) throw unauthorized('login_required');
    return { user: signIn.user, auth: signIn.session };
  };
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await core.bounded(work);
    } catch (err) {
      throw isAuthError(err) ? err : storeUnavailable(err);
    }
  };
  return {
    list: () => {
      const { user, auth } = mine();
      return run(async () =>
        core.sessions.list(user.id, auth, await core.generations.current(user.id)),
      );
    },
    revoke: (id) => {
      const { user, auth } = mine();
      if (typeof id !== 'string' || id.length > 64) throw badRequest('invalid_request');
      signIn.requireRecent();
      return run(() => core.sessions.revokeById(user.id, id, auth));
    },
    revokeOthers: () => {
      const { user, auth } = mine();
      signIn.requireRecent();
      return run(async () =>
        core.sessions.revokeOthers(user.id, auth, await core.generations.current(user.id)),
      );
    },
  };
}
