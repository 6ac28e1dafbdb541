import type { BaseUser, MemoryMailer, UserStore } from 'portcullis';
import type { ApiTokens } from './api-tokens.js';

/**
 * The demo's users. `id`, `email`, `emailVerified`, `anonymous` and `passwordHash` are columns
 * of the SQLite user table; `name` and `picture` (from Demo ID, GitHub or Google) go into its
 * `data` JSON column.
 */
export interface DemoUser extends BaseUser {
  name?: string;
  picture?: string;
  passwordHash?: string;
}

/** A provider button on the sign-in page. */
export interface ProviderLink {
  /** The route name (`/auth/<name>/login`). */
  name: string;
  /** The button's label. */
  label: string;
}

/** What the demo's controllers share. */
export interface Site {
  /** The providers that are on, Demo ID first. */
  providers: ProviderLink[];
  /** The mailer whose mails `/dev/outbox` shows. */
  mailer: MemoryMailer;
  /** Whether `/dev/outbox` is on (never in production). */
  outbox: boolean;
  /** The API tokens users made on their account page. */
  apiTokens: ApiTokens;
  /** The users (for the linked provider accounts on the account page). */
  users: UserStore<DemoUser>;
  /** The app's origin, for the curl lines. */
  origin: string;
}
