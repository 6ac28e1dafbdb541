import type Koa from 'koa';
import type { Context, Middleware } from 'koa';
import createSession from 'koa-session';
import { AuthError } from '../errors.js';
import type { Keyring } from '../keys/keyring.js';
import { BoundedCache } from '../util/bounded-cache.js';
import { ChunkedCookies } from './chunked-cookies.js';
import { cookieValue } from './cookie-header.js';
import type { SessionSettings } from './options.js';
import { seal, unseal } from './seal.js';
import type { SignInRecord } from './types.js';

/** The key under which the sign-in lives inside `ctx.session`. */
export const AUTH_KEY = '$pc';
const REKEY = '$rekey';
const TOUCHED = Symbol('portcullis:session-touched');
const NO_NEXT = (): Promise<void> => Promise.resolve();

/**
 * A {@link SignInRecord} as sealed in the cookie: short names keep the cookie small. This file
 * alone reads and writes it ({@link decodeSignIn}, {@link encodeSignIn}); the format is fixed,
 * so cookies already issued keep working.
 */
interface SealedSignIn {
  /** Session id. */
  s: string;
  /** User id. */
  u: string;
  /** Signed in at (ms). */
  c: number;
  /** Last seen at (ms). */
  t: number;
}

/** An opened cookie, as cached: the sign-in (if any) and what koa-session's own checks need. */
export interface Opened {
  /** The sealed value this entry is for (the cache is keyed by its tail). */
  readonly of: string;
  auth: SignInRecord | undefined;
  stale: boolean;
  /** The store revision at which registry and sign-out generation were last found live (local stores). */
  live?: number;
  /** koa-session's own expiry (`_expire`), if any. */
  expire: number | undefined;
}

type SessionData = Record<string, unknown>;
type Touchable = Context & { [TOUCHED]?: true };

/**
 * The session cookie on `koa-session`: `ctx.session` is the app's, and the sign-in is kept
 * inside it, sealed with AES-256-GCM, its idle and absolute lifetimes checked from the times
 * sealed inside.
 *
 * Speed: the sign-in is read straight from the Cookie header through a bounded cache of opened
 * cookies (keyed by the whole sealed value), and koa-session does its work (cookie jar, decode,
 * change hashing, commit) only in requests that touch `ctx.session`: its semantics, without its
 * cost on requests that only need to know who is signed in.
 */
export class SessionCookie {
  private readonly perApp = new WeakMap<Koa, Middleware>();
  private readonly cache: BoundedCache<Opened>;

  constructor(
    private readonly ring: Keyring,
    private readonly cfg: SessionSettings,
  ) {
    this.cache = new BoundedCache(cfg.cacheSize);
  }

  /** Installs koa-session on the app once (with our codec and cookie jar); per request it costs nothing. */
  install(app: Koa): void {
    if (this.perApp.has(app)) return;
    if (Object.prototype.hasOwnProperty.call(app.context, 'sessionOptions')) {
      throw new AuthError('misconfigured', {
        message:
          'koa-session is already installed on this app; auth.middleware() provides ctx.session (encrypted). Remove the other one.',
      });
    }
    const mw = createSession(this.koaSessionOptions(), app) as unknown as Middleware;
    this.perApp.set(app, mw);
    const original = Object.getOwnPropertyDescriptor(app.context, 'session')!;
    const { cookieName, maxCookies } = this.cfg;
    const prepare = (ctx: Touchable): void => {
      if (ctx[TOUCHED]) return;
      ctx[TOUCHED] = true;
      ctx.cookies = new ChunkedCookies(
        ctx,
        ctx.cookies,
        cookieName,
        maxCookies,
      ) as unknown as Context['cookies'];
    };
    Object.defineProperty(app.context, 'session', {
      configurable: true,
      get(this: Touchable) {
        prepare(this);
        return original.get!.call(this);
      },
      set(this: Touchable, value: unknown) {
        prepare(this);
        original.set!.call(this, value);
      },
    });
  }

  /** Saves `ctx.session` (koa-session's commit) if this request touched it. */
  async commit(ctx: Context): Promise<void> {
    if ((ctx as Touchable)[TOUCHED]) await this.perApp.get(ctx.app)!(ctx, NO_NEXT);
  }

