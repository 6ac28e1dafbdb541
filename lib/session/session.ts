import type Koa from 'koa';
import type { SessionSettings } from './options.js';
import { createHmac } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import createSession from 'koa-session';
import { AuthError } from '../errors.js';
import type { Keyring } from '../keys/keyring.js';
import type { RevisionFeed, Store } from '../stores/types.js';
import { BoundedCache } from '../util/bounded-cache.js';
import { randomToken } from '../util/encoding.js';
import { bumpRevision, revisionOf } from '../stores/revision.js';
import { ChunkedCookies } from './chunked-cookies.js';
import { cookieValue } from './cookie-header.js';
import { seal, unseal } from './seal.js';

/** The key under which the sign-in lives inside `ctx.session`. */
export const AUTH_KEY = '$pc';
const REKEY = '$rekey';
const TOUCHED = Symbol('portcullis:session-touched');
const NO_NEXT = (): Promise<void> => Promise.resolve();

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

/** An opened cookie, as cached: the sign-in (if any) and what koa-session's own checks need. */
export interface Opened {
  /** The sealed value this entry is for (the cache is keyed by its tail). */
  readonly of: string;
  auth: SessionAuth | undefined;
  stale: boolean;
  /** The store revision at which registry and sign-out mark were last found live (local stores). */
  live?: number;
  /** koa-session's own expiry (`_expire`), if any. */
  expire: number | undefined;
}

interface RegistryRecord {
  u: string;
  g: number;
  c: number;
  /** The device (User-Agent, at most 200 characters) that signed in. */
  d?: string;
}

/** One of a user's sessions, as `ctx.auth.sessions.list()` shows it. */
export interface SessionInfo {
  /** A public id for this session (not the session's secret id). */
  id: string;
  /** True for the session of this request. */
  current: boolean;
  /** The browser or app that signed in (its User-Agent). */
  device: string;
  /** When it signed in. */
  createdAt: string;
  /** When it was last seen (to the `touchInterval`). */
  lastSeenAt: string;
}

const MAX_LISTED = 50;

type SessionData = Record<string, unknown>;
type Touchable = Context & { [TOUCHED]?: true };

/**
 * Encrypted cookie sessions on `koa-session`: `ctx.session` is the app's, and the sign-in is
 * kept inside it, sealed with AES-256-GCM, its idle and absolute lifetimes checked by the
 * server from the times sealed inside. Each sign-in is also registered in the Store, so a
 * sign-out kills the cookie even if it is replayed.
 *
 * Speed: the sign-in is read straight from the Cookie header through a bounded cache of opened
 * cookies (keyed by the whole sealed value), and koa-session does its work (cookie jar, decode,
 * change hashing, commit) only in requests that touch `ctx.session`: its semantics, without its
 * cost on requests that only need to know who is signed in.
 */
export class SessionManager {
  private readonly perApp = new WeakMap<Koa, Middleware>();
  private readonly cache: BoundedCache<Opened>;
  private readonly revision: RevisionFeed | undefined;

  constructor(
    private readonly ring: Keyring,
    private readonly store: Store,
    private readonly cfg: SessionSettings,
  ) {
    this.cache = new BoundedCache(cfg.cacheSize);
    this.revision = revisionOf(store);
  }

  /**
   * The current revision to validate against (read it before the store lookups), or undefined
   * when the store is remote and every request must read it.
   */
  revisionNow(): number | undefined {
    return this.revision?.current();
  }

