/**
 * Security case 44 across the whole suite: while every test runs, this records each secret
 * Portcullis hands out or is given (access and refresh tokens, session cookies, passwords it
 * hashes) and everything it says where secrets must never be: error responses (body and
 * headers), every redirect's `Location`, every log record (the console and the test
 * loggers) and every event payload. After the run, no recorded secret may appear in any of
 * them. Responses that hand out a secret on purpose (a 2xx body with tokens, `Set-Cookie`)
 * are not scanned. Loaded with the suite's setup (`.mocharc.json`); a leak fails the root
 * `after all` hook and names where the secret was seen, never the secret itself.
 */
import { ServerResponse } from 'node:http';
import { format } from 'node:util';
import { AuthEventBus } from '../../lib/events.js';
import { Argon2Hasher } from '../../lib/passwords/hasher.js';
import { SessionManager } from '../../lib/session/session.js';
import { TokenService } from '../../lib/tokens/service.js';

const secrets = new Set<string>();
/** Passwords can be short and hold any character: found by substring instead. */
const passwords = new Set<string>();
const outputs: Array<{ where: string; text: string }> = [];
const MAX_OUTPUTS = 200_000;

function secret(value: unknown): void {
  if (typeof value === 'string' && value.length >= 16) secrets.add(value);
}

function said(where: string, text: string): void {
  if (text !== '' && outputs.length < MAX_OUTPUTS) outputs.push({ where, text });
}

type Patchable = Record<string, (...args: unknown[]) => unknown>;

/** Wraps a prototype method so that `seen` gets its arguments and (awaited) result. */
function tap(proto: object, name: string, seen: (args: unknown[], result: unknown) => void): void {
  const target = proto as Patchable;
  const original = target[name];
  if (typeof original !== 'function') throw new Error(`secret-scan: no method ${name} to tap`);
  target[name] = function (this: unknown, ...args: unknown[]) {
    const result = original.apply(this, args);
    if (result instanceof Promise) {
      return result.then((value: unknown) => {
        seen(args, value);
        return value;
      });
    }
    seen(args, result);
    return result;
  };
}

// What Portcullis hands out, or is given to keep secret
tap(TokenService.prototype, 'sign', (_args, issued) => {
  const { accessToken, refreshToken } = issued as { accessToken: string; refreshToken: string };
  secret(accessToken);
  secret(refreshToken);
});
tap(SessionManager.prototype, 'cookieFor', (_args, header) => {
  secret(String(header).split('=').slice(1).join('='));
});
tap(Argon2Hasher.prototype, 'hash', (args) => {
  if (typeof args[0] === 'string' && args[0].length >= 8) passwords.add(args[0]);
});

// What Portcullis says: events, logs, error responses, redirects
tap(AuthEventBus.prototype, 'emit', (args) =>
  said(`event ${String(args[0])}`, format('%j', args[1])),
);
for (const level of ['log', 'info', 'warn', 'error'] as const) {
  const original = console[level].bind(console);
  console[level] = (...args: unknown[]) => {
    said(`console.${level}`, format(...args));
    original(...args);
  };
}
const originalEnd = ServerResponse.prototype.end as (...args: unknown[]) => ServerResponse;
ServerResponse.prototype.end = function (this: ServerResponse, ...args: unknown[]) {
  const where = `${this.req?.method ?? '?'} ${this.req?.url?.split('?')[0] ?? '?'} -> ${this.statusCode}`;
  const headers = this.getHeaders();
  for (const value of [headers['set-cookie'] ?? []].flat()) {
    // a cookie it sets is a secret from then on (its value, up to the attributes)
    secret(String(value).split(';')[0]!.split('=').slice(1).join('='));
  }
  if (typeof headers.location === 'string') said(`${where} Location`, headers.location);
  if (this.statusCode >= 400) {
    const rest = { ...headers };
    delete rest['set-cookie'];
    said(`${where} headers`, format('%j', rest));
    const chunk = args[0];
    if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) said(`${where} body`, String(chunk));
  }
  return originalEnd.apply(this, args);
} as typeof ServerResponse.prototype.end;

/** Where each recorded secret was seen (by a short fingerprint, never the secret). */
export function leaks(): string[] {
  const found: string[] = [];
  const candidates = /[A-Za-z0-9_\-.~+/=%]{16,}/g;
  for (const { where, text } of outputs) {
    for (const password of passwords) {
      if (text.includes(password))
        found.push(`${where}: a password of ${password.length} characters`);
    }
    for (const match of text.matchAll(candidates)) {
      const word = match[0];
      // a secret inside a longer run (a URL-encoded or quoted form) is found by its pieces too
      for (const piece of [word, ...word.split(/[=&%]/)]) {
        if (secrets.has(piece)) found.push(`${where}: a secret of ${piece.length} characters`);
      }
    }
  }
  return [...new Set(found)];
}

/** For the scan's own test: record, then forget, a made-up secret and where it was said. */
export const scanForTests = {
  secret,
  said,
  forget(value: string, where: string): void {
    secrets.delete(value);
    for (let i = outputs.length - 1; i >= 0; i--)
      if (outputs[i]!.where === where) outputs.splice(i, 1);
  },
};

export const mochaHooks = {
  afterAll(this: Mocha.Context) {
    const found = leaks();
    if (process.env.SECRET_SCAN_VERBOSE) {
      console.log(
        `secret scan: ${secrets.size} secrets, ${passwords.size} passwords, ${outputs.length} outputs`,
      );
    }
    if (found.length > 0) {
      throw new Error(
        `security case 44: ${found.length} place(s) showed a token, cookie or password:\n${found.slice(0, 30).join('\n')}`,
      );
    }
  },
};
