import type { Context } from 'koa';
import type { BaseUser } from '../stores/types.js';
import type { EmailCore } from './service.js';

/** `ctx.auth.magic`: mails a single-use sign-in link. */
export interface RequestMagicLinks {
  send(email: string, options?: { returnTo?: string }): Promise<void>;
}

/** `ctx.auth.otp`: mails a 6-digit code; `verify` signs its owner in. */
export interface RequestEmailCodes<User> {
  send(email: string): Promise<void>;
  verify(email: string, code: string): Promise<User>;
}

/** `ctx.auth.magic` of one request. */
export function requestMagicLinks<User extends BaseUser>(
  email: EmailCore<User>,
  ctx: Context,
): RequestMagicLinks {
  return { send: (to, options) => email.magic.send(ctx, to, options) };
}

/** `ctx.auth.otp` of one request. */
export function requestEmailCodes<User extends BaseUser>(
  email: EmailCore<User>,
  ctx: Context,
): RequestEmailCodes<User> {
  return {
    send: (to) => email.otp.send(ctx, to),
    verify: (to, code) => email.otp.verify(ctx, to, code),
  };
}
