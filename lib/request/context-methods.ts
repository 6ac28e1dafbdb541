import type { Context } from 'koa';
import type { BaseUser } from '../stores/types.js';
import { authOf } from './auth.js';

const INSTALLED = Symbol('portcullis:context');

/** Defines `ctx.login`, `ctx.logout` and `ctx.isAuthenticated` once on the app's context prototype. */
export function installContextMethods(ctx: Context): void {
  const proto = ctx.app.context as Record<PropertyKey, unknown>;
  if (proto[INSTALLED]) return;
  Object.defineProperties(proto, {
    [INSTALLED]: { value: true },
    login: {
      value(this: Context, user: BaseUser) {
        return authOf(this).login(user);
      },
    },
    logout: {
      value(this: Context) {
        return authOf(this).logout();
      },
    },
    isAuthenticated: {
      value(this: Context) {
        return authOf(this).isAuthenticated();
      },
    },
  });
}
