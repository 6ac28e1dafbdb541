import type { Context } from 'koa';
import type { AuthError } from '../errors.js';
import type { RefusalEvents } from './events.js';

/** What answering an error needs of Portcullis: its logger, the app's `onError`, the events. */
export interface ErrorReporting {
  readonly opts: {
    logger: { error(record: Record<string, unknown>, message?: string): void };
    onError?: ((err: AuthError, ctx: Context) => void | Promise<void>) | undefined;
  };
  readonly events: {
    emit(event: 'request_refused', data: RefusalEvents['request_refused']): void;
  };
}

/**
 * Answers an `AuthError`: the app's `onError` if it has one, else the status, the error's
 * headers (`WWW-Authenticate`, ...), `Cache-Control: no-store` and a JSON body. Server-side
 * failures are logged (code and cause, never a secret).
 */
export async function renderError(
  err: AuthError,
  ctx: Context,
  core: ErrorReporting,
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
export function reportRefused(err: AuthError, ctx: Context, core: ErrorReporting): void {
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
