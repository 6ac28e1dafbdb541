/**
 * The one error type Portcullis throws on any path a request can trigger.
 *
 * Every error carries a stable `code` (assert on it, never on the message), an HTTP `status`,
 * a `type` and Koa's `expose` flag, so Koa's own `onerror` renders it sensibly even when
 * `auth.middleware()` is not the one catching it.
 */

/** The 400 codes: the request is malformed or its link, code or input is not acceptable. */
export type BadRequestCode =
  | 'invalid_request'
  | 'state_mismatch'
  | 'link_invalid'
  | 'code_invalid'
  | 'email_invalid'
  | 'password_weak'
  | 'passkey_invalid';

/** The 401 codes: no credential, or one that does not pass. */
export type UnauthorizedCode =
  | 'login_required'
  | 'token_missing'
  | 'token_invalid'
  | 'token_expired'
  | 'token_revoked'
  | 'credentials_invalid';

/** The 403 codes: known, but not allowed. */
export type ForbiddenCode =
  | 'forbidden'
  | 'insufficient_scope'
  | 'csrf_failed'
  | 'access_denied'
  | 'login_refused'
  | 'email_unverified'
  | 'reauthentication_required';

/**
 * Stable error codes, by status. The ones listed in the API design are fixed; never rename
 * them.
 */
export type AuthErrorCode =
  | BadRequestCode
  | UnauthorizedCode
  | ForbiddenCode
  // 404
  | 'not_found'
  // 409
  | 'account_exists'
  | 'last_sign_in_method'
  | 'change_in_progress'
  // 413 / 429 / 431
  | 'payload_too_large'
  | 'rate_limited'
  | 'header_too_large'
  // 500: a misuse by the application, never by a client
  | 'session_too_large'
  | 'misconfigured'
  // 502 / 503
  | 'provider_error'
  | 'store_unavailable'
  | 'mail_unavailable';

/** What kind of failure this is: a credential, the request's shape, authorization, or us. */
export type AuthErrorType = 'token' | 'request' | 'scope' | 'server';

const STATUS: Record<AuthErrorCode, number> = {
  invalid_request: 400,
  state_mismatch: 400,
  link_invalid: 400,
  code_invalid: 400,
  email_invalid: 400,
  password_weak: 400,
  passkey_invalid: 400,
  login_required: 401,
  token_missing: 401,
  token_invalid: 401,
  token_expired: 401,
  token_revoked: 401,
  credentials_invalid: 401,
  forbidden: 403,
  insufficient_scope: 403,
  csrf_failed: 403,
  access_denied: 403,
  email_unverified: 403,
  login_refused: 403,
  reauthentication_required: 403,
  not_found: 404,
  account_exists: 409,
  last_sign_in_method: 409,
  change_in_progress: 409,
  payload_too_large: 413,
  rate_limited: 429,
  header_too_large: 431,
  session_too_large: 500,
  misconfigured: 500,
  provider_error: 502,
  store_unavailable: 503,
  mail_unavailable: 503,
};

const MESSAGES: Record<AuthErrorCode, string> = {
  invalid_request: 'The request is malformed.',
  state_mismatch: 'The sign-in state does not match.',
  link_invalid: 'The link is invalid or has expired.',
  code_invalid: 'The code is invalid or has expired.',
  email_invalid: 'The email address is invalid.',
  password_weak: 'The password is too weak.',
  passkey_invalid: 'The passkey could not be verified.',
  login_required: 'Sign-in required.',
  token_missing: 'A bearer token is required.',
  token_invalid: 'The token is invalid.',
  token_expired: 'The token has expired.',
  token_revoked: 'The token has been revoked.',
  credentials_invalid: 'The credentials are invalid.',
  forbidden: 'You are not allowed to do this.',
  insufficient_scope: 'The token lacks a required scope.',
  csrf_failed: 'Cross-site request refused.',
  access_denied: 'Sign-in was cancelled at the provider.',
  email_unverified: 'Confirm your email address first: follow the link we mailed you.',
  login_refused: 'This sign-in was refused.',
  reauthentication_required: 'Sign in again to change how you sign in or to end other sessions.',
  not_found: 'There is no such thing here.',
  last_sign_in_method: 'This is your only way to sign in; add another before removing it.',
  change_in_progress: 'Another change to how you sign in is under way; try again in a moment.',
  account_exists:
    'An account with this email already exists. Sign in with it first, then link this provider.',
  payload_too_large: 'The request body is too large.',
  rate_limited: 'Too many attempts; try again later.',
  header_too_large: 'A request header is too large.',
  session_too_large: 'The session is too large to store in cookies.',
  misconfigured: 'Authentication is misconfigured.',
  provider_error: 'The sign-in provider failed.',
  store_unavailable: 'Authentication is temporarily unavailable.',
  mail_unavailable: 'Mail cannot be sent right now; try again later.',
};

