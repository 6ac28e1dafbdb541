import { expect } from 'chai';
import {
  type AuthContext,
  Controller,
  Get,
  OptionalAuth,
  RequireScopes,
  TokenRequired,
} from '../../lib/index.js';
import type { TestUser } from '../support/app.js';
import { Calls, type World, expectError, serve, world } from './support.js';

const calls = new Calls();

@Controller('/scopes')
class ScopesController {
  @Get('/read')
  @RequireScopes('reports:read')
  read(ctx: AuthContext<TestUser>) {
    return calls.hit('read', ctx);
  }
  @Get('/two')
  @RequireScopes('reports:read', 'reports:write')
  two(ctx: AuthContext<TestUser>) {
    return calls.hit('two', ctx);
  }
  @Get('/option')
  @TokenRequired('access', { scopes: ['reports:read'] })
  option(ctx: AuthContext<TestUser>) {
    return calls.hit('option', ctx);
  }
  @Get('/optional')
  @OptionalAuth()
  @RequireScopes('reports:read')
  optional(ctx: AuthContext<TestUser>) {
    return calls.hit('scopesOptional', ctx);
  }
}

@Controller('/scoped-class')
@TokenRequired('access', { scopes: ['a'] })
@RequireScopes('b')
class ScopedClass {
  @Get('/')
  index(ctx: AuthContext<TestUser>) {
    return calls.hit('scopedClass', ctx);
  }
  @Get('/c')
  @RequireScopes('c')
  c(ctx: AuthContext<TestUser>) {
    return calls.hit('scopedClassC', ctx);
  }
}

const ALL = [ScopesController, ScopedClass];

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
