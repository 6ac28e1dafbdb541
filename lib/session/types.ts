/**
 * A sign-in, as the session cookie carries it (sealed, under short names to keep the cookie
 * small; `lib/session/cookie.ts` decodes it to this at the boundary). `ctx.auth.session`.
 *
 * @example
 * ```ts
 * const session = ctx.auth.session;
 * if (session && Date.now() - session.signedInAt > 3_600_000) ctx.throw(403, 'sign in again');
 * ```
 */
export interface SignInRecord {
  /** The session's secret id (its key in the registry; a new one at every sign-in). */
  readonly id: string;
  /** The signed-in user's id. */
  readonly userId: string;
  /** When the user signed in (ms since the epoch). */
  readonly signedInAt: number;
  /** When the session was last seen (ms since the epoch), refreshed every `touchInterval`. */
  readonly lastSeenAt: number;
}

/** One of a user's sessions, as `ctx.auth.sessions.list()` shows it. */
export interface SessionInfo {
  /** A public id for this session (not the session's secret id). */
  id: string;
  /** True for the session of this request. */
  current: boolean;
  /** The browser or app that signed in (its User-Agent). */
  device: string;
  /** When it signed in. */
  createdAt: string;
  /** When it was last seen (to the `touchInterval`). */
  lastSeenAt: string;
}
