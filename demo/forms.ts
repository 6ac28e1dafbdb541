import type { Context } from 'koa';
import { isAuthError } from 'portcullis';
import { messageFor } from './messages.js';
import type { DemoUser, Site } from './types.js';
import type { Frame } from './views.js';

/** A field of the parsed body (`@koa/bodyparser`), as a string ('' when absent or not one). */
export function field(ctx: Context, name: string): string {
  const body = ctx.request.body;
  const value =
    body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : '';
}

/** The navigation's view of this request. */
export function frameOf(ctx: Context, site: Site): Frame {
  return { user: ctx.state.user as DemoUser | undefined, outbox: site.outbox };
}

/**
 * Runs a sign-in call and returns undefined, or the message and status of the refusal when it
 * is the user's to fix (a 4xx `AuthError`); anything else is thrown on.
 */
export async function attempt(
  work: () => Promise<unknown>,
): Promise<{ message: string; status: number } | undefined> {
  try {
    await work();
    return undefined;
  } catch (err) {
    if (!isAuthError(err) || err.status >= 500) throw err;
    return { message: messageFor(err.code) ?? err.message, status: err.status };
  }
}
