import {
  type AuthContext,
  Controller,
  Get,
  LoginRequired,
  OptionalAuth,
  type OptionalAuthContext,
} from 'portcullis';
import { frameOf } from './forms.js';
import type { DemoUser, Site } from './types.js';
import { displayName, esc, fetchForm, page } from './views.js';

/** The home page and the dashboard. */
@Controller()
export class PagesController {
  constructor(private readonly site: Site) {}

  @Get('/')
  @OptionalAuth()
  home(ctx: OptionalAuthContext<DemoUser>): string {
    const user = ctx.state.user;
    const status = !user
      ? `<p>You are not signed in. <a class="button" href="/login">Sign in</a> <a class="button secondary" href="/register">Register</a></p>`
      : `<p>You are signed in as <strong>${esc(displayName(user))}</strong>${user.anonymous ? ' (a guest)' : ''}.
         <a class="button" href="/dashboard">Your dashboard</a></p>`;
    const providers = this.site.providers.map((p) => esc(p.label)).join(', ');
    return page(
      frameOf(ctx, this.site),
      'Authentication for Koa',
      `${status}
<section><h2>What to try</h2>
<ul>
  <li><a href="/register">Register</a> with an email and a password, confirm the address from the
    ${this.site.outbox ? '<a href="/dev/outbox">outbox</a>' : 'mail'}, and sign in.</li>
  <li><a href="/login">Sign in</a> with a magic link, a 6-digit email code, a passkey, or a provider
    (${providers}).</li>
  <li>No account yet? Register or sign in later, and the guest account is upgraded in place:
    ${fetchForm('POST', '/auth/anonymous', '<button class="link">continue as a guest</button>', '/dashboard')}</li>
  <li>On your <a href="/account">account page</a>: linked sign-in methods, passkeys, your sessions on
    every device, and API tokens to call <code>/api</code> with curl.</li>
</ul>
</section>
<section><h2>Under the hood</h2>
<p class="muted">Every page here is a Koa controller method with a Portcullis decorator:
<code>@OptionalAuth</code> on this page, <code>@LoginRequired</code> on the dashboard and account
pages, <code>@TokenRequired('access')</code> on the API. Sessions live in an encrypted cookie, users
and server-side state in one SQLite file, and mails in the
${this.site.outbox ? '<a href="/dev/outbox">development outbox</a>' : 'outbox'}. Nothing here needs
the internet.</p>
</section>`,
    );
  }

  @Get('/dashboard')
  @LoginRequired({ allowAnonymous: true })
  dashboard(ctx: AuthContext<DemoUser>): string {
    const user = ctx.state.user;
    const rows = [
      ['User id', `<code>${esc(user.id)}</code>`],
      [
        'Email',
        user.email
          ? `${esc(user.email)} ${user.emailVerified ? '<span class="badge">verified</span>' : '<span class="badge">not verified</span>'}`
          : '<span class="muted">none</span>',
      ],
      ['Name', user.name ? esc(user.name) : '<span class="muted">none</span>'],
      ['Account', user.anonymous ? '<span class="badge">guest</span>' : 'registered'],
    ]
      .map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`)
      .join('');
    const body = user.anonymous
      ? `<p>You are browsing as a <strong>guest</strong>. Keep this account by signing in: a new
         address upgrades it in place (the user id below stays the same).</p>
         <section><h2>Keep your account</h2>
         <form method="post" action="/login/code"><input type="hidden" name="returnTo" value="/dashboard">
           <label>Email <input type="email" name="email" autocomplete="email" required></label>
           <button>Email me a code</button></form>
         <p class="muted">Or <a href="/register">register with a password</a>, or
         <a href="/login?returnTo=%2Fdashboard">use another method</a>.</p></section>`
      : `<p>Hello, <strong>${esc(displayName(user))}</strong>. This page is guarded by
         <code>@LoginRequired({ allowAnonymous: true })</code>; your session lives in an encrypted
         cookie.</p>
         <p><a class="button" href="/account">Account: sign-in methods, passkeys, sessions, API tokens</a></p>`;
    return page(
      frameOf(ctx, this.site),
      'Dashboard',
      `${body}<section><h2>Who you are</h2><table>${rows}</table></section>`,
    );
  }
}
