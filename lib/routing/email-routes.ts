import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Core } from '../core.js';
import type { EmailCore } from '../email/service.js';
import { escapeHtml } from '../email/templates.js';
import { isAuthError } from '../errors.js';
import { checkCsrf } from '../guards/csrf.js';
import { isFormPost, readFields, stringField } from '../http/body.js';
import type { BaseUser } from '../stores/types.js';

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
  const { prefix, loginPath, oauth } = core.opts;

  /** Runs a sign-in POST: CSRF first, then `work`; form posts get redirects, errors included. */
  const post =
    (
      work: (
        ctx: Context,
        fields: Readonly<Record<string, unknown>>,
      ) => Promise<string | undefined>,
    ) =>
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
        ctx.status = 303;
        ctx.redirect(`${oauth.errorPath}?error=${err.code}`);
      }
    };

  router.post(
    '/magic',
    post(async (ctx, fields) => {
      await email.magic.send(ctx, fields.email, { returnTo: stringField(fields, 'returnTo') });
      ctx.status = 202;
      ctx.body = { ok: true };
      return `${loginPath}?sent=link`;
    }),
  );

  router.get('/magic/callback', async (ctx: Context) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Referrer-Policy', 'no-referrer');
    const token = ctx.query.token;
    const live = await email.magic.isLive(token);
    ctx.status = live ? 200 : 400;
    ctx.type = 'html';
    ctx.body = live
      ? confirmPage(`${prefix}/magic/callback`, String(token))
      : invalidPage(loginPath);
  });

  router.post(
    '/magic/callback',
    post(async (ctx, fields) => {
      ctx.set('Referrer-Policy', 'no-referrer');
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

function confirmPage(action: string, token: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="referrer" content="no-referrer"><title>Sign in</title></head>
<body><main><h1>Sign in</h1>
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit">Continue signing in</button>
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
