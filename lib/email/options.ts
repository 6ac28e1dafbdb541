import { type Duration, toMs } from '../util/duration.js';
import type { Mailer } from './mailer.js';
import type { MailQueueSettings } from './queue.js';
import { defaultTemplates, type Templates } from './templates.js';

/** Email sign-in settings. */
export interface EmailOptions {
  /** The app's name in mails. @default baseUrl's host, else 'Portcullis' */
  appName?: string;
  /** Replaces some of the mail templates. */
  templates?: Partial<Templates>;
  /** How long a magic link works (ASVS 5.0 V6.5.5 caps out-of-band secrets at 10 minutes). @default '10m' */
  magicLinkTtl?: Duration;
  /** How long an email code works. @default '10m' */
  otpTtl?: Duration;
  /** Wrong tries before an email code is dead. @default 5 */
  otpAttempts?: number;
  /** A first sign-in by link or code creates the user (email verified). @default true */
  createUsers?: boolean;
  /** Mails that may wait for the mailer; past it a new one is dropped (`mail_failed`, `queue_full`). @default 1000 */
  queueSize?: number;
  /** A send the mailer has not answered this long counts as failed (and is tried again). @default '10s' */
  sendTimeout?: Duration;
  /** Wait before trying a failed send again, doubled each time (3 tries in all). @default '1s' */
  retryDelay?: Duration;
  /** How long `auth.close()` waits for queued mail before giving up on it. @default '5s' */
  closeTimeout?: Duration;
}

/** The email options, resolved. */
export interface EmailSettings {
  appName: string;
  templates: Templates;
  magicLinkMs: number;
  otpMs: number;
  otpAttempts: number;
  createUsers: boolean;
  queue: MailQueueSettings;
  closeMs: number;
}

/** Fills the email defaults and checks them; `baseOrigin` names the app in mails by default. */
export function emailSettings(e: EmailOptions | undefined, baseOrigin?: string): EmailSettings {
  return {
    appName: e?.appName ?? (baseOrigin ? new URL(baseOrigin).host : 'Portcullis'),
    templates: { ...defaultTemplates, ...e?.templates },
    magicLinkMs: toMs(e?.magicLinkTtl ?? '10m', 'email.magicLinkTtl'),
    otpMs: toMs(e?.otpTtl ?? '10m', 'email.otpTtl'),
    otpAttempts: attempts(e?.otpAttempts),
    createUsers: e?.createUsers ?? true,
    queue: queueSettings(e),
    closeMs: toMs(e?.closeTimeout ?? '5s', 'email.closeTimeout'),
  };
}

/** Checks the `mailer` option. */
export function checkMailer(mailer: Mailer | undefined): Mailer | undefined {
  if (mailer !== undefined && (typeof mailer !== 'object' || typeof mailer.send !== 'function')) {
    throw new TypeError(
      'Portcullis: `mailer` must have send(mail) (e.g. new SmtpMailer(...), new ConsoleMailer())',
    );
  }
  return mailer;
}

/** How mail is sent off the request path. */
function queueSettings(e: EmailOptions | undefined): MailQueueSettings {
  const size = e?.queueSize ?? 1000;
  if (!Number.isInteger(size) || size < 1) {
    throw new TypeError('Portcullis: email.queueSize must be a positive integer');
  }
  return {
    size,
    concurrency: 4,
    attempts: 3,
    timeoutMs: toMs(e?.sendTimeout ?? '10s', 'email.sendTimeout'),
    retryMs: toMs(e?.retryDelay ?? '1s', 'email.retryDelay'),
  };
}

function attempts(n: number | undefined): number {
  const v = n ?? 5;
  if (!Number.isInteger(v) || v < 1 || v > 20) {
    throw new TypeError('Portcullis: email.otpAttempts must be an integer from 1 to 20');
  }
  return v;
}
