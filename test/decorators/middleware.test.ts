import Router from '@koa/router';
import { expect } from 'chai';
import Koa, { type Context } from 'koa';
import request from 'supertest';
import type { TestUser } from '../support/app.js';
import { Calls, HTML_ACCEPT, type World, expectError, world } from './support.js';

const calls = new Calls();

function handler(name: string) {
  return (ctx: Context) => {
    calls.add(name);
    ctx.body = { user: (ctx.state.user as TestUser | undefined)?.email ?? null };
  };
}

function plainApp(w: World): ReturnType<typeof request> {
  const { auth } = w;
  const router = new Router();
  router.get('/dash', auth.loginRequired(), handler('dash'));
  router.get('/mixed', auth.loginRequired({ allowBearer: true }), handler('mixed'));
  router.get('/home', auth.optionalAuth(), handler('home'));
  router.get('/admin', auth.loginRequired(), auth.roles('admin'), handler('admin'));
  router.get('/staff', auth.loginRequired(), auth.roles('admin', 'editor'), handler('staff'));
  router.get('/roles-only', auth.roles('admin'), handler('rolesOnly'));
  router.get('/api/profile', auth.tokenRequired('access'), handler('profile'));
  router.get('/api/admin', auth.tokenRequired('access'), auth.roles('admin'), handler('apiAdmin'));
  router.get(
    '/api/reports',
    auth.tokenRequired('access', { scopes: ['reports:read'] }),
    handler('reports'),
  );
  router.get(
    '/api/scoped',
    auth.tokenRequired('access'),
    auth.requireScopes('x', 'y'),
    handler('scoped'),
  );
  router.post('/api/refresh', auth.tokenRequired('refresh'), handler('refresh'));
  router.get(
    '/api/custom',
    auth.tokenRequired('access', { header: 'X-Api-Key', scheme: 'Token' }),
    handler('custom'),
  );
  const app = new Koa();
  app.use(auth.middleware());
  app.use(router.routes());
  app.use(router.allowedMethods());
  return request(app.callback());
}

