import { expect } from 'chai';
import {
  type AuthContext,
  Controller,
  Get,
  LoginRequired,
  OptionalAuth,
  type OptionalAuthContext,
  Roles,
  TokenRequired,
} from '../../lib/index.js';
import type { TestUser } from '../helpers/app.js';
import { Calls, HTML_ACCEPT, type World, expectError, serve, world } from './support.js';

const calls = new Calls();

function who(name: string, ctx: OptionalAuthContext<TestUser>) {
  calls.add(name);
  return { user: ctx.state.user?.email ?? null };
}

@Controller('/bare')
@LoginRequired
class ClassBare {
  @Get('/')
  index(ctx: AuthContext<TestUser>) {
    return who('classBare', ctx);
  }
  @Get('/open')
  @OptionalAuth
  open(ctx: OptionalAuthContext<TestUser>) {
    return who('classBareOpen', ctx);
  }
  @Get('/open-called')
  @OptionalAuth()
  openCalled(ctx: OptionalAuthContext<TestUser>) {
    return who('classBareOpenCalled', ctx);
  }
  @Get('/mixed')
  @LoginRequired({ allowBearer: true })
  mixed(ctx: AuthContext<TestUser>) {
    return who('classBareMixed', ctx);
  }
}

@Controller('/called')
@LoginRequired()
class ClassCalled {
  @Get('/')
  index(ctx: AuthContext<TestUser>) {
    return who('classCalled', ctx);
  }
}

@Controller('/bearer-ok')
@LoginRequired({ allowBearer: true })
class ClassAllowBearer {
  @Get('/')
  index(ctx: AuthContext<TestUser>) {
    return who('classAllowBearer', ctx);
  }
}

@Controller('/api')
@TokenRequired('access')
class TokenClass {
  @Get('/token')
  token(ctx: AuthContext<TestUser>) {
    return who('token', ctx);
  }
  @Get('/session')
  @LoginRequired
  session(ctx: AuthContext<TestUser>) {
    return who('tokenClassSession', ctx);
  }
}

@Controller('/m')
class MethodGuards {
  @Get('/bare')
  @LoginRequired
  bare(ctx: AuthContext<TestUser>) {
    return who('mBare', ctx);
  }
  @Get('/called')
  @LoginRequired()
  called(ctx: AuthContext<TestUser>) {
    return who('mCalled', ctx);
  }
  @Get('/bearer')
  @LoginRequired({ allowBearer: true })
  bearer(ctx: AuthContext<TestUser>) {
    return who('mBearer', ctx);
  }
  @Get('/optional')
  @OptionalAuth
  optional(ctx: OptionalAuthContext<TestUser>) {
    return who('mOptional', ctx);
  }
  @Get('/optional-called')
  @OptionalAuth()
  optionalCalled(ctx: OptionalAuthContext<TestUser>) {
    return who('mOptionalCalled', ctx);
  }
  @Get('/page')
  @LoginRequired
  page(ctx: AuthContext<TestUser>) {
    return who('mPage', ctx);
  }
}

@Controller('/opt')
@OptionalAuth
class OptionalClass {
  @Get('/')
  index(ctx: OptionalAuthContext<TestUser>) {
    return who('optClass', ctx);
  }
  @Get('/admin')
  @Roles('admin')
  admin(ctx: AuthContext<TestUser>) {
    return who('optClassAdmin', ctx);
  }
  @Get('/login')
  @LoginRequired
  login(ctx: AuthContext<TestUser>) {
    return who('optClassLogin', ctx);
  }
}

@Controller('/optc')
@OptionalAuth()
class OptionalClassCalled {
  @Get('/')
  index(ctx: OptionalAuthContext<TestUser>) {
    return who('optClassCalled', ctx);
  }
}

const ALL = [
  ClassBare,
  ClassCalled,
  ClassAllowBearer,
  TokenClass,
  MethodGuards,
  OptionalClass,
  OptionalClassCalled,
];

