import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { MemoryUserStore, Portcullis } from '../../lib/index.js';
import { secretA } from '../support/app.js';

describe('auth.guard({ skip })', () => {
  const users = new MemoryUserStore<{ id: string; email: string }>();
  const auth = new Portcullis({ secret: secretA, users });
  const app = new Koa();
  let reached: string[] = [];
  app.use(auth.middleware());
  app.use(auth.routes());
  app.use(auth.guard({ skip: ['/', '/about', '/assets/*'] }));
  app.use((ctx) => {
    reached.push(ctx.path);
    ctx.body = { path: ctx.path, user: ctx.state.user?.id ?? null };
  });
  const server = app.callback();
  beforeEach(() => {
    reached = [];
  });

  it('sends a browser without a session to the login page with a same-origin returnTo', async () => {
    const res = await request(server).get('/private/page?x=1').set('Accept', 'text/html');
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.equal(
      `/login?returnTo=${encodeURIComponent('/private/page?x=1')}`,
    );
    expect(reached).to.deep.equal([]);
  });

  it('answers an API request without a session with 401 login_required', async () => {
    const res = await request(server).get('/api/data').set('Accept', 'application/json');
    expect(res.status).to.equal(401);
    expect(res.body.error.code).to.equal('login_required');
    expect(reached).to.deep.equal([]);
  });

  it('lets the skipped paths, the login page and the auth routes through', async () => {
    for (const path of ['/', '/about', '/assets/app.css', '/login']) {
      expect((await request(server).get(path)).status, path).to.equal(200);
    }
    expect(reached).to.deep.equal(['/', '/about', '/assets/app.css', '/login']);
    expect((await request(server).get('/auth/me')).status).to.equal(401); // the route's own answer
  });

  it('does not treat a skipped exact path as a prefix', async () => {
    expect(
      (await request(server).get('/about/secret').set('Accept', 'application/json')).status,
    ).to.equal(401);
    expect(reached).to.deep.equal([]);
  });

  it('lets a signed-in user through', async () => {
    const user = await users.create({ email: 'g@example.com' });
    const cookie = await auth.testing.sessionCookie(user);
    const res = await request(server).get('/private').set('Cookie', cookie);
    expect(res.status).to.equal(200);
    expect(res.body.user).to.equal(user.id);
  });

  it('refuses skip paths that do not start with /', () => {
    expect(() => auth.guard({ skip: ['about'] })).to.throw(TypeError, /start with/);
  });
});
