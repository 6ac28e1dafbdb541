import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Core } from '../core.js';
import type { EmailCore } from '../email/service.js';
import { escapeHtml } from '../http/html.js';
import { confirmPage, invalidPage, linkPage } from '../http/link-pages.js';
import { safeReturnTo } from '../http/return-to.js';
import { signInPost } from '../http/sign-in-post.js';
import type { BaseUser } from '../stores/types.js';

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

/** The form behind a reset link. */
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
