import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Core } from '../core.js';
import type { EmailCore } from './service.js';
import { escapeHtml } from './templates.js';
import { isAuthError } from '../errors.js';
import { checkCsrf } from '../http/csrf.js';
import { reportRefused } from '../http/render-error.js';
import { isFormPost, readFields, stringField } from '../http/body.js';
import { safeReturnTo } from '../http/return-to.js';
import type { BaseUser } from '../stores/types.js';
import type { MagicLinkView } from './magic.js';
import { signInOf } from '../session/sign-in.js';

/**
 * Email sign-in routes (under the prefix):
 * - `POST /magic` `{ email, returnTo? }` -> mails a link (the same answer for every address);
 * - `GET /magic/callback?token=` -> a confirm page (a GET never spends the link);
 * - `POST /magic/callback` `{ token }` -> signs in;
 * - `POST /otp` `{ email }` -> mails a code bound to this browser;
 * - `POST /otp/verify` `{ email, code }` -> signs in.
 * Every POST here is refused from another site (login CSRF), with or without a session.
 * A form post gets a redirect (errors to the error page); JSON gets JSON.
 */
export function mountEmailRoutes<User extends BaseUser>(
  core: Core<User>,
  email: EmailCore<User>,
  router: Router,
): void {
  const { prefix, loginPath } = core.opts;
  const post = signInPost(core);

  router.post(
    '/magic',
    post(async (ctx, fields) => {
      await email.magic.send(ctx, fields.email, { returnTo: stringField(fields, 'returnTo') });
      ctx.status = 202;
      ctx.body = { ok: true };
      return `${loginPath}?sent=link`;
    }),
  );

  // The pages behind mailed links carry the token in their URL. `strict-origin` keeps it out of
  // every Referer (only the origin is sent) while their forms still post with a real `Origin`:
  // under `no-referrer` browsers send `Origin: null`, which the CSRF check refuses.
  router.get('/magic/callback', async (ctx: Context) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Referrer-Policy', 'strict-origin');
    const token = ctx.query.token;
    const view = await email.magic.peek(ctx, token);
    ctx.status = view ? 200 : 400;
    ctx.type = 'html';
    ctx.body = view
      ? magicConfirmPage(`${prefix}/magic/callback`, String(token), view, signedInAs(ctx))
      : invalidPage(loginPath);
  });

  router.post(
    '/magic/callback',
    post(async (ctx, fields) => {
      ctx.set('Referrer-Policy', 'strict-origin');
      const returnTo = await email.magic.consume(ctx, fields.token);
      ctx.body = { ok: true, returnTo };
      return returnTo;
    }),
  );

  router.post(
    '/otp',
    post(async (ctx, fields) => {
      await email.otp.send(ctx, fields.email);
      ctx.status = 202;
      ctx.body = { ok: true };
      return `${loginPath}?sent=code`;
    }),
  );

  router.post(
    '/otp/verify',
    post(async (ctx, fields) => {
      const user = await email.otp.verify(ctx, fields.email, fields.code);
      ctx.body = { user: core.opts.publicUser(user) };
      return core.opts.defaultReturnTo;
    }),
  );
}

/**
 * Password routes (under the prefix), JSON or form posts, all refused from another site:
 * `POST /password/register` `{ email, password }`, `POST /password/login` `{ email, password }`,
 * `POST /password/change` `{ currentPassword, newPassword }`, `POST /password/reset/request`
 * `{ email }`, `GET /password/reset?token=` (a form), `POST /password/reset` `{ token, password }`,
 * `GET /email/verify?token=` (a confirm page), `POST /email/verify` `{ token }`.
 */
export function mountPasswordRoutes<User extends BaseUser>(
  core: Core<User>,
  email: EmailCore<User>,
  router: Router,
): void {
  const { prefix, loginPath, defaultReturnTo } = core.opts;
  const { password } = email;
  const post = signInPost(core);
  const accepted = (ctx: Context): void => {
    ctx.status = 202;
    ctx.body = { ok: true };
  };

  router.post(
    '/password/register',
    post(async (ctx, f) => {
      await password.register(ctx, f.email, f.password);
      accepted(ctx);
      return `${loginPath}?sent=verification`;
    }),
  );
  router.post(
    '/password/login',
    post(async (ctx, f) => {
      const user = await password.login(ctx, f.email, f.password);
      ctx.body = { user: core.opts.publicUser(user) };
      return safeReturnTo(f.returnTo, defaultReturnTo);
    }),
  );
  router.post(
    '/password/change',
    post(async (ctx, f) => {
      await password.change(ctx, f.currentPassword, f.newPassword);
      ctx.body = { ok: true };
      return defaultReturnTo;
    }),
  );
  router.post(
    '/password/reset/request',
    post(async (ctx, f) => {
      await password.requestReset(ctx, f.email);
      accepted(ctx);
      return `${loginPath}?sent=reset`;
    }),
  );
  router.get('/password/reset', async (ctx: Context) => {
    const token = ctx.query.token;
    const live = await password.isLive('reset', token);
    linkPage(
      ctx,
      live,
      live ? resetPage(`${prefix}/password/reset`, String(token)) : invalidPage(loginPath),
    );
  });
  router.post(
    '/password/reset',
    post(async (ctx, f) => {
      ctx.set('Referrer-Policy', 'strict-origin');
      const user = await password.reset(ctx, f.token, f.password);
      ctx.body = { user: core.opts.publicUser(user) };
      return defaultReturnTo;
    }),
  );
  router.get('/email/verify', async (ctx: Context) => {
    const token = ctx.query.token;
    const live = await password.isLive('verify', token);
    linkPage(
      ctx,
      live,
      live
        ? confirmPage(`${prefix}/email/verify`, String(token), 'Confirm my email')
        : invalidPage(loginPath),
    );
  });
  router.post(
    '/email/verify',
    post(async (ctx, f) => {
      ctx.set('Referrer-Policy', 'strict-origin');
      await password.verifyEmail(ctx, f.token);
      ctx.body = { ok: true };
      return `${loginPath}?verified=1`;
    }),
  );
}

