import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createDemoApp, type DemoApp, type DemoOptions } from '../../demo/app.js';

/** The demo's origin in HTTP tests (supertest calls the app directly; nothing listens here). */
export const ORIGIN = 'http://localhost:3999';

/** A 40-byte secret for the demo under test. */
export const SECRET = 'demo-test-secret-0123456789abcdefghijklmn';

/** A demo on a fresh data folder; `close()` stops it and deletes the folder. */
export interface TestDemo extends DemoApp {
  dataDir: string;
  /** A new visitor with its own cookie jar. */
  visitor(): Visitor;
  /** Warnings and errors Portcullis logged. */
  logged: Array<{ level: string; record: Record<string, unknown> }>;
}

export async function startDemo(options: Partial<DemoOptions> = {}): Promise<TestDemo> {
  const dataDir = mkdtempSync(join(tmpdir(), 'portcullis-demo-test-'));
  const logged: TestDemo['logged'] = [];
  const demo = await createDemoApp({
    secret: SECRET,
    baseUrl: ORIGIN,
    dataDir,
    outbox: true,
    logger: {
      warn: (record) => logged.push({ level: 'warn', record }),
      error: (record) => logged.push({ level: 'error', record }),
    },
    ...options,
  });
  const callback = demo.app.callback();
  return {
    ...demo,
    dataDir,
    logged,
    visitor: () => new Visitor(callback),
    close: async () => {
      await demo.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A browser-like client on supertest: one cookie jar, HTML by default, an `Origin` on every
 * write (as browsers send), redirects not followed.
 */
export class Visitor {
  readonly agent: ReturnType<typeof request.agent>;

  constructor(callback: ReturnType<DemoApp['app']['callback']>) {
    this.agent = request.agent(callback);
  }

  /** A page, as a browser asks for it. */
  page(path: string) {
    return this.agent.get(path).set('Accept', 'text/html');
  }

  /** A form post from the demo's own pages. */
  form(path: string, fields: Record<string, string | string[]> = {}) {
    return this.agent
      .post(path)
      .type('form')
      .set('Accept', 'text/html')
      .set('Origin', ORIGIN)
      .send(new URLSearchParams(flatten(fields)).toString());
  }

  /** A JSON call from the demo's own pages (the fetch-backed buttons). */
  json(method: 'post' | 'patch' | 'delete' | 'get', path: string, body?: unknown) {
    const req = this.agent[method](path).set('Accept', 'application/json').set('Origin', ORIGIN);
    return body === undefined ? req : req.send(body as object);
  }
}

function flatten(fields: Record<string, string | string[]>): Array<[string, string]> {
  return Object.entries(fields).flatMap(([k, v]) =>
    (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, x]),
  );
}

/** The `href`s of the links in a mail of the outbox page, for `to`. */
export function outboxLinks(html: string, to: string): string[] {
  const article = mailsOf(html).find((m) => m.includes(`data-to="${to}"`));
  return [...(article ?? '').matchAll(/<a href="([^"]+)"/g)].map((m) => unescape(m[1]!));
}

/** The highlighted 6-digit code of the newest mail to `to` on the outbox page. */
export function outboxCode(html: string, to: string): string | undefined {
  const article = mailsOf(html).find((m) => m.includes(`data-to="${to}"`));
  return /<strong class="code">(\d{6})<\/strong>/.exec(article ?? '')?.[1];
}

/** The path and query of an absolute URL on the demo. */
export function pathOf(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

function mailsOf(html: string): string[] {
  return html.split('<article class="mail"').slice(1);
}

function unescape(s: string): string {
  return s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
}
