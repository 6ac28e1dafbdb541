/** The audit events of guests, linked sign-in methods, addresses proven later (see `AuthEvents`). */
export interface AccountEvents {
  /** A provider account was linked to a user. */
  account_linked: { userId: string; provider: string };
  /** A provider account was unlinked from a user. */
  account_unlinked: { userId: string; provider: string };
  /** A guest user was created. */
  guest_created: { userId: string };
  /** A guest signed up: the same user, no longer anonymous. */
  guest_upgraded: { userId: string };
  /** A guest signed in to an existing account; the guest was deleted after `onLinkAccount`. */
  guest_merged: { userId: string; guestId: string };
  /**
   * An address was proven from a browser other than the one that registered it: the
   * unverified account `userId` lost every session, token and way in set before the proof, or
   * (with `guestId`) the guest that registered it lost the address to the new account `userId`.
   */
  email_reclaimed: { userId: string; guestId?: string };
}
