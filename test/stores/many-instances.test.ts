import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PostgresUserStore } from '../../lib/stores.js';
import { Browser } from '../support/browser.js';
import { type Inbox, startInbox } from '../support/smtp.js';
import { POSTGRES_URL, REDIS_URL, needService } from '../support/services.js';

/**
 * Two instances of one app, each its own process, sharing Redis (the Store) and PostgreSQL
 * (the users) behind a load balancer that sends each request where the test says
 * (`x-instance: a|b`), so one browser's requests can land on either, as they would in
 * production.
 */
type Which = 'a' | 'b';

function startInstance(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; port: number }> {
  const script = fileURLToPath(new URL('./support/instance.js', import.meta.url));
  const child = spawn(process.execPath, ['--enable-source-maps', script], {
    env: { ...process.env, ...env, NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('instance did not start within 10 s')), 10_000);
    child.once('exit', (code) => reject(new Error(`instance exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ child, port: (JSON.parse(line) as { port: number }).port });
    });
  });
}

function startBalancer(ports: Record<Which, number>): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const which = req.headers['x-instance'] === 'b' ? 'b' : 'a';
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: ports[which],
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` }),
    ),
  );
}

describe('many instances: two app processes sharing Redis and PostgreSQL', function () {
  this.timeout(60_000);
  const schema = `pc_many_${randomBytes(5).toString('hex')}`;
  let users: PostgresUserStore;
  let inbox: Inbox;
  let children: ChildProcess[] = [];
  let balancer: Server | undefined;
  let lb = '';

  before(async function () {
    await needService(this, 'Redis', 6379);
    await needService(this, 'PostgreSQL', 5432);
    users = new PostgresUserStore({ connectionString: POSTGRES_URL, schema });
    await users.migrate();
    inbox = await startInbox();
    const ports: Record<Which, number> = { a: 0, b: 0 };
    const started = await startBalancer(ports);
    balancer = started.server;
    lb = started.url;
    const env = {
      REDIS_URL,
      REDIS_PREFIX: `pctest:${schema}:`,
      POSTGRES_URL,
      PG_SCHEMA: schema,
      SMTP_PORT: String(inbox.port),
      BASE_URL: lb,
    };
    const [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
    children = [a.child, b.child];
    Object.assign(ports, { a: a.port, b: b.port });
  });

  after(async () => {
    for (const child of children) child.kill('SIGTERM');
    await new Promise<void>((resolve) => (balancer ? balancer.close(() => resolve()) : resolve()));
    await inbox?.close();
    if (users) {
      const admin = new pg.Pool({ connectionString: POSTGRES_URL });
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await admin.end();
      await users.close();
    }
  });

  const on = (
    browser: Browser,
    which: Which,
    path: string,
    init: { form?: Record<string, string>; json?: unknown; headers?: Record<string, string> } = {},
  ) =>
    browser.request(`${lb}${path}`, {
      ...init,
      headers: { origin: lb, accept: 'application/json', 'x-instance': which, ...init.headers },
    });

  /** Mails a link through `from`, spends it on `to`: the browser is signed in. */
  async function signIn(browser: Browser, email: string, from: Which, to: Which): Promise<string> {
    expect((await on(browser, from, '/auth/magic', { form: { email } })).status).to.be.oneOf([
      202, 303,
    ]);
    const token = inbox.link(await inbox.next(email)).searchParams.get('token')!;
    const done = await on(browser, to, '/auth/magic/callback', { form: { token } });
    expect(done.status, done.body).to.be.oneOf([200, 303]);
    return token;
  }

  const me = async (browser: Browser, which: Which) => {
    const res = await on(browser, which, '/auth/me');
    return res.status === 200
      ? (JSON.parse(res.body) as { user: { email: string } }).user.email
      : res.status;
  };

  it('a magic link mailed by one instance signs in on the other, and only once', async () => {
    const browser = new Browser();
    const token = await signIn(browser, 'ada@example.com', 'a', 'b');
    expect(await me(browser, 'a')).to.equal('ada@example.com');
    expect(await me(browser, 'b')).to.equal('ada@example.com');
    const replay = await on(new Browser(), 'a', '/auth/magic/callback', { json: { token } });
    expect(replay.status).to.equal(400);
    expect(replay.body).to.contain('link_invalid');
    // the user is in PostgreSQL, seen by this process too
    expect((await users.findByEmail('ada@example.com'))?.emailVerified).to.equal(true);
  });

  it('a session signed out on one instance is refused by the other within 1 s', async () => {
    const browser = new Browser();
    await signIn(browser, 'bea@example.com', 'a', 'a');
    const cookie = browser.cookieHeader(lb);
    expect(await me(browser, 'b')).to.equal('bea@example.com'); // b has now cached it as live
    expect((await on(browser, 'a', '/auth/logout', { json: {} })).status).to.be.oneOf([200, 204]);
    const stolen = new Browser();
    const started = Date.now();
    let status = 0;
    while (Date.now() - started < 1000) {
      status = (await on(stolen, 'b', '/auth/me', { headers: { cookie } })).status;
      if (status === 401) break;
    }
    expect(status).to.equal(401);
    expect((await on(stolen, 'a', '/auth/me', { headers: { cookie } })).status).to.equal(401);
  });

  it('a refresh token rotated on one instance and replayed on the other, its successor used, revokes the family and its access tokens', async () => {
    const browser = new Browser();
    await signIn(browser, 'cy@example.com', 'b', 'a');
    const pair = JSON.parse((await on(browser, 'a', '/app/tokens', { json: {} })).body) as {
      refreshToken: string;
    };
    const refresh = (which: Which, token: string) =>
      on(new Browser(), which, '/auth/token/refresh', {
        headers: { authorization: `Bearer ${token}` },
        json: {},
      });
    const me = (which: Which, accessToken: string) =>
      on(new Browser(), which, '/auth/me', { headers: { authorization: `Bearer ${accessToken}` } });
    const rotated = await refresh('a', pair.refreshToken);
    expect(rotated.status).to.equal(200);
    const next = JSON.parse(rotated.body) as { refreshToken: string; accessToken: string };
    // inside the reuse grace, the replay on b gets the same unused successor
    const again = await refresh('b', pair.refreshToken);
    expect(again.status).to.equal(200);
    expect((JSON.parse(again.body) as { refreshToken: string }).refreshToken).to.equal(
      next.refreshToken,
    );
    const head = await refresh('a', next.refreshToken); // the successor used
    expect(head.status).to.equal(200);
    const newest = JSON.parse(head.body) as { refreshToken: string; accessToken: string };
    expect((await me('a', newest.accessToken)).status).to.equal(200); // found live on a
    expect((await refresh('b', pair.refreshToken)).status).to.equal(401); // the replay
    expect((await refresh('a', newest.refreshToken)).status).to.equal(401); // the family is dead
    // and so are its access tokens, on both instances (on a within 1 s: the revocation feed)
    let status = 0;
    for (const started = Date.now(); Date.now() - started < 1_000;) {
      status = (await me('a', newest.accessToken)).status;
      if (status === 401) break;
    }
    expect(status).to.equal(401);
    expect((await me('b', next.accessToken)).status).to.equal(401);
  });

  it('rate limits count across instances', async () => {
    const browser = new Browser();
    const send = (which: Which) =>
      on(browser, which, '/auth/magic', { json: { email: 'limit@example.com' } });
    for (const which of ['a', 'b', 'a'] as const)
      expect((await send(which)).status).to.not.equal(429);
    const refused = await send('b');
    expect(refused.status).to.equal(429);
    expect(refused.headers.get('retry-after')).to.match(/^\d+$/);
  });
});