  /** True when `opened` was found live at the current revision: nothing revoked since. */
  isKnownLive(opened: Opened): boolean {
    const now = this.revision?.current();
    return now !== undefined && opened.live === now;
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
        auth: isSessionAuth(auth) ? auth : undefined,
        stale: result.stale,
        expire: typeof expire === 'number' ? expire : undefined,
      };
      if (auth !== undefined && !opened.auth) return undefined;
      this.cache.set(BoundedCache.keyOf(sealed), opened);
    }
    if (opened.expire !== undefined && opened.expire < now) return undefined;
    const auth = opened.auth;
    if (auth && (now - auth.c > this.cfg.absoluteMs || now - auth.t > this.cfg.idleMs))
      return undefined;
    return opened;
  }

  /** Checks the registry; returns the sign-out mark the session was issued under, or undefined when it is dead. */
  async registered(auth: SessionAuth): Promise<number | undefined> {
    const raw = await this.store.get(`sess:${auth.s}`);
    if (raw === undefined) return undefined;
    const rec = JSON.parse(raw) as RegistryRecord;
    return rec.u === auth.u && rec.c === auth.c ? rec.g : undefined;
  }

  /**
   * After a live session was read: re-seal it when its last-seen time is older than
   * `touchInterval`, or when it was sealed with an older key.
   */
  refresh(ctx: Context, opened: Opened, now: number): boolean {
    const auth = opened.auth!;
    if (!opened.stale && now - auth.t < this.cfg.touchMs) return false;
    const data = ctx.session as SessionData | null;
    if (!data) return false;
    delete data[REKEY];
    data[AUTH_KEY] = { ...auth, t: now };
    return true;
  }

  /** Records when a session was last seen (at most once per `touchInterval`), for the session list. */
  async seen(auth: SessionAuth, now: number): Promise<void> {
    await this.store.set(`seen:${auth.s}`, String(now), this.cfg.absoluteMs);
  }

  /**
   * The user's live sessions, newest first; `current` marks this request's. `mark` is the
   * user's current sign-out mark: a session issued under an older one ended with a sign-out
   * everywhere (or a password change), even while its record lasts.
   */
  async list(
    userId: string,
    current: SessionAuth | undefined,
    mark: number,
  ): Promise<SessionInfo[]> {
    const ids = await this.idsOf(userId);
    const out: Array<SessionInfo & { at: number }> = [];
    const live: string[] = [];
    for (const sid of ids) {
      const raw = await this.store.get(`sess:${sid}`);
      if (raw === undefined) continue;
      const rec = JSON.parse(raw) as RegistryRecord;
      if (rec.u !== userId || rec.g < mark) continue;
      live.push(sid);
      const seen = Number((await this.store.get(`seen:${sid}`)) ?? rec.c);
      out.push({
        id: this.publicId(sid),
        current: current?.s === sid,
        device: rec.d ?? '',
        createdAt: new Date(rec.c).toISOString(),
        lastSeenAt: new Date(current?.s === sid ? Math.max(seen, current.t) : seen).toISOString(),
        at: rec.c,
      });
    }
    const dead = ids.filter((sid) => !live.includes(sid));
    if (dead.length > 0) await this.store.removeMembers(`usess:${userId}`, dead);
    return out.sort((a, b) => b.at - a.at).map(({ at: _at, ...info }) => info);
  }

  /** Ends the user's session with public id `id` (false when there is none); `except` is never ended. */
  async revokeById(userId: string, id: string, except?: SessionAuth): Promise<boolean> {
    for (const sid of await this.idsOf(userId)) {
      if (this.publicId(sid) === id && sid !== except?.s) {
        await this.store.delete(`sess:${sid}`);
        bumpRevision(this.store);
        return true;
      }
    }
    return false;
  }

  /** Ends every session of the user but `keep`; returns how many were live (`mark`: as in `list`). */
  async revokeOthers(userId: string, keep: SessionAuth | undefined, mark: number): Promise<number> {
    let n = 0;
    // the ids read once: a sign-in landing meanwhile stays listed (and signed in)
    const ended = (await this.idsOf(userId)).filter((sid) => sid !== keep?.s);
    for (const sid of ended) {
      const raw = await this.store.get(`sess:${sid}`);
      if (raw !== undefined && (JSON.parse(raw) as RegistryRecord).g >= mark) n++;
      await this.store.delete(`sess:${sid}`);
    }
    bumpRevision(this.store);
    await this.store.removeMembers(`usess:${userId}`, ended);
    return n;
  }

  private publicId(sid: string): string {
    return createHmac('sha256', this.ring.current('session').key)
      .update(`public:${sid}`)
      .digest('base64url')
      .slice(0, 16);
  }

  /** The user's session ids in the index (a set in the Store: concurrent sign-ins all land). */
  private async idsOf(userId: string): Promise<string[]> {
    return this.store.members(`usess:${userId}`);
  }

  /**
   * Drops the dead entries of the user's index when it reaches `MAX_LISTED` entries and then
   * each power of two past it, so a user with thousands of live sessions (a script signing in
   * in a loop) costs a few reads per sign-in, not thousands.
   */
  private async sweep(userId: string): Promise<void> {
    const key = `usess:${userId}`;
    const ids = await this.idsOf(userId);
    const n = ids.length;
    if (n <= MAX_LISTED || (n !== MAX_LISTED + 1 && (n & (n - 1)) !== 0)) return;
    const dead: string[] = [];
    for (const id of ids) if ((await this.store.get(`sess:${id}`)) === undefined) dead.push(id);
    if (dead.length > 0) await this.store.removeMembers(key, dead);
  }

  /**
   * Starts a new session for `userId` (new id; `previous`, if any, is revoked). A store failing
   * at any step leaves nothing signed in that the user cannot see or end: the old session ends
   * first (the browser is signed out, never in twice), and when any later write fails (perhaps
   * written, its answer lost) the new record is deleted, without waiting, so an id that got
   * listed reads as ended and the next sweep drops it. Each id is listed only once its record
   * exists, so a sweep never drops a session that is being started.
   */
  async start(
    ctx: Context,
    userId: string,
    mark: number,
    previous: SessionAuth | undefined,
  ): Promise<SessionAuth> {
    const now = Date.now();
    const auth: SessionAuth = { s: randomToken(18), u: userId, c: now, t: now };
    const old = previous ?? this.peek(ctx);
    if (old) await this.revoke(old);
    try {
      await this.register(auth, mark, ctx.get('User-Agent').slice(0, 200));
      await this.store.addMember(`usess:${userId}`, auth.s, this.cfg.absoluteMs);
      await this.sweep(userId);
    } catch (err) {
      this.store.delete(`sess:${auth.s}`).catch(() => undefined);
      throw err;
    }
    ctx.session = { [AUTH_KEY]: auth };
    return auth;
  }

  /** Ends the session: revoked in the registry and the cookie cleared. */
  async end(ctx: Context, known: SessionAuth | undefined): Promise<SessionAuth | undefined> {
    const auth = known ?? this.peek(ctx);
    if (auth) await this.revoke(auth);
    ctx.session = null;
    return auth;
  }

  private async revoke(auth: SessionAuth): Promise<void> {
    await this.store.delete(`sess:${auth.s}`);
    bumpRevision(this.store);
  }

  /** Revokes a session in the registry, best effort and without waiting (a sign-in that failed). */
  abandon(auth: SessionAuth): void {
    this.revoke(auth).catch(() => undefined);
  }

  /** Clears the cookie without touching the registry (for a session found dead). */
  drop(ctx: Context): void {
    ctx.session = null;
  }

  /** Seals a new session for `userId` outside a request (the test kit); returns the Cookie header value. */
  async cookieFor(userId: string, mark: number): Promise<string> {
    const now = Date.now();
    const auth: SessionAuth = { s: randomToken(18), u: userId, c: now, t: now };
    await this.register(auth, mark);
    const { idleMs, cookieName } = this.cfg;
    const sealed = seal(this.ring, 'session', {
      [AUTH_KEY]: auth,
      _expire: now + idleMs,
      _maxAge: idleMs,
    });
    return `${cookieName}=${sealed}`;
  }

  /** The sign-in in the request's cookie, whether or not it is still registered. */
  private peek(ctx: Context): SessionAuth | undefined {
    const sealed = this.sealedFrom(ctx);
    return sealed === undefined ? undefined : this.open(sealed, Date.now())?.auth;
  }

  private async register(auth: SessionAuth, mark: number, device?: string): Promise<void> {
    const rec: RegistryRecord = { u: auth.u, g: mark, c: auth.c, ...(device ? { d: device } : {}) };
    await this.store.set(`sess:${auth.s}`, JSON.stringify(rec), this.cfg.absoluteMs);
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
