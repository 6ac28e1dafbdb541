import { expect } from 'chai';
import request from 'supertest';
import { makeApp } from '../support/app.js';

describe('auth.routes()', () => {
  it('mounts under the prefix option', async () => {
    const t = await makeApp({ prefix: '/api/auth' });
    const { refreshToken } = await t.auth.tokens.issue(t.alice);
    const moved = await request(t.app.callback())
      .post('/api/auth/token/refresh')
      .set('Authorization', `Bearer ${refreshToken}`);
    expect(moved.status).to.equal(200);
    expect((await request(t.app.callback()).get('/auth/me')).status).to.equal(404);
  });

  it('GET /auth/me shows the user without fields named as secrets, and keeps look-alikes', async () => {
    const t = await makeApp();
    const user = await t.users.create({
      email: 'carol@example.com',
      passwordHash: 'argon2id$x',
      // look-alikes that are not secrets:
      ...({ passportCountry: 'NL', hotpotato: 1, api_token: 't', totpSecret: 's' } as object),
    });
    const res = await request(t.app.callback())
      .get('/auth/me')
      .set('Cookie', await t.auth.testing.sessionCookie(user));
    expect(res.status).to.equal(200);
    expect(res.body.user).to.deep.equal({
      id: user.id,
      email: 'carol@example.com',
      passportCountry: 'NL',
      hotpotato: 1,
    });
    expect(res.headers['cache-control']).to.equal('no-store');
  });

  it('GET /auth/me answers 401 login_required without credentials', async () => {
    const t = await makeApp();
    const res = await request(t.app.callback()).get('/auth/me');
    expect(res.status).to.equal(401);
    expect(res.body.error.code).to.equal('login_required');
  });

  it('POST /auth/logout {everywhere} without credentials answers 401, and GET is not allowed', async () => {
    const t = await makeApp();
    const res = await request(t.app.callback()).post('/auth/logout').send({ everywhere: true });
    expect(res.status).to.equal(401);
    expect(res.body.error.code).to.equal('login_required');
    const get = await request(t.app.callback()).get('/auth/logout');
    expect(get.status).to.equal(405);
  });
});
