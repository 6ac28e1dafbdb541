import type { Core } from '../core.js';
import type { RateLimits } from '../ratelimit/limiter.js';
import type { BaseUser } from '../stores/types.js';
import type { Mailer } from './mailer.js';
import type { EmailSettings } from './options.js';
import { type MailFailure, type MailJob, MailQueue } from './queue.js';
import type { TemplateData, Templates } from './templates.js';

/**
 * Where every sign-in method's mail goes out: rendered from the templates, queued and sent off
 * the request path, failures reported. With the rate limits and settings the mailing methods
 * share (magic links, codes, passwords).
 */
export class Outbox<User extends BaseUser = BaseUser> {
  readonly limits: RateLimits;
  private readonly queue: MailQueue;

  constructor(
    private readonly core: Core<User>,
    mailer: Mailer,
    readonly settings: EmailSettings,
  ) {
    this.limits = core.limits;
    this.queue = new MailQueue(mailer, this.settings.queue, (job, reason, err) =>
      this.failed(job, reason, err),
    );
  }

  /**
   * Renders `template` for `to` and queues it: the request never waits for the mailer (a known
   * and an unknown address answer alike). A mail that cannot be sent emits `mail_failed`.
   */
  async deliver(
    to: string,
    template: keyof Templates,
    data: Omit<TemplateData, 'appName' | 'email'>,
  ): Promise<void> {
    const mail = this.settings.templates[template]({
      appName: this.settings.appName,
      email: to,
      ...data,
    });
    this.queue.push({ mail: { to, ...mail }, template });
  }

  /** Waits up to `email.closeTimeout` for queued mail to be sent, then gives up on the rest. */
  close(): Promise<void> {
    return this.queue.close(this.settings.closeMs);
  }

  /** Reports a mail given up on: an event and a warning, with the template and why, never its text. */
  private failed(job: MailJob, reason: MailFailure, err: unknown): void {
    const { events, opts } = this.core;
    events.emit('mail_failed', { email: job.mail.to, template: job.template, reason });
    try {
      opts.logger.warn(
        { event: 'mail_failed', template: job.template, reason, cause: causeOf(err) },
        'portcullis: a mail could not be sent',
      );
    } catch {
      // a throwing logger must not break the queue
    }
  }
}

/** The class name and error code of a mailer's failure (e.g. `Error ECONNECTION`), never its message. */
function causeOf(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${err.name} ${code.slice(0, 40)}` : err.name;
}
