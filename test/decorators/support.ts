// Shared set-up for the decorator tests: one Portcullis per test, users, and HTTP helpers.
import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import {
  type ControllerLike,
  type ControllersOptions,
  MemoryUserStore,
  Portcullis,
  type PortcullisOptions,
} from '../../lib/index.js';
import { MemoryLogger, secretA, type TestUser } from '../support/app.js';

export interface World {
  auth: Portcullis<TestUser>;
  users: MemoryUserStore<TestUser>;
  /** No roles. */
  alice: TestUser;
  /** Role 'admin'. */
  admin: TestUser;
  /** Roles 'admin' and 'editor'. */
  chief: TestUser;
}

/** A fresh Portcullis with three users; options override the defaults. */
export async function world(options: Partial<PortcullisOptions<TestUser>> = {}): Promise<World> {
  const users = new MemoryUserStore<TestUser>();
  const alice = await users.create({ email: 'alice@example.com' });
  const admin = await users.create({ email: 'admin@example.com', roles: ['admin'] });
  const chief = await users.create({ email: 'chief@example.com', roles: ['admin', 'editor'] });
  const auth = new Portcullis<TestUser>({
    secret: secretA,
    users,
    logger: new MemoryLogger(),
    ...options,
  });
  return { auth, users, alice, admin, chief };
}

/** A Koa app with `auth.middleware()` and the given controllers, ready for supertest. */
export function serve(
  auth: Portcullis<TestUser>,
  controllers: readonly ControllerLike[],
  options?: ControllersOptions,
): ReturnType<typeof request> {
  const app = new Koa();
  app.use(auth.middleware());
  app.use(auth.controllers(controllers, options));
  return request(app.callback());
}

/** Asserts a JSON error answer: status and stable code. */
export function expectError(
  res: { status: number; body: unknown },
  status: number,
  code: string,
): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.body).to.have.nested.property('error.code', code);
}

/** What a browser sends. */
export const HTML_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** Counts handler calls, reset per test. */
export class Calls {
  private readonly names: string[] = [];
  add(name: string): void {
    this.names.push(name);
  }
  /** Records a handler call and answers with the user it saw. */
  hit(name: string, ctx: { state: { user: TestUser } }): { user: string } {
    this.add(name);
    return { user: ctx.state.user.email };
  }
  count(name?: string): number {
    return name === undefined ? this.names.length : this.names.filter((n) => n === name).length;
  }
  reset(): void {
    this.names.length = 0;
  }
}
