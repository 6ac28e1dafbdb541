import 'reflect-metadata';
import Koa from 'koa';
import {
  type AuthContext,
  type AuthLogger,
  Controller,
  Delete,
  Get,
  LoginRequired,
  MemoryStore,
  MemoryUserStore,
  OptionalAuth,
  type OptionalAuthContext,
  Patch,
  Portcullis,
  type PortcullisOptions,
  Post,
  Put,
  RequireScopes,
  Roles,
  TokenRequired,
} from '../../lib/index.js';

/** A 40-byte test secret; `secretB` is a different one (for rotation tests). */
export const secretA = 'test-secret-A-0123456789abcdefghijklmnopq';
export const secretB = 'test-secret-B-0123456789abcdefghijklmnopq';

export interface TestUser {
  id: string;
  email: string;
  roles?: string[];
  disabled?: boolean;
  passwordHash?: string;
}

/** Counts handler calls by route name, so a test can assert a handler did not run. */
export class Hits {
  private readonly counts = new Map<string, number>();
  hit(name: string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }
  count(name: string): number {
    return this.counts.get(name) ?? 0;
  }
  total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }
}

/** A logger that keeps every record, for asserting on (and for keeping test output clean). */
export class MemoryLogger implements AuthLogger {
  readonly records: Array<{
    level: string;
    record: Record<string, unknown>;
    message?: string | undefined;
  }> = [];
  warn(record: Record<string, unknown>, message?: string): void {
    this.records.push({ level: 'warn', record, message });
  }
  error(record: Record<string, unknown>, message?: string): void {
    this.records.push({ level: 'error', record, message });
  }
}

export interface TestApp {
  app: Koa;
  auth: Portcullis<TestUser>;
  users: MemoryUserStore<TestUser>;
  store: MemoryStore;
  hits: Hits;
  logger: MemoryLogger;
  alice: TestUser;
  bob: TestUser;
  admin: TestUser;
}

/**
 * A Koa app the way a user would build one, with decorated controllers:
 *
 * | route | guard | hit name |
 * |---|---|---|
 * | POST /test/login/:id | none (signs the user in with ctx.login) | login |
 * | POST /test/logout | none (ctx.logout) | logout |
 * | POST /test/tokens/:id | none (issues tokens; body {scopes}) | tokens |
 * | GET /dashboard | @LoginRequired (class) | dashboard |
 * | POST/PUT/PATCH/DELETE /dashboard/item | @LoginRequired (class) | item |
 * | GET /dashboard/admin | @Roles('admin') | admin |
 * | GET /dashboard/public | @OptionalAuth overriding the class guard | dashboardPublic |
 * | GET /mixed | @LoginRequired({ allowBearer: true }) | mixed |
 * | GET /api/profile | @TokenRequired('access') | profile |
 * | POST /api/profile | @TokenRequired('access') | profileWrite |
 * | GET /api/reports | @TokenRequired('access', { scopes: ['reports:read'] }) | reports |
 * | GET /api/scoped | @RequireScopes('admin:write') | scoped |
 * | POST /api/refresh | @TokenRequired('refresh') -> ctx.auth.tokens.rotate() | refresh |
 * | GET /api/custom | @TokenRequired('access', { header: 'X-Api-Key', scheme: 'Token' }) | custom |
 * | GET / | @OptionalAuth | home |
 * | POST /unguarded | no decorator (CSRF still applies) | unguarded |
 *
 * `auth.routes()` is mounted too (/auth/token/refresh, /auth/logout, /auth/me).
 */
