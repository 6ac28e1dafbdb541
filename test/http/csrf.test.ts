import { expect } from 'chai';
import request from 'supertest';
import { makeApp } from '../support/app.js';

const ORIGIN = 'http://app.test';

async function setup(options = {}) {
  const t = await makeApp({ baseUrl: ORIGIN, ...options });
  const cookie = await t.auth.testing.sessionCookie(t.alice);
  return {
    t,
    cookie,
    post: (path = '/dashboard/item') => request(t.app.callback()).post(path).set('Cookie', cookie),
  };
}

describe('CSRF defence in auth.middleware()', () => {
  it('accepts a same-origin cookie POST (Origin matches baseUrl)', async () => {
    const { t, post } = await setup();
    const res = await post().set('Origin', ORIGIN);
    expect(res.status).to.equal(200);
    expect(t.hits.count('item')).to.equal(1);
  });

  it('accepts Sec-Fetch-Site: same-origin without Origin', async () => {
    const { post } = await setup();
    expect((await post().set('Sec-Fetch-Site', 'same-origin')).status).to.equal(200);
  });

  it('refuses Sec-Fetch-Site: same-site and cross-site', async () => {
    const { t, post } = await setup();
    for (const site of ['same-site', 'cross-site']) {
      const res = await post().set('Sec-Fetch-Site', site);
      expect(res.status, site).to.equal(403);
      expect(res.body.error.code).to.equal('csrf_failed');
    }
    expect(t.hits.count('item')).to.equal(0);
  });

  it('lets Referer decide when neither Origin nor Sec-Fetch-Site is sent', async () => {
    const { t, post } = await setup();
    expect((await post().set('Referer', `${ORIGIN}/dashboard`)).status).to.equal(200);
    const bad = await post().set('Referer', 'http://evil.test/form');
    expect(bad.status).to.equal(403);
    expect(bad.body.error.code).to.equal('csrf_failed');
    const junk = await post().set('Referer', 'not a url');
    expect(junk.status).to.equal(403);
    expect(t.hits.count('item')).to.equal(1);
  });

  it('refuses a cookie POST with none of the three headers, unless allowMissingOrigin', async () => {
    const strict = await setup();
    const res = await strict.post();
    expect(res.status).to.equal(403);
    expect(res.body.error.code).to.equal('csrf_failed');
    const lax = await setup({ csrf: { allowMissingOrigin: true } });
    expect((await lax.post()).status).to.equal(200);
  });

  it('accepts an origin listed in csrf.trustedOrigins', async () => {
    const { post } = await setup({ csrf: { trustedOrigins: ['https://front.example'] } });
    expect((await post().set('Origin', 'https://front.example')).status).to.equal(200);
    expect((await post().set('Origin', 'https://other.example')).status).to.equal(403);
  });

  it('guards routes without a decorator too', async () => {
    const { t, post } = await setup();
    const res = await post('/unguarded').set('Origin', 'http://evil.test');
    expect(res.status).to.equal(403);
    expect(t.hits.count('unguarded')).to.equal(0);
  });

  it('exempts bearer requests, which never authenticate by the cookie', async () => {
    const { t, cookie } = await setup();
    const { accessToken } = await t.auth.tokens.issue(t.bob);
    const res = await request(t.app.callback())
      .post('/api/profile')
      .set('Cookie', cookie)
      .set('Origin', 'http://evil.test')
      .set('Authorization', `Bearer ${accessToken}`);
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ email: 'bob@example.com' });
    const viaCookie = await request(t.app.callback())
      .post('/dashboard/item')
      .set('Cookie', cookie)
      .set('Origin', 'http://evil.test')
      .set('Authorization', 'Bearer garbage');
    expect(viaCookie.status).to.equal(401);
    expect(t.hits.count('item')).to.equal(0);
  });

  it('lets safe methods through from anywhere', async () => {
    const { t, cookie } = await setup();
    const res = await request(t.app.callback())
      .get('/dashboard')
      .set('Cookie', cookie)
      .set('Origin', 'http://evil.test');
    expect(res.status).to.equal(200);
  });
});
