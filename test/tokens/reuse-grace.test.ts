import { expect } from 'chai';
import request from 'supertest';
import { type IssuedTokens, MemoryStore } from '../../lib/index.js';
import { resolveOptions } from '../../lib/options.js';
import { type TestApp, makeApp } from '../support/app.js';
import { bearer, codeOf, sleep } from '../support/tokens.js';

const ROTATE_ROUTES = ['/auth/token/refresh', '/api/refresh'] as const;

function rotate(t: TestApp, path: string, refreshToken: string) {
  return request(t.app.callback()).post(path).set('Authorization', bearer(refreshToken));
}

function profile(t: TestApp, accessToken: string) {
  return request(t.app.callback()).get('/api/profile').set('Authorization', bearer(accessToken));
}

async function rotated(t: TestApp, path: string, refreshToken: string): Promise<IssuedTokens> {
  const res = await rotate(t, path, refreshToken);
  expect(res.status, res.text).to.equal(200);
  return res.body as IssuedTokens;
}

/** The app's token_reuse events, as they come. */
function reuseEvents(t: TestApp): unknown[] {
  const seen: unknown[] = [];
  t.auth.on('token_reuse', (e) => seen.push(e));
  return seen;
}

/** `res` is 401 token_revoked, with no tokens in it. */
function expectRevoked(res: { status: number; body: unknown }, what: string): void {
  expect(res.status, what).to.equal(401);
  expect(codeOf(res), what).to.equal('token_revoked');
  expect(res.body, what).to.not.have.property('accessToken');
}

for (const path of ROTATE_ROUTES) {
  describe(`POST ${path}: tokens.refreshReuseGrace (two tabs refreshing at once)`, () => {
    it('gives two concurrent rotations of one token the same refresh token, and the family lives on', async () => {
      const t = await makeApp();
      const reuse = reuseEvents(t);
      const first = await t.auth.tokens.issue(t.alice);
      const [a, b] = await Promise.all([
        rotate(t, path, first.refreshToken),
        rotate(t, path, first.refreshToken),
      ]);
      expect([a.status, b.status], `${a.text} ${b.text}`).to.deep.equal([200, 200]);
      const [pa, pb] = [a.body as IssuedTokens, b.body as IssuedTokens];
      expect(pa.refreshToken).to.match(/^pcr_/).and.not.equal(first.refreshToken);
      expect(pb.refreshToken).to.equal(pa.refreshToken);
      expect(pb.accessToken).to.not.equal(pa.accessToken);
      for (const p of [pa, pb]) expect((await profile(t, p.accessToken)).status).to.equal(200);
      expect((await rotate(t, path, pa.refreshToken)).status).to.equal(200);
      expect(reuse).to.deep.equal([]);
    });

    it('of 10 concurrent rotations of one token, all succeed with the same refresh token', async () => {
      const t = await makeApp();
      const reuse = reuseEvents(t);
      const { refreshToken } = await t.auth.tokens.issue(t.alice);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => rotate(t, path, refreshToken)),
      );
      expect(results.map((r) => r.status)).to.deep.equal(Array(10).fill(200));
      const heads = new Set(results.map((r) => (r.body as IssuedTokens).refreshToken));
      expect(heads.size).to.equal(1);
      expect((await rotate(t, path, [...heads][0]!)).status).to.equal(200);
      expect(reuse).to.deep.equal([]);
    });

    it('gives the previous token, presented again inside the grace, its unused successor', async () => {
      const t = await makeApp();
      const first = await t.auth.tokens.issue(t.alice);
      const second = await rotated(t, path, first.refreshToken);
      const again = await rotated(t, path, first.refreshToken);
      expect(again.refreshToken).to.equal(second.refreshToken);
      expect(again.accessToken).to.not.equal(second.accessToken);
      expect((await profile(t, again.accessToken)).status).to.equal(200);
      expect((await rotate(t, path, second.refreshToken)).status).to.equal(200);
    });

    it('takes the previous token for reuse once its successor was used (the family is revoked)', async () => {
      const t = await makeApp();
      const reuse = reuseEvents(t);
      const first = await t.auth.tokens.issue(t.alice);
      const second = await rotated(t, path, first.refreshToken);
      // control: while the successor is unused, the previous token gets it
      expect((await rotated(t, path, first.refreshToken)).refreshToken).to.equal(
        second.refreshToken,
      );
      const third = await rotated(t, path, second.refreshToken);
      expectRevoked(await rotate(t, path, first.refreshToken), 'the previous token');
      expectRevoked(await rotate(t, path, third.refreshToken), 'the family head');
      expect(reuse).to.have.length(1);
    });

    it('takes the previous token for reuse after the grace', async () => {
      const t = await makeApp({ tokens: { refreshReuseGrace: 0.2 } });
      const reuse = reuseEvents(t);
      const first = await t.auth.tokens.issue(t.alice);
      const second = await rotated(t, path, first.refreshToken);
      // control: inside the grace, the previous token gets its successor
      expect((await rotated(t, path, first.refreshToken)).refreshToken).to.equal(
        second.refreshToken,
      );
      await sleep(400);
      expectRevoked(await rotate(t, path, first.refreshToken), 'after the grace');
      expectRevoked(await rotate(t, path, second.refreshToken), 'the family head');
      expect(reuse).to.have.length(1);
    });

    it('takes a token two rotations back for reuse, even inside the grace', async () => {
      const t = await makeApp({ tokens: { refreshReuseGrace: '1m' } });
      const reuse = reuseEvents(t);
      const first = await t.auth.tokens.issue(t.alice);
      const second = await rotated(t, path, first.refreshToken);
      const third = await rotated(t, path, second.refreshToken);
      // control: the token one back gets the head
      expect((await rotated(t, path, second.refreshToken)).refreshToken).to.equal(
        third.refreshToken,
      );
      expectRevoked(await rotate(t, path, first.refreshToken), 'two back');
      expectRevoked(await rotate(t, path, third.refreshToken), 'the family head');
      expect(reuse).to.have.length(1);
    });
  });
}

