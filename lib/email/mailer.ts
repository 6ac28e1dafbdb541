import type { Transporter } from 'nodemailer';

/** One mail: plain text always, HTML when there is an HTML part. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html?: string | undefined;
}

/**
 * Where Portcullis sends its mails (sign-in links, codes, resets). Implement `send` to use
 * your own delivery; it should reject when the mail was not accepted.
 *
 * @example
 * ```ts
 * const mailer: Mailer = { send: (mail) => myQueue.push(mail) };
 * ```
 */
export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/**
 * Sends through SMTP with `nodemailer`; takes its transport options (or a transporter).
 *
 * @example
 * ```ts
 * new SmtpMailer({ host: 'smtp.example.com', port: 587, auth: { user, pass } }, { from: 'App <no-reply@example.com>' })
 * ```
 */
export class SmtpMailer implements Mailer {
  private transporter: Promise<Transporter> | undefined;

  constructor(
    private readonly transport: Record<string, unknown> | Transporter,
    private readonly defaults: { from: string },
  ) {
    if (!defaults || typeof defaults.from !== 'string' || defaults.from === '') {
      throw new TypeError('SmtpMailer: { from } is required (e.g. "App <no-reply@example.com>")');
    }
  }

  async send(mail: Mail): Promise<void> {
    const transporter = await (this.transporter ??= this.open());
    await transporter.sendMail({ from: this.defaults.from, ...mail });
  }

  /** Closes the SMTP connections. */
  async close(): Promise<void> {
    if (this.transporter) (await this.transporter).close();
  }

  private async open(): Promise<Transporter> {
    if (typeof (this.transport as Transporter).sendMail === 'function')
      return this.transport as Transporter;
    const { createTransport } = await import('nodemailer');
    return createTransport(this.transport as never);
  }
}

/**
 * Prints mails to the console, for development: the link or code is right there in the
 * terminal. Never use it in production (it prints sign-in links).
 */
export class ConsoleMailer implements Mailer {
  // eslint-disable-next-line no-console -- printing mails is what this mailer is for
  constructor(private readonly print: (line: string) => void = (line) => console.log(line)) {}

  send(mail: Mail): Promise<void> {
    this.print(`--- mail to ${mail.to}: ${mail.subject}\n${mail.text}\n---`);
    return Promise.resolve();
  }
}

/**
 * Keeps mails in memory (newest last), for tests and a demo's outbox.
 *
 * @example
 * ```ts
 * const mailer = new MemoryMailer();
 * // ... after a sign-in link was requested:
 * mailer.last('ada@example.com')?.text;
 * ```
 */
export class MemoryMailer implements Mailer {
  readonly sent: Mail[] = [];

  constructor(private readonly max = 1000) {}

  send(mail: Mail): Promise<void> {
    this.sent.push({ ...mail });
    if (this.sent.length > this.max) this.sent.shift();
    return Promise.resolve();
  }

  /** The last mail sent to `to` (or the last of all). */
  last(to?: string): Mail | undefined {
    for (let i = this.sent.length - 1; i >= 0; i--) {
      if (to === undefined || this.sent[i]!.to === to) return this.sent[i];
    }
    return undefined;
  }
}
