import type { Context } from 'koa';
import { badRequest } from '../errors.js';

/** Where a bearer token is read from. */
export interface BearerSource {
  /** The header name (case-insensitive). @default 'Authorization' */
  header: string;
  /** The scheme before the token (case-insensitive). @default 'Bearer' */
  scheme: string;
}

/**
 * Reads the bearer token from the request's header; never from the query string or body.
 * Returns undefined when the header is absent or carries another scheme (e.g. Basic).
 * Throws 400 `invalid_request` when the header is sent twice or the scheme has no token.
 * A token of any other shape is returned as is, for the verifier to refuse with 401.
 */
export function readBearer(ctx: Context, source: BearerSource): string | undefined {
  const name = source.header.toLowerCase();
  const value = ctx.req.headers[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value) || countHeader(ctx.req.rawHeaders, name) > 1) {
    throw badRequest('invalid_request', {
      message: `The ${source.header} header was sent more than once.`,
    });
  }
  const space = value.indexOf(' ');
  const scheme = space === -1 ? value : value.slice(0, space);
  if (scheme.toLowerCase() !== source.scheme.toLowerCase()) return undefined;
  const token = space === -1 ? '' : value.slice(space + 1).trim();
  if (token === '')
    throw badRequest('invalid_request', { message: `The ${source.scheme} token is missing.` });
  return token;
}

/** True when the request carries the header at all (whatever its scheme). */
export function hasHeader(ctx: Context, header: string): boolean {
  return ctx.req.headers[header.toLowerCase()] !== undefined;
}

function countHeader(raw: string[], lower: string): number {
  let n = 0;
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i]!.length === lower.length && raw[i]!.toLowerCase() === lower) n++;
  return n;
}
