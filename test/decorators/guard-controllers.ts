// Controllers shared by guards.test.ts (LoginRequired) and optional-auth.test.ts.
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
import type { TestUser } from '../support/app.js';
import { Calls } from './support.js';

/** Handler calls, by name; reset before each test. */
export const calls = new Calls();

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

/** Every controller above, for auth.controllers(). */
export const GUARDED = [
  ClassBare,
  ClassCalled,
  ClassAllowBearer,
  TokenClass,
  MethodGuards,
  OptionalClass,
  OptionalClassCalled,
];
