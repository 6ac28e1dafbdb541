import type Koa from 'koa';
import type { Context, Middleware } from 'koa';
import createSession from 'koa-session';
import { AuthError } from '../errors.js';
import type { Keyring } from '../keys/keyring.js';
import type { ResolvedOptions } from '../options.js';
import type { BaseUser, Store } from '../stores/types.js';
import { randomToken } from '../util/encoding.js';
import { ChunkedCookies } from './chunked-cookies.js';
import { carriesCookie } from './cookie-header.js';
import { seal, unseal } from './seal.js';

/** The key under which the sign-in lives inside `ctx.session`. */
export const AUTH_KEY = '$pc';
const REKEY = '$rekey';

/** What the sealed cookie says about the sign-in. */
export interface SessionAuth {
  /** Session id (registry key; changes at every sign-in). */
  s: string;
  /** User id. */
  u: string;
  /** Signed in at (ms). */
  c: number;
  /** Last seen at (ms), refreshed every `touchInterval`. */
  t: number;
}

interface RegistryRecord {
  u: string;
  g: number;
  c: number;
}

type SessionData = Record<string, unknown> & { [AUTH_KEY]?: unknown; [REKEY]?: unknown };

/**
 * Encrypted cookie sessions on `koa-session`: `ctx.session` is the app's, and the sign-in is
 * kept inside it, sealed with AES-256-GCM, its idle and absolute lifetimes checked by the
 * server from the times sealed inside. Each sign-in is also registered in the Store, so a
 * sign-out kills the cookie even if it is replayed.
 */
export class SessionManager {
  private readonly perApp = new WeakMap<Koa, Middleware>();
  constructor(
    private readonly ring: Keyring,
    private readonly store: Store,
    private readonly cfg: ResolvedOptions<BaseUser>['session'],
  ) {}

  /** koa-session's middleware for this app, with our cookie jar in front of it. */
  middleware(ctx: Context): Middleware {
    let mw = this.perApp.get(ctx.app);
    if (!mw) {
      if (Object.prototype.hasOwnProperty.call(ctx.app.context, 'sessionOptions')) {
        throw new AuthError('misconfigured', {
          message:
            'koa-session is already installed on this app; auth.middleware() provides ctx.session (encrypted). Remove the other one.',
        });
      }
      mw = createSession(this.koaSessionOptions(), ctx.app) as unknown as Middleware;
      this.perApp.set(ctx.app, mw);
    }
    return mw;
  }

  /** Puts the chunk-aware cookie jar in front of `ctx.cookies`. */
  wrapCookies(ctx: Context): void {
    ctx.cookies = new ChunkedCookies(
      ctx,
      ctx.cookies,
      this.cfg.cookieName,
      this.cfg.maxCookies,
    ) as unknown as Context['cookies'];
  }

  /** True when the request carries the session cookie (whole or chunked). */
  hasCookie(ctx: Context): boolean {
    return carriesCookie(ctx.req.headers.cookie, this.cfg.cookieName);
  }

  /** The sign-in sealed in the cookie, or undefined; re-seals a cookie sealed with an old key. */
  read(ctx: Context): SessionAuth | undefined {
    const data = ctx.session as SessionData | null;
    if (!data) return undefined;
    if (data[REKEY] !== undefined) delete data[REKEY];
    const auth = data[AUTH_KEY];
    return isSessionAuth(auth) ? auth : undefined;
  }

  /** Checks the registry; returns the generation the session was issued under, or undefined when it is dead. */
  async registered(auth: SessionAuth): Promise<number | undefined> {
    const raw = await this.store.get(`sess:${auth.s}`);
    if (raw === undefined) return undefined;
    const rec = JSON.parse(raw) as RegistryRecord;
    return rec.u === auth.u && rec.c === auth.c ? rec.g : undefined;
  }

  /** Refreshes the last-seen time when it is older than `touchInterval` (re-sealing the cookie). */
  touch(ctx: Context, auth: SessionAuth, now: number): void {
    if (now - auth.t >= this.cfg.touchMs) {
      (ctx.session as SessionData)[AUTH_KEY] = { ...auth, t: now };
    }
  }

  /** Starts a new session for `userId` (new id; the previous one, if any, is revoked). */
  async start(ctx: Context, userId: string, generation: number): Promise<SessionAuth> {
    const previous = this.read(ctx);
    const now = Date.now();
    const auth: SessionAuth = { s: randomToken(18), u: userId, c: now, t: now };
    const rec: RegistryRecord = { u: userId, g: generation, c: now };
    await this.store.set(`sess:${auth.s}`, JSON.stringify(rec), this.cfg.absoluteMs);
    if (previous) await this.store.delete(`sess:${previous.s}`);
    ctx.session = { [AUTH_KEY]: auth };
    return auth;
  }

  /** Ends the session: revoked in the registry and the cookie cleared. */
  async end(ctx: Context): Promise<SessionAuth | undefined> {
    const auth = this.read(ctx);
    if (auth) await this.store.delete(`sess:${auth.s}`);
    ctx.session = null;
    return auth;
  }

  /** Clears the cookie without touching the registry (for a session found dead). */
  drop(ctx: Context): void {
    ctx.session = null;
  }

  /** Seals a new session for `userId` outside a request (the test kit); returns the Cookie header value. */
  async cookieFor(userId: string, generation: number): Promise<string> {
    const now = Date.now();
    const auth: SessionAuth = { s: randomToken(18), u: userId, c: now, t: now };
    await this.store.set(
      `sess:${auth.s}`,
      JSON.stringify({ u: userId, g: generation, c: now }),
      this.cfg.absoluteMs,
    );
    const sealed = seal(this.ring, 'session', {
      [AUTH_KEY]: auth,
      _expire: now + this.cfg.idleMs,
      _maxAge: this.cfg.idleMs,
    });
    return `${this.cfg.cookieName}=${sealed}`;
  }

  private koaSessionOptions(): Record<string, unknown> {
    const { cookieName, idleMs, absoluteMs, secure } = this.cfg;
    const ring = this.ring;
    return {
      key: cookieName,
      maxAge: idleMs,
      httpOnly: true,
      signed: false,
      sameSite: 'lax',
      secure,
      overwrite: true,
      rolling: false,
      renew: false,
      autoCommit: true,
      encode: (data: SessionData): string => seal(ring, 'session', data),
      decode: (sealed: string): SessionData | null => {
        const opened = unseal<SessionData>(ring, 'session', sealed);
        if (!opened) return null;
        const data = opened.value;
        const auth = data[AUTH_KEY];
        if (auth !== undefined) {
          const now = Date.now();
          if (!isSessionAuth(auth) || now - auth.c > absoluteMs || now - auth.t > idleMs)
            return null;
        }
        if (opened.stale) data[REKEY] = 1;
        return data;
      },
    };
  }
}

function isSessionAuth(v: unknown): v is SessionAuth {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Record<string, unknown>;
  return (
    typeof a.s === 'string' &&
    typeof a.u === 'string' &&
    typeof a.c === 'number' &&
    typeof a.t === 'number'
  );
}
