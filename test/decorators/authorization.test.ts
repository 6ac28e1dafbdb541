import { expect } from 'chai';
import {
  type AuthContext,
  Controller,
  Get,
  LoginRequired,
  OptionalAuth,
  Post,
  RequireScopes,
  Roles,
  TokenRequired,
} from '../../lib/index.js';
import type { TestUser } from '../helpers/app.js';
import { Calls, type World, expectError, serve, world } from './support.js';

const calls = new Calls();

function hit(name: string, ctx: AuthContext<TestUser>) {
  calls.add(name);
  return { user: ctx.state.user.email };
}

@Controller('/roles')
class RolesController {
  @Get('/admin')
  @Roles('admin')
  admin(ctx: AuthContext<TestUser>) {
    return hit('admin', ctx);
  }
  @Get('/both')
  @Roles('admin', 'editor')
  both(ctx: AuthContext<TestUser>) {
    return hit('both', ctx);
  }
  @Get('/stacked')
  @Roles('admin')
  @Roles('editor')
  stacked(ctx: AuthContext<TestUser>) {
    return hit('stacked', ctx);
  }
  @Get('/token')
  @TokenRequired('access')
  @Roles('admin')
  token(ctx: AuthContext<TestUser>) {
    return hit('rolesToken', ctx);
  }
  @Get('/mixed')
  @LoginRequired({ allowBearer: true })
  @Roles('admin')
  mixed(ctx: AuthContext<TestUser>) {
    return hit('rolesMixed', ctx);
  }
}

@Controller('/staff')
@Roles('admin')
class StaffController {
  @Get('/')
  index(ctx: AuthContext<TestUser>) {
    return hit('staff', ctx);
  }
  @Get('/editors')
  @Roles('editor')
  editors(ctx: AuthContext<TestUser>) {
    return hit('staffEditors', ctx);
  }
  @Get('/open')
  @OptionalAuth
  open(ctx: AuthContext<TestUser>) {
    return hit('staffOpen', ctx);
  }
}

@Controller('/scopes')
class ScopesController {
  @Get('/read')
  @RequireScopes('reports:read')
  read(ctx: AuthContext<TestUser>) {
    return hit('read', ctx);
  }
  @Get('/two')
  @RequireScopes('reports:read', 'reports:write')
  two(ctx: AuthContext<TestUser>) {
    return hit('two', ctx);
  }
  @Get('/option')
  @TokenRequired('access', { scopes: ['reports:read'] })
  option(ctx: AuthContext<TestUser>) {
    return hit('option', ctx);
  }
  @Get('/optional')
  @OptionalAuth()
  @RequireScopes('reports:read')
  optional(ctx: AuthContext<TestUser>) {
    return hit('scopesOptional', ctx);
  }
}

@Controller('/scoped-class')
@TokenRequired('access', { scopes: ['a'] })
@RequireScopes('b')
class ScopedClass {
  @Get('/')
  index(ctx: AuthContext<TestUser>) {
    return hit('scopedClass', ctx);
  }
  @Get('/c')
  @RequireScopes('c')
  c(ctx: AuthContext<TestUser>) {
    return hit('scopedClassC', ctx);
  }
}

@Controller('/tok')
class TokenController {
  @Get('/access')
  @TokenRequired('access')
  access(ctx: AuthContext<TestUser>) {
    return hit('access', ctx);
  }
  @Post('/refresh')
  @TokenRequired('refresh')
  refresh(ctx: AuthContext<TestUser>) {
    calls.add('refresh');
    return ctx.auth.tokens.rotate();
  }
  @Get('/custom')
  @TokenRequired('access', { header: 'X-Api-Key', scheme: 'Token' })
  custom(ctx: AuthContext<TestUser>) {
    return hit('custom', ctx);
  }
  @Get('/custom-scoped')
  @TokenRequired('access', { header: 'X-Api-Key', scheme: 'Token', scopes: ['x'] })
  customScoped(ctx: AuthContext<TestUser>) {
    return hit('customScoped', ctx);
  }
  @Get('/custom-require')
  @TokenRequired('access', { header: 'X-Api-Key', scheme: 'Token' })
  @RequireScopes('x')
  customRequire(ctx: AuthContext<TestUser>) {
    return hit('customRequire', ctx);
  }
}

