import Koa from 'koa';
import {
  MemoryStore,
  MemoryUserStore,
  Portcullis,
  type PortcullisOptions,
} from '../../lib/index.js';
import type { OAuth2Provider } from '../../lib/providers.js';
import { MemoryLogger, secretA } from './app.js';
import { listen } from './server.js';

export interface OAuthUser {
  id: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
  picture?: string;
}

export interface OAuthApp {
  url: string;
  auth: Portcullis<OAuthUser>;
  users: MemoryUserStore<OAuthUser>;
  store: MemoryStore;
  logger: MemoryLogger;
  /** The callback URL of provider `name` on this app. */
  callback(name: string): string;
  close(): Promise<void>;
}

/**
 * A Koa app with Portcullis and the given providers, listening on 127.0.0.1 (the providers
 * are built once the app's URL is known, for their redirect URIs). Routes: `GET /me` (the user
 * or 401), `GET /provider-token/:name` (test only: what `ctx.auth.providerToken()` returns),
 * `GET /login-url/:name?state=&returnTo=` (what `ctx.auth.oauth.loginUrl()` returns).
 */
export async function startApp(
  providers: (appUrl: string) => OAuth2Provider[],
  options: Partial<PortcullisOptions<OAuthUser>> = {},
): Promise<OAuthApp> {
  const late: { handler?: (req: never, res: never) => void } = {};
  const running = await listen(((req: never, res: never) => late.handler!(req, res)) as never);
  const users = new MemoryUserStore<OAuthUser>();
  const store = new MemoryStore();
  const logger = new MemoryLogger();
  const auth = new Portcullis<OAuthUser>({
    secret: secretA,
    users,
    store,
    logger,
    providers: providers(running.url),
    ...options,
  });
  const app = new Koa();
  app.use(auth.middleware());
  app.use(auth.routes());
  app.use(async (ctx, next) => {
    if (ctx.path === '/me') {
      if (!ctx.state.user) return void (ctx.status = 401);
      ctx.body = { user: ctx.state.user };
      return;
    }
    let m = /^\/provider-token\/([a-z0-9-]+)$/.exec(ctx.path);
    if (m) {
      ctx.body = { token: (await ctx.auth.providerToken(m[1]!)) ?? null };
      return;
    }
    m = /^\/login-url\/([a-z0-9-]+)$/.exec(ctx.path);
    if (m) {
      ctx.body = {
        url: ctx.auth.oauth.loginUrl(m[1]!, {
          ...(typeof ctx.query.state === 'string' ? { state: ctx.query.state } : {}),
          ...(typeof ctx.query.returnTo === 'string' ? { returnTo: ctx.query.returnTo } : {}),
        }),
      };
      return;
    }
    return next();
  });
  late.handler = app.callback() as never;
  return {
    url: running.url,
    auth,
    users,
    store,
    logger,
    callback: (name) => `${running.url}/auth/${name}/callback`,
    close: () => running.close(),
  };
}
