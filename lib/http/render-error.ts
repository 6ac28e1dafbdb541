import type { Context } from 'koa';
import type { Core } from '../core.js';
import type { AuthError } from '../errors.js';
import type { BaseUser } from '../stores/types.js';

/**
 * Answers an `AuthError`: the app's `onError` if it has one, else the status, the error's
 * headers (`WWW-Authenticate`, ...), `Cache-Control: no-store` and a JSON body. Server-side
 * failures are logged (code and cause, never a secret).
 */
export async function renderError<User extends BaseUser>(
  err: AuthError,
  ctx: Context,
  core: Core<User>,
): Promise<void> {
  if (err.status >= 500) {
    core.opts.logger.error(
      { code: err.code, cause: describe(err.cause), path: ctx.path },
      `portcullis: ${err.message}`,
    );
  } else reportRefused(err, ctx, core);
  ctx.status = err.status;
  for (const [name, value] of Object.entries(err.headers)) ctx.set(name, value);
  ctx.set('Cache-Control', 'no-store');
  if (core.opts.onError) {
    await core.opts.onError(err, ctx);
    return;
  }
  ctx.body = err.toJSON();
}

/** Codes that only say no credentials came: not worth an audit record each. */
const UNAUTHENTICATED = new Set(['login_required', 'token_missing']);

/** Emits `request_refused` for a refused (4xx) request that presented something. */
export function reportRefused<User extends BaseUser>(
  err: AuthError,
  ctx: Context,
  core: Core<User>,
): void {
  if (err.status >= 500 || UNAUTHENTICATED.has(err.code)) return;
  const user = (ctx.state as { user?: { id?: unknown } }).user;
  core.events.emit('request_refused', {
    code: err.code,
    status: err.status,
    method: ctx.method,
    path: ctx.path,
    ...(typeof user?.id === 'string' ? { userId: user.id } : {}),
  });
}

/** Drivers put connection strings in their messages: drop any `user:password@` and `password=...`. */
function redact(text: string): string {
  return text
    .replace(/\/\/[^/\s:@]*:[^@\s]*@/g, '//***@')
    .replace(/(password|passwd|pwd|secret|token)=\S+/gi, '$1=***');
}

function describe(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  if (cause instanceof Error) return redact(`${cause.name}: ${cause.message}`).slice(0, 300);
  return typeof cause;
}