const ALL = [RolesController, StaffController, ScopesController, ScopedClass, TokenController];

describe('Roles', () => {
  let w: World;
  let http: ReturnType<typeof serve>;
  const cookieOf = (u: TestUser) => w.auth.testing.sessionCookie(u);
  beforeEach(async () => {
    w = await world();
    http = serve(w.auth, ALL);
    calls.reset();
  });

  it('answers 403 forbidden to a signed-in user without the role', async () => {
    expectError(
      await http.get('/roles/admin').set('Cookie', await cookieOf(w.alice)),
      403,
      'forbidden',
    );
    expect(calls.count()).to.equal(0);
    const ok = await http.get('/roles/admin').set('Cookie', await cookieOf(w.admin));
    expect(ok.status).to.equal(200);
    expect(ok.body).to.deep.equal({ user: 'admin@example.com' });
  });

  it('alone implies @LoginRequired: anonymous 401, and a bearer token is not a session', async () => {
    expectError(await http.get('/roles/admin'), 401, 'login_required');
    const bearer = await w.auth.testing.bearer(w.admin);
    expectError(await http.get('/roles/admin').set('Authorization', bearer), 401, 'login_required');
    expect(calls.count()).to.equal(0);
  });

  it('requires every listed role', async () => {
    for (const path of ['/roles/both', '/roles/stacked']) {
      expectError(await http.get(path).set('Cookie', await cookieOf(w.admin)), 403, 'forbidden');
      expect((await http.get(path).set('Cookie', await cookieOf(w.chief))).status).to.equal(200);
    }
    expect(calls.count()).to.equal(2);
  });

  it('combines class and method roles', async () => {
    expectError(
      await http.get('/staff/editors').set('Cookie', await cookieOf(w.admin)),
      403,
      'forbidden',
    );
    expect(
      (await http.get('/staff/editors').set('Cookie', await cookieOf(w.chief))).status,
    ).to.equal(200);
    expect((await http.get('/staff').set('Cookie', await cookieOf(w.admin))).status).to.equal(200);
    expectError(await http.get('/staff').set('Cookie', await cookieOf(w.alice)), 403, 'forbidden');
    expect(calls.count('staffEditors')).to.equal(1);
    expect(calls.count('staff')).to.equal(1);
  });

  it('on a class is not lifted by a method @OptionalAuth', async () => {
    expectError(await http.get('/staff/open'), 401, 'login_required');
    expectError(
      await http.get('/staff/open').set('Cookie', await cookieOf(w.alice)),
      403,
      'forbidden',
    );
    expect(calls.count()).to.equal(0);
  });

  it('checks the user of an accepted token under @TokenRequired or allowBearer', async () => {
    for (const path of ['/roles/token', '/roles/mixed']) {
      const alice = await w.auth.testing.bearer(w.alice);
      expectError(await http.get(path).set('Authorization', alice), 403, 'forbidden');
      const admin = await w.auth.testing.bearer(w.admin);
      expect((await http.get(path).set('Authorization', admin)).status).to.equal(200);
    }
    expect(calls.count()).to.equal(2);
  });

  it('reads roles through the getRoles option', async () => {
    const custom = await world({
      getRoles: (u) => (u.email === 'alice@example.com' ? ['admin'] : []),
    });
    const h = serve(custom.auth, ALL);
    const alice = await custom.auth.testing.sessionCookie(custom.alice);
    expect((await h.get('/roles/admin').set('Cookie', alice)).status).to.equal(200);
    const admin = await custom.auth.testing.sessionCookie(custom.admin);
    expectError(await h.get('/roles/admin').set('Cookie', admin), 403, 'forbidden');
  });
});

