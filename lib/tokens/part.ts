import type { Context } from 'koa';
import type { Core } from '../core.js';
import { unauthorized } from '../errors.js';
import type { BaseUser } from '../stores/types.js';
import { bearerOf } from './bearer.js';
import type { IssueOptions, IssuedTokens } from './types.js';

/** The token calls available on `ctx.auth.tokens`. */
export interface RequestTokens<User extends BaseUser> {
  /** Issues an access + refresh pair for `user`. */
  issue(user: User, options?: IssueOptions): Promise<IssuedTokens>;
  /** Spends the refresh token this request carried and returns the next pair. */
  rotate(): Promise<IssuedTokens>;
  /** Revokes a token (refresh: its whole family). */
  revoke(token: string): Promise<void>;
}

/** `ctx.auth.tokens` of one request. */
export function requestTokens<User extends BaseUser>(
  core: Core<User>,
  ctx: Context,
): RequestTokens<User> {
  return {
    issue: async (user, options) => {
      ctx.set('Cache-Control', 'no-store');
      return core.tokens.issue(user, options);
    },
    rotate: async () => {
      const presented = bearerOf<User>(ctx).presented;
      if (!presented) {
        throw unauthorized('token_missing', {
          message: 'rotate() needs a refresh token from this request.',
        });
      }
      if (!presented.ours) {
        throw unauthorized('token_invalid', {
          message: 'Only refresh tokens issued by Portcullis rotate.',
        });
      }
      ctx.set('Cache-Control', 'no-store');
      return core.tokens.rotate(presented.token);
    },
    revoke: (token) => core.tokens.revoke(token),
  };
}
