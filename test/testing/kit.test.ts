import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import {
  type AuthContext,
  AuthError,
  Controller,
  Get,
  LoginRequired,
  MemoryUserStore,
  Portcullis,
  type PortcullisOptions,
  Post,
  RequireScopes,
  TokenRequired,
} from '../../lib/index.js';
import { MemoryLogger, secretA, type TestUser } from '../support/app.js';

const calls: string[] = [];

@Controller('/dashboard')
@LoginRequired
class DashboardController {
  @Get('/')
  index(ctx: AuthContext<TestUser>) {
    calls.push('dashboard');
    return { email: ctx.state.user.email };
  }

  @Post('/save')
  save(ctx: AuthContext<TestUser>) {
    calls.push('save');
    return { saved: ctx.state.user.email };
  }
}

@Controller('/api')
class ApiController {
  @Get('/profile')
  @TokenRequired('access')
  profile(ctx: AuthContext<TestUser>) {
    calls.push('profile');
    return { email: ctx.state.user.email };
  }

  @Get('/reports')
  @RequireScopes('reports:read')
  reports(ctx: AuthContext<TestUser>) {
    calls.push('reports');
    return { email: ctx.state.user.email };
  }
}

async function setup(options: Partial<PortcullisOptions<TestUser>> = {}) {
  const users = new MemoryUserStore<TestUser>();
  const alice = await users.create({ email: 'alice@example.com' });
  const auth = new Portcullis<TestUser>({
    secret: secretA,
    users,
    logger: new MemoryLogger(),
    ...options,
  });
  const app = new Koa();
  app.use(auth.middleware());
  app.use(auth.controllers([DashboardController, ApiController]));
  return { auth, alice, http: request(app.callback()) };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}

