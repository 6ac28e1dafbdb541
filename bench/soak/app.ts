/**
 * The app under load in `npm run soak`, as its own process: `node dist/bench/soak/app.js`
 * listens on 127.0.0.1 (a free port) and prints `READY <port>`. Configured by the soak through
 * the environment: SOAK_REDIS_URL, SOAK_PG_URL, SOAK_PG_SCHEMA, SOAK_SECRET, SOAK_ARGON2 (JSON).
 *
 * | route                          | guard                      | what it does                               |
 * | ------------------------------ | -------------------------- | ------------------------------------------ |
 * | POST /auth/password/login      | (library)                  | email + password sign-in, sets the cookie  |
 * | POST /auth/token/refresh       | (library)                  | spends a refresh token, answers a new pair |
 * | POST /auth/logout              | (library)                  | signs out (`everywhere: true`: everywhere) |
 * | GET /auth/sessions             | (library)                  | the signed-in user's sessions              |
 * | GET /api/me                    | `@LoginRequired`           | `{ id }` of the session's user             |
 * | POST /api/tokens               | `@LoginRequired`           | `ctx.auth.tokens.issue(user)`              |
 * | GET /api/data                  | `@TokenRequired('access')` | `{ id }` of the token's user               |
 * | GET /api/refresh-probe         | `@TokenRequired('refresh')`| `{ id }`: checks a refresh token, no spend |
 * | POST /api/tokens/revoke        | `@LoginRequired`           | revokes the listed tokens of this user     |
 * | GET /__soak/logs               | none                       | how many operator records were logged      |
 */
import 'reflect-metadata';
import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import {
  type Argon2Params,
  type AuthContext,
  type AuthLogger,
  type BaseUser,
  Controller,
  Get,
  LoginRequired,
  MemoryMailer,
  Portcullis,
  Post,
  TokenRequired,
  isAuthError,
} from '../../lib/index.js';
import { PostgresUserStore, RedisStore } from '../../lib/stores.js';

export interface SoakUser extends BaseUser {
  id: string;
  email: string;
  passwordHash?: string;
}

/** The argon2id parameters of the soak: far below the default (19 MiB, 2 passes), see docs/soak.md. */
export const SOAK_ARGON2: Argon2Params = { memoryCost: 4096, timeCost: 1, parallelism: 1 };

/** Store calls that take longer answer 503 `store_unavailable` (the default is 2000 ms). */
export const SOAK_STORE_TIMEOUT = 1000;

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`soak app: ${name} is not set`);
  return value;
}

/** Counts the operator records Portcullis logs (one per store failure), instead of printing them. */
class CountingLogger implements AuthLogger {
  readonly counts = new Map<string, number>();
  private note(level: string, record: Record<string, unknown>, message?: string): void {
    const key = `${level}: ${message ?? String(record.msg ?? record.event ?? 'record')}`.slice(
      0,
      120,
    );
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  warn(record: Record<string, unknown>, message?: string): void {
    this.note('warn', record, message);
  }
  error(record: Record<string, unknown>, message?: string): void {
    this.note('error', record, message);
  }
}

async function main(): Promise<void> {
  const users = new PostgresUserStore<SoakUser>({
    connectionString: env('SOAK_PG_URL'),
    schema: env('SOAK_PG_SCHEMA'),
  });
  await users.migrate(); // done by the soak already: this finds nothing to do
  const store = new RedisStore({ url: env('SOAK_REDIS_URL'), prefix: 'soak:' });
  const logger = new CountingLogger();
  const auth = new Portcullis<SoakUser>({
    secret: env('SOAK_SECRET'),
    users,
    store,
    storeTimeout: SOAK_STORE_TIMEOUT,
    rateLimits: false, // off: 200 clients on one IP signing in for a minute is the point here
    mailer: new MemoryMailer(), // turns the password routes on; the soak sends no mail
    password: { argon2: JSON.parse(env('SOAK_ARGON2')) as Argon2Params },
    // off: the reuse drill and the end checks take any spent token for reuse at once
    tokens: { refreshReuseGrace: false },
    logger,
  });

  @Controller('/api')
  class SoakController {
    @Get('/me')
    @LoginRequired
    me(ctx: AuthContext<SoakUser>) {
      return { id: ctx.state.user.id };
    }

    @Post('/tokens')
    @LoginRequired
    issue(ctx: AuthContext<SoakUser>) {
      return ctx.auth.tokens.issue(ctx.state.user);
    }

    @Get('/data')
    @TokenRequired('access')
    data(ctx: AuthContext<SoakUser>) {
      return { id: ctx.state.user.id };
    }

    /** Verifies the refresh token in the header without spending it (a spent one kills its family). */
    @Get('/refresh-probe')
    @TokenRequired('refresh')
    probe(ctx: AuthContext<SoakUser>) {
      return { id: ctx.state.user.id };
    }

    /**
     * Revokes the tokens in `{ tokens: [...] }` that belong to the signed-in user: a refresh token
     * ends its family, an access token is refused from now on. Tokens already dead are skipped.
     */
    @Post('/tokens/revoke')
    @LoginRequired
    async revoke(ctx: AuthContext<SoakUser>) {
      const body = (ctx.request as { body?: { tokens?: unknown } }).body;
      const tokens = Array.isArray(body?.tokens) ? body.tokens : [];
      let revoked = 0;
      for (const token of tokens.slice(0, 100)) {
        if (typeof token !== 'string') continue;
        const type = token.startsWith('pcr_') ? 'refresh' : 'access';
        try {
          const { userId } = await auth.tokens.verify(token, type);
          if (userId !== ctx.state.user.id) continue;
        } catch (err) {
          if (isAuthError(err) && err.status === 401) continue; // dead already
          throw err; // 503: the client tries again
        }
        await ctx.auth.tokens.revoke(token);
        revoked++;
      }
      return { revoked };
    }
  }

  const app = new Koa();
  app.use(async (ctx, next) => {
    if (ctx.path !== '/__soak/logs') return next();
    ctx.body = { records: Object.fromEntries(logger.counts) };
  });
  app.use(auth.middleware());
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '64kb' }));
  app.use(auth.routes());
  app.use(auth.controllers([SoakController]));

  const server = app.listen(0, '127.0.0.1', () => {
    console.log(`READY ${(server.address() as { port: number }).port}`);
  });
  // the clients keep their connections open for the whole run
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    Promise.allSettled([store.close(), users.close()]).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // the soak holds our stdin open: when it ends (the soak exited, even killed), so do we
  process.stdin.on('end', stop).on('close', stop).resume();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
