/** The audit events of passkeys (see `AuthEvents`). */
export interface PasskeyEvents {
  /** A signed-in user registered a passkey (`passkeyId`: its credential id). */
  passkey_added: { userId: string; passkeyId: string };
  /** A user removed one of their passkeys. */
  passkey_removed: { userId: string; passkeyId: string };
}
