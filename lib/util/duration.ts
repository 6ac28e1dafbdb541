/** A duration: a number of seconds, or a string such as `'90s'`, `'15m'`, `'12h'`, `'30d'`. */
export type Duration = number | `${number}${'s' | 'm' | 'h' | 'd'}`;

const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Converts a {@link Duration} to milliseconds; throws a `TypeError` naming the option on a bad
 * value (this runs at start-up, from `resolveOptions()`).
 *
 * @example
 * ```ts
 * toMs('15m', 'tokens.accessTokenTtl'); // 900000
 * ```
 */
export function toMs(value: Duration, option: string): number {
  let seconds: number;
  if (typeof value === 'number') {
    seconds = value;
  } else {
    const m = /^(\d+(?:\.\d+)?)([smhd])$/.exec(String(value));
    if (!m)
      throw new TypeError(
        `Portcullis: ${option} must be seconds or a string like '15m', got ${JSON.stringify(value)}`,
      );
    seconds = Number(m[1]) * UNIT[m[2]!]!;
  }
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new TypeError(`Portcullis: ${option} must be a positive duration`);
  }
  return Math.round(seconds * 1000);
}
