import type { Context } from 'koa';
import { forbidden } from '../errors.js';

/**
 * The app's own origin: `baseUrl`'s, or in development the one this request was sent to
 * (protocol and Host). Never `ctx.origin`, which in Koa 3 is the request's `Origin` header.
 */
export function appOrigin(ctx: Context, baseOrigin: string | undefined): string {
  return baseOrigin ?? `${ctx.protocol}://${ctx.host}`;
}

/** What the CSRF check needs of the options: the app's origin and the trusted ones. */
export interface CsrfPolicy {
  baseOrigin: string | undefined;
  csrf: { trustedOrigins: ReadonlySet<string>; allowMissingOrigin: boolean };
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** True for methods that may change state. */
export function isUnsafe(method: string): boolean {
  return !SAFE.has(method);
}

/**
 * Refuses a cookie-authenticated unsafe request from another site with 403 `csrf_failed`:
 * `Sec-Fetch-Site` other than same-origin/none, or an `Origin` that is not ours (or a trusted
 * one), refuses; with neither header, `Referer` decides; with none of the three the request is
 * refused unless the app set `csrf.allowMissingOrigin`.
 */
export function checkCsrf(ctx: Context, opts: CsrfPolicy): void {
  const own = appOrigin(ctx, opts.baseOrigin);
  const trusted = (origin: string): boolean =>
    origin === own || opts.csrf.trustedOrigins.has(origin);
  const site = ctx.get('Sec-Fetch-Site');
  const origin = ctx.get('Origin');
  if (
    site !== '' &&
    site !== 'same-origin' &&
    site !== 'none' &&
    !(origin !== '' && trusted(origin))
  ) {
    throw forbidden('csrf_failed');
  }
  if (origin !== '') {
    if (!trusted(origin)) throw forbidden('csrf_failed');
    return;
  }
  if (site !== '') return;
  const referer = ctx.get('Referer');
  if (referer !== '') {
    let from: string;
    try {
      from = new URL(referer).origin;
    } catch {
      throw forbidden('csrf_failed');
    }
    if (!trusted(from)) throw forbidden('csrf_failed');
    return;
  }
  if (!opts.csrf.allowMissingOrigin) throw forbidden('csrf_failed');
}
