// Shared pieces of the property-based fuzz tests (not a test file itself): how many runs, the
// seed, a runner that prints each property's figures, mutations of issued values, hostile
// strings, and the checks every HTTP answer must pass.
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import type Koa from 'koa';
import request from 'supertest';
import { AuthError, type AuthErrorCode, type PasswordHasher } from '../../lib/index.js';
import { listen, type Running } from './server.js';

/** Runs per property: `FUZZ_RUNS` (default 200, so `npm test` stays fast). */
export const RUNS = positiveInt(process.env.FUZZ_RUNS, 200);
/** A fixed seed, unless `FUZZ_SEED` is set: a failure replays; fast-check prints the seed. */
export const SEED =
  process.env.FUZZ_SEED === undefined ? 0x5eed : Number(process.env.FUZZ_SEED) | 0;
/** Figures (runs, skips, time) are printed for an explicit fuzz run (`FUZZ_RUNS` set). */
const REPORT = process.env.FUZZ_RUNS !== undefined;

/** A mocha timeout that grows with the run count (a `describe`'s own overrides the CLI's). */
export const TIMEOUT = Math.max(20_000, RUNS * 60);

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/**
 * Checks `property` `RUNS` times from `SEED`; throws fast-check's report (seed, path, shrunk
 * counterexample, the error) on failure. With `FUZZ_RUNS` set, prints runs, skips and time.
 */
export async function check<Ts>(title: string, property: fc.IRawProperty<Ts>): Promise<void> {
  const started = performance.now();
  const details = await fc.check(property, { numRuns: RUNS, seed: SEED });
  const seconds = (performance.now() - started) / 1000;
  if (REPORT) {
    console.log(
      `      [fuzz] ${title}: ${details.numRuns} runs, ${details.numSkips} skipped, ` +
        `${seconds.toFixed(2)} s${details.failed ? ` (FAILED, seed ${details.seed})` : ''}`,
    );
  }
  if (details.failed) {
    const report = fc.defaultReportMessage(details) ?? 'property failed';
    const cause = details.errorInstance;
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`${report}\nGot: ${why}`, { cause });
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP

/** One app served on 127.0.0.1 for a whole file; `http()` is supertest on it. */
export interface Served {
  url: string;
  http(): ReturnType<typeof request>;
  close(): Promise<void>;
}

export async function serve(app: Koa): Promise<Served> {
  const running: Running = await listen(app);
  return { url: running.url, http: () => request(running.url), close: () => running.close() };
}

/** What the checks need of a supertest response. */
export interface Answer {
  status: number;
  text: string;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** A stack frame, a JS error class name, a path on this machine: what a body must never show. */
const LEAKS =
  /\bat [^\n]*:\d+:\d+|Internal Server Error|\b(?:Type|Range|Syntax|Reference)Error\b|node_modules|\/work\/|file:\/\//;

/**
 * Every answer: below 500, no stack trace or internal message in the body, and a JSON error
 * body carries a known code whose status is the answer's (404 "no such item" bodies aside).
 */
export function expectSafe(res: Answer, what: string): void {
  const text = res.text ?? '';
  expect(res.status, `${what}: status ${res.status}, body ${text.slice(0, 300)}`).to.be.below(500);
  expect(LEAKS.test(text), `${what}: the body leaks internals: ${text.slice(0, 300)}`).to.equal(
    false,
  );
  const code = (res.body as { error?: { code?: unknown } } | undefined)?.error?.code;
  if (code !== undefined && res.status !== 404) {
    expect(
      new AuthError(code as AuthErrorCode).status,
      `${what}: error code ${asText(code)}`,
    ).to.equal(res.status);
  }
}

/** The `Set-Cookie` lines of an answer. */
export function setCookies(res: Answer): string[] {
  const raw = res.headers['set-cookie'];
  return Array.isArray(raw) ? raw : raw ? [raw] : [];
}

/** True when the answer sets the session cookie (whole or a chunk) to a value: a sign-in. */
export function setsSession(res: Answer, name = 'portcullis'): boolean {
  return setCookies(res).some((line) => {
    const pair = line.split(';')[0]!;
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq);
    return (key === name || new RegExp(`^${name}\\.\\d+$`).test(key)) && pair.slice(eq + 1) !== '';
  });
}

/** `name=value` pairs of the cookies an answer sets (cleared ones left out), for a Cookie header. */
export function cookiesOf(res: Answer): string {
  return setCookies(res)
    .map((line) => line.split(';')[0]!)
    .filter((pair) => !pair.endsWith('='))
    .join('; ');
}

/** A Location header resolved against the app: its origin must be the app's. */
export function landsOn(res: Answer, appUrl: string): URL {
  const location = res.headers.location;
  expect(location, `a redirect (status ${res.status})`).to.be.a('string');
  return new URL(location as string, `${appUrl}/some/page?q=1`);
}

/** Same-origin headers for a sign-in POST (the login-CSRF check). */
export function sameOrigin(url: string): Record<string, string> {
  return { Origin: url, Accept: 'application/json' };
}

// ---------------------------------------------------------------------------------------------
// Mutations of issued values

const B64URL = /^[A-Za-z0-9_-]+$/;

/** One change to a string; positions are taken modulo its length. */
export type Mutation =
  | { kind: 'replace'; at: number; by: string }
  | { kind: 'replaceFromEnd'; back: number; by: string }
  | { kind: 'flipBit'; at: number; bit: number }
  | { kind: 'flipByte'; segment: number; at: number; bit: number }
  | { kind: 'truncate'; keep: number }
  | { kind: 'extend'; tail: string }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'swap'; at: number }
  | { kind: 'toggleCase'; at: number };

