/**
 * One instance of an app for the many-instances test, run as its own process: Portcullis on a
 * RedisStore and a PostgresUserStore shared with the other instance, mail through SMTP. It
 * prints `{"port": n}` once it listens.
 *
 * Environment: REDIS_URL, REDIS_PREFIX, POSTGRES_URL, PG_SCHEMA, SMTP_PORT, BASE_URL (the
 * load balancer's).
 */
import 'reflect-metadata';
import Koa from 'koa';
import {
  type AuthContext,
  Controller,
  LoginRequired,
  Portcullis,
  Post,
  SmtpMailer,
} from '../../../lib/index.js';
import { PostgresUserStore, RedisStore } from '../../../lib/stores.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`instance: ${name} is not set`);
  return value;
};

type User = { id: string; email?: string; emailVerified?: boolean };

@Controller('/app')
@LoginRequired
class AppController {
  /** Issues a token pair to the signed-in user (as an app's "connect a device" page would). */
  @Post('/tokens')
  tokens(ctx: AuthContext<User>) {
    return ctx.auth.tokens.issue(ctx.state.user);
  }
}

const store = new RedisStore({ url: env('REDIS_URL'), prefix: env('REDIS_PREFIX') });
const users = new PostgresUserStore<User>({
  connectionString: env('POSTGRES_URL'),
  schema: env('PG_SCHEMA'),
});
const auth = new Portcullis<User>({
  secret: 'many-instances-secret-0123456789abcdefghij',
  baseUrl: env('BASE_URL'),
  users,
  store,
  mailer: new SmtpMailer(
    { host: '127.0.0.1', port: Number(env('SMTP_PORT')), secure: false, ignoreTLS: true },
    { from: 'Many <no-reply@example.test>' },
  ),
  rateLimits: { send: { perAccount: { points: 3, duration: 60 } } },
  // warnings (a replayed refresh token) are what the test provokes; errors still show
  logger: { warn: () => undefined, error: (record, message) => console.error(message, record) },
});
const app = new Koa();
app.proxy = true; // behind the test's load balancer
app.use(auth.middleware());
app.use(auth.routes());
app.use(auth.controllers([AppController]));
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`,
  );
});
process.on('SIGTERM', () => {
  server.close();
  void Promise.all([store.close(), users.close()]).then(() => process.exit(0));
});
