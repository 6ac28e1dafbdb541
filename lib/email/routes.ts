import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Core } from '../core.js';
import { stringField } from '../http/body.js';
import { invalidPage } from '../http/link-pages.js';
import { signInPost } from '../http/sign-in-post.js';
import type { BaseUser } from '../stores/types.js';
import { magicConfirmPage, signedInAs } from './pages.js';
import type { EmailCore } from './service.js';

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
