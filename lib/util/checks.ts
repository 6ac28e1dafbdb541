/** Checks for option values shared by several capabilities' options. */

/** A path option: starts with a single `/`. */
export function pathOption(path: string, name: string): string {
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) {
    throw new TypeError(`Portcullis: ${name} must be a path starting with a single '/'`);
  }
  return path;
}

/** A cache size option: an integer from 0 to 1,000,000 (default 20,000). */
export function cacheSizeOption(value: number | undefined, name: string): number {
  const n = value ?? 20_000;
  if (!Number.isInteger(n) || n < 0 || n > 1_000_000) {
    throw new TypeError(`Portcullis: ${name} must be an integer from 0 to 1000000`);
  }
  return n;
}

/**
 * The origin of an absolute http(s) URL option; undefined when it is not given and not
 * `required` (in production, where it must also be https).
 */
export function originOf(url: string | undefined, required: boolean): string | undefined {
  if (url === undefined) {
    if (required) {
      throw new TypeError(
        'Portcullis: `baseUrl` is required in production (e.g. baseUrl: "https://app.example.com"); links and redirects are never built from the Host header there',
      );
    }
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`Portcullis: ${JSON.stringify(url)} is not an absolute URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new TypeError(`Portcullis: ${JSON.stringify(url)} must be an http(s) URL`);
  }
  if (required && parsed.protocol !== 'https:') {
    throw new TypeError(
      `Portcullis: in production baseUrl must be https (Secure cookies), got ${JSON.stringify(url)}`,
    );
  }
  return parsed.origin;
}
