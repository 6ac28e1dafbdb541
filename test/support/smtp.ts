/**
 * A real SMTP server in the test process (`smtp-server`) on 127.0.0.1: every message Portcullis
 * sends through `SmtpMailer` arrives here, is parsed with `mailparser`, and waits for the test.
 */
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { SmtpMailer } from '../../lib/index.js';

export interface Inbox {
  port: number;
  mailer: SmtpMailer;
  /** Every parsed message, in arrival order. */
  messages: ParsedMail[];
  /** The next message to `to` (waits up to 5 s). */
  next(to: string): Promise<ParsedMail>;
  /** The first link in a message's text. */
  link(mail: ParsedMail): URL;
  close(): Promise<void>;
}

export async function startInbox(): Promise<Inbox> {
  const messages: ParsedMail[] = [];
  const waiting: Array<{ to: string; resolve: (m: ParsedMail) => void }> = [];
  const taken = new Set<ParsedMail>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push(mail);
          const to = recipients(mail);
          const i = waiting.findIndex((w) => to.includes(w.to));
          if (i >= 0) {
            taken.add(mail);
            waiting.splice(i, 1)[0]!.resolve(mail);
          }
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  const mailer = new SmtpMailer(
    { host: '127.0.0.1', port, secure: false, ignoreTLS: true },
    { from: 'Portcullis Test <no-reply@example.test>' },
  );
  return {
    port,
    mailer,
    messages,
    next(to) {
      const ready = messages.find((m) => !taken.has(m) && recipients(m).includes(to));
      if (ready) {
        taken.add(ready);
        return Promise.resolve(ready);
      }
      return new Promise<ParsedMail>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no mail to ${to} within 5 s`)), 5000);
        waiting.push({
          to,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
    link(mail) {
      const m = /https?:\/\/\S+/.exec(mail.text ?? '');
      if (!m) throw new Error('no link in the mail');
      return new URL(m[0]);
    },
    async close() {
      await mailer.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function recipients(mail: ParsedMail): string[] {
  const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
  return to.flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));
}
