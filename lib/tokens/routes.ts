import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Core } from '../core.js';
import { tokenGuard } from '../guards/guards.js';
import type { BaseUser } from '../stores/types.js';
import { requestTokens } from './part.js';

/** `POST /token/refresh` (under the prefix; the refresh token as bearer) -> the next token pair. */
export function mountTokenRoutes<User extends BaseUser>(core: Core<User>, router: Router): void {
  router.post('/token/refresh', tokenGuard(core, 'refresh'), async (ctx: Context) => {
    ctx.body = await requestTokens<User>(core, ctx).rotate();
  });
}
