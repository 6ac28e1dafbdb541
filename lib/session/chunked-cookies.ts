import type { Context } from 'koa';
import { AuthError } from '../errors.js';

/** Room for one cookie's value, leaving space for its name and attributes under 4096 bytes. */
export const CHUNK_SIZE = 3800;

type CookieOptions = NonNullable<Parameters<Context['cookies']['set']>[2]>;

/**
 * Stands in for `ctx.cookies` so that one logical cookie (the session) may span several:
 * a value that fits is `name=value`; a larger one is `name.0`, `name.1`, ... up to
 * `maxChunks`, and anything larger is refused with `session_too_large` (never emitted
 * oversized, never dropped silently). Every other cookie passes straight through.
 * Setting the session cookie also sets `Cache-Control: no-store`.
 */
export class ChunkedCookies {
  constructor(
    private readonly ctx: Context,
    private readonly inner: Context['cookies'],
    private readonly name: string,
    private readonly maxChunks: number,
  ) {}

  get(name: string, opts?: { signed: boolean }): string | undefined {
    if (name !== this.name) return this.inner.get(name, opts);
    const whole = this.inner.get(name, { signed: false });
    if (whole !== undefined) return whole;
    let value = '';
    for (let i = 0; i < this.maxChunks; i++) {
      const part = this.inner.get(`${name}.${i}`, { signed: false });
      if (part === undefined) break;
      value += part;
    }
    return value === '' ? undefined : value;
  }

  set(name: string, value?: string | null, opts?: CookieOptions): this {
    if (name !== this.name) {
      this.inner.set(name, value, opts);
      return this;
    }
    if (opts?.secure && !this.ctx.secure) {
      throw new AuthError('misconfigured', {
        message:
          'The session cookie is Secure but this request is plain HTTP. Serve over HTTPS; behind a TLS proxy set app.proxy = true.',
      });
    }
    this.ctx.set('Cache-Control', 'no-store');
    const parts = value ? split(value) : [];
    if (parts.length > this.maxChunks) {
      throw new AuthError('session_too_large', {
        message: `The session needs ${parts.length} cookies of ${CHUNK_SIZE} bytes; at most ${this.maxChunks} are allowed (session.maxCookies). Keep less in ctx.session.`,
      });
    }
    const present = this.presentChunks();
    const expired = { ...opts, maxAge: undefined, expires: new Date(0) };
    if (parts.length <= 1) {
      this.inner.set(name, value, opts);
      for (const i of present) this.inner.set(`${name}.${i}`, '', expired);
      return this;
    }
    if (this.inner.get(name, { signed: false }) !== undefined) this.inner.set(name, '', expired);
    parts.forEach((part, i) => this.inner.set(`${name}.${i}`, part, opts));
    for (const i of present) if (i >= parts.length) this.inner.set(`${name}.${i}`, '', expired);
    return this;
  }

  /** Indexes of the `name.N` chunks the request carried. */
  private presentChunks(): number[] {
    const found: number[] = [];
    for (let i = 0; i < this.maxChunks + 2; i++) {
      if (this.inner.get(`${this.name}.${i}`, { signed: false }) !== undefined) found.push(i);
    }
    return found;
  }
}

function split(value: string): string[] {
  const parts: string[] = [];
  for (let i = 0; i < value.length; i += CHUNK_SIZE) parts.push(value.slice(i, i + CHUNK_SIZE));
  return parts;
}
