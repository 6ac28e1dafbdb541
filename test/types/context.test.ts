// Compile-time checks of AuthContext / OptionalAuthContext, plus a run-time check that the
// handlers typed with them see what the types promise.
import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import {
  type AuthContext,
  Controller,
  Get,
  LoginRequired,
  MemoryUserStore,
  OptionalAuth,
  type OptionalAuthContext,
  Portcullis,
} from '../../lib/index.js';
import { secretA } from '../support/app.js';

interface User {
  id: string;
  email: string;
  plan: 'free' | 'pro';
}

/** A guarded handler: ctx.state.user is always set. */
export function guardedHandler(ctx: AuthContext<User>) {
  const email: string = ctx.state.user.email;
  const plan: 'free' | 'pro' = ctx.state.user.plan;
  const id: string | undefined = ctx.params.id;
  const signedIn: boolean = ctx.isAuthenticated();
  return { email, plan, id: id ?? null, signedIn };
}

/** An optional handler: ctx.state.user may be undefined. */
export function optionalHandler(ctx: OptionalAuthContext<User>) {
  // @ts-expect-error ctx.state.user may be undefined under OptionalAuthContext
  const unchecked: string = ctx.state.user.email;
  const email: string | undefined = ctx.state.user?.email;
  return { email: email ?? null, unchecked: typeof unchecked };
}

export function defaultUserType(ctx: AuthContext) {
  // @ts-expect-error BaseUser's email is optional: AuthContext<User> is what makes it a string
  const email: string = ctx.state.user.email;
  const id: string = ctx.state.user.id;
  return { email, id };
}

export function userIsNotOptional(ctx: AuthContext<User>) {
  const user: User = ctx.state.user;
  // @ts-expect-error AuthContext's user has no undefined to narrow away
  const nothing: undefined = ctx.state.user;
  return { user, nothing };
}

export function loginTakesTheAppUser(ctx: OptionalAuthContext<User>) {
  // @ts-expect-error ctx.login takes the app's User, not any object
  return ctx.login({ id: 'x' });
}

@Controller('/types')
class TypedController {
  @Get('/guarded/:id')
  @LoginRequired
  guarded(ctx: AuthContext<User>) {
    return guardedHandler(ctx);
  }

  @Get('/optional')
  @OptionalAuth
  optional(ctx: OptionalAuthContext<User>) {
    return { email: ctx.state.user?.email ?? null };
  }
}

describe('AuthContext / OptionalAuthContext', () => {
  it('give handlers the user the guards set', async () => {
    const users = new MemoryUserStore<User>();
    const carol = await users.create({ email: 'carol@example.com', plan: 'pro' });
    const auth = new Portcullis<User>({ secret: secretA, users });
    const app = new Koa();
    app.use(auth.middleware());
    app.use(auth.controllers([TypedController]));
    const http = request(app.callback());
    const cookie = await auth.testing.sessionCookie(carol);
    const res = await http.get('/types/guarded/42').set('Cookie', cookie);
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({
      email: 'carol@example.com',
      plan: 'pro',
      id: '42',
      signedIn: true,
    });
    expect((await http.get('/types/optional')).body).to.deep.equal({ email: null });
    expect((await http.get('/types/optional').set('Cookie', cookie)).body).to.deep.equal({
      email: 'carol@example.com',
    });
  });
});
