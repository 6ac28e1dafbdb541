import {
  Controller,
  Get,
  OptionalAuth,
  type OptionalAuthContext,
  Post,
  safeReturnTo,
} from 'portcullis';
import { attempt, field, frameOf } from './forms.js';
import { messageFor } from './messages.js';
import type { DemoUser, Site } from './types.js';
import { displayName, esc, fetchForm, notice, page } from './views.js';

type Ctx = OptionalAuthContext<DemoUser>;

/** What `?sent=` on the sign-in page says (the built-in email routes redirect there). */
const SENT: Record<string, string> = {
  link: 'We mailed you a sign-in link. Open it from the outbox to continue.',
  reset: 'If that address has an account, we mailed it a link to choose a new password.',
  verification: 'Check your mail: confirm your address with the link we sent.',
};

/**
 * The sign-in page (every method), the email-code steps and registration. Passwords, magic
 * links, resets, passkeys, providers and guests are Portcullis's own routes (`/auth/...`); the
 * code and registration forms call `ctx.auth` here so that a mistake is shown on the same page.
 */
@Controller()
export class SignInController {
  constructor(private readonly site: Site) {}

  @Get('/login')
  @OptionalAuth()
  login(ctx: Ctx): string {
    const { query } = ctx;
    const top: string[] = [];
    const error = messageFor(query.error);
    if (query.error !== undefined) top.push(notice('error', esc(error ?? 'Sign-in failed.')));
    if (typeof query.sent === 'string' && SENT[query.sent])
      top.push(notice('info', esc(SENT[query.sent]) + this.outboxLink()));
    if (query.verified === '1')
      top.push(notice('ok', 'Your email is confirmed. Sign in with your password.'));
    return this.loginPage(ctx, top.join('\n'));
  }

  /** Mails a 6-digit code bound to this browser, then asks for it. */
  @Post('/login/code')
  @OptionalAuth()
  async sendCode(ctx: Ctx): Promise<string> {
    const email = field(ctx, 'email');
    const failed = await attempt(() => ctx.auth.otp.send(email));
    if (failed) {
      ctx.status = failed.status;
      return this.loginPage(ctx, notice('error', esc(failed.message)));
    }
    return this.codePage(ctx, email, '');
  }

  @Post('/login/code/verify')
  @OptionalAuth()
  async verifyCode(ctx: Ctx): Promise<string | undefined> {
    const email = field(ctx, 'email');
    const failed = await attempt(() => ctx.auth.otp.verify(email, field(ctx, 'code')));
    if (failed) {
      ctx.status = failed.status;
      return this.codePage(ctx, email, notice('error', esc(failed.message)));
    }
    ctx.status = 303;
    ctx.redirect(safeReturnTo(field(ctx, 'returnTo'), '/dashboard'));
    return undefined;
  }

  @Get('/register')
  @OptionalAuth()
  registerPage(ctx: Ctx): string {
    return this.registerForm(ctx, '', '');
  }

  /** Creates the account (a guest is upgraded in place) and mails a verification link. */
  @Post('/register')
  @OptionalAuth()
  async register(ctx: Ctx): Promise<string> {
    const email = field(ctx, 'email');
    const failed = await attempt(() => ctx.auth.password.register(email, field(ctx, 'password')));
    if (failed) {
      ctx.status = failed.status;
      return this.registerForm(ctx, email, notice('error', esc(failed.message)));
    }
    return page(
      frameOf(ctx, this.site),
      'Check your mail',
      `${notice('ok', `We mailed <strong>${esc(email)}</strong> a link to confirm the address.${this.outboxLink()}`)}
      <p>Follow it, then <a href="/login">sign in with your password</a>. (If the address already had an
      account, its owner got a mail saying so instead: the page is the same either way, so nobody
      learns who is registered.)</p>`,
    );
  }

