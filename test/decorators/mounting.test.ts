import { expect } from 'chai';
import {
  Controller,
  Delete,
  Get,
  LoginRequired,
  OptionalAuth,
  Patch,
  Post,
  Put,
  RequireScopes,
  Roles,
  TokenRequired,
} from '../../lib/index.js';
import { Calls, type World, expectError, serve, world } from './support.js';

const calls = new Calls();

function descriptorOf(target: object, key: string): PropertyDescriptor {
  const d = Object.getOwnPropertyDescriptor(target, key);
  if (!d) throw new Error(`no property ${key}`);
  return d;
}

describe('auth.controllers()', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
    calls.reset();
  });

  it('throws a TypeError at mount time for a class without @Controller', () => {
    class Plain {
      @Get('/x')
      x() {
        return {};
      }
    }
    expect(() => w.auth.controllers([Plain])).to.throw(TypeError, /Plain.*@Controller/);
  });

  it('throws a TypeError at mount time for an instance of a class without @Controller', () => {
    class Plain {
      @Get('/x')
      x() {
        return {};
      }
    }
    expect(() => w.auth.controllers([new Plain()])).to.throw(TypeError, /@Controller/);
  });

  it('throws a TypeError at mount time for a route bound to a getter', () => {
    @Controller('/bad')
    class WithGetter {
      @Get('/value')
      get value() {
        return 42;
      }
    }
    expect(() => w.auth.controllers([WithGetter])).to.throw(TypeError, /value is not a method/);
  });

  it('throws a TypeError at mount time for a route bound to a data property', () => {
    @Controller('/bad')
    class WithField {
      label = 'not a function';
    }
    Get('/label')(WithField.prototype, 'label', { value: undefined, writable: true });
    expect(() => w.auth.controllers([WithField])).to.throw(TypeError, /label is not a method/);
  });

  it('throws a TypeError at mount time for a route bound to a method that does not exist', () => {
    @Controller('/bad')
    class Missing {}
    Post('/ghost')(Missing.prototype, 'ghost', { value: undefined });
    expect(() => w.auth.controllers([Missing])).to.throw(TypeError, /ghost is not a method/);
  });

  it('mounts a @Controller class with no routes without error (every path 404)', async () => {
    @Controller('/empty')
    class Empty {}
    expect((await serve(w.auth, [Empty]).get('/empty')).status).to.equal(404);
  });

  it('reads metadata once: decorating after mounting does not change the mounted app', async () => {
    @Controller('/late')
    class Late {
      @Get('/open')
      open() {
        calls.add('open');
        return { open: true };
      }
      extra() {
        calls.add('extra');
        return { extra: true };
      }
    }
    const before = serve(w.auth, [Late]);
    Roles('admin')(Late.prototype, 'open', descriptorOf(Late.prototype, 'open'));
    LoginRequired(Late);
    Get('/extra')(Late.prototype, 'extra', descriptorOf(Late.prototype, 'extra'));

    const open = await before.get('/late/open');
    expect(open.status).to.equal(200);
    expect(open.body).to.deep.equal({ open: true });
    expect((await before.get('/late/extra')).status).to.equal(404);
    expect(calls.count('extra')).to.equal(0);

    const after = serve(w.auth, [Late]);
    expectError(await after.get('/late/open'), 401, 'login_required');
    expectError(await after.get('/late/extra'), 401, 'login_required');
    const cookie = await w.auth.testing.sessionCookie(w.alice);
    expectError(await after.get('/late/open').set('Cookie', cookie), 403, 'forbidden');
    expect((await after.get('/late/extra').set('Cookie', cookie)).body).to.deep.equal({
      extra: true,
    });
    expect(calls.count('open')).to.equal(1);
  });

  it('mounts the same class in two apps, each with its own instance and guards', async () => {
    let made = 0;
    @Controller('/twice')
    @LoginRequired
    class Twice {
      readonly n = ++made;
      @Get('/')
      index() {
        calls.add('twice');
        return { n: this.n };
      }
    }
    const other = await world();
    const first = serve(w.auth, [Twice]);
    const second = serve(other.auth, [Twice]);
    expect(made).to.equal(2);
    expectError(await first.get('/twice'), 401, 'login_required');
    expectError(await second.get('/twice'), 401, 'login_required');
    expect(calls.count()).to.equal(0);
    const a = await first.get('/twice').set('Cookie', await w.auth.testing.sessionCookie(w.alice));
    const b = await second
      .get('/twice')
      .set('Cookie', await other.auth.testing.sessionCookie(other.alice));
    expect([a.status, b.status]).to.deep.equal([200, 200]);
    expect([a.body, b.body]).to.deep.equal([{ n: 1 }, { n: 2 }]);
  });

  it("does not accept one instance's session cookie in another's app", async () => {
    @Controller('/own')
    @LoginRequired
    class Own {
      @Get('/')
      index() {
        calls.add('own');
        return {};
      }
    }
    const other = await world();
    const http = serve(other.auth, [Own]);
    const res = await http.get('/own').set('Cookie', await w.auth.testing.sessionCookie(w.alice));
    expectError(res, 401, 'login_required');
    expect(calls.count()).to.equal(0);
  });
});

