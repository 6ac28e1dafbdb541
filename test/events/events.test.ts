import { expect } from 'chai';
import request from 'supertest';
import type { AuthEvents } from '../../lib/index.js';
import { cookieHeader, makeApp } from '../helpers/app.js';

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
    const rotate = () =>
      request(t.app.callback())
        .post('/auth/token/refresh')
        .set('Authorization', `Bearer ${refreshToken}`);
    expect((await rotate()).status).to.equal(200);
    expect((await rotate()).status).to.equal(401);
    expect(reuse).to.have.length(1);
    expect(reuse[0]!.userId).to.equal(t.bob.id);
    const warning = t.logger.records.find((r) => r.level === 'warn');
    expect(warning?.record).to.deep.equal({ event: 'token_reuse', userId: t.bob.id });
    expect(JSON.stringify(t.logger.records)).not.to.include(refreshToken.slice(4, 30));
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
