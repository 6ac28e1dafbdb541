import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { bodyParser } from '@koa/bodyparser';
import Database from 'better-sqlite3';
import Koa from 'koa';
import { type AuthError, type AuthLogger, MemoryMailer, Portcullis } from 'portcullis';
import { SqliteStore, SqliteUserStore } from 'portcullis/stores';
import { GitHub, Google, OIDC, type OAuth2Provider } from 'portcullis/providers';
import { AccountController } from './account.js';
import { TokensController } from './account-tokens.js';
import { ApiController } from './api.js';
import { ApiTokens } from './api-tokens.js';
import { type DemoIdp, startDemoIdp } from './idp.js';
import { messageFor } from './messages.js';
import { OutboxController } from './outbox.js';
import { PagesController } from './pages.js';
import { SignInController } from './sign-in.js';
import type { DemoUser, ProviderLink, Site } from './types.js';
import { esc, notice, page } from './views.js';

export type { DemoUser } from './types.js';

/** A provider app's client id and secret. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** What the demo needs to start. */
export interface DemoOptions {
  /** The root secret (at least 32 bytes). */
  secret: string;
  /** The app's origin, `http://localhost:<port>`: links in mails, redirect URIs, the passkey RP ID. */
  baseUrl: string;
  /** The folder of the data file, `portcullis.db` (created when missing). */
  dataDir: string;
  /** Demo ID's port on 127.0.0.1. @default 0 (any free port) */
  idpPort?: number;
  /** Sign in with GitHub (on only when given). */
  github?: ClientCredentials | undefined;
  /** Sign in with Google (on only when given). */
  google?: ClientCredentials | undefined;
  /** Show sent mails at `/dev/outbox`; never in production. @default NODE_ENV !== 'production' */
  outbox?: boolean;
  /** Send page requests addressed to another host (`127.0.0.1`) to `baseUrl`. @default false */
  redirectToBaseUrl?: boolean;
  /** Where Portcullis logs. @default console */
  logger?: AuthLogger;
}

/** The running demo. */
export interface DemoApp {
  app: Koa;
  auth: Portcullis<DemoUser>;
  /** Every mail sent (what `/dev/outbox` shows). */
  mailer: MemoryMailer;
  users: SqliteUserStore<DemoUser>;
  /** The local OpenID provider behind "Sign in with Demo ID". */
  idp: DemoIdp;
  /** The providers that are on. */
  providers: ProviderLink[];
  /** Whether `/dev/outbox` is on. */
  outbox: boolean;
  /** Sends the mail still queued, stops Demo ID and closes the data file. */
  close(): Promise<void>;
}

/**
 * Builds the demo: a Koa app on Portcullis's public API, with its users and server-side state
 * in one SQLite file, mails kept for the outbox page, and Demo ID (a local OpenID provider).
 *
 * @example
 * ```ts
 * const demo = await createDemoApp({ secret, baseUrl: 'http://localhost:3000', dataDir: 'demo/data' });
 * demo.app.listen(3000);
 * ```
 */