describe('auth.controllers() with class hierarchies', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
    calls.reset();
  });

  it('refuses a route on a static method instead of silently dropping it', () => {
    expect(() => {
      @Controller('/static')
      class WithStatic {
        @Get('/s')
        static s() {
          calls.add('static');
          return {};
        }
      }
      w.auth.controllers([WithStatic]);
    }).to.throw(TypeError);
  });

  it('never serves a subclass of a @LoginRequired controller unguarded', async () => {
    @Controller('/base')
    @LoginRequired
    class BaseController {
      @Get('/a')
      a() {
        calls.add('base');
        return {};
      }
    }
    @Controller('/child')
    class ChildController extends BaseController {
      @Get('/b')
      b() {
        calls.add('child');
        return { child: true };
      }
    }
    const http = serve(w.auth, [ChildController]);
    expectError(await http.get('/child/b'), 401, 'login_required');
    expectError(await http.get('/child/a'), 401, 'login_required');
    expect(calls.count()).to.equal(0);
    const cookie = await w.auth.testing.sessionCookie(w.alice);
    expect((await http.get('/child/b').set('Cookie', cookie)).body).to.deep.equal({ child: true });
    expect((await http.get('/child/a').set('Cookie', cookie)).status, 'inherited route').to.equal(
      200,
    );
  });

  it("lets a subclass's own class guard override the parent's", async () => {
    @Controller('/base2')
    @LoginRequired
    class Base {
      @Get('/a')
      a() {
        calls.add('base');
        return { a: true };
      }
    }
    @Controller('/open')
    @OptionalAuth
    class Open extends Base {}
    const res = await serve(w.auth, [Open]).get('/open/a');
    expect(res.status).to.equal(200);
    expect(calls.count()).to.equal(1);
  });

  it('refuses a class with two authentication guards at mount time', () => {
    @Controller('/y')
    @LoginRequired
    @OptionalAuth
    class Conflicted {
      @Get('/')
      one() {
        return {};
      }
    }
    expect(() => serve(w.auth, [Conflicted])).to.throw(TypeError, /Conflicted has more than one/);
  });

  it('refuses a method with two authentication guards at mount time', () => {
    @Controller('/x')
    class Conflicted {
      @Get('/')
      @LoginRequired
      @TokenRequired('access')
      both() {
        return {};
      }
    }
    expect(() => serve(w.auth, [Conflicted])).to.throw(
      TypeError,
      /more than one of @LoginRequired/,
    );
  });
});

describe('decorator argument validation', () => {
  it('@Controller refuses a prefix without a leading slash', () => {
    expect(() => Controller('api')).to.throw(TypeError, /@Controller/);
    expect(() => Controller(42 as unknown as string)).to.throw(TypeError);
  });

  it('route decorators refuse a path without a leading slash', () => {
    expect(() => Get('no-slash')).to.throw(TypeError, /@Get: path must start with '\/'/);
    expect(() => Post('')).to.throw(TypeError, /@Post/);
    expect(() => Put('x/y')).to.throw(TypeError, /@Put/);
    expect(() => Patch('x')).to.throw(TypeError, /@Patch/);
    expect(() => Delete('x')).to.throw(TypeError, /@Delete/);
    expect(() => Get(undefined)).not.to.throw();
  });

  it('a bad route path throws while the class is being defined', () => {
    expect(() => {
      @Controller('/x')
      class Bad {
        @Get('relative')
        handler() {
          return {};
        }
      }
      return Bad;
    }).to.throw(TypeError);
  });

  it('@Roles refuses no roles and empty role names', () => {
    expect(() => Roles()).to.throw(TypeError, /@Roles/);
    expect(() => Roles('')).to.throw(TypeError, /@Roles/);
    expect(() => Roles('admin', '')).to.throw(TypeError, /@Roles/);
  });

  it('@Roles used bare (without parentheses) throws instead of guarding nothing', () => {
    const roles = Roles as unknown as (...args: unknown[]) => unknown;
    expect(() => roles(class {})).to.throw(TypeError, /@Roles/);
    expect(() => roles({}, 'm', { value: () => 1 })).to.throw(TypeError, /@Roles/);
  });

  it('@RequireScopes refuses no scopes and empty scopes', () => {
    expect(() => RequireScopes()).to.throw(TypeError, /@RequireScopes/);
    expect(() => RequireScopes('')).to.throw(TypeError, /@RequireScopes/);
    const scopes = RequireScopes as unknown as (...args: unknown[]) => unknown;
    expect(() => scopes(class {})).to.throw(TypeError, /@RequireScopes/);
  });

  it("@TokenRequired refuses a type other than 'access' or 'refresh'", () => {
    const token = TokenRequired as unknown as (...args: unknown[]) => unknown;
    expect(() => token('acess')).to.throw(TypeError, /@TokenRequired/);
    expect(() => token(undefined)).to.throw(TypeError, /@TokenRequired/);
    expect(() => token(class {})).to.throw(TypeError, /@TokenRequired/);
  });

  it('guard decorators called with options return a decorator, bare ones record directly', () => {
    expect(LoginRequired()).to.be.a('function');
    expect(LoginRequired({ allowBearer: true })).to.be.a('function');
    expect(OptionalAuth()).to.be.a('function');
    expect(TokenRequired('refresh')).to.be.a('function');
    expect(LoginRequired(class {})).to.equal(undefined);
    expect(OptionalAuth(class {})).to.equal(undefined);
  });
});
