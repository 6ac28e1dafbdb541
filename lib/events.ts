import { EventEmitter } from 'node:events';
import type { SessionEvents } from './session/events.js';
import type { TokenEvents } from './tokens/events.js';
import type { AccountEvents } from './accounts/events.js';
import type { EmailEvents } from './email/events.js';
import type { PasswordEvents } from './passwords/events.js';
import type { PasskeyEvents } from './passkeys/events.js';
import type { RefusalEvents } from './http/events.js';

/**
 * Audit events and what each carries, composed from each capability's own (`<folder>/events.ts`).
 * None ever carries a password, token, cookie or key.
 */
export interface AuthEvents
  extends
    SessionEvents,
    TokenEvents,
    AccountEvents,
    EmailEvents,
    PasswordEvents,
    PasskeyEvents,
    RefusalEvents {}

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
