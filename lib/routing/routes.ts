import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Core } from '../core.js';
import { AuthError, unauthorized } from '../errors.js';
import { tokenGuard } from '../guards/guards.js';
import { booleanField, isFormPost, readFields, stringField } from '../http/body.js';
import { safeReturnTo } from '../http/return-to.js';
import { type Features, authOf } from '../request/auth.js';
import { currentUser } from '../tokens/bearer.js';
import type { BaseUser } from '../stores/types.js';
import { mountAccountRoutes } from '../accounts/routes.js';
import { chain } from './compose.js';
import { mountEmailRoutes } from '../email/routes.js';
import { mountPasswordRoutes } from '../passwords/routes.js';
import { loginPageFallback, mountErrorPage, mountOAuthRoutes } from '../oauth/routes.js';
import { mountPasskeyRoutes } from '../passkeys/routes.js';

/**
 * The `/auth/*` routes of the core:
 * - `POST /auth/token/refresh` (refresh token as bearer) -> the next token pair;
 * - `POST /auth/logout` (`{ everywhere?: boolean, returnTo?: string }`) -> ends the session;
 *   with `everywhere`, every session and token of the user (signed in by cookie or access token);
 * - `GET /auth/me` -> the signed-in user (session, or access token), or 401;
 * - `GET /auth/sessions`, `DELETE /auth/sessions/:id`, `POST /auth/sessions/revoke-others`;
 * - with providers: `GET /auth/:provider/login`, `GET|POST /auth/:provider/callback`, `GET /auth/error`,
 *   and a plain sign-in page at `loginPath` when the app has none.
 */
export function authRoutes<User extends BaseUser>(
  core: Core<User>,
  features: Features<User>,
): Middleware {
  const { email, oauth, passkeys } = features;
  const router = new Router({ prefix: core.opts.prefix });

  router.post('/token/refresh', tokenGuard(core, 'refresh'), async (ctx: Context) => {
    ctx.body = await authOf<User>(ctx).tokens.rotate();
  });

  router.post('/logout', async (ctx: Context) => {
    const fields = await readFields(ctx);
    const everywhere = booleanField(fields, 'everywhere');
    const auth = authOf<User>(ctx);
    if (everywhere) {
      const user = await currentUser<User>(ctx, 'strict');
      if (!user) throw unauthorized('login_required');
      ctx.state.user = user;
      await auth.signOutEverywhere();
    } else await auth.logout();
    if (isFormPost(ctx))
      return ctx.redirect(safeReturnTo(stringField(fields, 'returnTo'), core.opts.defaultReturnTo));
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { ok: true };
  });

  mountAccountRoutes(core, router);

  router.get('/sessions', async (ctx: Context) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { sessions: await authOf<User>(ctx).sessions.list() };
  });

  router.delete('/sessions/:id', async (ctx: Context) => {
    const ended = await authOf<User>(ctx).sessions.revoke(
      String((ctx.params as { id: string }).id),
    );
    if (!ended) {
      throw new AuthError('not_found', { message: 'No such session (or it is this one).' });
    }
    ctx.body = { ok: true };
  });

  router.post('/sessions/revoke-others', async (ctx: Context) => {
    ctx.body = { ok: true, ended: await authOf<User>(ctx).sessions.revokeOthers() };
  });

  router.get('/me', async (ctx: Context) => {
    const user = await currentUser<User>(ctx, 'strict');
    if (!user) throw unauthorized('login_required');
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { user: core.opts.publicUser(user) };
  });

  if (email) {
    mountEmailRoutes(core, email, router);
    mountPasswordRoutes(core, email, router);
  }
  if (oauth.enabled) mountOAuthRoutes(core, oauth, router);
  if (passkeys.enabled) mountPasskeyRoutes(core, passkeys, router);
  if (email || oauth.enabled) mountErrorPage(core, router);

  const routes = chain(
    router.routes() as unknown as Middleware,
    router.allowedMethods() as unknown as Middleware,
  );
  return oauth.enabled ? chain(loginPageFallback(core), routes) : routes;
}
