import type { Core } from '../core.js';
import { AuthError } from '../errors.js';
import type { BaseUser } from '../stores/types.js';

/**
 * Credentials for an app's own tests of protected routes, so each is one line. Refused unless
 * `NODE_ENV` is `test` or the app set `enableTestKit: true` (never allowed in production).
 *
 * @example
 * ```ts
 * await request(app.callback()).get('/dashboard').set('Cookie', await auth.testing.sessionCookie(alice));
 * await request(app.callback()).get('/api/reports')
 *   .set('Authorization', await auth.testing.bearer(alice, { scopes: ['reports:read'] }));
 * ```
 */
export class TestKit<User extends BaseUser> {
  constructor(private readonly core: Core<User>) {}

  /** A `Cookie` header value carrying a live session for `user`. */
  async sessionCookie(user: User): Promise<string> {
    this.allowed();
    return this.core.sessions.cookieFor(user.id, await this.core.generations.current(user.id));
  }

  /** An `Authorization` header value: `Bearer <access token>` for `user`. */
  async bearer(user: User, options: { scopes?: readonly string[] } = {}): Promise<string> {
    this.allowed();
    const { accessToken } = await this.core.tokens.issue(user, options);
    return `${this.core.opts.tokens.scheme} ${accessToken}`;
  }

  private allowed(): void {
    const { opts } = this.core;
    if (opts.production || (process.env.NODE_ENV !== 'test' && !opts.enableTestKit)) {
      throw new AuthError('misconfigured', {
        message:
          'auth.testing is available only when NODE_ENV=test, or with enableTestKit: true outside production.',
      });
    }
  }
}
