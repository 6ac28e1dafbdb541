import type Koa from 'koa';
import type { Context } from 'koa';
import type { Keyring } from '../keys/keyring.js';
import type { Store } from '../stores/types.js';
import { randomToken } from '../util/encoding.js';
import { type Opened, SessionCookie } from './cookie.js';
import type { SessionSettings } from './options.js';
import { SessionRegistry } from './registry.js';
import type { SessionInfo, SignInRecord } from './types.js';

export type { Opened };
export type { SessionInfo, SignInRecord } from './types.js';

/**
 * Encrypted cookie sessions: the sign-in sealed in the cookie ({@link SessionCookie}: koa-session,
 * sealing, the cache of opened cookies) and registered in the Store ({@link SessionRegistry}:
 * one record per sign-in, each user's index of sessions), so a sign-out kills the cookie even
 * if it is replayed. This class starts and ends sessions across the two.
 */
export class SessionManager {
  private readonly cookie: SessionCookie;
  private readonly registry: SessionRegistry;

  constructor(ring: Keyring, store: Store, cfg: SessionSettings) {
    this.cookie = new SessionCookie(ring, cfg);
    this.registry = new SessionRegistry(ring, store, cfg);
  }

  /**
   * The current revision to validate against (read it before the store lookups), or undefined
   * when the store is remote and every request must read it.
   */
  revisionNow(): number | undefined {
    return this.registry.revisionNow();
  }

  /** True when `opened` was found live at the current revision: nothing revoked since. */
  isKnownLive(opened: Opened): boolean {
    const now = this.registry.revisionNow();
    return now !== undefined && opened.live === now;
  }

  /** Installs koa-session on the app once (with our codec and cookie jar); per request it costs nothing. */
  install(app: Koa): void {
    this.cookie.install(app);
  }

  /** Saves `ctx.session` (koa-session's commit) if this request touched it. */
  commit(ctx: Context): Promise<void> {
    return this.cookie.commit(ctx);
  }

  /** The sealed session value the request carries (whole or chunked), if any. */
  sealedFrom(ctx: Context): string | undefined {
    return this.cookie.sealedFrom(ctx);
  }

  /** The sign-in in a sealed value, if it opens and is within its lifetimes (cached). */
  open(sealed: string, now: number): Opened | undefined {
    return this.cookie.open(sealed, now);
  }

  /** Checks the registry; returns the sign-out generation the session was issued under, or undefined when it is dead. */
  registered(auth: SignInRecord): Promise<number | undefined> {
    return this.registry.registered(auth);
  }

  /** Re-seals a live session whose last-seen time is older than `touchInterval`, or its key. */
  refresh(ctx: Context, opened: Opened, now: number): boolean {
    return this.cookie.refresh(ctx, opened, now);
  }

  /** Records when a session was last seen, for the session list. */
  seen(auth: SignInRecord, now: number): Promise<void> {
    return this.registry.seen(auth, now);
  }

  /** The user's live sessions, newest first (`generation`: the user's current sign-out generation). */
  list(
    userId: string,
    current: SignInRecord | undefined,
    generation: number,
  ): Promise<SessionInfo[]> {
    return this.registry.list(userId, current, generation);
  }

  /** Ends the user's session with public id `id` (false when there is none); `except` is never ended. */
  revokeById(userId: string, id: string, except?: SignInRecord): Promise<boolean> {
    return this.registry.revokeById(userId, id, except);
  }

  /** Ends every session of the user but `keep`; returns how many were live. */
  revokeOthers(
    userId: string,
    keep: SignInRecord | undefined,
    generation: number,
  ): Promise<number> {
    return this.registry.revokeOthers(userId, keep, generation);
  }

  /**
   * Starts a new session for `userId` (new id; `previous`, if any, is revoked). A store failing
   * at any step leaves nothing signed in that the user cannot see or end: the old session ends
   * first (the browser is signed out, never in twice), and when any later write fails (perhaps
   * written, its answer lost) the new record is deleted, without waiting, so an id that got
   * listed reads as ended and the next sweep drops it. Each id is listed only once its record
   * exists, so a sweep never drops a session that is being started.
   */
  async start(
    ctx: Context,
    userId: string,
    generation: number,
    previous: SignInRecord | undefined,
  ): Promise<SignInRecord> {
    const now = Date.now();
    const auth: SignInRecord = { id: randomToken(18), userId, signedInAt: now, lastSeenAt: now };
    const old = previous ?? this.cookie.peek(ctx);
    if (old) await this.registry.revoke(old);
    try {
      await this.registry.register(auth, generation, ctx.get('User-Agent').slice(0, 200));
      await this.registry.index(auth);
    } catch (err) {
      this.registry.forget(auth);
      throw err;
    }
    this.cookie.write(ctx, auth);
    return auth;
  }

  /** Ends the session: revoked in the registry and the cookie cleared. */
  async end(ctx: Context, known: SignInRecord | undefined): Promise<SignInRecord | undefined> {
    const auth = known ?? this.cookie.peek(ctx);
    if (auth) await this.registry.revoke(auth);
    this.cookie.clear(ctx);
    return auth;
  }

  /** Revokes a session in the registry, best effort and without waiting (a sign-in that failed). */
  abandon(auth: SignInRecord): void {
    this.registry.revoke(auth).catch(() => undefined);
  }

  /** Clears the cookie without touching the registry (for a session found dead). */
  drop(ctx: Context): void {
    this.cookie.clear(ctx);
  }

  /** Seals a new session for `userId` outside a request (the test kit); returns the Cookie header value. */
  async cookieFor(userId: string, generation: number): Promise<string> {
    const now = Date.now();
    const auth: SignInRecord = { id: randomToken(18), userId, signedInAt: now, lastSeenAt: now };
    await this.registry.register(auth, generation);
    return this.cookie.header(auth, now);
  }
}
