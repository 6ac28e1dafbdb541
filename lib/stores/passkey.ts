/**
 * A passkey as the UserStore keeps it: one WebAuthn credential of one user. Nothing here is a
 * secret (the private key never leaves the authenticator), but only `PasskeyInfo` is shown.
 */
export interface Passkey {
  /** The credential id (base64url), unique across all users: sign-in looks it up by this. */
  id: string;
  /** The user it belongs to. */
  userId: string;
  /** The credential's COSE public key, base64url. */
  publicKey: string;
  /** The signature counter last seen (0 for authenticators that do not count). */
  counter: number;
  /** The WebAuthn user handle given at registration (base64url), checked at sign-in. */
  userHandle: string;
  /** How the authenticator can be reached (`internal`, `hybrid`, `usb`, ...), as it said. */
  transports?: string[] | undefined;
  /** A name the user chose (or `Passkey`). */
  name: string;
  /** `multiDevice` for a synced passkey, `singleDevice` for a device-bound one. */
  deviceType: 'singleDevice' | 'multiDevice';
  /** True when a synced passkey is backed up. */
  backedUp: boolean;
  /** When it was registered (ISO 8601). */
  createdAt: string;
  /** When it last signed in (ISO 8601), if ever. */
  lastUsedAt?: string | undefined;
}

/** What `updatePasskey` may change. */
export type PasskeyPatch = Partial<Pick<Passkey, 'name' | 'counter' | 'backedUp' | 'lastUsedAt'>>;

/** What the user and the app see of a passkey (`GET /auth/passkeys`, `ctx.auth.passkeys.list()`). */
export interface PasskeyInfo {
  /** The credential id (base64url): the `:id` of `PATCH` / `DELETE /auth/passkeys/:id`. */
  id: string;
  name: string;
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  transports: string[];
  createdAt: string;
  lastUsedAt: string | null;
}

/** The public view of a stored passkey. */
export function passkeyInfo(p: Passkey): PasskeyInfo {
  return {
    id: p.id,
    name: p.name,
    deviceType: p.deviceType,
    backedUp: p.backedUp,
    transports: [...(p.transports ?? [])],
    createdAt: p.createdAt,
    lastUsedAt: p.lastUsedAt ?? null,
  };
}
