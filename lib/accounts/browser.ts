import type { Context } from 'koa';
import type { Core } from '../core.js';
import { seal, unseal } from '../session/seal.js';
import type { BaseUser } from '../stores/types.js';
import { randomToken } from '../util/encoding.js';

/** The sealed cookie that names this browser to the email flows. */
interface BrowserCookie {
  /** A random id of this browser: a mailed link remembers the browser that asked for it. */
  b: string;
  /** The account this browser registered (with a password), while it is unverified. */
  u?: string;
  /** Expires at (ms). */
  x: number;
}

/** How long the cookie lives: as long as the longest-lived mailed link it has to match. */
const LIFETIME_MS = 7 * 24 * 3600_000;

/**
 * This browser, as the email flows know it: a sealed, http-only cookie with a random id and,
 * after a registration here, the account registered. A mailed link or code completed in the
 * browser that asked for it (or that set the account up) may merge a guest or keep a password
 * set before the address was proven; completed anywhere else, it may not (account
 * pre-hijacking, login CSRF).
 */
export class BrowserBinding<User extends BaseUser> {
  constructor(private readonly core: Core<User>) {}

  private get name(): string {
    const base = this.core.opts.session.cookieName.replace(/^__Host-/, '');
    return this.core.opts.production ? `__Host-${base}_browser` : `${base}_browser`;
  }

  /** The cookie's value, when it is present and sealed by us. */
  read(ctx: Context): BrowserCookie | undefined {
    const sealed = ctx.cookies.get(this.name);
    const opened = sealed
      ? unseal<BrowserCookie>(this.core.opts.ring, 'browser', sealed)
      : undefined;
    const value = opened?.value;
    if (!value || typeof value.b !== 'string' || !(value.x > Date.now())) return undefined;
    return value;
  }

  /** This browser's id: the one its cookie holds, or a new one (and the cookie set). */
  id(ctx: Context): string {
    return this.read(ctx)?.b ?? this.write(ctx, { b: randomToken(18) }).b;
  }

  /** Remembers that this browser registered `userId` (a random id for a taken address). */
  registered(ctx: Context, userId: string): void {
    this.write(ctx, { b: this.read(ctx)?.b ?? randomToken(18), u: userId });
  }

  /**
   * True when this request comes from the browser that set `user` up: the user's own session
   * (a guest, or an unverified account signed in at registration) or the registration cookie.
   */
  setUp(ctx: Context, user: BaseUser, sessionUser: BaseUser | undefined): boolean {
    return sessionUser?.id === user.id || this.read(ctx)?.u === user.id;
  }

  private write(ctx: Context, value: Omit<BrowserCookie, 'x'>): BrowserCookie {
    const cookie: BrowserCookie = { ...value, x: Date.now() + LIFETIME_MS };
    ctx.cookies.set(this.name, seal(this.core.opts.ring, 'browser', cookie), {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      maxAge: LIFETIME_MS,
      secure: this.core.opts.session.secure,
      overwrite: true,
    });
    return cookie;
  }
}
