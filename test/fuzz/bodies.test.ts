// Fuzz: the JSON and form bodies of every /auth/* write route: random JSON values, wrong types,
// deep nesting, huge strings, repeated and prototype keys, odd content types, with and without
// a session. Never a 5xx or a leak; never a sign-in or a 2xx on a route that needs a secret.
import { expect } from 'chai';
import fc from 'fast-check';
import { MemoryMailer } from '../../lib/index.js';
import { makeApp, type TestApp } from '../support/app.js';
import {
  type Answer,
  check,
  cookiesOf,
  expectSafe,
  fastHasher,
  hostileString,
  serve,
  type Served,
  setsSession,
  TIMEOUT,
  wellFormed,
} from '../support/fuzz.js';

interface Route {
  method: 'post' | 'patch' | 'delete';
  path: string;
  fields: string[];
  /** Never a 2xx (or a form redirect off the error page) without a secret we do not send. */
  needsSecret: boolean;
  /** May sign in (a guest) with no secret at all. */
  signsIn?: boolean;
}

const ROUTES: Route[] = [
  { method: 'post', path: '/auth/logout', fields: ['everywhere', 'returnTo'], needsSecret: false },
  { method: 'post', path: '/auth/token/refresh', fields: ['refreshToken'], needsSecret: true },
  { method: 'post', path: '/auth/anonymous', fields: [], needsSecret: false, signsIn: true },
  { method: 'post', path: '/auth/sessions/revoke-others', fields: [], needsSecret: false },
  { method: 'delete', path: '/auth/sessions/x', fields: [], needsSecret: true },
  { method: 'delete', path: '/auth/accounts/github', fields: [], needsSecret: true },
  { method: 'post', path: '/auth/magic', fields: ['email', 'returnTo'], needsSecret: false },
  { method: 'post', path: '/auth/magic/callback', fields: ['token'], needsSecret: true },
  { method: 'post', path: '/auth/otp', fields: ['email'], needsSecret: false },
  { method: 'post', path: '/auth/otp/verify', fields: ['email', 'code'], needsSecret: true },
  {
    method: 'post',
    path: '/auth/password/register',
    fields: ['email', 'password'],
    needsSecret: false,
  },
  {
    method: 'post',
    path: '/auth/password/login',
    fields: ['email', 'password', 'returnTo'],
    needsSecret: true,
  },
  {
    method: 'post',
    path: '/auth/password/change',
    fields: ['currentPassword', 'newPassword'],
    needsSecret: true,
  },
  { method: 'post', path: '/auth/password/reset/request', fields: ['email'], needsSecret: false },
  {
    method: 'post',
    path: '/auth/password/reset',
    fields: ['token', 'password'],
    needsSecret: true,
  },
  { method: 'post', path: '/auth/email/verify', fields: ['token'], needsSecret: true },
  { method: 'post', path: '/auth/passkeys/register/options', fields: [], needsSecret: false },
  {
    method: 'post',
    path: '/auth/passkeys/register/verify',
    fields: ['id', 'rawId', 'type', 'response', 'name'],
    needsSecret: true,
  },
  { method: 'post', path: '/auth/passkeys/login/options', fields: [], needsSecret: false },
  {
    method: 'post',
    path: '/auth/passkeys/login/verify',
    fields: ['id', 'rawId', 'type', 'response', 'clientExtensionResults'],
    needsSecret: true,
  },
  { method: 'patch', path: '/auth/passkeys/x', fields: ['name'], needsSecret: true },
  { method: 'delete', path: '/auth/passkeys/x', fields: [], needsSecret: true },
];

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
const ALL_FIELDS = [...new Set(ROUTES.flatMap((r) => r.fields))];

/** Nested `{"a":...}` or `[...]` `depth` deep, around `inner`. */
const nested = fc
  .tuple(fc.integer({ min: 1, max: 2_500 }), fc.boolean(), fc.constantFrom('1', '"x"', '{}', '[]'))
  .map(([depth, asArray, inner]) =>
    asArray
      ? `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`
      : `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`,
  );

/** A field value, as JSON text: any JSON, wrong types, hostile and huge strings, deep nesting. */
const jsonField: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 3, arbitrary: hostileString.map((s) => JSON.stringify(s)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('"a@example.com"', '"ada@example.com"', '"12345678"', 'true', '"1"'),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 100, max: 20_000 }).map((n) => JSON.stringify('x'.repeat(n))),
  },
  { weight: 1, arbitrary: nested },
);

