import type { Mail, Mailer } from './mailer.js';

/** Why a mail was not delivered: the `reason` of a `mail_failed` event. */
export type MailFailure = 'send_failed' | 'timeout' | 'queue_full' | 'closed';

/** One rendered mail waiting for the mailer, with the template it came from. */
export interface MailJob {
  mail: Mail;
  template: string;
}

/** How the queue sends. */
export interface MailQueueSettings {
  /** Mails that may wait (not counting those being sent); past it a new one is dropped. */
  size: number;
  /** Sends in flight at once. */
  concurrency: number;
  /** Tries per mail (the first send and its retries). */
  attempts: number;
  /** A send with no answer within this many ms counts as failed. */
  timeoutMs: number;
  /** Wait before the first retry, in ms; doubled before each further one. */
  retryMs: number;
}

interface Entry extends MailJob {
  tries: number;
}

/**
 * Sends mail off the request path: `push()` returns at once, a few workers send with a timeout,
 * retry with backoff, and report a mail given up on to `onFailed` (never with its text). When a
 * worker is free the send starts inside `push()`, so an in-memory mailer holds the mail by the
 * time the request answers; the request never waits for the send to finish.
 *
 * @example
 * ```ts
 * const queue = new MailQueue(mailer, settings, (job, reason) => log(job.template, reason));
 * queue.push({ mail, template: 'magicLink' });
 * await queue.close(5000);
 * ```
 */
export class MailQueue {
  private readonly waiting: Entry[] = [];
  private readonly sending = new Set<Entry>();
  private readonly sleeping = new Map<Entry, NodeJS.Timeout>();
  private readonly idle: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly mailer: Mailer,
    private readonly settings: MailQueueSettings,
    private readonly onFailed: (job: MailJob, reason: MailFailure, err?: unknown) => void,
  ) {}

  /** Queues a mail (sending it now when a worker is free); drops it when the queue is full or closed. */
  push(job: MailJob): void {
    if (this.closed) return this.onFailed(job, 'closed');
    if (this.waiting.length + this.sleeping.size >= this.settings.size) {
      return this.onFailed(job, 'queue_full');
    }
    this.waiting.push({ ...job, tries: 0 });
    this.pump();
  }

  /** Mails not yet sent or given up on. */
  get pending(): number {
    return this.waiting.length + this.sleeping.size + this.sending.size;
  }

  /**
   * Stops taking mail and waits up to `timeoutMs` for what is queued to be sent; what is left
   * then is given up on (`closed`). Resolves early when the queue is empty.
   */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    if (this.pending > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.idle.push(resolve);
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
    }
    this.giveUpAll();
  }

  private pump(): void {
    while (this.sending.size < this.settings.concurrency && this.waiting.length > 0) {
      const entry = this.waiting.shift()!;
      this.sending.add(entry);
      void this.attempt(entry);
    }
    if (this.pending === 0) for (const done of this.idle.splice(0)) done();
  }

  private async attempt(entry: Entry): Promise<void> {
    entry.tries++;
    let failure: { reason: MailFailure; err?: unknown } | undefined;
    try {
      await this.sendInTime(entry.mail);
    } catch (err) {
      failure = err === TIMEOUT ? { reason: 'timeout' } : { reason: 'send_failed', err };
    }
    if (!this.sending.delete(entry)) return; // given up on by close() meanwhile
    if (failure && entry.tries < this.settings.attempts) {
      const delay = this.settings.retryMs * 2 ** (entry.tries - 1);
      const timer = setTimeout(() => {
        this.sleeping.delete(entry);
        this.waiting.push(entry);
        this.pump();
      }, delay);
      timer.unref();
      this.sleeping.set(entry, timer);
    } else if (failure) {
      this.onFailed(entry, failure.reason, failure.err);
    }
    this.pump();
  }

  /** The mailer's send, rejected with {@link TIMEOUT} when it has not answered in time. */
  private sendInTime(mail: Mail): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(TIMEOUT), this.settings.timeoutMs);
      timer.unref();
    });
    let sent: Promise<void>;
    try {
      sent = Promise.resolve(this.mailer.send({ ...mail }));
    } catch (err) {
      sent = Promise.reject(err);
    }
    return Promise.race([sent, late]).finally(() => clearTimeout(timer));
  }

  private giveUpAll(): void {
    for (const [entry, timer] of this.sleeping) {
      clearTimeout(timer);
      this.onFailed(entry, 'closed');
    }
    this.sleeping.clear();
    for (const entry of [...this.waiting.splice(0), ...this.sending])
      this.onFailed(entry, 'closed');
    this.sending.clear();
  }
}

const TIMEOUT = Symbol('mail send timeout');