export async function createDemoApp(options: DemoOptions): Promise<DemoApp> {
  const origin = new URL(options.baseUrl).origin;
  mkdirSync(options.dataDir, { recursive: true });
  const db = new Database(join(options.dataDir, 'portcullis.db'));
  const users = new SqliteUserStore<DemoUser>({ database: db });
  const store = new SqliteStore({ database: db });
  await users.migrate();
  const idp = await startDemoIdp({
    port: options.idpPort ?? 0,
    redirectUri: `${origin}/auth/demo-id/callback`,
  }).catch(async (err: unknown) => {
    await store.close();
    await users.close();
    db.close();
    throw err;
  });
  const { providers, links } = providersFor(options, idp);
  const mailer = new MemoryMailer();
  const outbox = options.outbox ?? process.env.NODE_ENV !== 'production';
  const site: Site = {
    providers: links,
    mailer,
    outbox,
    apiTokens: new ApiTokens(db, options.secret),
    users,
    origin,
  };
  const close = async (): Promise<void> => {
    await idp.close();
    await store.close();
    await users.close();
    db.close();
  };
  let auth: Portcullis<DemoUser>;
  try {
    auth = new Portcullis<DemoUser>({
      secret: options.secret,
      users,
      store,
      baseUrl: origin,
      mailer,
      email: { appName: 'Portcullis demo' },
      passkeys: { rpName: 'Portcullis demo' },
      providers,
      defaultReturnTo: '/dashboard',
      oauth: { errorPath: '/login' }, // failed sign-ins come back to the sign-in page, which says why
      onError: (err, ctx) => renderError(err, ctx, site),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    await auth.ready(); // discovers Demo ID (and Google, when on)
  } catch (err) {
    await close();
    throw err;
  }

  const app = new Koa();
  if (options.redirectToBaseUrl) app.use(toBaseUrl(origin));
  app.use(auth.middleware());
  app.use(notFound(site));
  app.use(bodyParser({ enableTypes: ['json', 'form'], jsonLimit: '16kb', formLimit: '16kb' }));
  app.use(auth.routes());
  app.use(
    auth.controllers([
      new PagesController(site),
      new SignInController(site),
      new AccountController(site),
      new TokensController(site),
      new ApiController(),
      ...(outbox ? [new OutboxController(site)] : []),
    ]),
  );
  const shutdown = async (): Promise<void> => {
    await auth.close(); // sends the mail still queued (up to 5 s)
    await close();
  };
  return { app, auth, mailer, users, idp, providers: links, outbox, close: shutdown };
}

/** Demo ID always; GitHub and Google when their client id and secret are given. */
function providersFor(
  options: DemoOptions,
  idp: DemoIdp,
): { providers: OAuth2Provider[]; links: ProviderLink[] } {
  const providers: OAuth2Provider[] = [
    new OIDC({
      name: 'demo-id',
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      allowInsecureRequests: true, // plain http, on loopback, in development
      authorizationParams: { prompt: 'login' }, // show Demo ID's account picker every time
    }),
  ];
  const links: ProviderLink[] = [{ name: 'demo-id', label: 'Demo ID' }];
  if (options.github) {
    providers.push(new GitHub(options.github));
    links.push({ name: 'github', label: 'GitHub' });
  }
  if (options.google) {
    providers.push(new Google(options.google));
    links.push({ name: 'google', label: 'Google' });
  }
  return { providers, links };
}

/** Browsers get a page saying what went wrong; API clients get Portcullis's JSON. */
function renderError(err: AuthError, ctx: Koa.Context, site: Site): void {
  if (ctx.accepts('json', 'html') !== 'html') {
    ctx.body = err.toJSON();
    return;
  }
  const message = messageFor(err.code) ?? err.toJSON().error.message;
  ctx.type = 'html';
  ctx.body = page(
    { user: ctx.state.user as DemoUser | undefined, outbox: site.outbox },
    'Something went wrong',
    `${notice('error', esc(message))}
     <p class="muted">Error code <code>${esc(err.code)}</code> (HTTP ${err.status}).</p>
     <p><a href="/">Home</a> · <a href="/login">Sign in</a></p>`,
  );
}

/** WebAuthn refuses IP addresses: pages asked for at 127.0.0.1 are sent to `localhost`. */
function toBaseUrl(origin: string): Koa.Middleware {
  const host = new URL(origin).host;
  return async (ctx, next) => {
    if (ctx.host === host || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    ctx.redirect(`${origin}${ctx.originalUrl}`);
  };
}

function notFound(site: Site): Koa.Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.status !== 404 || ctx.body != null || ctx.accepts('json', 'html') !== 'html') return;
    ctx.status = 404;
    ctx.type = 'html';
    ctx.body = page(
      { user: ctx.state.user as DemoUser | undefined, outbox: site.outbox },
      'Not found',
      '<p>There is no page here. <a href="/">Home</a></p>',
    );
  };
}
