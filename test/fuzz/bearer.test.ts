// Fuzz: the Authorization header parser and the access- and refresh-token verifiers. Random
// headers and tokens, and real tokens mutated, are refused (never a 2xx on a guarded route,
// never a 5xx); the library functions throw nothing but AuthErrors.
import { expect } from 'chai';
import fc from 'fast-check';
import type { Context } from 'koa';
import { isAuthError } from '../../lib/index.js';
import { Keyring } from '../../lib/keys/keyring.js';
import { readBearer } from '../../lib/tokens/header.js';
import { Hs256Verifier } from '../../lib/tokens/hs256.js';
import { makeRefreshToken, parseRefreshToken } from '../../lib/tokens/refresh-format.js';
import { signAccessToken } from '../../lib/tokens/access.js';
import { makeApp, secretA, type TestApp } from '../support/app.js';
import {
  check,
  expectSafe,
  headerSafe,
  hostileString,
  mutate,
  mutations,
  sameBytes,
  serve,
  type Served,
  TIMEOUT,
  VALUE_CHARS,
} from '../support/fuzz.js';

const ring = new Keyring([Buffer.from(secretA)]);
const cfg = { issuer: 'portcullis', audience: 'portcullis', ttlMs: 600_000, clockSkewSec: 30 };
const SOURCE = { header: 'Authorization', scheme: 'Bearer' };

/** The AuthError `fn` threw (failing on anything else), or undefined when it returned. */
function authErrorOf(
  fn: () => unknown,
  what: string,
): { code: string; status: number } | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    expect(isAuthError(err), `${what} threw ${String(err)}`).to.equal(true);
    return err as { code: string; status: number };
  }
}

/** A stand-in for the Koa context readBearer() reads: the parsed and the raw headers. */
function ctxWith(values: string[]): Context {
  const headers: Record<string, string> = {};
  if (values.length > 0) headers.authorization = values[0]!;
  const rawHeaders = values.flatMap((v) => ['Authorization', v]);
  return { req: { headers, rawHeaders } } as unknown as Context;
}

/** Token-shaped strings: JWT-ish, refresh-ish, and plain noise, up to the verifier's limit and past it. */
const randomToken: fc.Arbitrary<string> = fc.oneof(
  hostileString,
  fc.string({ unit: fc.constantFrom(...VALUE_CHARS), maxLength: 200 }),
  fc
    .array(fc.base64String({ maxLength: 120 }), { minLength: 1, maxLength: 5 })
    .map((parts) => parts.join('.').replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, '')),
  fc
    .tuple(
      fc.stringMatching(/^[A-Za-z0-9_-]{8}$/),
      fc.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      fc.stringMatching(/^\d{1,12}$/),
      fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    )
    .map((parts) => `pcr_${parts.join('.')}`),
  fc.integer({ min: 8000, max: 12000 }).map((n) => 'a'.repeat(n)),
);

/** `<scheme><separator><token><trailer>`, with the scheme in any case. */
const headerValue = (token: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.oneof(
        fc.mixedCase(fc.constant('bearer')),
        fc.constantFrom('Basic', 'Token', 'Bearerx', 'Bear', '', 'Bearer:', 'DPoP', 'bearer,'),
      ),
      fc.constantFrom(' ', ' ', '  ', '\t', ' \t ', '', ',', '='),
      token,
      fc.constantFrom('', '', ' ', '  ', '\t', ',', ' x', '.'),
    )
    .map(([scheme, sep, tok, tail]) => `${scheme}${sep}${tok}${tail}`);