/** Characters a mutation may bring into a value that travels in a header or a cookie. */
export const VALUE_CHARS = [
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
  ...'.=+/%~!$&()*:<>?@[]^`{|}',
];

/**
 * Mutations whose inserted characters come from `chars` (default: ones that are part of a
 * header or cookie value, so the transport itself never trims or splits them away).
 */
export function mutation(chars: readonly string[] = VALUE_CHARS): fc.Arbitrary<Mutation> {
  const text = fc.string({ unit: fc.constantFrom(...chars), minLength: 1, maxLength: 6 });
  const at = fc.nat();
  return fc.oneof(
    fc.record({ kind: fc.constant('replace' as const), at, by: fc.constantFrom(...chars) }),
    fc.record({
      kind: fc.constant('replaceFromEnd' as const),
      back: fc.integer({ min: 0, max: 3 }),
      by: fc.constantFrom(...chars),
    }),
    fc.record({ kind: fc.constant('flipBit' as const), at, bit: fc.integer({ min: 0, max: 6 }) }),
    fc.record({
      kind: fc.constant('flipByte' as const),
      segment: fc.nat(),
      at,
      bit: fc.integer({ min: 0, max: 7 }),
    }),
    fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
    fc.record({ kind: fc.constant('extend' as const), tail: text }),
    fc.record({ kind: fc.constant('insert' as const), at, text }),
    fc.record({
      kind: fc.constant('delete' as const),
      at,
      count: fc.integer({ min: 1, max: 8 }),
    }),
    fc.record({ kind: fc.constant('swap' as const), at }),
    fc.record({ kind: fc.constant('toggleCase' as const), at }),
  );
}

/** One to three mutations. */
export function mutations(chars?: readonly string[]): fc.Arbitrary<Mutation[]> {
  return fc.array(mutation(chars), { minLength: 1, maxLength: 3 });
}

/** Applies `list` in order. A `flipBit` keeps a character within `chars` when it can. */
export function mutate(value: string, list: readonly Mutation[]): string {
  return list.reduce(applyOne, value);
}

function applyOne(s: string, m: Mutation): string {
  const n = s.length;
  const i = n === 0 ? 0 : (m as { at?: number }).at! % n;
  switch (m.kind) {
    case 'replace':
      return n === 0 ? m.by : s.slice(0, i) + m.by + s.slice(i + 1);
    case 'replaceFromEnd': {
      // the tail of a MAC or a GCM tag: where lenient base64url decoding shows
      const j = Math.max(0, n - 1 - m.back);
      return s.slice(0, j) + m.by + s.slice(j + 1);
    }
    case 'flipBit': {
      if (n === 0) return s;
      const flipped = String.fromCharCode(s.charCodeAt(i) ^ (1 << m.bit));
      return s.slice(0, i) + (VALUE_CHARS.includes(flipped) ? flipped : '~') + s.slice(i + 1);
    }
    case 'flipByte': {
      // a bit of the bytes a base64url segment encodes, re-encoded canonically
      const segments = s.split('.');
      const k = m.segment % segments.length;
      const seg = segments[k]!;
      if (!B64URL.test(seg)) return s + '.'; // no bytes to flip: one more segment instead
      const bytes = Buffer.from(seg, 'base64url');
      if (bytes.length === 0) return s + 'A';
      bytes[m.at % bytes.length]! ^= 1 << m.bit;
      segments[k] = bytes.toString('base64url');
      return segments.join('.');
    }
    case 'truncate':
      return s.slice(0, n === 0 ? 0 : m.keep % n);
    case 'extend':
      return s + m.tail;
    case 'insert':
      return s.slice(0, i) + m.text + s.slice(i);
    case 'delete':
      return s.slice(0, i) + s.slice(i + m.count);
    case 'swap':
      return n < 2 ? s : s.slice(0, i) + s.slice(i + 1, i + 2) + s.charAt(i) + s.slice(i + 2);
    case 'toggleCase': {
      const c = s.charAt(i);
      const t = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
      return s.slice(0, i) + t + s.slice(i + 1);
    }
  }
}

