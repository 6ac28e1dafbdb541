import 'reflect-metadata';
import Koa from 'koa';
import {
  type AuthContext,
  Controller,
  Get,
  LoginRequired,
  MemoryStore,
  MemoryUserStore,
  OptionalAuth,
  type OptionalAuthContext,
  Portcullis,
  Post,
  TokenRequired,
} from 'portcullis';
import { esc, page } from './views.js';

/** The demo's users: just what the pages show. */
export interface DemoUser {
  id: string;
  email: string;
  name: string;
  roles?: string[];
}

/** What the demo needs to start. */
export interface DemoOptions {
  /** The root secret (>= 32 bytes). */
  secret: string;
  /** Production mode needs a baseUrl; the demo runs in development by default. */
  baseUrl?: string;
}

/** Builds the demo app: the public API only, as a Koa developer would write it. */
export async function createDemoApp(
  options: DemoOptions,
): Promise<{ app: Koa; auth: Portcullis<DemoUser> }> {
  const users = new MemoryUserStore<DemoUser>();
  const demo = await users.create({
    email: 'demo@example.com',
    name: 'Demo User',
    roles: ['admin'],
  });
  const auth = new Portcullis<DemoUser>({
    secret: options.secret,
    users,
    store: new MemoryStore(),
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
  });

  @Controller()
  class PagesController {
    @Get('/')
    @OptionalAuth()
    home(ctx: OptionalAuthContext<DemoUser>) {
      const user = ctx.state.user;
      ctx.type = 'html';
      return page(
        'Home',
        user
          ? `<p>Signed in as <strong>${esc(user.name)}</strong> (${esc(user.email)}).</p>
             <p><a href="/dashboard">Go to your dashboard</a></p>
             <form class="inline" method="post" action="/auth/logout"><button class="secondary">Sign out</button></form>`
          : `<p>You are not signed in. This demo has one user; sign in with a click (password, magic
             links, passkeys and OAuth come in the next releases).</p>
             <form method="post" action="/login"><button>Sign in as demo@example.com</button></form>`,
      );
    }

    @Get('/login')
    @OptionalAuth()
    loginPage(ctx: OptionalAuthContext<DemoUser>) {
      const returnTo = typeof ctx.query.returnTo === 'string' ? ctx.query.returnTo : '/dashboard';
      ctx.type = 'html';
      return page(
        'Sign in',
        `<p>Sign in to continue.</p>
         <form method="post" action="/login"><input type="hidden" name="returnTo" value="${esc(returnTo)}">
         <button>Sign in as demo@example.com</button></form>`,
      );
    }

    @Post('/login')
    @OptionalAuth()
    async login(ctx: OptionalAuthContext<DemoUser>) {
      await ctx.login(demo);
      const body = await readForm(ctx);
      ctx.redirect(safePath(body.get('returnTo')) ?? '/dashboard');
    }
  }

  @Controller('/dashboard')
  @LoginRequired
  class DashboardController {
    @Get('/')
    index(ctx: AuthContext<DemoUser>) {
      ctx.type = 'html';
      return page(
        'Dashboard',
        `<p>Hello, <strong>${esc(ctx.state.user.name)}</strong>. This page is guarded by
         <code>@LoginRequired</code>: your session lives in an encrypted cookie.</p>
         <form method="post" action="/dashboard/tokens"><button>Create an API token</button></form>
         <p><form class="inline" method="post" action="/auth/logout"><button class="secondary">Sign out</button></form></p>`,
      );
    }

    @Post('/tokens')
    async createToken(ctx: AuthContext<DemoUser>) {
      const tokens = await ctx.auth.tokens.issue(ctx.state.user, { scopes: ['profile:read'] });
      const origin = `${ctx.protocol}://${ctx.host}`;
      ctx.type = 'html';
      return page(
        'API token',
        `<p>An access token (1 hour) and a refresh token (30 days). They are shown once; copy them now.</p>
         <p>Call the API with the access token (<code>@TokenRequired('access')</code>):</p>
         <pre>curl -H 'Authorization: Bearer ${esc(tokens.accessToken)}' ${esc(origin)}/api/me</pre>
         <p>Trade the refresh token for a new pair (it can be used once):</p>
         <pre>curl -X POST -H 'Authorization: Bearer ${esc(tokens.refreshToken)}' ${esc(origin)}/auth/token/refresh</pre>
         <p><a href="/dashboard">Back</a></p>`,
      );
    }
  }

  @Controller('/api')
  class ApiController {
    @Get('/me')
    @TokenRequired('access', { scopes: ['profile:read'] })
    me(ctx: AuthContext<DemoUser>) {
      const { id, email, name } = ctx.state.user;
      return { id, email, name };
    }
  }

  const app = new Koa();
  app.use(auth.middleware());
  app.use(auth.routes());
  app.use(auth.controllers([PagesController, DashboardController, ApiController]));
  return { app, auth };
}

async function readForm(ctx: Koa.Context): Promise<URLSearchParams> {
  if (!ctx.is('application/x-www-form-urlencoded')) return new URLSearchParams();
  let raw = '';
  for await (const chunk of ctx.req) {
    raw += String(chunk);
    if (raw.length > 4096) break;
  }
  return new URLSearchParams(raw);
}

function safePath(value: string | null): string | undefined {
  return value && value.startsWith('/') && !value.startsWith('//') && !value.includes('\\')
    ? value
    : undefined;
}
