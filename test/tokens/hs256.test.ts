import { expect } from 'chai';
import { SignJWT, jwtVerify } from 'jose';
import { createHmac } from 'node:crypto';
import { AuthError } from '../../lib/index.js';
import { Keyring } from '../../lib/keys/keyring.js';
import { signAccessToken } from '../../lib/tokens/access.js';
import { Hs256Verifier } from '../../lib/tokens/hs256.js';
import { secretA, secretB } from '../support/app.js';

const ring = new Keyring([Buffer.from(secretA)]);
const { kid, key } = ring.current('access');
const cfg = {
  issuer: 'https://app.test',
  audience: 'https://app.test',
  ttlMs: 3_600_000,
  clockSkewSec: 30,
};
const verifier = new Hs256Verifier(ring, cfg);
const now = () => Math.floor(Date.now() / 1000);
const b64 = (v: unknown) =>
  Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** A token signed by hand: any header and payload, a correct HMAC under `k`. */
function handMade(header: unknown, payload: unknown, k: Buffer = key): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', k).update(input).digest('base64url')}`;
}

const goodHeader = { alg: 'HS256', typ: 'at+jwt', kid };
const goodPayload = () => ({
  iss: cfg.issuer,
  aud: cfg.audience,
  sub: 'u1',
  iat: now(),
  exp: now() + 600,
  jti: 'j1',
  gen: 0,
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    expect(err).to.be.instanceOf(AuthError);
    return (err as AuthError).code;
  }
}

describe('Hs256Verifier (strict node:crypto verifier), cross-tested with jose', () => {
  it('verifies what jose signs with the same key, header and claims', async () => {
    for (const aud of [cfg.audience, ['other', cfg.audience]]) {
      const token = await new SignJWT({ gen: 0, scope: 'a b' })
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid })
        .setIssuer(cfg.issuer)
        .setAudience(aud)
        .setSubject('u1')
        .setIssuedAt()
        .setNotBefore(now() - 10)
        .setExpirationTime('5m')
        .setJti('j1')
        .sign(key);
      expect(verifier.verify(token, now())).to.include({ sub: 'u1', scope: 'a b', gen: 0 });
    }
  });

  it('issues tokens that jose verifies', async () => {
    const { token } = await signAccessToken(ring, cfg, { sub: 'u9', scopes: ['read'], gen: 3 });
    const { payload, protectedHeader } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      typ: 'at+jwt',
      issuer: cfg.issuer,
      audience: cfg.audience,
      requiredClaims: ['exp', 'iat', 'jti', 'sub'],
    });
    expect(protectedHeader.kid).to.equal(kid);
    expect(payload).to.include({ sub: 'u9', scope: 'read', gen: 3 });
  });

  it('refuses, like jose, tokens jose refuses: bad claims, wrong key, wrong alg', async () => {
    const p = goodPayload();
    const cases: Array<[string, string]> = [
      ['expired', handMade(goodHeader, { ...p, exp: now() - 45 })],
      ['nbf ahead', handMade(goodHeader, { ...p, nbf: now() + 45 })],
      ['wrong iss', handMade(goodHeader, { ...p, iss: 'https://evil.test' })],
      ['wrong aud', handMade(goodHeader, { ...p, aud: 'https://evil.test' })],
      ['aud array without ours', handMade(goodHeader, { ...p, aud: ['a', 'b'] })],
      ['exp as string', handMade(goodHeader, { ...p, exp: String(p.exp) })],
      [
        'wrong key',
        handMade(goodHeader, p, new Keyring([Buffer.from(secretB)]).current('access').key),
      ],
      ['alg HS512 label', handMade({ ...goodHeader, alg: 'HS512' }, p)],
      ['alg none', `${b64({ ...goodHeader, alg: 'none' })}.${b64(p)}.`],
      ['typ JWT', handMade({ ...goodHeader, typ: 'JWT' }, p)],
    ];
    for (const [name, token] of cases) {
      expect(
        codeOf(() => verifier.verify(token, now())),
        name,
      ).to.be.oneOf(['token_invalid', 'token_expired']);
      let joseRefused = false;
      try {
        await jwtVerify(token, key, {
          algorithms: ['HS256'],
          typ: 'at+jwt',
          issuer: cfg.issuer,
          audience: cfg.audience,
          clockTolerance: 30,
        });
      } catch {
        joseRefused = true;
      }
      expect(joseRefused, `jose on ${name}`).to.equal(true);
    }
  });

  it('answers token_expired only for an expired, otherwise valid token', () => {
    expect(
      codeOf(() =>
        verifier.verify(handMade(goodHeader, { ...goodPayload(), exp: now() - 31 }), now()),
      ),
    ).to.equal('token_expired');
    expect(
      codeOf(() =>
        verifier.verify(handMade(goodHeader, { ...goodPayload(), exp: now() - 25 }), now()),
      ),
    ).to.equal(undefined);
  });

  it('is stricter than jose where our tokens never go: key URLs, embedded keys, crit, b64, missing claims', () => {
    const p = goodPayload();
    const strict: Array<[string, string]> = [
      ['jku', handMade({ ...goodHeader, jku: 'https://evil.test/jwks' }, p)],
      ['x5u', handMade({ ...goodHeader, x5u: 'https://evil.test/cert' }, p)],
      ['jwk', handMade({ ...goodHeader, jwk: { kty: 'oct', k: 'AAAA' } }, p)],
      ['crit', handMade({ ...goodHeader, crit: ['exp'] }, p)],
      ['b64', handMade({ ...goodHeader, b64: false }, p)],
      ['unknown kid', handMade({ ...goodHeader, kid: 'AAAAAAAA' }, p)],
      ['no sub', handMade(goodHeader, { ...p, sub: undefined })],
      ['no jti', handMade(goodHeader, { ...p, jti: undefined })],
      ['no gen', handMade(goodHeader, { ...p, gen: undefined })],
      ['no iat', handMade(goodHeader, { ...p, iat: undefined })],
      ['scope not a string', handMade(goodHeader, { ...p, scope: ['a'] })],
      ['payload an array', handMade(goodHeader, [p])],
      ['payload not JSON', handMade(goodHeader, 'not json')],
    ];
    for (const [name, token] of strict)
      expect(
        codeOf(() => verifier.verify(token, now())),
        name,
      ).to.equal('token_invalid');
  });

  it('refuses every single-character change of a valid token', () => {
    const token = handMade(goodHeader, goodPayload());
    const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < token.length; i++) {
      // the last character: every other one, those differing only in its unused bits too
      const alphabet = i === token.length - 1 ? B64URL : 'AZaz09-_.';
      for (const c of alphabet) {
        if (token[i] === c) continue;
        const bad = token.slice(0, i) + c + token.slice(i + 1);
        expect(
          codeOf(() => verifier.verify(bad, now())),
          `${i}:${c}`,
        ).to.be.a('string');
      }
    }
  });

  it('refuses malformed shapes without throwing anything but AuthError', () => {
    const t = handMade(goodHeader, goodPayload());
    for (const bad of [
      '',
      '.',
      '..',
      'a.b',
      'a.b.c.d',
      `${t}.`,
      `.${t}`,
      t.replace(/\./g, '..'),
      'x'.repeat(9000),
      `${t} `,
    ]) {
      expect(
        codeOf(() => verifier.verify(bad, now())),
        JSON.stringify(bad.slice(0, 20)),
      ).to.equal('token_invalid');
    }
  });
});
