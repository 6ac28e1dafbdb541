/** The audit events of email + password accounts (see `AuthEvents`). */
export interface PasswordEvents {
  /** An account was created with email and password (its email not yet verified). */
  registered: { userId: string };
  /** A user changed their password (every other session and token ended). */
  password_changed: { userId: string };
  /** A password-reset link was mailed. */
  password_reset_requested: { userId: string };
  /** A password was reset through a mailed link (every session and token ended). */
  password_reset: { userId: string };
  /** A user confirmed their email address through a mailed link. */
  email_verified: { userId: string };
}