  /** The sealed session value the request carries (whole or chunked), if any. */
  sealedFrom(ctx: Context): string | undefined {
    return cookieValue(ctx.req.headers.cookie, this.cfg.cookieName, this.cfg.maxCookies);
  }

  /**
   * The sign-in in a sealed value, if it opens and is within its lifetimes; cached by the whole
   * sealed string, and the lifetimes are checked again at every call.
   */
  open(sealed: string, now: number): Opened | undefined {
    let opened = this.cache.lookup(sealed);
    if (opened === undefined) {
      const result = unseal<SessionData>(this.ring, 'session', sealed);
      if (!result) return undefined;
      const auth = result.value[AUTH_KEY];
      const expire = result.value._expire;
      opened = {
        of: sealed,
        auth: decodeSignIn(auth),
        stale: result.stale,
        expire: typeof expire === 'number' ? expire : undefined,
      };
      if (auth !== undefined && !opened.auth) return undefined;
      this.cache.set(BoundedCache.keyOf(sealed), opened);
    }
    if (opened.expire !== undefined && opened.expire < now) return undefined;
    const auth = opened.auth;
    if (
      auth &&
      (now - auth.signedInAt > this.cfg.absoluteMs || now - auth.lastSeenAt > this.cfg.idleMs)
    )
      return undefined;
    return opened;
  }

  /** The sign-in in the request's cookie, whether or not it is still registered. */
  peek(ctx: Context): SignInRecord | undefined {
    const sealed = this.sealedFrom(ctx);
    return sealed === undefined ? undefined : this.open(sealed, Date.now())?.auth;
  }

  /**
   * After a live session was read: re-seal it when its last-seen time is older than
   * `touchInterval`, or when it was sealed with an older key.
   */
  refresh(ctx: Context, opened: Opened, now: number): boolean {
    const auth = opened.auth!;
    if (!opened.stale && now - auth.lastSeenAt < this.cfg.touchMs) return false;
    const data = ctx.session as SessionData | null;
    if (!data) return false;
    delete data[REKEY];
    data[AUTH_KEY] = encodeSignIn({ ...auth, lastSeenAt: now });
    return true;
  }

  /** Replaces `ctx.session` with a new sign-in (nothing of the old session is kept). */
  write(ctx: Context, auth: SignInRecord): void {
    ctx.session = { [AUTH_KEY]: encodeSignIn(auth) };
  }

  /** Clears `ctx.session`, and so the cookie. */
  clear(ctx: Context): void {
    ctx.session = null;
  }

  /** A Cookie header value carrying `auth`, sealed outside a request (the test kit). */
  header(auth: SignInRecord, now: number): string {
    const { idleMs, cookieName } = this.cfg;
    const sealed = seal(this.ring, 'session', {
      [AUTH_KEY]: encodeSignIn(auth),
      _expire: now + idleMs,
      _maxAge: idleMs,
    });
    return `${cookieName}=${sealed}`;
  }

  private koaSessionOptions(): Record<string, unknown> {
    const { cookieName, idleMs, secure } = this.cfg;
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
      encode: (data: SessionData): string => seal(this.ring, 'session', data),
      // koa-session calls this only in requests that touch ctx.session; it must not throw.
      decode: (sealed: string): SessionData | null => {
        if (!this.open(sealed, Date.now())) return null;
        const result = unseal<SessionData>(this.ring, 'session', sealed);
        if (!result) return null;
        if (result.stale) result.value[REKEY] = 1;
        return result.value;
      },
    };
  }
}

/** The sign-in sealed in a cookie, in readable names; undefined when it is not well formed. */
function decodeSignIn(v: unknown): SignInRecord | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const a = v as Record<string, unknown>;
  if (
    typeof a.s !== 'string' ||
    typeof a.u !== 'string' ||
    typeof a.c !== 'number' ||
    typeof a.t !== 'number'
  )
    return undefined;
  return { id: a.s, userId: a.u, signedInAt: a.c, lastSeenAt: a.t };
}

/** A sign-in in the short form sealed in the cookie (the field order is the one always issued). */
function encodeSignIn(auth: SignInRecord): SealedSignIn {
  return { s: auth.id, u: auth.userId, c: auth.signedInAt, t: auth.lastSeenAt };
}
