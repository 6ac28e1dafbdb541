import { cacheSizeOption } from '../util/checks.js';
import { type Duration, toMs } from '../util/duration.js';

/** The session cookie. */
export interface SessionOptions {
  /** Cookie name; in production it gets the `__Host-` prefix. @default 'portcullis' */
  cookieName?: string;
  /** A session unused for this long ends. @default '7d' */
  idleTimeout?: Duration;
  /** A session ends this long after sign-in, however active. @default '30d' */
  absoluteTimeout?: Duration;
  /** How often the last-seen time sealed in the cookie is refreshed. @default idleTimeout / 10, at most 5 minutes */
  touchInterval?: Duration;
  /** How many cookies a large session may span (about 3.8 KB each). @default 3 */
  maxCookies?: number;
  /**
   * Past this long after signing in, a user signs in again before changing how they sign in
   * (adding or removing a passkey, adding a first password, linking or unlinking a provider)
   * or ending other sessions: 403 `reauthentication_required` (ASVS 5.0 V7.5.1, V7.5.2).
   * `false`: never asked. @default '15m'
   */
  reauthenticateAfter?: Duration | false;
  /** How many opened session cookies are kept in memory (0: none); revocation is still checked every request. @default 20000 */
  cacheSize?: number;
}

/** The session options, resolved. */
export interface SessionSettings {
  cookieName: string;
  idleMs: number;
  absoluteMs: number;
  touchMs: number;
  maxCookies: number;
  secure: boolean;
  cacheSize: number;
  /** Infinity when off. */
  reauthMs: number;
}

const MAX_COOKIE_AGE_MS = 400 * 86_400_000;

/** Fills the session defaults and checks them; `production` gives Secure `__Host-` cookies. */
export function sessionSettings(
  s: SessionOptions | undefined,
  production: boolean,
): SessionSettings {
  const idleMs = toMs(s?.idleTimeout ?? '7d', 'session.idleTimeout');
  const absoluteMs = toMs(s?.absoluteTimeout ?? '30d', 'session.absoluteTimeout');
  if (idleMs > MAX_COOKIE_AGE_MS || absoluteMs > MAX_COOKIE_AGE_MS) {
    throw new TypeError('Portcullis: session lifetimes may not exceed 400 days (RFC 6265bis)');
  }
  const touchMs = s?.touchInterval
    ? toMs(s.touchInterval, 'session.touchInterval')
    : Math.min(Math.floor(idleMs / 10), 300_000);
  const maxCookies = s?.maxCookies ?? 3;
  if (!Number.isInteger(maxCookies) || maxCookies < 1 || maxCookies > 10) {
    throw new TypeError('Portcullis: session.maxCookies must be an integer from 1 to 10');
  }
  const baseName = s?.cookieName ?? 'portcullis';
  if (!/^[A-Za-z0-9_-]+$/.test(baseName))
    throw new TypeError('Portcullis: session.cookieName may use only letters, digits, _ and -');
  return {
    cookieName: production ? `__Host-${baseName}` : baseName,
    idleMs,
    absoluteMs,
    touchMs: Math.max(1000, touchMs),
    maxCookies,
    secure: production,
    cacheSize: cacheSizeOption(s?.cacheSize, 'session.cacheSize'),
    reauthMs:
      s?.reauthenticateAfter === false
        ? Number.POSITIVE_INFINITY
        : toMs(s?.reauthenticateAfter ?? '15m', 'session.reauthenticateAfter'),
  };
}