type Fields = Readonly<Record<string, unknown>>;

/**
 * Wraps a sign-in POST: refuses it from another site (login CSRF), reads the body, runs `work`;
 * a form post gets a 303 to where `work` says (its errors to the error page), JSON gets JSON.
 */
function signInPost<User extends BaseUser>(core: Core<User>) {
  return (work: (ctx: Context, fields: Fields) => Promise<string | undefined>) =>
    async (ctx: Context): Promise<void> => {
      ctx.set('Cache-Control', 'no-store');
      const form = isFormPost(ctx);
      try {
        checkCsrf(ctx, core.opts);
        const destination = await work(ctx, await readFields(ctx));
        if (form && destination !== undefined) {
          ctx.status = 303;
          ctx.redirect(destination);
        }
      } catch (err) {
        if (!form || !isAuthError(err) || err.status >= 500) throw err;
        reportRefused(err, ctx, core);
        ctx.status = 303;
        ctx.redirect(`${core.opts.oauth.errorPath}?error=${err.code}`);
      }
    };
}

/** A page reached from a mailed link: no caching, no Referer carrying the token onwards. */
function linkPage(ctx: Context, live: boolean, html: string): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Referrer-Policy', 'strict-origin');
  ctx.status = live ? 200 : 400;
  ctx.type = 'html';
  ctx.body = html;
}

function resetPage(action: string, token: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="referrer" content="strict-origin"><title>Choose a new password</title></head>
<body><main><h1>Choose a new password</h1>
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<label>New password <input type="password" name="password" autocomplete="new-password" required minlength="8"></label>
<button type="submit">Set password</button>
</form></main></body></html>
`;
}

function confirmPage(action: string, token: string, label = 'Continue signing in'): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="referrer" content="strict-origin"><title>Sign in</title></head>
<body><main><h1>Sign in</h1>
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit">${escapeHtml(label)}</button>
</form></main></body></html>
`;
}

/** Who this browser is signed in as, for the confirm page: an address, a guest, or nobody. */
function signedInAs(ctx: Context): { email?: string | undefined; guest: boolean } | undefined {
  const user = signInOf(ctx).user;
  return user ? { email: user.email, guest: user.anonymous === true } : undefined;
}

/**
 * The page behind a magic link: it names the address it signs in to. Opened in a browser that
 * did not ask for the link and is signed in (someone may have sent the link to sign this
 * browser into their own account: login CSRF), it says that it switches accounts, and a guest
 * here is left as it is, not merged.
 */
function magicConfirmPage(
  action: string,
  token: string,
  view: MagicLinkView,
  current: { email?: string | undefined; guest: boolean } | undefined,
): string {
  const to = escapeHtml(view.email);
  const switching = !view.here && current !== undefined && current.email !== view.email;
  const who = current?.guest
    ? 'as a guest'
    : `as ${escapeHtml(current?.email ?? 'another account')}`;
  const warning = switching
    ? `<p role="alert"><strong>This browser is signed in ${who}.</strong> This link was not asked for in this browser: continuing signs this browser in to ${to} instead${current?.guest ? ', and what you did as a guest stays with the guest' : ''}. If you did not ask for this link, close this page.</p>\n`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="referrer" content="strict-origin"><title>Sign in</title></head>
<body><main><h1>Sign in as ${to}</h1>
${warning}<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit">${switching ? `Switch to ${to}` : 'Continue signing in'}</button>
</form></main></body></html>
`;
}

function invalidPage(loginPath: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Link expired</title></head>
<body><main><h1>This link is invalid or has expired</h1>
<p><a href="${escapeHtml(loginPath)}">Ask for a new one</a></p></main></body></html>
`;
}
