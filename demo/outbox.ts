import { Controller, Get, type Mail, OptionalAuth, type OptionalAuthContext } from 'portcullis';
import { frameOf } from './forms.js';
import type { DemoUser, Site } from './types.js';
import { esc, page } from './views.js';

/**
 * `/dev/outbox` (development only): every mail the demo "sent", newest first, with its links
 * clickable and its codes plain to see. A real app gives Portcullis an `SmtpMailer` instead.
 */
@Controller('/dev')
export class OutboxController {
  constructor(private readonly site: Site) {}

  @Get('/outbox')
  @OptionalAuth()
  outbox(ctx: OptionalAuthContext<DemoUser>): string {
    ctx.set('Cache-Control', 'no-store');
    const mails = [...this.site.mailer.sent].reverse();
    const body = mails.length
      ? mails.map((m, i) => mailView(m, mails.length - i)).join('\n')
      : '<p class="muted">No mail yet. Ask for a magic link or a code on the sign-in page.</p>';
    return page(
      frameOf(ctx, this.site),
      'Outbox',
      `<p class="muted">Development only: the mails Portcullis sent, kept in memory by a
       <code>MemoryMailer</code> (newest first). Links are clickable.</p>
       <section id="mails">${body}</section>`,
    );
  }
}

function mailView(mail: Mail, n: number): string {
  return `<article class="mail" data-to="${esc(mail.to)}">
  <h2>#${n} ${esc(mail.subject)}</h2>
  <p class="muted">To ${esc(mail.to)}</p>
  <pre>${linkify(mail.text)}</pre>
</article>`;
}

/** Escapes the text, then turns its URLs into links and its 6-digit codes into highlights. */
function linkify(text: string): string {
  return esc(text)
    .replace(/https?:\/\/[^\s<]+/g, (url) => `<a href="${url}">${url}</a>`)
    .replace(/(^|[^\w/=.-])(\d{6})(?![\w])/g, '$1<strong class="code">$2</strong>');
}
