import type { Context } from 'koa';
import type { Core } from '../core.js';
import type { LinkAccountArgs } from '../options.js';
import { AuthError, isAuthError, storeUnavailable, unauthorized } from '../errors.js';
import type { BaseUser } from '../stores/types.js';
import { Generations } from '../tokens/generations.js';
import type { SignInRecord } from './types.js';

export type { LinkAccountArgs };

const KEY = Symbol('portcullis:sign-in');

/**
 * The cookie session of one request: who is signed in, and signing in and out. Every sign-in
 * method (email, passwords, providers, passkeys, guests) signs in through here; `ctx.auth`
 * delegates to it.
 */
export class SignIn<User extends BaseUser = BaseUser> {
  /** The user of a live cookie session, if any. */
  user: User | undefined;
  /** The sign-in sealed in the cookie, if it is live. */
  session: SignInRecord | undefined;

  constructor(
    private readonly core: Core<User>,
    private readonly ctx: Context,
  ) {
    (ctx as { [KEY]?: unknown })[KEY] = this;
  }

  /**
   * Signs `user` in with a new session (the previous session id, if any, is dead). A guest
   * signed in here is handed to `onLinkAccount` and deleted, unless `mergeGuest` is false
   * (a sign-in this browser did not ask for: the guest is left as it was).
   */
  async login(
    user: User,
    method = 'session',
    { mergeGuest: merge = true }: { mergeGuest?: boolean } = {},
  ): Promise<void> {
    if (!user || typeof user.id !== 'string' || user.id === '') {
      throw new TypeError('ctx.login(user): user must have a string id');
    }
    const guest = this.user;
    if (merge && guest?.anonymous === true && guest.id !== user.id) {
      await mergeGuest(this.core, this.ctx, guest, user);
    }
    try {
      const generation = await this.core.generations.current(user.id);
      this.session = await this.core.sessions.start(this.ctx, user.id, generation, this.session);
    } catch (err) {
      // A sign-in that fails leaves the browser signed out, never on its old session id: a
      // guest upgraded just before (same user id) must not carry on under a session id it
      // had before signing in. Best effort, not awaited: the store is failing.
      if (this.session) this.core.sessions.abandon(this.session);
      throw err;
    }
    this.user = user;
    this.ctx.state.user = user;
    this.core.events.emit('login', { userId: user.id, method });
  }

  /**
   * Before a change to how the user signs in, or ending other sessions: 403
   * `reauthentication_required` when this session's sign-in is older than
   * `session.reauthenticateAfter` (401 `login_required` without a session).
   */
  requireRecent(): void {
    const s = this.session;
    if (!s || !this.user) throw unauthorized('login_required');
    if (Date.now() - s.signedInAt > this.core.opts.session.reauthMs) {
      throw new AuthError('reauthentication_required');
    }
  }

  /** Ends the cookie session: revoked on the server, cookie cleared. */
  async logout(): Promise<void> {
    const live = this.session;
    await this.core.sessions.end(this.ctx, live);
    // a cookie that was already dead (replayed after a sign-out) is cleared, and not reported
    if (live) this.core.events.emit('logout', { userId: live.userId });
    this.session = undefined;
    this.user = undefined;
    this.ctx.state.user = undefined;
  }

  /**
   * Loads the session user from a sealed cookie value; clears dead sessions. A store that fails
   * answers 503 (never a pass as anonymous).
   */
  async resolve(sealed: string): Promise<void> {
    const { core, ctx } = this;
    const now = Date.now();
    const opened = core.sessions.open(sealed, now);
    const auth = opened?.auth;
    if (!auth) return;
    try {
      let user: User | undefined;
      if (core.sessions.isKnownLive(opened)) {
        user = await core.findUser(auth.userId);
      } else {
        const revision = core.sessions.revisionNow();
        const generation = await core.sessions.registered(auth);
        if (generation === undefined) return core.sessions.drop(ctx);
        const current = await core.generations.current(auth.userId);
        user = Generations.alive(generation, current)
          ? await core.findUser(auth.userId)
          : undefined;
        if (user) opened.live = revision;
      }
      if (!user) return void (await core.sessions.end(ctx, auth));
      if (core.opts.isUserValid && !(await core.bounded(() => core.opts.isUserValid!(user, ctx)))) {
        await core.sessions.end(ctx, auth);
        core.events.emit('user_rejected', { userId: user.id });
        return;
      }
      if (core.sessions.refresh(ctx, opened, now)) await core.sessions.seen(auth, now);
      this.session = auth;
      this.user = user;
    } catch (err) {
      throw isAuthError(err) ? err : storeUnavailable(err);
    }
  }
}

/** The cookie session of this request; a clear error when `auth.middleware()` did not run first. */
export function signInOf<User extends BaseUser>(ctx: Context): SignIn<User> {
  const found = (ctx as { [KEY]?: unknown })[KEY];
  if (!(found instanceof SignIn)) {
    throw new AuthError('misconfigured', {
      message: 'app.use(auth.middleware()) must come before guarded routes.',
    });
  }
  return found as SignIn<User>;
}

/**
 * A guest signed in to an existing account: the app's `onLinkAccount` moves the guest's data,
 * then the guest is deleted.
 */
async function mergeGuest<User extends BaseUser>(
  core: Core<User>,
  ctx: Context,
  guest: User,
  user: User,
): Promise<void> {
  const { onLinkAccount, users } = core.opts;
  if (onLinkAccount) await core.bounded(() => onLinkAccount({ anonymous: guest, user, ctx }));
  if (users.delete) await core.bounded(() => users.delete!(guest.id));
  core.events.emit('guest_merged', { userId: user.id, guestId: guest.id });
}
