import type { Context } from 'koa';
import { AuthError, badRequest } from '../errors.js';
import { assertNoDuplicateKeys } from './json-keys.js';

/** The largest body an auth route reads, in bytes. */
export const BODY_LIMIT = 16 * 1024;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A parsed body: a null-prototype record of fields. */
export type Fields = Readonly<Record<string, unknown>>;

/**
 * Reads a JSON or form body (at most {@link BODY_LIMIT} bytes) into a null-prototype record.
 * Refuses with 400 `invalid_request`: malformed JSON, a key repeated in one object, a non-object, `__proto__` /
 * `constructor` / `prototype` keys at any depth, a form field given twice, another content
 * type; with 413 `payload_too_large` a larger body. A body already parsed by the app's body
 * parser is checked the same way.
 */
export async function readFields(ctx: Context): Promise<Fields> {
  const parsed = (ctx.request as { body?: unknown }).body;
  if (parsed !== undefined) return checkObject(parsed);
  const length = Number(ctx.get('Content-Length') || 0);
  if (length > BODY_LIMIT) throw new AuthError('payload_too_large');
  const type = ctx.is('application/json', 'application/x-www-form-urlencoded');
  const raw = await readRaw(ctx);
  if (raw === '') return Object.create(null) as Fields;
  if (type === 'application/json') {
    let value: unknown;
    try {
      value = JSON.parse(raw, (key, v: unknown) => {
        if (FORBIDDEN_KEYS.has(key)) throw badRequest('invalid_request');
        return v;
      });
      assertNoDuplicateKeys(raw);
    } catch {
      throw badRequest('invalid_request', { message: 'The body is not valid JSON.' });
    }
    return checkObject(value);
  }
  if (type === 'application/x-www-form-urlencoded') {
    const out: Record<string, unknown> = Object.create(null);
    for (const [key, value] of new URLSearchParams(raw)) {
      if (FORBIDDEN_KEYS.has(key) || key in out)
        throw badRequest('invalid_request', {
          message: `Field ${JSON.stringify(key).slice(0, 40)} is invalid or repeated.`,
        });
      out[key] = value;
    }
    return out;
  }
  throw badRequest('invalid_request', { message: 'Send JSON or form fields.' });
}

/** A string field: undefined when absent (unless required); 400 when not a string or too long. */
export function stringField(
  fields: Fields,
  name: string,
  required = false,
  max = 2048,
): string | undefined {
  const v = fields[name];
  if (v === undefined || v === '') {
    if (required) throw badRequest('invalid_request', { message: `Field ${name} is required.` });
    return undefined;
  }
  if (typeof v !== 'string' || v.length > max)
    throw badRequest('invalid_request', { message: `Field ${name} must be a string.` });
  return v;
}

/** A boolean field: `true`/`false` in JSON, `"true"`/`"1"`/`"on"` in a form. */
export function booleanField(fields: Fields, name: string): boolean {
  const v = fields[name];
  if (v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && ['true', '1', 'on', 'false', '0', 'off', ''].includes(v))
    return ['true', '1', 'on'].includes(v);
  throw badRequest('invalid_request', { message: `Field ${name} must be a boolean.` });
}

/** True for a classic HTML form post (answered with a redirect rather than JSON). */
export function isFormPost(ctx: Context): boolean {
  return typeof ctx.is('application/x-www-form-urlencoded', 'multipart/form-data') === 'string';
}

function checkObject(value: unknown): Fields {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest('invalid_request', { message: 'The body must be an object.' });
  }
  const seen = (v: unknown, depth: number): void => {
    if (depth > 8) throw badRequest('invalid_request');
    if (v && typeof v === 'object') {
      for (const key of Object.keys(v)) {
        if (FORBIDDEN_KEYS.has(key)) throw badRequest('invalid_request');
        seen((v as Record<string, unknown>)[key], depth + 1);
      }
    }
  };
  seen(value, 0);
  return Object.assign(Object.create(null) as Record<string, unknown>, value);
}

async function readRaw(ctx: Context): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) throw new AuthError('payload_too_large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