describe('guards as plain middleware', () => {
  let w: World;
  let http: ReturnType<typeof request>;
  let alice: string;
  beforeEach(async () => {
    w = await world();
    http = plainApp(w);
    calls.reset();
    alice = await w.auth.testing.sessionCookie(w.alice);
  });

  describe('auth.loginRequired()', () => {
    it('refuses anonymous API requests with 401 login_required and lets a session in', async () => {
      expectError(await http.get('/dash'), 401, 'login_required');
      expectError(await http.get('/dash').set('Accept', '*/*'), 401, 'login_required');
      const bearer = await w.auth.testing.bearer(w.alice);
      expectError(await http.get('/dash').set('Authorization', bearer), 401, 'login_required');
      expect(calls.count()).to.equal(0);
      const ok = await http.get('/dash').set('Cookie', alice);
      expect(ok.status).to.equal(200);
      expect(ok.body).to.deep.equal({ user: 'alice@example.com' });
    });

    it('redirects a browser to /login with returnTo', async () => {
      const res = await http.get('/dash?a=1').set('Accept', HTML_ACCEPT);
      expect(res.status).to.equal(302);
      expect(res.headers.location).to.equal('/login?returnTo=%2Fdash%3Fa%3D1');
      expect(calls.count()).to.equal(0);
    });

    it('never puts a protocol-relative URL in returnTo', async () => {
      const app = new Koa();
      app.use(w.auth.middleware());
      app.use(w.auth.loginRequired());
      app.use(handler('everything'));
      const res = await request(app.callback())
        .get('//evil.example/steal')
        .set('Accept', HTML_ACCEPT);
      expect(res.status).to.equal(302);
      expect(res.headers.location).to.equal('/login?returnTo=%2F');
      expect(calls.count()).to.equal(0);
    });

    it('({ allowBearer: true }) accepts an access token but not a refresh token', async () => {
      const bearer = await w.auth.testing.bearer(w.alice);
      expect((await http.get('/mixed').set('Authorization', bearer)).status).to.equal(200);
      const { refreshToken } = await w.auth.tokens.issue(w.alice);
      const res = await http.get('/mixed').set('Authorization', `Bearer ${refreshToken}`);
      expectError(res, 401, 'token_invalid');
      expect(calls.count('mixed')).to.equal(1);
    });
  });

  describe("auth.tokenRequired('access', opts)", () => {
    it('refuses a missing token with 401 token_missing and a challenge', async () => {
      const res = await http.get('/api/profile').set('Cookie', alice);
      expectError(res, 401, 'token_missing');
      expect(res.headers['www-authenticate']).to.equal('Bearer');
      expect(calls.count()).to.equal(0);
    });

    it('accepts an access token and sets ctx.state.user', async () => {
      const res = await http
        .get('/api/profile')
        .set('Authorization', await w.auth.testing.bearer(w.admin));
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ user: 'admin@example.com' });
    });

    it('refuses a token lacking { scopes } with 403 insufficient_scope', async () => {
      const res = await http
        .get('/api/reports')
        .set('Authorization', await w.auth.testing.bearer(w.alice, { scopes: ['other'] }));
      expectError(res, 403, 'insufficient_scope');
      expect(res.headers['www-authenticate']).to.equal(
        'Bearer error="insufficient_scope", scope="reports:read"',
      );
      expect(calls.count()).to.equal(0);
      const ok = await http
        .get('/api/reports')
        .set('Authorization', await w.auth.testing.bearer(w.alice, { scopes: ['reports:read'] }));
      expect(ok.status).to.equal(200);
    });

    it('reads a custom header and scheme', async () => {
      const { accessToken } = await w.auth.tokens.issue(w.alice);
      const ok = await http.get('/api/custom').set('X-Api-Key', `Token ${accessToken}`);
      expect(ok.status).to.equal(200);
      const res = await http.get('/api/custom').set('Authorization', `Bearer ${accessToken}`);
      expectError(res, 401, 'token_missing');
      expect(res.headers['www-authenticate']).to.equal('Token');
      expect(calls.count('custom')).to.equal(1);
    });

    it("('refresh') refuses an access token and ('access') a refresh token", async () => {
      const { accessToken, refreshToken } = await w.auth.tokens.issue(w.alice);
      const a = await http.post('/api/refresh').set('Authorization', `Bearer ${accessToken}`);
      expectError(a, 401, 'token_invalid');
      const r = await http.get('/api/profile').set('Authorization', `Bearer ${refreshToken}`);
      expectError(r, 401, 'token_invalid');
      expect(calls.count()).to.equal(0);
      const ok = await http.post('/api/refresh').set('Authorization', `Bearer ${refreshToken}`);
      expect(ok.status).to.equal(200);
    });
  });

  describe('auth.optionalAuth()', () => {
    it('lets anyone in, with ctx.state.user when signed in', async () => {
      expect((await http.get('/home').set('Accept', HTML_ACCEPT)).body).to.deep.equal({
        user: null,
      });
      expect((await http.get('/home').set('Cookie', alice)).body).to.deep.equal({
        user: 'alice@example.com',
      });
      const bad = await http.get('/home').set('Authorization', 'Bearer nope');
      expect(bad.status).to.equal(200);
      expect(calls.count('home')).to.equal(3);
    });
  });

  describe("auth.roles('admin')", () => {
    it('answers 403 forbidden to a user without every role', async () => {
      expectError(await http.get('/admin').set('Cookie', alice), 403, 'forbidden');
      const admin = await w.auth.testing.sessionCookie(w.admin);
      expectError(await http.get('/staff').set('Cookie', admin), 403, 'forbidden');
      expect(calls.count()).to.equal(0);
      expect((await http.get('/admin').set('Cookie', admin)).status).to.equal(200);
      const chief = await w.auth.testing.sessionCookie(w.chief);
      expect((await http.get('/staff').set('Cookie', chief)).status).to.equal(200);
    });

    it('checks the user of an accepted token', async () => {
      const aliceToken = await w.auth.testing.bearer(w.alice);
      expectError(await http.get('/api/admin').set('Authorization', aliceToken), 403, 'forbidden');
      const adminToken = await w.auth.testing.bearer(w.admin);
      expect((await http.get('/api/admin').set('Authorization', adminToken)).status).to.equal(200);
      expect(calls.count('apiAdmin')).to.equal(1);
    });

    it('refuses an anonymous request with 401 login_required when used alone', async () => {
      expectError(await http.get('/roles-only'), 401, 'login_required');
      expect(calls.count()).to.equal(0);
    });
  });

  describe("auth.requireScopes('x')", () => {
    it('requires every scope on the accepted token', async () => {
      const only = await w.auth.testing.bearer(w.alice, { scopes: ['x'] });
      const res = await http.get('/api/scoped').set('Authorization', only);
      expectError(res, 403, 'insufficient_scope');
      expect(res.headers['www-authenticate']).to.equal(
        'Bearer error="insufficient_scope", scope="x y"',
      );
      expect(calls.count()).to.equal(0);
      const both = await w.auth.testing.bearer(w.alice, { scopes: ['y', 'x'] });
      expect((await http.get('/api/scoped').set('Authorization', both)).status).to.equal(200);
    });
  });
});
