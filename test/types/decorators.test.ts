// Compile-time checks of the decorator signatures: this file must type-check under the
// project's tsc (each `@ts-expect-error` must meet an error), and its classes mount at run time.
import { expect } from 'chai';
import {
  type AuthContext,
  Controller,
  Get,
  LoginRequired,
  MemoryUserStore,
  OptionalAuth,
  type OptionalAuthContext,
  Portcullis,
  Post,
  RequireScopes,
  Roles,
  TokenRequired,
} from '../../lib/index.js';
import { secretA } from '../support/app.js';

interface User {
  id: string;
  email: string;
  roles?: string[];
}

@Controller('/bare')
@LoginRequired
export class BareLoginRequired {
  @Get('/')
  @LoginRequired
  index(ctx: AuthContext<User>) {
    return { email: ctx.state.user.email };
  }
}

@Controller('/called')
@LoginRequired()
export class CalledLoginRequired {
  @Get('/')
  @LoginRequired()
  index() {
    return {};
  }

  @Get('/bearer')
  @LoginRequired({ allowBearer: true })
  bearer() {
    return {};
  }
}

@Controller('/options')
@LoginRequired({ allowBearer: true })
export class OptionsLoginRequired {
  @Get('/')
  index() {
    return {};
  }
}

@Controller('/optional')
@OptionalAuth
export class BareOptionalAuth {
  @Get('/')
  @OptionalAuth
  index(ctx: OptionalAuthContext<User>) {
    return { email: ctx.state.user?.email ?? null };
  }
}

@Controller('/optional-called')
@OptionalAuth()
export class CalledOptionalAuth {
  @Get('/')
  @OptionalAuth()
  index() {
    return {};
  }
}

@Controller('/tokens')
@TokenRequired('access', { header: 'X-Api-Key', scheme: 'Token', scopes: ['a'] })
@Roles('admin')
@RequireScopes('b', 'c')
export class TokenGuards {
  @Post('/refresh')
  @TokenRequired('refresh')
  refresh(ctx: AuthContext<User>) {
    return ctx.auth.tokens.rotate();
  }
}

export const ALL = [
  BareLoginRequired,
  CalledLoginRequired,
  OptionsLoginRequired,
  BareOptionalAuth,
  CalledOptionalAuth,
  TokenGuards,
];

// Each function below defines a class that must not compile; the run-time tests call the ones
// that also throw when the class is defined.

export function misspelledTokenType() {
  class Misspelled {
    @Get('/')
    // @ts-expect-error 'acess' is not a TokenType
    @TokenRequired('acess')
    index() {
      return {};
    }
  }
  return Misspelled;
}

export function bareRoles() {
  class BareRoles {
    @Get('/')
    // @ts-expect-error @Roles needs role names: it is a factory, never bare
    @Roles
    index() {
      return {};
    }
  }
  return BareRoles;
}

export function bareTokenRequired() {
  class BareToken {
    @Get('/')
    // @ts-expect-error @TokenRequired needs a token type
    @TokenRequired
    index() {
      return {};
    }
  }
  return BareToken;
}

export function bareController() {
  // @ts-expect-error @Controller is a factory: @Controller() or @Controller('/prefix')
  @Controller
  class BareController {}
  return BareController;
}

export function badOptions() {
  class BadOptions {
    @Get('/')
    // @ts-expect-error allowBearer is a boolean
    @LoginRequired({ allowBearer: 'yes' })
    a() {
      return {};
    }

    @Get('/b')
    // @ts-expect-error scopes is a list
    @TokenRequired('access', { scopes: 'reports:read' })
    b() {
      return {};
    }

    @Get('/c')
    // @ts-expect-error @OptionalAuth() takes no options
    @OptionalAuth({ allowBearer: true })
    c() {
      return {};
    }
  }
  return BadOptions;
}

export function badControllersArgument(auth: Portcullis<User>) {
  // @ts-expect-error a controller is a class or an object, not a string
  return auth.controllers(['ApiController']);
}

describe('decorator types', () => {
  it('mounts every class that compiles', () => {
    const auth = new Portcullis<User>({ secret: secretA, users: new MemoryUserStore<User>() });
    expect(auth.controllers(ALL)).to.be.a('function');
  });

  it('throws at class definition for the misuses that do not compile', () => {
    expect(misspelledTokenType).to.throw(TypeError, /@TokenRequired/);
    expect(bareRoles).to.throw(TypeError, /@Roles/);
    expect(bareTokenRequired).to.throw(TypeError, /@TokenRequired/);
    expect(bareController).to.throw(TypeError, /@Controller/);
  });
});
