import { expect } from 'chai';
import Koa from 'koa';
import session from 'koa-session';
import request from 'supertest';
import { Keyring } from '../../lib/keys/keyring.js';
import { MemoryUserStore, Portcullis } from '../../lib/index.js';
import { seal, unseal } from '../../lib/session/seal.js';
import { MemoryLogger, cookieHeader, makeApp, secretA, secretB } from '../support/app.js';

function setCookies(res: request.Response): string[] {
  const raw = res.headers['set-cookie'] as unknown;
  return Array.isArray(raw) ? (raw as string[]) : [];
}

/** An app whose routes keep `size` characters in ctx.session, or read them back. */
async function bigSessionApp(maxCookies?: number) {
  const users = new MemoryUserStore();
  const auth = new Portcullis({
    secret: secretA,
    users,
    logger: new MemoryLogger(),
    ...(maxCookies ? { session: { maxCookies } } : {}),
  });
  const app = new Koa();
  app.use(auth.middleware());
  app.use(async (ctx) => {
    const s = ctx.session as unknown as Record<string, unknown>;
    if (ctx.path === '/put') s.big = 'x'.repeat(Number(ctx.query.size));
    ctx.body = { size: typeof s.big === 'string' ? s.big.length : 0 };
  });
  return app;
}

describe('session cookie', () => {
  it('is sealed, HttpOnly, SameSite=Lax, Path=/ and sent with Cache-Control: no-store', async () => {
    const t = await makeApp();
    const res = await request(t.app.callback()).post(`/test/login/${t.alice.id}`);
    const [cookie] = setCookies(res).filter((c) => c.startsWith('portcullis='));
    expect(cookie).to.match(/^portcullis=[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]+;/);
    expect(cookie).to.include('httponly').and.include('samesite=lax').and.include('path=/');
    expect(cookie).not.to.include('alice');
    expect(res.headers['cache-control']).to.equal('no-store');
  });

  it('is named __Host-portcullis and Secure in production, with no Domain', async () => {
    const t = await makeApp({ production: true, baseUrl: 'https://app.example.com' });
    t.app.proxy = true;
    const res = await request(t.app.callback())
      .post(`/test/login/${t.alice.id}`)
      .set('X-Forwarded-Proto', 'https');
    const cookies = setCookies(res);
    expect(cookies).to.have.length(1);
    expect(cookies[0]).to.match(/^__Host-portcullis=/);
    expect(cookies[0]).to.include('secure').and.include('path=/');
    expect(cookies[0]).not.to.include('domain');
    const again = await request(t.app.callback())
      .get('/dashboard')
      .set('X-Forwarded-Proto', 'https')
      .set('Cookie', cookieHeader(cookies));
    expect(again.status).to.equal(200);
  });

  it('keeps a user signed in across requests; after ctx.logout() the cookie is dead', async () => {
    const t = await makeApp({ baseUrl: 'http://app.test' });
    const login = await request(t.app.callback()).post(`/test/login/${t.bob.id}`);
    const cookie = cookieHeader(setCookies(login));
    const ok = await request(t.app.callback()).get('/dashboard').set('Cookie', cookie);
    expect(ok.status).to.equal(200);
    expect(ok.body).to.deep.equal({ email: 'bob@example.com' });
    const out = await request(t.app.callback())
      .post('/test/logout')
      .set('Cookie', cookie)
      .set('Origin', 'http://app.test');
    expect(out.status).to.equal(200);
    expect(setCookies(out).some((c) => /^portcullis=;.*expires=Thu, 01 Jan 1970/.test(c))).to.equal(
      true,
    );
    const replay = await request(t.app.callback()).get('/dashboard').set('Cookie', cookie);
    expect(replay.status).to.equal(401);
    expect(replay.body.error.code).to.equal('login_required');
    expect(t.hits.count('dashboard')).to.equal(1);
  });

  it('does not set a cookie on a plain request inside the touch interval', async () => {
    const t = await makeApp();
    const cookie = await t.auth.testing.sessionCookie(t.alice);
    const res = await request(t.app.callback()).get('/dashboard').set('Cookie', cookie);
    expect(res.status).to.equal(200);
    expect(setCookies(res)).to.deep.equal([]);
  });

  it('re-seals the last-seen time once the touch interval has passed', async () => {
    const t = await makeApp({ session: { touchInterval: 1 } });
    const cookie = await t.auth.testing.sessionCookie(t.alice);
    await new Promise((r) => setTimeout(r, 1100));
    const res = await request(t.app.callback()).get('/dashboard').set('Cookie', cookie);
    expect(res.status).to.equal(200);
    expect(
      setCookies(res).some((c) => c.startsWith('portcullis=') && !c.startsWith('portcullis=;')),
    ).to.equal(true);
  });

  it('re-seals a cookie made with an older key under the current key', async () => {
    const users = new MemoryUserStore();
    const alice = await users.create({ email: 'a@example.com' });
    const rotated = new Portcullis({ keys: [secretA, secretB], users });
    // A registered session (made under the current key A), re-sealed as if it were made under B.
    const fresh = await rotated.testing.sessionCookie(alice);
    const ringA = new Keyring([Buffer.from(secretA)]);
    const value = unseal(ringA, 'session', fresh.split('=')[1]!)!.value;
    const underB = `portcullis=${seal(new Keyring([Buffer.from(secretB)]), 'session', value)}`;
    const app = new Koa();
    app.use(rotated.middleware());
    app.use((ctx) => {
      ctx.body = { user: (ctx.state.user as { email?: string } | undefined)?.email ?? null };
    });
    const res = await request(app.callback()).get('/').set('Cookie', underB);
    expect(res.body).to.deep.equal({ user: 'a@example.com' });
    const [resealed] = setCookies(res);
    expect(resealed).to.match(/^portcullis=/);
    const kid = resealed!.slice('portcullis='.length, 'portcullis='.length + 8);
    expect(kid).to.equal(ringA.current('session').kid);
  });

  it('spreads a large session over numbered cookies under 4096 bytes and reads it back', async () => {
    const app = await bigSessionApp();
    const res = await request(app.callback()).get('/put?size=6000');
    const cookies = setCookies(res);
    const names = cookies.map((c) => c.split('=')[0]);
    expect(names).to.include.members(['portcullis.0', 'portcullis.1']);
    for (const c of cookies) expect(Buffer.byteLength(c)).to.be.below(4096);
    const back = await request(app.callback()).get('/read').set('Cookie', cookieHeader(cookies));
    expect(back.body).to.deep.equal({ size: 6000 });
  });

  it('clears the numbered cookies when the session shrinks back into one', async () => {
    const app = await bigSessionApp();
    const big = await request(app.callback()).get('/put?size=6000');
    const res = await request(app.callback())
      .get('/put?size=10')
      .set('Cookie', cookieHeader(setCookies(big)));
    const cookies = setCookies(res);
    expect(
      cookies.find((c) => c.startsWith('portcullis=') && !c.startsWith('portcullis=;')),
    ).to.be.a('string');
    for (const name of ['portcullis.0', 'portcullis.1']) {
      const cleared = cookies.find((c) => c.startsWith(`${name}=`));
      expect(cleared, name).to.match(/expires=Thu, 01 Jan 1970/);
    }
  });

  it('refuses a session larger than session.maxCookies with 500 session_too_large and no cookie', async () => {
    const app = await bigSessionApp(2);
    const res = await request(app.callback()).get('/put?size=9000');
    expect(res.status).to.equal(500);
    expect(res.body.error.code).to.equal('session_too_large');
    expect(setCookies(res).filter((c) => !/expires=Thu, 01 Jan 1970/.test(c))).to.deep.equal([]);
  });

  it('does not mistake a cookie whose name merely starts like ours for a session', async () => {
    const t = await makeApp({ baseUrl: 'http://app.test' });
    const res = await request(t.app.callback())
      .post('/unguarded')
      .set('Cookie', 'portcullis_theme=dark; xportcullis=1')
      .set('Origin', 'http://elsewhere.test');
    expect(res.status).to.equal(200);
    expect(t.hits.count('unguarded')).to.equal(1);
  });

  it('answers 500 misconfigured, not a crash, when production cookies meet plain HTTP', async () => {
    const t = await makeApp({ production: true, baseUrl: 'https://app.example.com' });
    const res = await request(t.app.callback()).post(`/test/login/${t.alice.id}`);
    expect(res.status).to.equal(500);
    expect(res.body.error.code).to.equal('misconfigured');
    expect(res.body.error.message).to.equal('Authentication is misconfigured.');
    expect(JSON.stringify(t.logger.records)).to.include('app.proxy = true');
  });

  it('refuses to share an app with another koa-session', async () => {
    const auth = new Portcullis({
      secret: secretA,
      users: new MemoryUserStore(),
      logger: new MemoryLogger(),
    });
    const app = new Koa();
    app.keys = ['k'];
    app.use(session(app));
    app.use(auth.middleware());
    app.use((ctx) => {
      ctx.body = 'ok';
    });
    const res = await request(app.callback()).get('/');
    expect(res.status).to.equal(500);
    expect(res.body.error.code).to.equal('misconfigured');
  });
});