describe('RequireScopes', () => {
  let w: World;
  let http: ReturnType<typeof serve>;
  const bearer = (...scopes: string[]) => w.auth.testing.bearer(w.alice, { scopes });
  beforeEach(async () => {
    w = await world();
    http = serve(w.auth, ALL);
    calls.reset();
  });

  it('alone implies @TokenRequired("access"): no token or a session is 401 token_missing', async () => {
    const anonymous = await http.get('/scopes/read');
    expectError(anonymous, 401, 'token_missing');
    expect(anonymous.headers['www-authenticate']).to.equal('Bearer');
    const cookie = await w.auth.testing.sessionCookie(w.alice);
    expectError(await http.get('/scopes/read').set('Cookie', cookie), 401, 'token_missing');
    expect(calls.count()).to.equal(0);
  });

  for (const path of ['/scopes/read', '/scopes/option']) {
    it(`${path}: 403 insufficient_scope with a challenge naming the scope`, async () => {
      const res = await http.get(path).set('Authorization', await bearer('other'));
      expectError(res, 403, 'insufficient_scope');
      expect(res.headers['www-authenticate']).to.equal(
        'Bearer error="insufficient_scope", scope="reports:read"',
      );
      expect(calls.count()).to.equal(0);
      const ok = await http.get(path).set('Authorization', await bearer('reports:read'));
      expect(ok.status).to.equal(200);
      expect(ok.body).to.deep.equal({ user: 'alice@example.com' });
    });
  }

  it('requires every listed scope', async () => {
    const res = await http.get('/scopes/two').set('Authorization', await bearer('reports:read'));
    expectError(res, 403, 'insufficient_scope');
    expect(res.headers['www-authenticate']).to.include('scope="reports:read reports:write"');
    expect(calls.count()).to.equal(0);
    const ok = await http
      .get('/scopes/two')
      .set('Authorization', await bearer('reports:write', 'reports:read'));
    expect(ok.status).to.equal(200);
  });

  it('combines class scopes (from @TokenRequired options and @RequireScopes) and method scopes', async () => {
    expectError(
      await http.get('/scoped-class').set('Authorization', await bearer('a')),
      403,
      'insufficient_scope',
    );
    expectError(
      await http.get('/scoped-class').set('Authorization', await bearer('b')),
      403,
      'insufficient_scope',
    );
    expectError(
      await http.get('/scoped-class/c').set('Authorization', await bearer('a', 'b')),
      403,
      'insufficient_scope',
    );
    expect(calls.count()).to.equal(0);
    expect(
      (await http.get('/scoped-class').set('Authorization', await bearer('a', 'b'))).status,
    ).to.equal(200);
    expect(
      (await http.get('/scoped-class/c').set('Authorization', await bearer('a', 'b', 'c'))).status,
    ).to.equal(200);
  });

  it('is not lifted by @OptionalAuth on the same method', async () => {
    expectError(await http.get('/scopes/optional'), 401, 'token_missing');
    expectError(
      await http.get('/scopes/optional').set('Authorization', await bearer()),
      403,
      'insufficient_scope',
    );
    expect(calls.count()).to.equal(0);
  });
});

