import type { Middleware } from 'koa';
import type { DemoUser, Site } from './types.js';
import { esc, page } from './views.js';

/** The mailed links Portcullis builds, and what the page behind each one says. */
const PAGES: Record<string, { title: string; text: string; button: string; password?: true }> = {
  '/auth/magic/callback': {
    title: 'Sign in',
    text: 'You followed a sign-in link. Continue to sign in on this browser.',
    button: 'Continue signing in',
  },
  '/auth/email/verify': {
    title: 'Confirm your email',
    text: 'You followed the link that confirms your address.',
    button: 'Confirm my email',
  },
  '/auth/password/reset': {
    title: 'Choose a new password',
    text: 'Choose a new password; every other session of yours is signed out.',
    button: 'Set password',
    password: true,
  },
};

/**
 * WORKAROUND for a Portcullis bug (remove when it is fixed). Portcullis's own pages behind
 * mailed links (`GET /auth/magic/callback`, `/auth/email/verify`, `/auth/password/reset`) send
 * `Referrer-Policy: no-referrer`; browsers then post their form with `Origin: null`, which
 * Portcullis's CSRF check refuses (403 `csrf_failed`, even with `Sec-Fetch-Site: same-origin`),
 * so magic links, email confirmation and password resets never complete in a real browser.
 * This middleware answers those three GETs with the same form, posting to the same built-in
 * route, under `Referrer-Policy: strict-origin`: the browser sends its origin, and the token in
 * the URL still never leaves in a `Referer`. Everything else passes through.
 */
export function linkPages(site: Site): Middleware {
  return async (ctx, next) => {
    const spec = PAGES[ctx.path];
    const token = ctx.query.token;
    if (!spec || ctx.method !== 'GET' || typeof token !== 'string') return next();
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Referrer-Policy', 'strict-origin');
    ctx.type = 'html';
    const password = spec.password
      ? '<label>New password <input type="password" name="password" autocomplete="new-password" minlength="8" required></label>'
      : '';
    ctx.body = page(
      { user: ctx.state.user as DemoUser | undefined, outbox: site.outbox },
      spec.title,
      `<section><p>${esc(spec.text)}</p>
      <form method="post" action="${esc(ctx.path)}">
        <input type="hidden" name="token" value="${esc(token)}">${password}
        <button>${esc(spec.button)}</button>
      </form></section>`,
      { referrer: 'strict-origin' },
    );
  };
}
