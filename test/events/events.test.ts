import { expect } from 'chai';
import request from 'supertest';
import type { AuthEvents } from '../../lib/index.js';
import { startFaultApp } from '../support/faults.js';
import { cookieHeader, makeApp } from '../support/app.js';
import { Browser } from '../support/browser.js';

describe('auth.on() audit events', () => {
  it('emits login and logout with the user id, never a cookie or token', async () => {
    const t = await makeApp({ csrf: { allowMissingOrigin: true } });
    const seen: Array<{ type: string }> = [];
    t.auth.on('login', (e) => seen.push(e));
    t.auth.on('logout', (e) => seen.push(e));
    const login = await request(t.app.callback()).post(`/test/login/${t.alice.id}`);
    const cookie = cookieHeader(login.headers['set-cookie'] as unknown as string[]);
    await request(t.app.callback()).post('/test/logout').set('Cookie', cookie);
    expect(seen.map((e) => e.type)).to.deep.equal(['login', 'logout']);
    expect(seen[0]).to.include({ userId: t.alice.id, method: 'session' });
    expect(JSON.stringify(seen)).not.to.include(cookie.split('=')[1]!.slice(0, 20));
  });

  it('warns the logger and emits token_reuse when a spent refresh token comes back', async () => {
    const t = await makeApp();
    const reuse: Array<AuthEvents['token_reuse']> = [];
    t.auth.on('token_reuse', (e) => reuse.push(e));
    const { refreshToken } = await t.auth.tokens.issue(t.bob);
    const rotate = (token = refreshToken) =>
      request(t.app.callback()).post('/auth/token/refresh').set('Authorization', `Bearer ${token}`);
    const next = await rotate();
    expect(next.status).to.equal(200);
    // the successor used, so the reuse grace (docs/tokens.md) does not apply
    expect((await rotate(next.body.refreshToken as string)).status).to.equal(200);
    expect((await rotate()).status).to.equal(401);
    expect(reuse).to.have.length(1);
    expect(reuse[0]!.userId).to.equal(t.bob.id);
    const warning = t.logger.records.find((r) => r.level === 'warn');
    expect(warning?.record).to.deep.equal({ event: 'token_reuse', userId: t.bob.id });
    expect(JSON.stringify(t.logger.records)).not.to.include(refreshToken.slice(4, 30));
  });

  it('emits request_refused for refused tokens, missing roles and scopes, cross-site posts and limits, not for missing credentials', async () => {
    const t = await makeApp({ rateLimits: { guest: { perIp: { points: 1, duration: 60 } } } });
    const refused: Array<AuthEvents['request_refused']> = [];
    t.auth.on('request_refused', (e) => refused.push(e));
    const app = t.app.callback();
    const bob = await t.auth.testing.sessionCookie(t.bob);
    const { accessToken } = await t.auth.tokens.issue(t.bob);
    await t.auth.tokens.revoke(accessToken);
    await request(app).get('/dashboard'); // no credentials: not reported
    await request(app).get('/api/profile'); // no token: not reported
    await request(app).get('/api/profile').set('Authorization', 'Bearer not-a-token');
    await request(app).get('/api/profile').set('Authorization', `Bearer ${accessToken}`);
    await request(app).get('/dashboard/admin').set('Cookie', bob);
    await request(app)
      .post('/dashboard/item')
      .set('Cookie', bob)
      .set('Origin', 'https://evil.example');
    const origin = { Origin: 'http://127.0.0.1' };
    await request(app).post('/auth/anonymous').set(origin).set('Host', '127.0.0.1');
    await request(app).post('/auth/anonymous').set(origin).set('Host', '127.0.0.1');
    expect(refused.map((e) => [e.code, e.status, e.method, e.path, e.userId])).to.deep.equal([
      ['token_invalid', 401, 'GET', '/api/profile', undefined],
      ['token_revoked', 401, 'GET', '/api/profile', undefined],
      ['forbidden', 403, 'GET', '/dashboard/admin', t.bob.id],
      ['csrf_failed', 403, 'POST', '/dashboard/item', undefined],
      ['rate_limited', 429, 'POST', '/auth/anonymous', undefined],
    ]);
    expect(JSON.stringify(refused)).not.to.include(accessToken.slice(-20));
  });

  it('emits request_refused for a spent or forged link posted from a form (answered with a redirect)', async () => {
    const app = await startFaultApp();
    try {
      const refused: Array<AuthEvents['request_refused'] & { at: Date }> = [];
      app.auth.on('request_refused', (e) => refused.push(e));
      const step = await new Browser().request(`${app.url}/auth/magic/callback`, {
        form: { token: 'A'.repeat(43) },
        headers: { origin: app.url },
      });
      expect(step.status).to.equal(303);
      expect(refused.map(({ at: _at, ...e }) => e)).to.deep.equal([
        {
          type: 'request_refused',
          code: 'link_invalid',
          status: 400,
          method: 'POST',
          path: '/auth/magic/callback',
        },
      ]);
    } finally {
      await app.close();
    }
  });

  it('keeps answering when a listener throws, and logs it', async () => {
    const t = await makeApp();
    t.auth.on('token_issued', () => {
      throw new Error('listener bug');
    });
    const res = await request(t.app.callback()).post(`/test/tokens/${t.alice.id}`);
    expect(res.status).to.equal(200);
    expect(
      t.logger.records.some((r) => r.level === 'error' && /listener/.test(r.message ?? '')),
    ).to.equal(true);
  });

  it('reports a listener whose promise rejects, without an unhandled rejection', async () => {
    const t = await makeApp();
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      t.auth.on('token_issued', async () => {
        throw new Error('async listener bug');
      });
      await t.auth.tokens.issue(t.alice);
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).to.deep.equal([]);
      expect(JSON.stringify(t.logger.records)).to.include('async listener bug');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('stops calling a listener removed with auth.off()', async () => {
    const t = await makeApp();
    let calls = 0;
    const listener = () => void calls++;
    t.auth.on('token_issued', listener);
    await t.auth.tokens.issue(t.alice);
    t.auth.off('token_issued', listener);
    await t.auth.tokens.issue(t.alice);
    expect(calls).to.equal(1);
  });
});