/** A JSON object's text, keys free to repeat (which JSON.stringify could not produce). */
const jsonObjectText: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...ALL_FIELDS) },
        { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS) },
        { weight: 1, arbitrary: fc.string() },
      ),
      jsonField,
    ),
    { maxLength: 6 },
  )
  .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);

/** Any JSON body text: objects, other JSON values, nested, or not JSON at all. */
const jsonBody: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: jsonObjectText },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: nested },
  { weight: 1, arbitrary: hostileString },
  { weight: 1, arbitrary: jsonObjectText.map((t) => t.slice(0, Math.max(1, t.length - 1))) },
  { weight: 1, arbitrary: fc.constant('{"__proto__":{"isAdmin":true},"email":"a@example.com"}') },
);

/** A form body: fields (repeatable, prototype names), values hostile or huge, or raw junk. */
const formBody: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(
        fc.tuple(
          fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom(...ALL_FIELDS) },
            { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS, 'email[]', 'a[b]') },
          ),
          fc.oneof(
            { weight: 4, arbitrary: hostileString },
            {
              weight: 1,
              arbitrary: fc.integer({ min: 100, max: 20_000 }).map((n) => 'y'.repeat(n)),
            },
          ),
        ),
        { maxLength: 6 },
      )
      .map((entries) =>
        new URLSearchParams(
          entries.map(([k, v]): [string, string] => [k, wellFormed(v)]),
        ).toString(),
      ),
  },
  {
    weight: 1,
    arbitrary: fc.string({ unit: fc.constantFrom('%', 'zz', '&', '=', '+', 'a', '%2', ';') }),
  },
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/vnd.api+json',
);

const body = fc.oneof(
  fc.tuple(fc.constant('application/json'), jsonBody),
  fc.tuple(fc.constant('application/x-www-form-urlencoded'), formBody),
  fc.tuple(contentType, fc.oneof(jsonBody, formBody)),
);

describe('bodies of the /auth/* routes (fuzz)', function () {
  this.timeout(TIMEOUT);
  let t: TestApp;
  let served: Served;

  before(async () => {
    t = await makeApp({
      mailer: new MemoryMailer(20),
      rateLimits: false,
      password: { hasher: fastHasher },
      passkeys: { rpId: 'localhost', origins: ['http://localhost:3000'] },
    });
    served = await serve(t.app);
  });
  after(async () => served?.close());

  /** True when the answer is a success: a 2xx, or a form redirect anywhere but the error page. */
  function succeeded(res: Answer): boolean {
    if (res.status >= 200 && res.status < 300) return true;
    const location = String(res.headers.location ?? '');
    return res.status === 303 && !location.startsWith('/auth/error');
  }

  function bodyProperty(signedIn: boolean) {
    return fc.asyncProperty(
      fc.constantFrom(...ROUTES),
      body,
      fc.constantFrom<'same' | 'none' | 'foreign'>('same', 'same', 'same', 'none', 'foreign'),
      async (route, [type, text], origin) => {
        let cookie = '';
        if (signedIn) {
          const login = await served.http().post(`/test/login/${t.alice.id}`);
          cookie = cookiesOf(login);
        }
        const req = served.http()[route.method](route.path).set('Content-Type', type);
        if (cookie) req.set('Cookie', cookie);
        if (origin === 'same') req.set('Origin', served.url);
        if (origin === 'foreign') req.set('Origin', 'https://evil.example');
        if (!type.startsWith('application/x-www-form')) req.set('Accept', 'application/json');
        const res = await req.send(text);
        const what = `${route.method.toUpperCase()} ${route.path} (${type}) ${text.slice(0, 200)}`;
        expectSafe(res, what);
        if (!route.signsIn) expect(setsSession(res), `${what} signed in`).to.equal(false);
        if (route.needsSecret) {
          expect(succeeded(res), `${what}: ${res.status} ${res.text.slice(0, 200)}`).to.equal(
            false,
          );
        }
        // (a sign-out without a session has nothing to end: the one write that may pass cross-site)
        if (origin === 'foreign' && (signedIn || route.path !== '/auth/logout'))
          expect(succeeded(res), `${what} from another site`).to.equal(false);
      },
    );
  }

  it('random bodies, no session: never a 5xx, never a sign-in or a success without a secret', () =>
    check('bodies: no session', bodyProperty(false)));

  it('random bodies, signed in: never a 5xx, never a success without a secret', () =>
    check('bodies: signed in', bodyProperty(true)));
});
