import type { Context } from 'koa';
import type { Core } from '../core.js';
import { AuthError, isAuthError, storeUnavailable, unauthorized } from '../errors.js';
import type { LoadedToken } from '../options.js';
import { signInOf } from '../session/sign-in.js';
import type { BaseUser } from '../stores/types.js';
import { withChallenge } from './challenge.js';
import { type BearerSource, hasHeader, readBearer } from './header.js';
import { looksLikeRefreshToken } from './refresh-format.js';
import type { TokenType } from './types.js';

const KEY = Symbol('portcullis:bearer');

/** What a bearer token resolved to. */
export interface BearerResult<User> {
  user: User;
  scopes: readonly string[];
  token: string;
  /** True for our own tokens (only those rotate); false for the app's opaque ones. */
  ours: boolean;
}

/**
 * The bearer token of one request: read once per header, resolved once per type, with the
 * scopes and scheme of the token a guard accepted (for `@RequireScopes` and challenges).
 */
export class Bearer<User extends BaseUser = BaseUser> {
  /** The scopes of the bearer token a guard accepted (empty for cookie sessions). */
  scopes: readonly string[] = [];
  /** The scheme of the bearer token a guard accepted, for challenges. */
  scheme: string | undefined;
  /** The token a guard accepted, if any. */
  presented: BearerResult<User> | undefined;
  private read: { source: BearerSource; token: string | undefined } | undefined;
  private memo:
    { type: TokenType; source: BearerSource; result: Promise<BearerResult<User>> } | undefined;

  constructor(
    private readonly core: Core<User>,
    private readonly ctx: Context,
  ) {
    (ctx as { [KEY]?: unknown })[KEY] = this;
  }

  /** True when the request carries the bearer header. */
  has(source: BearerSource = this.core.opts.tokens): boolean {
    return hasHeader(this.ctx, source.header);
  }

  /** True for a token that is ours, not the app's opaque one. */
  isOurs(token: string): boolean {
    return this.core.tokens.isOurs(token);
  }

  /** The token in the bearer header of `source` (read once per request), or undefined. */
  token(source: BearerSource = this.core.opts.tokens): string | undefined {
    if (this.read?.source !== source) this.read = { source, token: readBearer(this.ctx, source) };
    return this.read.token;
  }

  /**
   * Resolves the bearer token as `type`, once per request and source; throws a 400/401
   * `AuthError` with its `WWW-Authenticate` challenge, or 503 when a store fails.
   */
  resolve(
    type: TokenType,
    source: BearerSource = this.core.opts.tokens,
  ): Promise<BearerResult<User>> {
    if (this.memo?.type !== type || this.memo.source !== source) {
      this.memo = { type, source, result: this.load(type, source) };
    }
    return this.memo.result;
  }

  /** Finds the token's user: ours verified by us, others through the app's loaders. */
  private async load(type: TokenType, source: BearerSource): Promise<BearerResult<User>> {
    const { core } = this;
    let result: BearerResult<User>;
    try {
      const token = this.token(source);
      if (token === undefined) throw unauthorized('token_missing');
      result = core.tokens.isOurs(token)
        ? await this.ours(token, type)
        : await this.theirs(token, type, source);
      const { isUserValid } = core.opts;
      if (isUserValid && !(await core.bounded(() => isUserValid(result.user, this.ctx)))) {
        throw unauthorized('token_revoked');
      }
    } catch (err) {
      if (!isAuthError(err)) throw storeUnavailable(err);
      throw err.status < 500 ? withChallenge(err, source.scheme) : err;
    }
    this.presented = result;
    this.scopes = result.scopes;
    this.scheme = source.scheme;
    return result;
  }

  private async ours(token: string, type: TokenType): Promise<BearerResult<User>> {
    const { tokens } = this.core;
    // A cached token known to be live needs no store read: skip the async verify.
    const verified = tokens.knownLive(token, type) ?? (await tokens.verify(token, type));
    const user = await this.core.findUser(verified.userId);
    if (!user) throw unauthorized('token_invalid');
    return { user, scopes: verified.scopes, token, ours: true };
  }

  private async theirs(
    token: string,
    type: TokenType,
    source: BearerSource,
  ): Promise<BearerResult<User>> {
    const { core } = this;
    const { tokenLoader, userLoader } = core.opts;
    if (!tokenLoader || !userLoader) throw unauthorized('token_invalid');
    const record = await core.bounded(() => tokenLoader(token, type, source.scheme));
    if (!record) throw unauthorized('token_invalid');
    const user = await core.bounded(() => userLoader(record));
    if (!user) throw unauthorized('token_invalid');
    return { user, scopes: scopesOfRecord(record), token, ours: false };
  }
}

/** The bearer token of this request; a clear error when `auth.middleware()` did not run first. */
export function bearerOf<User extends BaseUser>(ctx: Context): Bearer<User> {
  const found = (ctx as { [KEY]?: unknown })[KEY];
  if (!(found instanceof Bearer)) {
    throw new AuthError('misconfigured', {
      message: 'app.use(auth.middleware()) must come before guarded routes.',
    });
  }
  return found as Bearer<User>;
}

/**
 * How {@link currentUser} takes an access token when there is no session user:
 * - `'strict'`: a bad token is refused (401 with its challenge);
 * - `'lenient'`: a bad or unknown token is no user (a malformed header is still 400, a store
 *   failure 503);
 * - `'eager'`: only our own access tokens, up front in the middleware; anything else waits for
 *   a guard (which knows the type it wants), and only a store failure answers at once.
 */
export type BearerPolicy = 'strict' | 'lenient' | 'eager';

/** The user of this request: the session's, else the access token's (see {@link BearerPolicy}). */
export async function currentUser<User extends BaseUser>(
  ctx: Context,
  policy: BearerPolicy,
): Promise<User | undefined> {
  const sessionUser = signInOf<User>(ctx).user;
  if (sessionUser) return sessionUser;
  const bearer = bearerOf<User>(ctx);
  if (!bearer.has()) return undefined;
  if (policy === 'strict') return (await bearer.resolve('access')).user;
  if (policy === 'eager') {
    let token: string | undefined;
    try {
      token = bearer.token();
    } catch {
      return undefined; // a malformed header waits for a guard
    }
    if (token === undefined || looksLikeRefreshToken(token)) return undefined;
    if (!bearer.isOurs(token)) return undefined;
  }
  try {
    return (await bearer.resolve('access')).user;
  } catch (err) {
    if (!isAuthError(err)) throw err;
    if (policy === 'eager' ? err.status >= 500 : err.status !== 401 && err.status !== 403)
      throw err;
    return undefined;
  }
}

function scopesOfRecord(record: LoadedToken): readonly string[] {
  const s = record.scopes;
  if (typeof s === 'string') return s.split(' ').filter(Boolean);
  return Array.isArray(s) ? s.filter((x): x is string => typeof x === 'string') : [];
}