describe('auth.testing', () => {
  const savedEnv = process.env.NODE_ENV;
  beforeEach(() => {
    calls.length = 0;
  });
  afterEach(() => {
    if (savedEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = savedEnv;
  });

  it('runs under NODE_ENV=test (set by the test setup)', () => {
    expect(process.env.NODE_ENV).to.equal('test');
  });

  describe('sessionCookie(user)', () => {
    it('gives a Cookie header that passes @LoginRequired', async () => {
      const { auth, alice, http } = await setup();
      const res = await http
        .get('/dashboard')
        .set('Cookie', await auth.testing.sessionCookie(alice));
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ email: 'alice@example.com' });
    });

    it('is a real session: same-origin writes pass, cross-site ones are refused', async () => {
      const { auth, alice, http } = await setup();
      const cookie = await auth.testing.sessionCookie(alice);
      const ok = await http
        .post('/dashboard/save')
        .set('Cookie', cookie)
        .set('Sec-Fetch-Site', 'same-origin');
      expect(ok.status).to.equal(200);
      const res = await http
        .post('/dashboard/save')
        .set('Cookie', cookie)
        .set('Origin', 'https://evil.example');
      expect(res.status).to.equal(403);
      expect(res.body).to.have.nested.property('error.code', 'csrf_failed');
      expect(calls).to.deep.equal(['save']);
    });

    it('dies with the user signing out everywhere', async () => {
      const { auth, alice, http } = await setup();
      const cookie = await auth.testing.sessionCookie(alice);
      await auth.signOutEverywhere(alice.id);
      const res = await http.get('/dashboard').set('Cookie', cookie);
      expect(res.status).to.equal(401);
      expect(res.body).to.have.nested.property('error.code', 'login_required');
      expect(calls).to.deep.equal([]);
    });

    it('is not a bearer token', async () => {
      const { auth, alice, http } = await setup();
      const res = await http
        .get('/api/profile')
        .set('Cookie', await auth.testing.sessionCookie(alice));
      expect(res.status).to.equal(401);
      expect(res.body).to.have.nested.property('error.code', 'token_missing');
      expect(calls).to.deep.equal([]);
    });
  });

  describe('bearer(user, { scopes })', () => {
    it('gives an Authorization header that passes @TokenRequired("access")', async () => {
      const { auth, alice, http } = await setup();
      const value = await auth.testing.bearer(alice);
      expect(value).to.match(/^Bearer \S+$/);
      const res = await http.get('/api/profile').set('Authorization', value);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ email: 'alice@example.com' });
    });

    it('grants the given scopes and no others', async () => {
      const { auth, alice, http } = await setup();
      const ok = await http
        .get('/api/reports')
        .set('Authorization', await auth.testing.bearer(alice, { scopes: ['reports:read'] }));
      expect(ok.status).to.equal(200);
      const res = await http
        .get('/api/reports')
        .set('Authorization', await auth.testing.bearer(alice));
      expect(res.status).to.equal(403);
      expect(res.body).to.have.nested.property('error.code', 'insufficient_scope');
      expect(calls).to.deep.equal(['reports']);
    });

    it('uses the configured scheme', async () => {
      const { auth, alice, http } = await setup({ tokens: { scheme: 'Token' } });
      const value = await auth.testing.bearer(alice);
      expect(value).to.match(/^Token \S+$/);
      expect((await http.get('/api/profile').set('Authorization', value)).status).to.equal(200);
    });

    it('is not a session', async () => {
      const { auth, alice, http } = await setup();
      const res = await http
        .get('/dashboard')
        .set('Authorization', await auth.testing.bearer(alice));
      expect(res.status).to.equal(401);
      expect(res.body).to.have.nested.property('error.code', 'login_required');
      expect(calls).to.deep.equal([]);
    });
  });

  describe('outside NODE_ENV=test', () => {
    for (const env of ['development', 'staging', undefined]) {
      it(`refuses both helpers with AuthError misconfigured (NODE_ENV=${env ?? 'unset'})`, async () => {
        const { auth, alice } = await setup();
        if (env === undefined) delete process.env.NODE_ENV;
        else process.env.NODE_ENV = env;
        const helpers = [() => auth.testing.sessionCookie(alice), () => auth.testing.bearer(alice)];
        for (const call of helpers) {
          const err = await rejection(call());
          expect(err).to.be.instanceOf(AuthError);
          expect(err).to.have.property('code', 'misconfigured');
          expect(err).to.have.property('status', 500);
        }
      });
    }

    it('works with enableTestKit: true', async () => {
      process.env.NODE_ENV = 'development';
      const { auth, alice, http } = await setup({ enableTestKit: true });
      const cookie = await http
        .get('/dashboard')
        .set('Cookie', await auth.testing.sessionCookie(alice));
      expect(cookie.status).to.equal(200);
      const bearer = await http
        .get('/api/profile')
        .set('Authorization', await auth.testing.bearer(alice));
      expect(bearer.status).to.equal(200);
    });
  });

  describe('in production', () => {
    it('refuses enableTestKit: true at construction with a TypeError', () => {
      const users = new MemoryUserStore<TestUser>();
      const make = (options: Partial<PortcullisOptions<TestUser>>) => () =>
        new Portcullis<TestUser>({
          secret: secretA,
          users,
          baseUrl: 'https://app.example',
          ...options,
        });
      expect(make({ production: true, enableTestKit: true })).to.throw(TypeError, /enableTestKit/);
      process.env.NODE_ENV = 'production';
      expect(make({ enableTestKit: true })).to.throw(TypeError, /enableTestKit/);
    });

    it('refuses the helpers even under NODE_ENV=test', async () => {
      const { auth, alice } = await setup({ production: true, baseUrl: 'https://app.example' });
      expect(process.env.NODE_ENV).to.equal('test');
      const err = await rejection(auth.testing.sessionCookie(alice));
      expect(err).to.be.instanceOf(AuthError);
      expect(err).to.have.property('code', 'misconfigured');
      expect(await rejection(auth.testing.bearer(alice))).to.have.property('code', 'misconfigured');
    });
  });
});