describe('tokens.refreshReuseGrace: off', () => {
  /** Rotates a new family's first token, then presents it again: the second answer's status. */
  async function replayStatus(t: TestApp): Promise<number> {
    const first = await t.auth.tokens.issue(t.alice);
    await rotated(t, '/auth/token/refresh', first.refreshToken);
    return (await rotate(t, '/auth/token/refresh', first.refreshToken)).status;
  }

  it('false or 0: the previous token presented again at once is reuse, and of concurrent rotations one wins', async () => {
    expect(await replayStatus(await makeApp()), 'control: on by default').to.equal(200);
    for (const off of [false, 0] as const) {
      const t = await makeApp({ tokens: { refreshReuseGrace: off } });
      const reuse = reuseEvents(t);
      const first = await t.auth.tokens.issue(t.alice);
      const second = await rotated(t, '/auth/token/refresh', first.refreshToken);
      expectRevoked(await rotate(t, '/auth/token/refresh', first.refreshToken), `${off}: replay`);
      expectRevoked(await rotate(t, '/auth/token/refresh', second.refreshToken), `${off}: head`);
      expect(reuse, String(off)).to.have.length(1);

      const { refreshToken } = await t.auth.tokens.issue(t.bob);
      const results = await Promise.all(
        Array.from({ length: 6 }, () => rotate(t, '/auth/token/refresh', refreshToken)),
      );
      expect(
        results.filter((r) => r.status === 200),
        String(off),
      ).to.have.length(1);
    }
  });
});

describe('tokens.refreshReuseGrace: the grace record', () => {
  it('never holds the successor in the clear: the store has no refresh token in it', async () => {
    const store = new MemoryStore();
    const t = await makeApp({ store });
    const first = await t.auth.tokens.issue(t.alice);
    const second = await rotated(t, '/auth/token/refresh', first.refreshToken);
    const values = [...(store as unknown as { map: Map<string, { value: string }> }).map]
      .map(([k, v]) => `${k}=${v.value}`)
      .join('\n');
    expect(values).to.match(/^rtn:/m); // the grace record is there
    expect(values).to.not.include('pcr_');
    expect(values).to.not.include(second.refreshToken.slice(4));
    await store.close();
  });
});

describe('resolveOptions(): tokens.refreshReuseGrace', () => {
  const base = { secret: 'x'.repeat(40), users: { findById: async () => undefined } };

  it("is '10s' by default, off with 0 or false, and refused past 5 minutes or when not a duration", () => {
    expect(resolveOptions(base).tokens.reuseGraceMs).to.equal(10_000);
    expect(
      resolveOptions({ ...base, tokens: { refreshReuseGrace: '2s' } }).tokens.reuseGraceMs,
    ).to.equal(2_000);
    for (const off of [0, false] as const) {
      expect(
        resolveOptions({ ...base, tokens: { refreshReuseGrace: off } }).tokens.reuseGraceMs,
      ).to.equal(0);
    }
    for (const bad of ['6m', 301, -1, '10 s', 'soon', true, Number.NaN]) {
      expect(
        () => resolveOptions({ ...base, tokens: { refreshReuseGrace: bad as never } }),
        String(bad),
      ).to.throw(TypeError, /refreshReuseGrace/);
    }
  });
});