describe('LoginRequired', () => {
  let w: World;
  let http: ReturnType<typeof serve>;
  let cookie: string;
  let bearer: string;
  beforeEach(async () => {
    w = await world();
    http = serve(w.auth, ALL);
    calls.reset();
    cookie = await w.auth.testing.sessionCookie(w.alice);
    bearer = await w.auth.testing.bearer(w.alice);
  });

  for (const [label, path] of [
    ['bare on a class', '/bare'],
    ['called on a class', '/called'],
    ['bare on a method', '/m/bare'],
    ['called on a method', '/m/called'],
  ] as const) {
    it(`${label}: refuses an anonymous request with 401 login_required`, async () => {
      expectError(await http.get(path), 401, 'login_required');
      expect(calls.count()).to.equal(0);
    });

    it(`${label}: lets a session in with ctx.state.user set`, async () => {
      const res = await http.get(path).set('Cookie', cookie);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ user: 'alice@example.com' });
      expect(calls.count()).to.equal(1);
    });

    it(`${label}: refuses a bearer token (no allowBearer)`, async () => {
      expectError(await http.get(path).set('Authorization', bearer), 401, 'login_required');
      expect(calls.count()).to.equal(0);
    });
  }

  for (const [label, path] of [
    ['{ allowBearer: true } on a class', '/bearer-ok'],
    ['{ allowBearer: true } on a method', '/m/bearer'],
    ['{ allowBearer: true } on a method of a @LoginRequired class', '/bare/mixed'],
  ] as const) {
    it(`${label}: accepts a session or an access token`, async () => {
      const viaCookie = await http.get(path).set('Cookie', cookie);
      const viaBearer = await http.get(path).set('Authorization', bearer);
      expect([viaCookie.status, viaBearer.status]).to.deep.equal([200, 200]);
      expect(viaBearer.body).to.deep.equal({ user: 'alice@example.com' });
      expect(calls.count()).to.equal(2);
    });

    it(`${label}: refuses an anonymous request and a refresh token`, async () => {
      expectError(await http.get(path), 401, 'login_required');
      const { refreshToken } = await w.auth.tokens.issue(w.alice);
      const res = await http.get(path).set('Authorization', `Bearer ${refreshToken}`);
      expectError(res, 401, 'token_invalid');
      expectError(await http.get(path).set('Authorization', 'Bearer junk'), 401, 'token_invalid');
      expect(calls.count()).to.equal(0);
    });
  }

  it('on a method overrides a class @TokenRequired: a session passes, a token does not', async () => {
    expect((await http.get('/api/session').set('Cookie', cookie)).status).to.equal(200);
    expectError(await http.get('/api/session').set('Authorization', bearer), 401, 'login_required');
    expectError(await http.get('/api/token').set('Cookie', cookie), 401, 'token_missing');
    expect(calls.count('tokenClassSession')).to.equal(1);
    expect(calls.count('token')).to.equal(0);
  });

  describe('HTML vs JSON', () => {
    it('redirects a browser (Accept text/html) to /login with a same-origin returnTo', async () => {
      const res = await http.get('/m/page?tab=2&x=%2F').set('Accept', HTML_ACCEPT);
      expect(res.status).to.equal(302);
      const location = new URL(res.headers.location as string, 'http://app.invalid');
      expect(location.origin).to.equal('http://app.invalid');
      expect(location.pathname).to.equal('/login');
      expect(location.searchParams.get('returnTo')).to.equal('/m/page?tab=2&x=%2F');
      expect(res.headers['cache-control']).to.equal('no-store');
      expect(calls.count()).to.equal(0);
    });

    it('redirects a browser from a class-guarded route too', async () => {
      const res = await http.get('/bare').set('Accept', 'text/html');
      expect(res.status).to.equal(302);
      expect(res.headers.location).to.equal('/login?returnTo=%2Fbare');
      expect(calls.count()).to.equal(0);
    });

    it('redirects to the configured loginPath', async () => {
      const custom = await world({ loginPath: '/signin' });
      const res = await serve(custom.auth, ALL).get('/m/page').set('Accept', HTML_ACCEPT);
      expect(res.status).to.equal(302);
      expect(res.headers.location).to.equal('/signin?returnTo=%2Fm%2Fpage');
    });

    for (const accept of [
      '*/*',
      'application/json',
      'application/json, text/html;q=0.9',
      'text/html;q=0.5, application/json',
      undefined,
    ]) {
      it(`answers 401 login_required JSON to Accept ${accept ?? '(none)'}`, async () => {
        const req = http.get('/m/page');
        const res = await (accept === undefined ? req : req.set('Accept', accept));
        expectError(res, 401, 'login_required');
        expect(res.headers['content-type']).to.match(/^application\/json/);
        expect(res.headers.location).to.equal(undefined);
        expect(calls.count()).to.equal(0);
      });
    }

    it('redirects a browser from a route guarded only by @Roles (it implies login)', async () => {
      const res = await http.get('/opt/admin').set('Accept', HTML_ACCEPT);
      expect(res.status).to.equal(302);
      expect(res.headers.location).to.equal('/login?returnTo=%2Fopt%2Fadmin');
      expect(calls.count()).to.equal(0);
    });

    it('never redirects from a @TokenRequired route: 401 token_missing', async () => {
      const res = await http.get('/api/token').set('Accept', HTML_ACCEPT);
      expectError(res, 401, 'token_missing');
      expect(res.headers['www-authenticate']).to.equal('Bearer');
      expect(calls.count()).to.equal(0);
    });
  });
});

