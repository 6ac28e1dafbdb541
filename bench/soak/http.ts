/**
 * A small HTTP client for the soak: node:http with keep-alive, JSON in and out, the time each
 * request took and when its answer came, and every answer handed to the {@link Recorder}.
 */
import http from 'node:http';
import type { Recorder, Step } from './record.js';

export interface Answer {
  status: number;
  /** The error code of a Portcullis error body (`{ error: { code } }`), if any. */
  code: string | undefined;
  body: unknown;
  setCookies: string[];
  /** When the request was sent and answered, in ms since the start of the run. */
  sentAt: number;
  at: number;
}

export interface Call {
  method: 'GET' | 'POST';
  path: string;
  step: Step;
  cookie?: string | undefined;
  bearer?: string | undefined;
  userAgent?: string | undefined;
  json?: unknown;
}

/** No answer in this long is a failure of its own (the app must never hang). */
const REQUEST_TIMEOUT_MS = 20_000;

export class Http {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

  constructor(
    private readonly port: number,
    private readonly recorder: Recorder,
  ) {}

  /** Sends one request; a network error or a timeout is recorded as status 0 and rethrown. */
  async call(c: Call): Promise<Answer> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': c.userAgent ?? 'portcullis-soak',
    };
    if (c.cookie) headers.cookie = c.cookie;
    if (c.bearer) headers.authorization = `Bearer ${c.bearer}`;
    // cookie-authenticated writes and sign-ins need a same-origin marker (CSRF refusal)
    if (c.method === 'POST') headers['sec-fetch-site'] = 'same-origin';
    let payload: string | undefined;
    if (c.json !== undefined) {
      payload = JSON.stringify(c.json);
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    } else if (c.method === 'POST') headers['content-length'] = '0';
    const sentAt = this.recorder.now();
    try {
      const answer = await this.send(c, headers, payload, sentAt);
      this.recorder.answer(c.step, answer.status, answer.code, sentAt, answer.at);
      return answer;
    } catch (err) {
      this.recorder.answer(c.step, 0, (err as Error).message, sentAt, this.recorder.now());
      throw err;
    }
  }

  private send(
    c: Call,
    headers: Record<string, string>,
    payload: string | undefined,
    sentAt: number,
  ): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: c.method,
          path: c.path,
          headers,
          agent: this.agent,
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            if ((res.headers['content-type'] ?? '').includes('json')) {
              try {
                body = JSON.parse(text);
              } catch {
                body = text;
              }
            }
            const error = (body as { error?: { code?: unknown } } | null)?.error;
            resolve({
              status: res.statusCode ?? 0,
              code: typeof error?.code === 'string' ? error.code : undefined,
              body,
              setCookies: res.headers['set-cookie'] ?? [],
              sentAt,
              at: this.recorder.now(),
            });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * Applies Set-Cookie headers to a cookie jar (name -> value): a cookie set to an empty value or
 * with an expiry in the past is removed. Returns the jar.
 */
export function applySetCookies(
  jar: Map<string, string>,
  setCookies: string[],
): Map<string, string> {
  for (const line of setCookies) {
    const [pair, ...attributes] = line.split(';');
    const eq = pair!.indexOf('=');
    if (eq <= 0) continue;
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    const expires = attributes
      .map((a) => a.trim())
      .find((a) => a.toLowerCase().startsWith('expires='));
    const expired = expires !== undefined && Date.parse(expires.slice(8)) <= Date.now();
    if (value === '' || expired) jar.delete(name);
    else jar.set(name, value);
  }
  return jar;
}

/** The Cookie header for a jar, or undefined when it is empty. */
export function cookieHeader(jar: Map<string, string>): string | undefined {
  if (jar.size === 0) return undefined;
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}
