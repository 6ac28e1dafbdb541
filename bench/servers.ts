/**
 * One benchmark variant as its own server: `node dist/bench/servers.js <variant>` listens on
 * 127.0.0.1 (a free port) and prints `READY <port>`. Every variant serves `GET /me` with a small
 * JSON user and answers 401 when it did not see one; `POST /__login?user=<n>` mints a credential
 * for user n (a Set-Cookie, or `{ authorization }` in the body); `GET /__mem` reports memory
 * after a forced GC (start node with --expose-gc).
 */
import 'reflect-metadata';
import Router from '@koa/router';
import { SignJWT, jwtVerify } from 'jose';
import Koa from 'koa';
import passport from 'koa-passport';
import session from 'koa-session';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AuthContext,
  Controller,
  Get,
  LoginRequired,
  MemoryStore,
  MemoryUserStore,
  Portcullis,
  type Store,
  TokenRequired,
} from '../lib/index.js';
import { RedisStore, SqliteStore } from '../lib/stores.js';

interface BenchUser {
  id: string;
  email: string;
}

const USERS = 10_000;
const SECRET = randomBytes(32).toString('base64url');
const users = new Map<string, BenchUser>();
for (let i = 0; i < USERS; i++) users.set(`u${i}`, { id: `u${i}`, email: `user${i}@example.com` });
const userOf = (ctx: Koa.Context): BenchUser =>
  users.get(`u${Number(ctx.query.user ?? 0) % USERS}`)!;
const body = (u: BenchUser | undefined, ctx: Koa.Context): void => {
  if (!u) {
    ctx.status = 401;
    return;
  }
  ctx.body = { id: u.id, email: u.email };
};

async function userStore(): Promise<MemoryUserStore<BenchUser>> {
  const store = new MemoryUserStore<BenchUser>();
  for (const u of users.values()) await store.create(u);
  return store;
}

function withAdmin(app: Koa, router: Router): Koa {
  router.get('/__mem', (ctx) => {
    (globalThis as { gc?: () => void }).gc?.();
    ctx.body = process.memoryUsage();
  });
  app.use(router.routes());
  return app;
}

async function bare(): Promise<Koa> {
  const app = new Koa();
  const router = new Router();
  router.get('/me', (ctx) => body(users.get('u0'), ctx));
  router.post('/__login', (ctx) => {
    ctx.body = {};
  });
  return withAdmin(app, router);
}

/** Where the Store keeps its state: memory, a SQLite file (in a temp dir), or the local Redis. */
type Backend = 'memory' | 'sqlite' | 'redis';

function storeFor(backend: Backend): Store {
  if (backend === 'sqlite') {
    return new SqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'pc-bench-')), 'auth.db') });
  }
  if (backend === 'redis') {
    return new RedisStore({
      url: process.env.PORTCULLIS_BENCH_REDIS ?? 'redis://127.0.0.1:6379',
      prefix: `pcbench:${randomBytes(6).toString('hex')}:`,
    });
  }
  return new MemoryStore();
}

async function portcullis(
  kind: 'session' | 'access' | 'opaque',
  backend: Backend = 'memory',
): Promise<Koa> {
  const opaque = new Map<string, string>();
  const auth = new Portcullis<BenchUser>({
    secret: SECRET,
    users: await userStore(),
    store: storeFor(backend),
    ...(kind === 'opaque'
      ? {
          tokenLoader: (token: string) => {
            const id = opaque.get(token);
            return id === undefined ? null : { id };
          },
          userLoader: (record: Record<string, unknown>) => users.get(String(record.id)),
        }
      : {}),
  });

  @Controller()
  class MeController {
    @Get('/me')
    @LoginRequired
    session(ctx: AuthContext<BenchUser>) {
      body(ctx.state.user, ctx);
    }
  }

  @Controller()
  class TokenController {
    @Get('/me')
    @TokenRequired('access')
    token(ctx: AuthContext<BenchUser>) {
      body(ctx.state.user, ctx);
    }
  }

  const app = new Koa();
  const router = new Router();
  router.post('/__login', async (ctx) => {
    const user = userOf(ctx);
    if (kind === 'session') {
      await ctx.login(user);
      ctx.body = {};
    } else if (kind === 'access') {
      ctx.body = { authorization: `Bearer ${(await auth.tokens.issue(user)).accessToken}` };
    } else {
      const token = randomBytes(24).toString('base64url');
      opaque.set(token, user.id);
      ctx.body = { authorization: `Bearer ${token}` };
    }
  });
  app.use(auth.middleware());
  app.use(auth.controllers([kind === 'session' ? MeController : TokenController]));
  return withAdmin(app, router);
}

