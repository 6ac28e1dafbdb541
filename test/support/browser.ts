/**
 * A small browser for OAuth tests: real HTTP to real servers on 127.0.0.1, a cookie jar per
 * host (with Max-Age/Expires deletion), redirects followed by hand so a test can stop and look
 * at any step.
 */
export interface Step {
  url: URL;
  status: number;
  location: URL | undefined;
  body: string;
  headers: Headers;
  setCookies: string[];
}

export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  /** The cookies this browser holds for `url`'s host. */
  cookies(url: string | URL): Map<string, string> {
    const host = new URL(url).host;
    let m = this.jar.get(host);
    if (!m) this.jar.set(host, (m = new Map()));
    return m;
  }

  /** The Cookie header value for `url`. */
  cookieHeader(url: string | URL): string {
    return [...this.cookies(url)].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** One request, no redirect followed. */
  async request(
    url: string | URL,
    init: {
      method?: string;
      form?: Record<string, string>;
      json?: unknown;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Step> {
    const u = new URL(url);
    const headers: Record<string, string> = { accept: 'text/html', ...init.headers };
    const cookie = this.cookieHeader(u);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(u, {
      method: init.method ?? (body !== undefined ? 'POST' : 'GET'),
      headers,
      ...(body !== undefined ? { body } : {}),
      redirect: 'manual',
    });
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) this.store(u, line);
    const location = res.headers.get('location');
    return {
      url: u,
      status: res.status,
      location: location ? new URL(location, u) : undefined,
      body: await res.text(),
      headers: res.headers,
      setCookies,
    };
  }

  /** Follows redirects from `url` until `stop(url)` is true for the next location (not requested), or no redirect. */
  async follow(
    url: string | URL,
    stop: (next: URL) => boolean = () => false,
    max = 12,
  ): Promise<Step> {
    let step = await this.request(url);
    for (let i = 0; i < max && step.location && !stop(step.location); i++) {
      step = await this.request(step.location);
    }
    return step;
  }

  private store(u: URL, line: string): void {
    const [pair, ...attrs] = line.split(';');
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    const expired = attrs.some((a) => {
      const [k, v] = a.trim().split('=');
      if (k!.toLowerCase() === 'max-age') return Number(v) <= 0;
      if (k!.toLowerCase() === 'expires') return new Date(v!).getTime() <= Date.now();
      return false;
    });
    const jar = this.cookies(u);
    if (expired || value === '') jar.delete(name);
    else jar.set(name, value);
  }
}
