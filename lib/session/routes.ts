import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Core } from '../core.js';
import { AuthError, unauthorized } from '../errors.js';
import { booleanField, isFormPost, readFields, stringField } from '../http/body.js';
import { safeReturnTo } from '../http/return-to.js';
import type { BaseUser } from '../stores/types.js';
import { currentUser } from '../tokens/bearer.js';
import { requestSessions } from './devices.js';

/** How a sign-out ends: this session, or (`everywhere`) every session and token of the user. */
export type EndSession = (ctx: Context, everywhere: boolean) => Promise<void>;

/**
 * The session routes (under the prefix):
 * - `POST /logout` (`{ everywhere?: boolean, returnTo?: string }`) -> ends the session; with
 *   `everywhere`, every session and token of the user (signed in by cookie or access token);
 * - `GET /me` -> the signed-in user (session, or access token), or 401;
 * - `GET /sessions`, `DELETE /sessions/:id`, `POST /sessions/revoke-others`.
 * `end` is the composition's sign-out (it also revokes the provider tokens kept in the session).
 */
export function mountSessionRoutes<User extends BaseUser>(
  core: Core<User>,
  router: Router,
  end: EndSession,
): void {
  router.post('/logout', async (ctx: Context) => {
    const fields = await readFields(ctx);
    const everywhere = booleanField(fields, 'everywhere');
    if (everywhere) {
      const user = await currentUser<User>(ctx, 'strict');
      if (!user) throw unauthorized('login_required');
      ctx.state.user = user;
    }
    await end(ctx, everywhere);
    if (isFormPost(ctx))
      return ctx.redirect(safeReturnTo(stringField(fields, 'returnTo'), core.opts.defaultReturnTo));
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { ok: true };
  });

  router.get('/sessions', async (ctx: Context) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { sessions: await requestSessions(core, ctx).list() };
  });

  router.delete('/sessions/:id', async (ctx: Context) => {
    const id = String((ctx.params as { id: string }).id);
    if (!(await requestSessions(core, ctx).revoke(id))) {
      throw new AuthError('not_found', { message: 'No such session (or it is this one).' });
    }
    ctx.body = { ok: true };
  });

  router.post('/sessions/revoke-others', async (ctx: Context) => {
    ctx.body = { ok: true, ended: await requestSessions(core, ctx).revokeOthers() };
  });

  router.get('/me', async (ctx: Context) => {
    const user = await currentUser<User>(ctx, 'strict');
    if (!user) throw unauthorized('login_required');
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { user: core.opts.publicUser(user) };
  });
}