describe('OptionalAuth', () => {
  let w: World;
  let http: ReturnType<typeof serve>;
  beforeEach(async () => {
    w = await world();
    http = serve(w.auth, ALL);
    calls.reset();
  });

  for (const [label, path] of [
    ['bare on a method', '/m/optional'],
    ['called on a method', '/m/optional-called'],
    ['bare on a class', '/opt'],
    ['called on a class', '/optc'],
    ['bare on a method of a @LoginRequired class', '/bare/open'],
    ['called on a method of a @LoginRequired class', '/bare/open-called'],
  ] as const) {
    it(`${label}: lets an anonymous request in with no user`, async () => {
      const res = await http.get(path).set('Accept', HTML_ACCEPT);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ user: null });
      expect(calls.count()).to.equal(1);
    });

    it(`${label}: sets ctx.state.user from a session or an access token`, async () => {
      const viaCookie = await http
        .get(path)
        .set('Cookie', await w.auth.testing.sessionCookie(w.alice));
      const viaBearer = await http
        .get(path)
        .set('Authorization', await w.auth.testing.bearer(w.admin));
      expect(viaCookie.body).to.deep.equal({ user: 'alice@example.com' });
      expect(viaBearer.body).to.deep.equal({ user: 'admin@example.com' });
    });

    it(`${label}: never answers 401, even to a bad token`, async () => {
      const res = await http.get(path).set('Authorization', 'Bearer not-a-token');
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ user: null });
    });
  }

  it('on a method overrides a class @LoginRequired only for that method', async () => {
    expect((await http.get('/bare/open')).status).to.equal(200);
    expectError(await http.get('/bare'), 401, 'login_required');
    expect(calls.count('classBareOpen')).to.equal(1);
    expect(calls.count('classBare')).to.equal(0);
  });

  it('on a class gives way to a method @LoginRequired', async () => {
    expectError(await http.get('/opt/login'), 401, 'login_required');
    expect(calls.count()).to.equal(0);
  });

  it('on a class does not open a method that names @Roles (roles imply login)', async () => {
    expectError(await http.get('/opt/admin'), 401, 'login_required');
    const alice = await w.auth.testing.sessionCookie(w.alice);
    expectError(await http.get('/opt/admin').set('Cookie', alice), 403, 'forbidden');
    expect(calls.count()).to.equal(0);
    const admin = await w.auth.testing.sessionCookie(w.admin);
    expect((await http.get('/opt/admin').set('Cookie', admin)).status).to.equal(200);
  });
});