export async function makeApp(
  options: Partial<PortcullisOptions<TestUser>> = {},
): Promise<TestApp> {
  const users = new MemoryUserStore<TestUser>();
  const store = new MemoryStore();
  const logger = new MemoryLogger();
  const hits = new Hits();
  const alice = await users.create({
    email: 'alice@example.com',
    passwordHash: 'argon2id$secret-hash',
  });
  const bob = await users.create({ email: 'bob@example.com' });
  const admin = await users.create({ email: 'admin@example.com', roles: ['admin'] });
  const auth = new Portcullis<TestUser>({ secret: secretA, users, store, logger, ...options });

  @Controller('/test')
  class TestController {
    @Post('/login/:id')
    async login(ctx: OptionalAuthContext<TestUser>) {
      hits.hit('login');
      const user = await users.findById(String(ctx.params.id));
      if (!user) {
        ctx.status = 404;
        return { error: 'no such user' };
      }
      await ctx.login(user);
      return { ok: true };
    }

    @Post('/logout')
    async logout(ctx: OptionalAuthContext<TestUser>) {
      hits.hit('logout');
      await ctx.logout();
      return { ok: true };
    }

    @Post('/tokens/:id')
    async tokens(ctx: OptionalAuthContext<TestUser>) {
      hits.hit('tokens');
      const user = await users.findById(String(ctx.params.id));
      if (!user) {
        ctx.status = 404;
        return { error: 'no such user' };
      }
      const scopes = typeof ctx.query.scopes === 'string' ? ctx.query.scopes.split(',') : [];
      return ctx.auth.tokens.issue(user, { scopes });
    }
  }

  @Controller('/dashboard')
  @LoginRequired
  class DashboardController {
    @Get('/')
    index(ctx: AuthContext<TestUser>) {
      hits.hit('dashboard');
      return { email: ctx.state.user.email };
    }

    @Post('/item')
    @Put('/item')
    @Patch('/item')
    @Delete('/item')
    item(ctx: AuthContext<TestUser>) {
      hits.hit('item');
      return { ok: true, method: ctx.method };
    }

    @Get('/admin')
    @Roles('admin')
    admin() {
      hits.hit('admin');
      return { admin: true };
    }

    @Get('/public')
    @OptionalAuth
    publicPage(ctx: OptionalAuthContext<TestUser>) {
      hits.hit('dashboardPublic');
      return { user: ctx.state.user?.email ?? null };
    }
  }

  @Controller('/api')
  class ApiController {
    @Get('/profile')
    @TokenRequired('access')
    profile(ctx: AuthContext<TestUser>) {
      hits.hit('profile');
      return { email: ctx.state.user.email };
    }

    @Post('/profile')
    @TokenRequired('access')
    profileWrite(ctx: AuthContext<TestUser>) {
      hits.hit('profileWrite');
      return { email: ctx.state.user.email };
    }

    @Get('/reports')
    @TokenRequired('access', { scopes: ['reports:read'] })
    reports() {
      hits.hit('reports');
      return { reports: [] };
    }

    @Get('/scoped')
    @RequireScopes('admin:write')
    scoped() {
      hits.hit('scoped');
      return { ok: true };
    }

    @Post('/refresh')
    @TokenRequired('refresh')
    refresh(ctx: AuthContext<TestUser>) {
      hits.hit('refresh');
      return ctx.auth.tokens.rotate();
    }

    @Get('/custom')
    @TokenRequired('access', { header: 'X-Api-Key', scheme: 'Token' })
    custom(ctx: AuthContext<TestUser>) {
      hits.hit('custom');
      return { email: ctx.state.user.email };
    }
  }

  @Controller()
  class HomeController {
    @Get('/')
    @OptionalAuth()
    home(ctx: OptionalAuthContext<TestUser>) {
      hits.hit('home');
      return { user: ctx.state.user?.email ?? null };
    }

    @Get('/mixed')
    @LoginRequired({ allowBearer: true })
    mixed(ctx: AuthContext<TestUser>) {
      hits.hit('mixed');
      return { email: ctx.state.user.email };
    }

    @Post('/unguarded')
    unguarded() {
      hits.hit('unguarded');
      return { ok: true };
    }
  }

  const app = new Koa();
  app.use(auth.middleware());
  app.use(auth.routes());
  app.use(auth.controllers([TestController, DashboardController, ApiController, HomeController]));
  return { app, auth, users, store, hits, logger, alice, bob, admin };
}

/** The `name=value` pairs of a response's Set-Cookie headers, joined for a Cookie header. */
export function cookieHeader(setCookie: string[] | string | undefined): string {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return list
    .map((c) => c.split(';')[0]!)
    .filter((pair) => pair.split('=')[1] !== '')
    .join('; ');
}

/** Signs `user` in through HTTP and returns the Cookie header value the browser would keep. */
export async function signIn(
  request: (
    app: ReturnType<Koa['callback']>,
  ) => import('supertest').Agent | import('supertest').SuperTest<import('supertest').Test>,
  t: TestApp,
  user: TestUser,
): Promise<string> {
  const res = await (request(t.app.callback()) as import('supertest').Agent).post(
    `/test/login/${user.id}`,
  );
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status}`);
  return cookieHeader(res.headers['set-cookie'] as unknown as string[]);
}
