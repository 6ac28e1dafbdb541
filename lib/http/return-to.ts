/**
 * Returns `value` when it is a same-origin path (`/dashboard?tab=2`), else `fallback`.
 * Refused: absolute and protocol-relative URLs, backslashes (browsers read `/\evil.com` as
 * `//evil.com`), control characters and whitespace, `javascript:` and friends, and anything that
 * does not resolve to the same origin, also after percent-decoding.
 *
 * @example
 * ```ts
 * safeReturnTo('/account', '/');          // '/account'
 * safeReturnTo('//evil.example', '/');    // '/'
 * ```
 */
export function safeReturnTo(value: unknown, fallback: string): string {
  return checked(value, fallback, 0);
}

function checked(value: unknown, fallback: string, depth: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return fallback;
  if (!isSafePath(value)) return fallback;
  let decoded = value;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      return fallback;
    }
    if (next === decoded) break;
    if (!isSafePath(next)) return fallback;
    decoded = next;
  }
  const base = 'http://portcullis.invalid';
  try {
    const url = new URL(value, base);
    if (url.origin !== base) return fallback;
    const path = url.pathname + url.search + url.hash;
    // Resolving dot segments can make a new value (`/.//evil` becomes `//evil`): it must pass
    // every check again, so the answer is one this function would return unchanged.
    if (path === value) return path;
    return depth < 3 ? checked(path, fallback, depth + 1) : fallback;
  } catch {
    return fallback;
  }
}

function isSafePath(s: string): boolean {
  if (s[0] !== '/' || s[1] === '/' || s[1] === '\\') return false;
  // eslint-disable-next-line no-control-regex
  return !/[\\\u0000-\u0020\u007f]/.test(s);
}