describe('bearer tokens (fuzz)', function () {
  this.timeout(TIMEOUT);

  describe('library: readBearer(), Hs256Verifier, parseRefreshToken()', () => {
    it('readBearer() throws only 400 invalid_request, and returns the trimmed token after "<scheme> "', () =>
      check(
        'readBearer: any header',
        fc.property(
          fc.oneof(headerValue(randomToken), hostileString),
          fc.boolean(),
          (value, twice) => {
            let token: string | undefined;
            const err = authErrorOf(
              () => {
                token = readBearer(ctxWith(twice ? [value, value] : [value]), SOURCE);
              },
              `readBearer(${JSON.stringify(value)})`,
            );
            if (err) {
              expect(err.code).to.equal('invalid_request');
              expect(err.status).to.equal(400);
              return;
            }
            expect(twice, 'a header sent twice is refused').to.equal(false);
            if (token === undefined) {
              expect(/^bearer( |$)/i.test(value), `scheme of ${JSON.stringify(value)}`).to.equal(
                false,
              );
              return;
            }
            expect(value.slice(0, 7).toLowerCase()).to.equal('bearer ');
            expect(token).to.equal(value.slice(7).trim());
            expect(token).to.not.equal('');
          },
        ),
      ));

    it('Hs256Verifier.verify() throws only 401 AuthErrors for random tokens', () =>
      check(
        'Hs256Verifier: random tokens',
        fc.property(randomToken, (token) => {
          const verifier = new Hs256Verifier(ring, cfg);
          const err = authErrorOf(() => verifier.verify(token, Date.now() / 1000), 'verify');
          expect(err, `accepted ${token}`).to.not.equal(undefined);
          expect(err!.status).to.equal(401);
        }),
      ));

    it('Hs256Verifier.verify() accepts a mutated token only when it spells the same bytes', async () => {
      const { token } = await signAccessToken(ring, cfg, { sub: 'u1', scopes: [], gen: 0 });
      const verifier = new Hs256Verifier(ring, cfg);
      await check(
        'Hs256Verifier: mutated tokens',
        fc.property(mutations(), (list) => {
          const changed = mutate(token, list);
          fc.pre(changed !== token);
          const err = authErrorOf(() => verifier.verify(changed, Date.now() / 1000), 'verify');
          if (err === undefined)
            expect(sameBytes(changed, token), `accepted ${changed}`).to.equal(true);
          else expect(err.status).to.equal(401);
        }),
      );
    });

    it('parseRefreshToken() throws only 401 AuthErrors, for random and for mutated tokens', () => {
      const { token } = makeRefreshToken(ring, 'family-id-0123456789ab', Date.now() + 600_000);
      return check(
        'parseRefreshToken: random and mutated',
        fc.property(
          fc.oneof(
            randomToken,
            mutations().map((list) => mutate(token, list)),
          ),
          (value) => {
            fc.pre(value !== token);
            const err = authErrorOf(() => parseRefreshToken(ring, value), 'parseRefreshToken');
            expect(err, `accepted ${value}`).to.not.equal(undefined);
            expect(err!.status).to.equal(401);
          },
        ),
      );
    });
  });

  describe('over HTTP', () => {
    let t: TestApp;
    let served: Served;
    let access: string;
    let refresh: string;

    before(async () => {
      t = await makeApp({ rateLimits: false });
      served = await serve(t.app);
      const res = await served.http().post(`/test/tokens/${t.alice.id}`);
      ({ accessToken: access, refreshToken: refresh } = res.body as {
        accessToken: string;
        refreshToken: string;
      });
    });
    after(async () => served?.close());

    const GUARDED: Array<['get' | 'post', string, string]> = [
      ['get', '/api/profile', 'profile'],
      ['get', '/auth/me', ''],
      ['get', '/mixed', 'mixed'],
      ['post', '/api/profile', 'profileWrite'],
      ['post', '/api/refresh', 'refresh'],
      ['post', '/auth/token/refresh', ''],
    ];

    /** Sends `header` to a guarded route; true when it was let through (2xx). */
    async function passes(
      [method, path, hit]: ['get' | 'post', string, string],
      header: string,
    ): Promise<boolean> {
      const before = hit ? t.hits.count(hit) : 0;
      const agent = served.http();
      const res = await agent[method](path)
        .set('Authorization', header)
        .set('Accept', 'application/json');
      expectSafe(res, `${method.toUpperCase()} ${path} with Authorization ${header.slice(0, 120)}`);
      const ok = res.status >= 200 && res.status < 300;
      if (hit) expect(t.hits.count(hit) - before, `${path} handler calls`).to.equal(ok ? 1 : 0);
      if (!ok) expect(res.status).to.be.oneOf([400, 401, 403]);
      return ok;
    }

    it('control: the issued access token passes, in any case of scheme and with extra spaces', async () => {
      expect(await passes(GUARDED[0]!, `Bearer ${access}`)).to.equal(true);
      expect(await passes(GUARDED[0]!, `bEaReR    ${access}  `)).to.equal(true);
    });

    it('any Authorization header with a token that was not issued is refused everywhere', () =>
      check(
        'Authorization: random headers',
        fc.asyncProperty(
          fc.oneof(headerValue(randomToken), hostileString).map(headerSafe),
          fc.constantFrom(...GUARDED),
          async (header, route) => {
            fc.pre(header !== '');
            expect(await passes(route, header), `passed with ${header}`).to.equal(false);
          },
        ),
      ));

    /** Passes only when the header's token is the issued one (or, unless strict, the same bytes). */
    function mutatedAccessProperty(strict: boolean) {
      const mutated = mutations().map((list) => mutate(access, list));
      return fc.asyncProperty(
        fc.oneof(
          { weight: 3, arbitrary: mutated.map((token) => `Bearer ${token}`) },
          { weight: 1, arbitrary: headerValue(mutated) },
        ),
        fc.constantFrom(GUARDED[0]!, GUARDED[1]!, GUARDED[2]!),
        async (raw, route) => {
          const header = headerSafe(raw);
          const m = /^bearer ([\s\S]*)$/i.exec(header);
          const token = m ? m[1]!.trim() : undefined;
          fc.pre(token !== access);
          const ok = await passes(route, header);
          if (ok && !strict) {
            expect(
              token !== undefined && sameBytes(token, access),
              `passed with ${header}`,
            ).to.equal(true);
          } else expect(ok, `passed with ${header}`).to.equal(false);
        },
      );
    }

    it('a mutated access token is refused (the base64url malleability aside)', () =>
      check('access token: mutated', mutatedAccessProperty(false)));

    // FIXED (found by this suite): the signature segment is decoded with Buffer.from(.., 'base64url'), which
    // ignores the 2 unused low bits of its 43rd character: 3 other strings per issued token
    // verify. lib/tokens/hs256.ts, Hs256Verifier.verify(): `signatureB64.length !== 43` but no
    // canonical check. Counterexample (FUZZ_RUNS=10000, run 5453): the issued token with the
    // last character of its signature replaced by "6", within its group of 4 ("4567").
    it("every mutation of an access token is refused, the last character's unused bits too (a fixed bug)", () =>
      check('access token: mutated (strict)', mutatedAccessProperty(true)));

    it('a mutated refresh token is refused, and the real one still rotates afterwards', async () => {
      await check(
        'refresh token: mutated',
        fc.asyncProperty(
          mutations(),
          fc.constantFrom(GUARDED[4]!, GUARDED[5]!),
          async (list, route) => {
            const changed = mutate(refresh, list);
            fc.pre(changed !== refresh);
            expect(await passes(route, `Bearer ${changed}`), `rotated ${changed}`).to.equal(false);
          },
        ),
      );
      expect(await passes(GUARDED[5]!, `Bearer ${refresh}`), 'the real refresh token').to.equal(
        true,
      );
    });
  });
});
