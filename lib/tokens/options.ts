import { cacheSizeOption } from '../util/checks.js';
import { type Duration, toMs } from '../util/duration.js';

/** Access and refresh tokens. */
export interface TokenOptions {
  /** `iss` of access tokens. @default baseUrl, else 'portcullis' */
  issuer?: string;
  /** `aud` of access tokens. @default the issuer */
  audience?: string;
  /** Access-token lifetime. @default '1h' */
  accessTokenTtl?: Duration;
  /** Refresh-family absolute lifetime. @default '30d' */
  refreshTokenTtl?: Duration;
  /**
   * A refresh token not used (rotated) for this long expires, and its family with it
   * (RFC 9700 §4.14.2); `false`: only the absolute lifetime. @default '15d'
   */
  refreshIdleTimeout?: Duration | false;
  /**
   * A refresh token rotated less than this ago, presented again while its successor is unused,
   * gets that successor back instead of being taken for reuse (two tabs refreshing at once);
   * at most 5 minutes; `0` or `false`: off (docs/tokens.md says what it costs). @default '10s'
   */
  refreshReuseGrace?: Duration | false;
  /** Allowed clock skew when checking `exp` and `nbf`, in seconds. @default 30 */
  clockSkew?: number;
  /** Header that carries bearer tokens. @default 'Authorization' */
  header?: string;
  /** Scheme before the token. @default 'Bearer' */
  scheme?: string;
  /** How many verified access tokens are kept in memory (0: none); expiry and revocation are still checked every request. @default 20000 */
  cacheSize?: number;
}

/** The token options, resolved. */
export interface TokenSettings {
  issuer: string;
  audience: string;
  accessMs: number;
  refreshMs: number;
  /** Infinity when off. */
  refreshIdleMs: number;
  /** 0 when off. */
  reuseGraceMs: number;
  clockSkewSec: number;
  header: string;
  scheme: string;
  cacheSize: number;
}

/** Fills the token defaults and checks them; the issuer defaults to the app's origin. */
export function tokenSettings(t: TokenOptions | undefined, baseOrigin?: string): TokenSettings {
  const issuer = t?.issuer ?? baseOrigin ?? 'portcullis';
  const clockSkewSec = t?.clockSkew ?? 30;
  if (!(clockSkewSec >= 0 && clockSkewSec <= 300))
    throw new TypeError('Portcullis: tokens.clockSkew must be 0 to 300 seconds');
  return {
    issuer,
    audience: t?.audience ?? issuer,
    accessMs: toMs(t?.accessTokenTtl ?? '1h', 'tokens.accessTokenTtl'),
    refreshMs: toMs(t?.refreshTokenTtl ?? '30d', 'tokens.refreshTokenTtl'),
    refreshIdleMs:
      t?.refreshIdleTimeout === false
        ? Number.POSITIVE_INFINITY
        : toMs(t?.refreshIdleTimeout ?? '15d', 'tokens.refreshIdleTimeout'),
    reuseGraceMs: reuseGrace(t?.refreshReuseGrace),
    clockSkewSec,
    header: t?.header ?? 'Authorization',
    scheme: t?.scheme ?? 'Bearer',
    cacheSize: cacheSizeOption(t?.cacheSize, 'tokens.cacheSize'),
  };
}

/** `tokens.refreshReuseGrace` in ms: 0 when off, at most 5 minutes. */
function reuseGrace(value: Duration | false | undefined): number {
  if (value === false || value === 0) return 0;
  const ms = toMs(value ?? '10s', 'tokens.refreshReuseGrace');
  if (ms > 300_000) {
    throw new TypeError('Portcullis: tokens.refreshReuseGrace must be at most 5 minutes');
  }
  return ms;
}
