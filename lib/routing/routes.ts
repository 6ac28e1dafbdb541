import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Core } from '../core.js';
import { type Features, authOf } from '../request/auth.js';
import { mountSessionRoutes } from '../session/routes.js';
import type { BaseUser } from '../stores/types.js';
import { mountTokenRoutes } from '../tokens/routes.js';
import { mountAccountRoutes } from '../accounts/routes.js';
import { chain } from './compose.js';
import { mountEmailRoutes } from '../email/routes.js';
import { mountPasswordRoutes } from '../passwords/routes.js';
import { loginPageFallback, mountErrorPage, mountOAuthRoutes } from '../oauth/routes.js';
import { mountPasskeyRoutes } from '../passkeys/routes.js';

/**
 * `auth.routes()`: every capability's routes under the prefix (tokens, sessions, guests and
 * linked methods, email, passwords, providers, passkeys; each folder's `routes.ts` lists its
 * own), and, with providers, a plain sign-in page at `loginPath` when the app has none.
 */
export function authRoutes<User extends BaseUser>(
  core: Core<User>,
  features: Features<User>,
): Middleware {
  const { email, oauth, passkeys } = features;
  const router = new Router({ prefix: core.opts.prefix });

  mountTokenRoutes(core, router);
  mountSessionRoutes(core, router, (ctx, everywhere) =>
    everywhere ? authOf<User>(ctx).signOutEverywhere() : authOf<User>(ctx).logout(),
  );
  mountAccountRoutes(core, router);
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
  return oauth.enabled ? chain(loginPageFallback(core, oauth.settings.providers), routes) : routes;
}
