import type { Context } from 'koa';
import type { BaseUser } from '../stores/types.js';
import type { Passwords } from './service.js';

/** `ctx.auth.password`: email + password accounts. */
export interface RequestPasswords<User> {
  register(email: string, password: string): Promise<void>;
  login(email: string, password: string): Promise<User>;
  change(currentPassword: string, newPassword: string): Promise<void>;
  requestReset(email: string): Promise<void>;
  reset(token: string, password: string): Promise<User>;
  verifyEmail(token: string): Promise<void>;
}

/** `ctx.auth.password` of one request. */
export function requestPasswords<User extends BaseUser>(
  password: Passwords<User>,
  ctx: Context,
): RequestPasswords<User> {
  return {
    register: (email, pw) => password.register(ctx, email, pw),
    login: (email, pw) => password.login(ctx, email, pw),
    change: (current, next) => password.change(ctx, current, next),
    requestReset: (email) => password.requestReset(ctx, email),
    reset: (token, pw) => password.reset(ctx, token, pw),
    verifyEmail: (token) => password.verifyEmail(ctx, token),
  };
}
