import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { Keyring } from '../../lib/keys/keyring.js';
import { MemoryUserStore, Portcullis } from '../../lib/index.js';
import type { PortcullisOptions } from '../../lib/index.js';
import { unseal } from '../../lib/session/seal.js';
import { MemoryLogger, secretA } from '../support/app.js';

const ring = new Keyring([Buffer.from(secretA)]);

/** The sign-in as sealed in a Set-Cookie or Cookie value `portcullis=...`. */
function sealedSignIn(cookie: string): Record<string, unknown> {
  const value = cookie.split(';')[0]!.slice('portcullis='.length);
  const opened = unseal<{ $pc: Record<string, unknown> }>(ring, 'session', value);
  expect(opened, 'cookie opens').to.not.equal(undefined);
  return opened!.value.$pc;
}

function sessionCookie(res: request.Response): string {
  const raw = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  const found = raw.find((c) => c.startsWith('portcullis=') && !c.startsWith('portcullis=;'));
  expect(found, 'a session cookie').to.be.a('string');
  return found!.split(';')[0]!;
}

/** An app whose `/login` signs alice in and whose `/session` answers `ctx.auth.session`. */
async function sessionApp(options: Partial<PortcullisOptions> = {}) {
  const users = new MemoryUserStore();
  const alice = await users.create({ email: 'alice@example.com' });
  const auth = new Portcullis({ secret: secretA, users, logger: new MemoryLogger(), ...options });
  const app = new Koa();
  app.use(auth.middleware());
  app.use(async (ctx) => {
    if (ctx.path === '/login') await ctx.login(alice);
    ctx.body = { session: ctx.auth.session ?? null };
  });
  return { app, alice };
}

describe('ctx.auth.session', () => {
  it('names the sign-in id, userId, signedInAt and lastSeenAt; the cookie keeps s, u, c, t', async () => {
    const { app, alice } = await sessionApp();
    const before = Date.now();
    const login = await request(app.callback()).get('/login');
    const cookie = sessionCookie(login);
    const sealed = sealedSignIn(cookie);
    expect(Object.keys(sealed)).to.deep.equal(['s', 'u', 'c', 't']);
    const res = await request(app.callback()).get('/session').set('Cookie', cookie);
    expect(res.status).to.equal(200);
    expect(res.body.session).to.deep.equal({
      id: sealed.s,
      userId: alice.id,
      signedInAt: sealed.c,
      lastSeenAt: sealed.t,
    });
    expect(res.body.session.signedInAt).to.be.within(before, Date.now());
    expect(login.body.session).to.deep.equal(res.body.session); // as ctx.login() left it
  });

  it('reads a cookie sealed in the short form, and re-seals it in that form', async () => {
    const { app, alice } = await sessionApp({ session: { touchInterval: 1 } });
    const cookie = sessionCookie(await request(app.callback()).get('/login'));
    const first = sealedSignIn(cookie);
    await new Promise((r) => setTimeout(r, 1100));
    const res = await request(app.callback()).get('/session').set('Cookie', cookie);
    expect(res.body.session).to.include({ id: first.s, userId: alice.id, signedInAt: first.c });
    const again = sealedSignIn(sessionCookie(res));
    expect(Object.keys(again)).to.deep.equal(['s', 'u', 'c', 't']);
    expect(again).to.include({ s: first.s, u: alice.id, c: first.c });
    expect(again.t).to.be.above(first.t as number);
    const next = await request(app.callback()).get('/session').set('Cookie', sessionCookie(res));
    expect(next.body.session).to.deep.equal({
      id: first.s,
      userId: alice.id,
      signedInAt: first.c,
      lastSeenAt: again.t,
    });
  });
});
