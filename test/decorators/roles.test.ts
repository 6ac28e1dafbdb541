import { expect } from 'chai';
import {
  type AuthContext,
  Controller,
  Get,
  LoginRequired,
  OptionalAuth,
  Roles,
  TokenRequired,
} from '../../lib/index.js';
import type { TestUser } from '../support/app.js';
import { Calls, type World, expectError, serve, world } from './support.js';

const calls = new Calls();

@Controller('/roles')
class RolesController {
  @Get('/admin')
  @Roles('admin')
  admin(ctx: AuthContext<TestUser>) {
    return calls.hit('admin', ctx);
  }
  @Get('/both')
  @Roles('admin', 'editor')
  both(ctx: AuthContext<TestUser>) {
    return calls.hit('both', ctx);
  }
  @Get('/stacked')
  @Roles('admin')
  @Roles('editor')
  stacked(ctx: AuthContext<TestUser>) {
    return calls.hit('stacked', ctx);
  }
  @Get('/token')
  @TokenRequired('access')
  @Roles('admin')
  token(ctx: AuthContext<TestUser>) {
    return calls.hit('rolesToken', ctx);
  }
  @Get('/mixed')
  @LoginRequired({ allowBearer: true })
  @Roles('admin')
  mixed(ctx: AuthContext<TestUser>) {
    return calls.hit('rolesMixed', ctx);
  }
}

@Controller('/staff')
@Roles('admin')
class StaffController {
  @Get('/')
  index(ctx: AuthContext<TestUser>) {
    return calls.hit('staff', ctx);
  }
  @Get('/editors')
  @Roles('editor')
  editors(ctx: AuthContext<TestUser>) {
    return calls.hit('staffEditors', ctx);
  }
  @Get('/open')
  @OptionalAuth
  open(ctx: AuthContext<TestUser>) {
    return calls.hit('staffOpen', ctx);
  }
}

const ALL = [RolesController, StaffController];

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
