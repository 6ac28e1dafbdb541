import type Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import type { Core } from '../core.js';
import { AuthError, isAuthError } from '../errors.js';
import { prefersHtml } from '../guards/guards.js';
import { reportRefused } from '../http/render-error.js';
import { readFields } from '../http/body.js';
import { safeReturnTo } from '../http/return-to.js';
import { confirmProviderPage, errorPage, knownCode, loginPage } from './pages.js';
import type { OAuth2Provider } from './provider.js';
import type { OAuthService } from './service.js';
import type { BaseUser } from '../stores/types.js';

/**
 * Provider sign-in routes (under the prefix):
 * - `GET /:provider/login?returnTo=` (or `?intent=` from `ctx.auth.oauth.loginUrl()`) -> the provider;
 * - `GET|POST /:provider/callback` -> signed in, to `returnTo`; any failure -> `errorPath?error=<code>`;
 * - `GET /error?error=<code>` -> a page (or JSON) saying what went wrong, in our words only.
 */
export function mountOAuthRoutes<User extends BaseUser>(
  core: Core<User>,
  oauth: OAuthService<User>,
  router: Router,
): void {
  const provider = (ctx: Context): OAuth2Provider | undefined =>
    oauth.provider(String((ctx.params as Record<string, string>).provider));

  router.get('/:provider/login', async (ctx: Context, next) => {
    const p = provider(ctx);
    if (!p) return next();
    // Sent here by another site (a link, a redirect, a frame), the browser gets a page to
    // confirm on, not the provider: a provider that remembers its consent would otherwise sign
    // the user in without them knowing (ASVS 5.0 V7.6.2). Our own pages' links, a bookmark or a
    // typed address are not cross-site, and the confirm button is a same-origin request.
    if (ctx.get('Sec-Fetch-Site') === 'cross-site') {
      ctx.status = 200;
      ctx.type = 'html';
      ctx.set('Cache-Control', 'no-store');
      ctx.body = confirmProviderPage(ctx, p);
      return;
    }
    try {
      ctx.redirect(await oauth.start(ctx, p));
    } catch (err) {
      failed(ctx, err, p);
    }
  });

  const callback = async (ctx: Context, next: () => Promise<unknown>): Promise<unknown> => {
    const p = provider(ctx);
    if (!p) return next();
    try {
      const params =
        ctx.method === 'POST'
          ? toParams(await readFields(ctx))
          : new URLSearchParams(ctx.querystring);
      const returnTo = await oauth.finish(ctx, p, params);
      ctx.set('Cache-Control', 'no-store');
      ctx.redirect(returnTo);
    } catch (err) {
      failed(ctx, err, p);
    }
    return undefined;
  };
  router.get('/:provider/callback', callback);
  router.post('/:provider/callback', callback);

  /** Sends the browser to the error path with a stable code; logs 5xx without any secret. */
  function failed(ctx: Context, err: unknown, p: OAuth2Provider): void {
    if (!isAuthError(err) || err.code === 'misconfigured') throw err;
    core.events.emit('login_failed', { method: `oauth:${p.name}`, code: err.code });
    reportRefused(err, ctx, core);
    if (err.status >= 500) {
      core.opts.logger.warn(
        {
          event: 'oauth_failed',
          provider: p.name,
          code: err.code,
          reason: err.message,
          cause: causeName(err),
        },
        'portcullis: a provider sign-in failed',
      );
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(`${core.opts.oauth.errorPath}?error=${err.code}`);
  }
}

/** `GET /error?error=<code>`: what went wrong, in our words only (a page, or JSON for APIs). */
export function mountErrorPage<User extends BaseUser>(core: Core<User>, router: Router): void {
  router.get('/error', (ctx: Context) => {
    const code = knownCode(ctx.query.error);
    const err = new AuthError(code);
    ctx.status = err.status;
    ctx.set('Cache-Control', 'no-store');
    if (!prefersHtml(ctx)) {
      ctx.body = err.toJSON();
      return;
    }
    ctx.type = 'html';
    ctx.body = errorPage(err.toJSON().error.message, code, core.opts.loginPath);
  });
}

/**
 * A plain sign-in page at `loginPath` listing the providers, for apps without their own: it
 * answers only when nothing after it did (the app's own page at that path wins). It keeps a
 * same-origin `returnTo` and shows the message of a known `error` code.
 */
export function loginPageFallback<User extends BaseUser>(
  core: Core<User>,
  providers: readonly OAuth2Provider[],
): Middleware {
  const { loginPath, defaultReturnTo, prefix } = core.opts;
  return async (ctx: Context, next: Next) => {
    if (ctx.path !== loginPath || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    await next();
    if (ctx.status !== 404 || ctx.body != null) return;
    const returnTo = safeReturnTo(ctx.query.returnTo, defaultReturnTo);
    const error =
      ctx.query.error === undefined ? undefined : new AuthError(knownCode(ctx.query.error));
    ctx.status = 200;
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = loginPage(providers, prefix, returnTo, error?.toJSON().error.message);
  };
}

function toParams(fields: Readonly<Record<string, unknown>>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (typeof v === 'string') params.set(k, v);
  return params;
}

/** The class and oauth4webapi code of the underlying failure, for the logs (never its data). */
function causeName(err: AuthError): string | undefined {
  const cause = err.cause as { name?: unknown; code?: unknown } | undefined;
  if (!cause || typeof cause !== 'object') return undefined;
  return [cause.name, cause.code].filter((x) => typeof x === 'string').join(' ') || undefined;
}
