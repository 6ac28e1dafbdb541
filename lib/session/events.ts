/** The audit events of the cookie session: signing in and out (see `AuthEvents`). */
export interface SessionEvents {
  /** A user signed in (a session started). */
  login: { userId: string; method: string };
  /** A sign-in failed (`method` is e.g. `oauth:github`; `code` the AuthError code). */
  login_failed: { method: string; code: string };
  /** A session ended by sign-out. */
  logout: { userId: string };
  /** Every session and token of a user was ended. */
  signed_out_everywhere: { userId: string };
  /** `isUserValid` refused a signed-in user; their session was ended. */
  user_rejected: { userId: string };
}