const TYPES: Partial<Record<AuthErrorCode, AuthErrorType>> = {
  token_missing: 'token',
  token_invalid: 'token',
  token_expired: 'token',
  token_revoked: 'token',
  login_required: 'token',
  credentials_invalid: 'token',
  forbidden: 'scope',
  insufficient_scope: 'scope',
  session_too_large: 'server',
  misconfigured: 'server',
  provider_error: 'server',
  store_unavailable: 'server',
  mail_unavailable: 'server',
};

/** Extra detail an error may carry; none of it is ever a secret. */
export interface AuthErrorOptions {
  /** Overrides the default client-safe message. */
  message?: string;
  /** The underlying failure, kept for logs; never rendered. */
  cause?: unknown;
  /** Response headers to send with the error (e.g. `WWW-Authenticate`, `Retry-After`). */
  headers?: Record<string, string>;
  /** Scopes that were required, for `insufficient_scope`. */
  scopes?: readonly string[];
}

/**
 * A failure with a stable code and an HTTP status.
 *
 * @example
 * ```ts
 * import { AuthError } from 'portcullis';
 * throw new AuthError('token_invalid');           // 401, type 'token'
 * if (err instanceof AuthError && err.code === 'csrf_failed') { ... }
 * ```
 */
export class AuthError extends Error {
  /** The stable code; assert on this. */
  readonly code: AuthErrorCode;
  /** The HTTP status to answer with. */
  readonly status: number;
  /** Koa reads `statusCode` too. */
  readonly statusCode: number;
  /** The failure's kind. */
  readonly type: AuthErrorType;
  /** Whether the message is safe to show a client (Koa's convention): true below 500. */
  readonly expose: boolean;
  /** Headers to send with the error response. */
  readonly headers: Record<string, string>;
  /** Scopes that were required, for `insufficient_scope`. */
  readonly scopes: readonly string[] | undefined;

  constructor(code: AuthErrorCode, options: AuthErrorOptions = {}) {
    super(
      options.message ?? MESSAGES[code],
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = this.constructor.name;
    this.code = code;
    this.status = STATUS[code];
    this.statusCode = this.status;
    this.type = TYPES[code] ?? (this.status >= 500 ? 'server' : 'request');
    this.expose = this.status < 500;
    this.headers = { ...options.headers };
    this.scopes = options.scopes;
  }

  /** The body an API client receives: code and a client-safe message. */
  toJSON(): { error: { code: AuthErrorCode; message: string } } {
    return {
      error: { code: this.code, message: this.expose ? this.message : MESSAGES[this.code] },
    };
  }
}

/** True for any `AuthError`, also one from another copy of this package. */
export function isAuthError(err: unknown): err is AuthError {
  return (
    err instanceof AuthError || (err instanceof Error && err.name === 'AuthError' && 'code' in err)
  );
}

/** A 400 error. @example `throw badRequest('invalid_request')` */
export function badRequest(
  code: BadRequestCode = 'invalid_request',
  options?: AuthErrorOptions,
): AuthError {
  return new AuthError(code, options);
}

/** A 401 error. @example `throw unauthorized('token_expired')` */
export function unauthorized(
  code: UnauthorizedCode = 'login_required',
  options?: AuthErrorOptions,
): AuthError {
  return new AuthError(code, options);
}

/** A 403 error. @example `throw forbidden('insufficient_scope', { scopes: ['admin'] })` */
export function forbidden(
  code: ForbiddenCode = 'forbidden',
  options?: AuthErrorOptions,
): AuthError {
  return new AuthError(code, options);
}

/** A 502 `provider_error`, keeping the failure as `cause` for the logs. */
export function providerError(cause?: unknown, message?: string): AuthError {
  return new AuthError('provider_error', { cause, ...(message ? { message } : {}) });
}

/** A 503 `store_unavailable`, keeping the failure as `cause` for the logs. */
export function storeUnavailable(cause?: unknown): AuthError {
  return new AuthError('store_unavailable', { cause });
}
