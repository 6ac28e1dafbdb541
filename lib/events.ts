import { EventEmitter } from 'node:events';

/** Audit events and what each carries. None ever carries a password, token, cookie or key. */
export interface AuthEvents {
  /** A user signed in (a session started). */
  login: { userId: string; method: string };
  /** A sign-in failed (`method` is e.g. `oauth:github`; `code` the AuthError code). */
  login_failed: { method: string; code: string };
  /** A provider account was linked to a user. */
  account_linked: { userId: string; provider: string };
  /** A sign-in link was mailed. */
  magic_link_sent: { email: string };
  /** A sign-in code was mailed. */
  code_sent: { email: string };
  /**
   * A mail was given up on: `reason` is `send_failed` or `timeout` (every try failed),
   * `queue_full` (dropped) or `closed` (left at `auth.close()`). Never the mail's text or link.
   */
  mail_failed: {
    email: string;
    template: string;
    reason: 'send_failed' | 'timeout' | 'queue_full' | 'closed';
  };
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
  /** A provider account was unlinked from a user. */
  account_unlinked: { userId: string; provider: string };
  /** A guest user was created. */
  guest_created: { userId: string };
  /** A guest signed up: the same user, no longer anonymous. */
  guest_upgraded: { userId: string };
  /**
   * An address was proven from a browser other than the one that registered it: the
   * unverified account `userId` lost every session, token and way in set before the proof, or
   * (with `guestId`) the guest that registered it lost the address to the new account `userId`.
   */
  email_reclaimed: { userId: string; guestId?: string };
  /** A guest signed in to an existing account; the guest was deleted after `onLinkAccount`. */
  guest_merged: { userId: string; guestId: string };
  /** A session ended by sign-out. */
  logout: { userId: string };
  /** Tokens were issued to a user. */
  token_issued: { userId: string; scopes: readonly string[] };
  /** A refresh token was rotated. */
  token_refreshed: { userId: string };
  /** A spent refresh token came back: its whole family was revoked. */
  token_reuse: { userId: string };
  /** A token or a refresh family was revoked on request. */
  token_revoked: { userId: string; tokenType: 'access' | 'refresh' };
  /** Every session and token of a user was ended. */
  signed_out_everywhere: { userId: string };
  /** `isUserValid` refused a signed-in user; their session was ended. */
  user_rejected: { userId: string };
  /** A signed-in user registered a passkey (`passkeyId`: its credential id). */
  passkey_added: { userId: string; passkeyId: string };
  /** A user removed one of their passkeys. */
  passkey_removed: { userId: string; passkeyId: string };
  /**
   * Portcullis refused a request that presented something (4xx): a bearer token refused
   * (`token_invalid`, `token_expired`, `token_revoked`), a role or scope missing (`forbidden`,
   * `insufficient_scope`), a cross-site post (`csrf_failed`), a limit reached (`rate_limited`),
   * a spent or forged link or code, wrong credentials. Not for a request that simply carried no
   * credentials (`login_required`, `token_missing`). `userId` when someone is signed in.
   */
  request_refused: { code: string; status: number; method: string; path: string; userId?: string };
}

/** An event's name. */
export type AuthEventName = keyof AuthEvents;

/** A listener for one event. */
export type AuthEventListener<E extends AuthEventName> = (
  event: AuthEvents[E] & { type: E; at: Date },
) => void;

/** A small typed wrapper over `EventEmitter`; a throwing listener never breaks a request. */
export class AuthEventBus {
  private readonly emitter = new EventEmitter({ captureRejections: true });

  constructor(private readonly onListenerError: (err: unknown) => void) {
    // A listener that throws, or returns a promise that rejects, is reported, never fatal.
    this.emitter.on('error', onListenerError);
  }

  on<E extends AuthEventName>(event: E, listener: AuthEventListener<E>): void {
    this.emitter.on(event, listener);
  }

  off<E extends AuthEventName>(event: E, listener: AuthEventListener<E>): void {
    this.emitter.off(event, listener);
  }

  emit<E extends AuthEventName>(event: E, data: AuthEvents[E]): void {
    if (this.emitter.listenerCount(event) === 0) return;
    try {
      this.emitter.emit(event, { ...data, type: event, at: new Date() });
    } catch (err) {
      this.onListenerError(err);
    }
  }
}
