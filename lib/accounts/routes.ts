import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Core } from '../core.js';
import { AuthError, unauthorized } from '../errors.js';
import { signInOf } from '../session/sign-in.js';
import { signInAsGuest } from './guests.js';
import { methodsOf } from './methods.js';
import { withWaysInLease } from './lease.js';
import type { BaseUser } from '../stores/types.js';

/**
 * Guests and linked sign-in methods (under the prefix):
 * - `POST /anonymous` -> signs in as a guest (or answers the user already signed in);
 * - `GET /accounts` -> the signed-in user's sign-in methods;
 * - `DELETE /accounts/:provider` -> unlinks a provider, never the last way in (409 `last_sign_in_method`),
 *   one change to a user's ways in at a time (409 `change_in_progress`).
 */
export function mountAccountRoutes<User extends BaseUser>(core: Core<User>, router: Router): void {
  router.post('/anonymous', async (ctx: Context) => {
    const user = await signInAsGuest(core, ctx);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { user: core.opts.publicUser(user) };
  });

  router.get('/accounts', async (ctx: Context) => {
    const user = signedIn(ctx);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { methods: await methodsOf(core, user) };
  });

  router.delete('/accounts/:provider', async (ctx: Context) => {
    const user = signedIn(ctx);
    signInOf<User>(ctx).requireRecent();
    const provider = String((ctx.params as { provider: string }).provider);
    await withWaysInLease(core, user.id, async (lease) => {
      const methods = await methodsOf(core, user);
      if (!methods.some((m) => m.type === 'provider' && m.provider === provider)) {
        throw new AuthError('not_found', { message: 'No such linked provider.' });
      }
      if (methods.length <= 1) throw new AuthError('last_sign_in_method');
      lease.held();
      await core.bounded(() => core.opts.users.unlinkAccount!(user.id, provider));
      core.events.emit('account_unlinked', { userId: user.id, provider });
      ctx.body = { ok: true };
    });
  });

  function signedIn(ctx: Context): User {
    const user = signInOf<User>(ctx).user;
    if (!user || user.anonymous === true) throw unauthorized('login_required');
    return user;
  }
}
