import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import {
  Controller,
  Get,
  LoginRequired,
  MemoryUserStore,
  Portcullis,
  RequireScopes,
} from '../../lib/index.js';
import { MemoryLogger, secretA } from '../support/app.js';

async function app() {
  const users = new MemoryUserStore<{ id: string; email: string }>();
  const alice = await users.create({ email: 'alice@example.com' });
  const auth = new Portcullis({ secret: secretA, users, logger: new MemoryLogger() });
  let hits = 0;

  @Controller('/reports')
  @LoginRequired({ allowBearer: true })
  class Reports {
    @Get('/')
    @RequireScopes('reports:read')
    list() {
      hits++;
      return { ok: true };
    }
  }

  const koa = new Koa();
  koa.use(auth.middleware());
  koa.use(auth.controllers([Reports]));
  koa.use((ctx) => {
    ctx.body = { public: true, user: ctx.state.user ? 'yes' : 'no' };
  });
  return { koa, auth, alice, hits: () => hits };
}

describe('bearer edge cases', () => {
  it('leaves an unguarded route alone when the Authorization header is malformed or foreign', async () => {
    const { koa } = await app();
    for (const value of ['Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer not-a-token']) {
      const res = await request(koa.callback()).get('/open').set('Authorization', value);
      expect(res.status, value).to.equal(200);
      expect(res.body).to.deep.equal({ public: true, user: 'no' });
    }
  });

  it('refuses a cookie session on a scoped route with 403 and no Bearer challenge', async () => {
    const { koa, auth, alice, hits } = await app();
    const res = await request(koa.callback())
      .get('/reports')
      .set('Cookie', await auth.testing.sessionCookie(alice));
    expect(res.status).to.equal(403);
    expect(res.body.error.code).to.equal('insufficient_scope');
    expect(res.headers['www-authenticate']).to.equal(undefined);
    expect(hits()).to.equal(0);
  });

  it('answers a bearer token without the scope with a Bearer insufficient_scope challenge', async () => {
    const { koa, auth, alice, hits } = await app();
    const res = await request(koa.callback())
      .get('/reports')
      .set('Authorization', await auth.testing.bearer(alice));
    expect(res.status).to.equal(403);
    expect(res.headers['www-authenticate']).to.equal(
      'Bearer error="insufficient_scope", scope="reports:read"',
    );
    const ok = await request(koa.callback())
      .get('/reports')
      .set('Authorization', await auth.testing.bearer(alice, { scopes: ['reports:read'] }));
    expect(ok.status).to.equal(200);
    expect(hits()).to.equal(1);
  });
});