  private loginPage(ctx: Ctx, top: string): string {
    const returnTo = safeReturnTo(ctx.query.returnTo ?? field(ctx, 'returnTo'), '/dashboard');
    const user = ctx.state.user;
    const rt = `<input type="hidden" name="returnTo" value="${esc(returnTo)}">`;
    const email = (autocomplete = 'email') =>
      `<label>Email <input type="email" name="email" autocomplete="${autocomplete}" required></label>`;
    const providers = this.site.providers
      .map(
        (p) =>
          `<a class="button secondary" href="/auth/${esc(p.name)}/login?returnTo=${esc(encodeURIComponent(returnTo))}">Sign in with ${esc(p.label)}</a>`,
      )
      .join(' ');
    const who = !user
      ? ''
      : user.anonymous
        ? notice(
            'info',
            'You are a guest. Signing in keeps what you did: a new account upgrades your guest account in place.',
          )
        : notice(
            'info',
            `You are signed in as <strong>${esc(displayName(user))}</strong>. Signing in again switches account.`,
          );
    return page(
      frameOf(ctx, this.site),
      'Sign in',
      `${top}${who}
<div class="grid">
<section id="password"><h2>Email and password</h2>
  <form method="post" action="/auth/password/login">${rt}${email('username')}
    <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
    <button>Sign in</button></form>
  <details><summary>Forgot your password?</summary>
    <form method="post" action="/auth/password/reset/request">${email()}<button class="secondary">Mail me a reset link</button></form>
  </details>
  <p class="muted">No account? <a href="/register">Register</a>.</p>
</section>
<section id="magic-link"><h2>Magic link</h2>
  <form method="post" action="/auth/magic">${rt}${email()}<button>Email me a sign-in link</button></form>
  <p class="muted">A single-use link, valid 10 minutes; a new address gets a new account.</p>
</section>
<section id="email-code"><h2>Email code</h2>
  <form method="post" action="/login/code">${rt}${email()}<button>Email me a code</button></form>
  <p class="muted">6 digits, valid 10 minutes, in this browser only.</p>
</section>
<section id="passkey"><h2>Passkey</h2>
  <p><button type="button" data-passkey="signin" data-then="${esc(returnTo)}">Sign in with a passkey</button><span class="out" data-out></span></p>
  <p class="muted">Add one on your account page first.</p>
</section>
<section id="providers"><h2>A provider</h2>
  <p>${providers}</p>
  <p class="muted">Demo ID is an OpenID provider running inside this demo.</p>
</section>
<section id="guest"><h2>No account</h2>
  ${fetchForm('POST', '/auth/anonymous', '<button class="secondary">Continue as guest</button>', returnTo)}
  <p class="muted">Try things out; sign in later to keep them.</p>
</section>
</div>`,
      { passkeys: true },
    );
  }

  private codePage(ctx: Ctx, email: string, top: string): string {
    const returnTo = safeReturnTo(field(ctx, 'returnTo'), '/dashboard');
    return page(
      frameOf(ctx, this.site),
      'Enter your code',
      `${top}<section>
  <p>We mailed a 6-digit code to <strong>${esc(email)}</strong>. It works in this browser only, for 10 minutes.${this.outboxLink()}</p>
  <form method="post" action="/login/code/verify">
    <input type="hidden" name="email" value="${esc(email)}">
    <input type="hidden" name="returnTo" value="${esc(returnTo)}">
    <label>Code <input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus></label>
    <button>Sign in</button>
  </form>
  <p class="muted"><a href="/login">Use another method</a></p>
</section>`,
    );
  }

  private registerForm(ctx: Ctx, email: string, top: string): string {
    const guest = ctx.state.user?.anonymous
      ? notice(
          'info',
          'You are a guest: registering turns your guest account into this one (same id).',
        )
      : '';
    return page(
      frameOf(ctx, this.site),
      'Register',
      `${top}${guest}<section>
  <form method="post" action="/register">
    <label>Email <input type="email" name="email" value="${esc(email)}" autocomplete="email" required></label>
    <label>Password <input type="password" name="password" autocomplete="new-password" minlength="8" required></label>
    <button>Create my account</button>
  </form>
  <p class="muted">At least 8 characters; the 49,000 most common passwords are refused. We mail you a
  link to confirm the address before the password works.</p>
  <p class="muted">Or skip the password: <a href="/login">sign in</a> with a magic link, an email code or Demo ID.</p>
</section>`,
    );
  }

  private outboxLink(): string {
    return this.site.outbox ? ' <a href="/dev/outbox" target="_blank">Open the outbox</a>.' : '';
  }
}