describe('TokenRequired', () => {
  let w: World;
  let http: ReturnType<typeof serve>;
  beforeEach(async () => {
    w = await world();
    http = serve(w.auth, ALL);
    calls.reset();
  });

  it("('access') accepts an access token and sets ctx.state.user", async () => {
    const res = await http
      .get('/tok/access')
      .set('Authorization', await w.auth.testing.bearer(w.admin));
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ user: 'admin@example.com' });
  });

  it("('access') refuses no token (401 token_missing), a session and a junk token", async () => {
    const none = await http.get('/tok/access');
    expectError(none, 401, 'token_missing');
    expect(none.headers['www-authenticate']).to.equal('Bearer');
    const cookie = await w.auth.testing.sessionCookie(w.alice);
    expectError(await http.get('/tok/access').set('Cookie', cookie), 401, 'token_missing');
    const junk = await http.get('/tok/access').set('Authorization', 'Bearer abc.def.ghi');
    expectError(junk, 401, 'token_invalid');
    expect(junk.headers['www-authenticate']).to.match(/^Bearer error="invalid_token"/);
    expect(calls.count()).to.equal(0);
  });

  it("('access') refuses a refresh token with 401 token_invalid", async () => {
    const { refreshToken } = await w.auth.tokens.issue(w.alice);
    const res = await http.get('/tok/access').set('Authorization', `Bearer ${refreshToken}`);
    expectError(res, 401, 'token_invalid');
    expect(res.headers['www-authenticate']).to.match(/^Bearer error="invalid_token"/);
    expect(calls.count()).to.equal(0);
  });

  it("('access') refuses a revoked access token with 401 token_revoked", async () => {
    const { accessToken } = await w.auth.tokens.issue(w.alice);
    await w.auth.tokens.revoke(accessToken);
    const res = await http.get('/tok/access').set('Authorization', `Bearer ${accessToken}`);
    expectError(res, 401, 'token_revoked');
    expect(calls.count()).to.equal(0);
  });

  it("('refresh') refuses an access token with 401 token_invalid", async () => {
    const res = await http
      .post('/tok/refresh')
      .set('Authorization', await w.auth.testing.bearer(w.alice));
    expectError(res, 401, 'token_invalid');
    expect(calls.count()).to.equal(0);
  });

  it("('refresh') accepts a refresh token; the handler can rotate it", async () => {
    const { refreshToken } = await w.auth.tokens.issue(w.alice);
    const res = await http.post('/tok/refresh').set('Authorization', `Bearer ${refreshToken}`);
    expect(res.status).to.equal(200);
    expect(res.body).to.include.keys('accessToken', 'refreshToken');
    expect(res.body.refreshToken).not.to.equal(refreshToken);
    const again = await http.post('/tok/refresh').set('Authorization', `Bearer ${refreshToken}`);
    expectError(again, 401, 'token_revoked');
    expect(calls.count('refresh')).to.equal(1);
  });

  it('reads a custom header and scheme (scheme case-insensitive)', async () => {
    const { accessToken } = await w.auth.tokens.issue(w.alice);
    for (const value of [`Token ${accessToken}`, `token ${accessToken}`]) {
      const res = await http.get('/tok/custom').set('X-Api-Key', value);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ user: 'alice@example.com' });
    }
  });

  it('with a custom header ignores Authorization and challenges with its own scheme', async () => {
    const { accessToken } = await w.auth.tokens.issue(w.alice);
    const res = await http.get('/tok/custom').set('Authorization', `Bearer ${accessToken}`);
    expectError(res, 401, 'token_missing');
    expect(res.headers['www-authenticate']).to.equal('Token');
    const wrongScheme = await http.get('/tok/custom').set('X-Api-Key', `Bearer ${accessToken}`);
    expectError(wrongScheme, 401, 'token_missing');
    expect(calls.count()).to.equal(0);
  });

  it('with a custom scheme answers insufficient_scope with that scheme', async () => {
    const { accessToken } = await w.auth.tokens.issue(w.alice);
    for (const path of ['/tok/custom-scoped', '/tok/custom-require']) {
      const res = await http.get(path).set('X-Api-Key', `Token ${accessToken}`);
      expectError(res, 403, 'insufficient_scope');
      expect(res.headers['www-authenticate'], path).to.equal(
        'Token error="insufficient_scope", scope="x"',
      );
    }
    expect(calls.count()).to.equal(0);
  });

  it('uses the tokens.header / tokens.scheme options as defaults', async () => {
    const custom = await world({ tokens: { header: 'X-Auth', scheme: 'Key' } });
    const h = serve(custom.auth, ALL);
    const value = await custom.auth.testing.bearer(custom.alice);
    expect(value).to.match(/^Key /);
    expect((await h.get('/tok/access').set('X-Auth', value)).status).to.equal(200);
    const res = await h.get('/tok/access').set('Authorization', `Bearer ${value.slice(4)}`);
    expectError(res, 401, 'token_missing');
    expect(res.headers['www-authenticate']).to.equal('Key');
  });
});