/**
 * True when `a` and `b` are the same dot-separated base64url segments but for segments that
 * spell the same bytes differently (a last character's unused bits, a dangling character).
 * This is the known malleability the fuzzers found (see the skipped properties): the default
 * properties tolerate it, the strict ones do not.
 */
export function sameBytes(a: string, b: string): boolean {
  const sa = a.split('.');
  const sb = b.split('.');
  if (sa.length !== sb.length) return false;
  return sa.every((seg, i) => {
    const other = sb[i]!;
    if (seg === other) return true;
    return (
      B64URL.test(seg) &&
      B64URL.test(other) &&
      Buffer.from(seg, 'base64url').equals(Buffer.from(other, 'base64url'))
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Hostile strings

/** Pieces attackers build destinations and headers from. */
export const PIECES = [
  '/',
  '//',
  '\\',
  '.',
  '..',
  '%2f',
  '%2F',
  '%5c',
  '%5C',
  '%2e',
  '%2E',
  '%252f',
  '%00',
  '%09',
  '%0a',
  '%0d',
  '%20',
  '\t',
  '\n',
  '\r',
  ' ',
  '\u0000',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u2028',
  '\u202e',
  '\ufeff',
  '\uff0f', // fullwidth solidus
  '\uff3c', // fullwidth reverse solidus
  '\u2215', // division slash
  '@',
  ':',
  '?',
  '#',
  '&',
  '=',
  ';',
  ',',
  '"',
  "'",
  '<',
  '>',
  'javascript:',
  'JaVaScRiPt:',
  'data:text/html,',
  'vbscript:',
  'http:',
  'https:',
  'evil.example',
  'user:pass@',
  'a',
  'dashboard',
  'é',
  '😀',
];

/** Strings of hostile pieces, of raw binary-ish code points, or of graphemes. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom(...PIECES), maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
);

/** Printable ASCII and Latin-1: what an HTTP client may put in a header value. */
export const headerSafe = (s: string): string =>
  s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?').replace(/^[\t ]+|[\t ]+$/g, '');

const DOT_SEGMENT = /(^|[/\\])(\.|%2e){1,2}([/\\?#]|$)/i;

/**
 * True when `value` holds a `.` or `..` path segment, raw or percent-encoded (up to 3 times):
 * where safeReturnTo()'s dot-segment bug lived (fixed; the returnTo properties generate them).
 */
export function hasDotSegment(value: string): boolean {
  let s = value;
  for (let i = 0; i < 4; i++) {
    if (DOT_SEGMENT.test(s)) return true;
    try {
      const next = decodeURIComponent(s);
      if (next === s) return false;
      s = next;
    } catch {
      return false;
    }
  }
  return false;
}

/** Any value as text (String(), or fast-check's rendering when String() throws). */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return String(value);
  } catch {
    return fc.stringify(value);
  }
}

/** `s` as it arrives through UTF-8 (lone surrogates become U+FFFD). */
export const wellFormed = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

/** A huge string (up to `max` characters), for the limits. */
export function huge(max = 20_000): fc.Arbitrary<string> {
  return fc
    .tuple(fc.integer({ min: 1_000, max }), fc.constantFrom('a', '%', '/', '\u00e9', '{'))
    .map(([n, c]) => c.repeat(n));
}

// ---------------------------------------------------------------------------------------------
// A fast password hasher for the fuzz apps (argon2id would make every run cost ~20 ms).

export const fastHasher: PasswordHasher = {
  hash: (password) => Promise.resolve(digest(password)),
  verify: (hashed, password) => Promise.resolve(hashed === digest(password)),
  needsRehash: () => false,
};

function digest(password: string): string {
  return `fuzz$${createHash('sha256').update(password).digest('base64url')}`;
}