async function koaSession(): Promise<Koa> {
  const app = new Koa();
  app.keys = [SECRET];
  app.use(session({ signed: true }, app));
  const router = new Router();
  router.get('/me', (ctx) => body(ctx.session?.user as BenchUser | undefined, ctx));
  router.post('/__login', (ctx) => {
    ctx.session!.user = userOf(ctx);
    ctx.body = {};
  });
  return withAdmin(app, router);
}

async function koaPassport(): Promise<Koa> {
  const app = new Koa();
  app.keys = [SECRET];
  passport.serializeUser<BenchUser>((user, done) => done(null, user.id));
  passport.deserializeUser<BenchUser>((id, done) => done(null, users.get(id)));
  app.use(session({ signed: true }, app));
  app.use(passport.initialize());
  app.use(passport.session());
  const router = new Router();
  type PassportContext = { isAuthenticated(): boolean; login(user: BenchUser): Promise<void> };
  router.get('/me', (ctx) => {
    const authed = (ctx as unknown as PassportContext).isAuthenticated();
    body(authed ? (ctx.state.user as BenchUser) : undefined, ctx);
  });
  router.post('/__login', async (ctx) => {
    await (ctx as unknown as PassportContext).login(userOf(ctx));
    ctx.body = {};
  });
  return withAdmin(app, router);
}

async function joseMiddleware(): Promise<Koa> {
  const key = new TextEncoder().encode(SECRET);
  const app = new Koa();
  app.use(async (ctx, next) => {
    const header = ctx.get('Authorization');
    if (header.startsWith('Bearer ')) {
      try {
        const { payload } = await jwtVerify(header.slice(7), key, { algorithms: ['HS256'] });
        ctx.state.user = users.get(String(payload.sub));
      } catch {
        ctx.state.user = undefined;
      }
    }
    await next();
  });
  const router = new Router();
  router.get('/me', (ctx) => body(ctx.state.user as BenchUser | undefined, ctx));
  router.post('/__login', async (ctx) => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userOf(ctx).id)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
    ctx.body = { authorization: `Bearer ${token}` };
  });
  return withAdmin(app, router);
}

/** The variants, by name, in the order the harness runs them. */
export const VARIANTS = {
  bare: () => bare(),
  'portcullis-session': () => portcullis('session'),
  'portcullis-session-sqlite': () => portcullis('session', 'sqlite'),
  'portcullis-session-redis': () => portcullis('session', 'redis'),
  'portcullis-access': () => portcullis('access'),
  'portcullis-opaque': () => portcullis('opaque'),
  'koa-session': () => koaSession(),
  'koa-passport': () => koaPassport(),
  'jose-middleware': () => joseMiddleware(),
} as const;

export type VariantName = keyof typeof VARIANTS;

const name = process.argv[2] as VariantName | undefined;
if (name !== undefined && import.meta.url === `file://${process.argv[1]}`) {
  const make = VARIANTS[name];
  if (!make) throw new Error(`unknown variant ${name}; one of ${Object.keys(VARIANTS).join(', ')}`);
  const app = await make();
  process.on('SIGINT', () => process.exit(0)); // a clean exit writes --cpu-prof profiles
  const server = app.listen(0, '127.0.0.1', () => {
    console.log(`READY ${(server.address() as { port: number }).port}`);
  });
}
