import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { type IssuedTokens, MemoryStore, type Store } from '../../lib/index.js';
import { RedisStore } from '../../lib/stores.js';
import { type TestApp, makeApp } from '../support/app.js';
import { REDIS_URL, needService } from '../support/services.js';
import { bearer, codeOf, signAccess } from '../support/tokens.js';

function rotate(t: TestApp, refreshToken: string) {
  return request(t.app.callback())
    .post('/auth/token/refresh')
    .set('Authorization', bearer(refreshToken));
}

function profile(t: TestApp, accessToken: string) {
  return request(t.app.callback()).get('/api/profile').set('Authorization', bearer(accessToken));
}

async function expectRefused(t: TestApp, accessToken: string, what: string): Promise<void> {
  const res = await profile(t, accessToken);
  expect(res.status, what).to.equal(401);
  expect(codeOf(res), what).to.equal('token_revoked');
}

/** A family rotated twice, so its first refresh token is reuse (outside the reuse grace). */
async function rotatedTwice(t: TestApp) {
  const first = await t.auth.tokens.issue(t.alice);
  const second = (await rotate(t, first.refreshToken)).body as IssuedTokens;
  const third = (await rotate(t, second.refreshToken)).body as IssuedTokens;
  expect(third.accessToken).to.be.a('string');
  return { first, second, third };
}

/** `inner`, counting the calls made to it (the flag `local` and the rest pass through). */
function counting(inner: MemoryStore): { store: Store; calls: string[] } {
  const calls: string[] = [];
  const store = new Proxy(inner, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function' || prop === 'close') return value;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls };
}

describe('access tokens die with their refresh family', () => {
  it('after reuse revokes a family, its access tokens are refused with 401 token_revoked; another family of the user passes', async () => {
    const t = await makeApp();
    const sibling = await t.auth.tokens.issue(t.alice);
    const { first, second, third } = await rotatedTwice(t);
    for (const p of [first, second, third, sibling]) {
      expect((await profile(t, p.accessToken)).status, 'control').to.equal(200);
    }
    expect((await rotate(t, first.refreshToken)).status, 'reuse').to.equal(401);
    for (const [name, p] of Object.entries({ first, second, third })) {
      await expectRefused(t, p.accessToken, name);
    }
    expect((await profile(t, sibling.accessToken)).status, 'another family').to.equal(200);
    // a token from before access tokens named their family still verifies
    const older = await signAccess({ sub: t.alice.id });
    expect((await profile(t, older)).status, 'a token without fam').to.equal(200);
    expect(t.hits.count('profile')).to.equal(6);
  });

  it('after revoke(refreshToken), the family access tokens are refused; another family of the user passes', async () => {
    const t = await makeApp();
    const pair = await t.auth.tokens.issue(t.alice);
    const sibling = await t.auth.tokens.issue(t.alice);
    expect((await profile(t, pair.accessToken)).status, 'control').to.equal(200);
    await t.auth.tokens.revoke(pair.refreshToken);
    await expectRefused(t, pair.accessToken, 'the revoked family');
    expect((await profile(t, sibling.accessToken)).status).to.equal(200);
  });

  it('refuses an access token whose fam claim is not a string (401 token_invalid)', async () => {
    const t = await makeApp();
    for (const fam of [5, '', null, ['x'], { a: 1 }]) {
      const res = await profile(t, await signAccess({ sub: t.alice.id, fam }));
      expect(res.status, JSON.stringify(fam)).to.equal(401);
      expect(codeOf(res), JSON.stringify(fam)).to.equal('token_invalid');
    }
    expect(t.hits.count('profile')).to.equal(0);
  });

  it('knownLive() reads nothing while nothing was revoked; after a family revocation it re-checks once', async () => {
    const { store, calls } = counting(new MemoryStore());
    const t = await makeApp({ store });
    const kept = await t.auth.tokens.issue(t.bob);
    const doomed = await t.auth.tokens.issue(t.alice);
    for (const p of [kept, doomed]) expect((await profile(t, p.accessToken)).status).to.equal(200);
    calls.length = 0;
    for (let i = 0; i < 3; i++) {
      expect((await profile(t, kept.accessToken)).status).to.equal(200);
      expect((await profile(t, doomed.accessToken)).status).to.equal(200);
    }
    expect(calls, 'no store call while nothing was revoked').to.deep.equal([]);
    await t.auth.tokens.revoke(doomed.refreshToken);
    await expectRefused(t, doomed.accessToken, 'its family revoked');
    expect((await profile(t, kept.accessToken)).status).to.equal(200);
    calls.length = 0;
    expect((await profile(t, kept.accessToken)).status).to.equal(200);
    expect(calls, 'found live again: no store call').to.deep.equal([]);
    await store.close();
  });
});

describe('access tokens die with their refresh family: two Portcullis instances on one Redis', function () {
  before(async function () {
    await needService(this, 'Redis', 6379);
  });

  it('a family revoked through one instance has its access token refused by the other within 1 s', async () => {
    const prefix = `pctest:${randomBytes(6).toString('hex')}:`;
    const stores = [0, 1].map(() => new RedisStore({ url: REDIS_URL, prefix }));
    try {
      const a = await makeApp({ store: stores[0]! });
      const b = await makeApp({ store: stores[1]!, users: a.users });
      const sibling = await a.auth.tokens.issue(a.alice);
      const { first, third } = await rotatedTwice(a);
      // found live on b (cached there)
      expect((await profile(b, third.accessToken)).status).to.equal(200);
      expect((await profile(b, sibling.accessToken)).status).to.equal(200);
      expect((await rotate(a, first.refreshToken)).status, 'reuse on a').to.equal(401);
      let res = await profile(b, third.accessToken);
      for (const started = Date.now(); res.status === 200 && Date.now() - started < 1_000;) {
        res = await profile(b, third.accessToken);
      }
      expect(res.status).to.equal(401);
      expect(codeOf(res)).to.equal('token_revoked');
      expect((await profile(b, sibling.accessToken)).status).to.equal(200);

      // and revoke(refreshToken) through b, seen by a
      const pair = await b.auth.tokens.issue(a.alice); // b shares a's users
      expect((await profile(a, pair.accessToken)).status).to.equal(200);
      await b.auth.tokens.revoke(pair.refreshToken);
      res = await profile(a, pair.accessToken);
      for (const started = Date.now(); res.status === 200 && Date.now() - started < 1_000;) {
        res = await profile(a, pair.accessToken);
      }
      expect(res.status).to.equal(401);
      expect(codeOf(res)).to.equal('token_revoked');
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
