import { expect } from 'chai';
import request from 'supertest';
import {
  type AuthContext,
  type AuthEvents,
  AuthError,
  Controller,
  type IssuedTokens,
  Post,
  TokenRequired,
} from '../../lib/index.js';
import { type TestApp, type TestUser, makeApp } from '../support/app.js';
import { bearer, codeOf, issueVia, signAccess, sleep } from '../support/tokens.js';

const ROTATE_ROUTES = ['/auth/token/refresh', '/api/refresh'] as const;

function rotate(t: TestApp, path: string, refreshToken: string) {
  return request(t.app.callback()).post(path).set('Authorization', bearer(refreshToken));
}

function profile(t: TestApp, accessToken: string) {
  return request(t.app.callback()).get('/api/profile').set('Authorization', bearer(accessToken));
}

/** Adds POST /tok/revoke (access token required): `ctx.auth.tokens.revoke(X-Revoke header)`. */
function withRevokeRoute(t: TestApp): void {
  @Controller('/tok')
  class RevokeController {
    @Post('/revoke')
    @TokenRequired('access')
    async revoke(ctx: AuthContext<TestUser>) {
      t.hits.hit('revoke');
      await ctx.auth.tokens.revoke(ctx.get('X-Revoke'));
      return { ok: true };
    }
  }
  t.app.use(t.auth.controllers([RevokeController]));
}

for (const path of ROTATE_ROUTES) {
  describe(`POST ${path} (refresh rotation)`, () => {
    it('answers a new token pair with Cache-Control: no-store; the new tokens work', async () => {
      const t = await makeApp();
      const first = await issueVia(t, t.alice);
      const res = await rotate(t, path, first.refreshToken);
      expect(res.status).to.equal(200);
      expect(res.headers['cache-control']).to.equal('no-store');
      const next = res.body as IssuedTokens;
      expect(next.tokenType).to.equal('Bearer');
      expect(next.expiresIn).to.equal(3600);
      expect(next.refreshToken).to.match(/^pcr_/).and.not.equal(first.refreshToken);
      expect(next.accessToken).to.be.a('string').and.not.equal(first.accessToken);
      expect((await profile(t, next.accessToken)).status).to.equal(200);
      expect((await rotate(t, path, next.refreshToken)).status).to.equal(200);
    });

    it('spends the old refresh token: its reuse is 401 token_revoked and kills the whole family', async () => {
      const t = await makeApp();
      const reuse: unknown[] = [];
      t.auth.on('token_reuse', (e) => reuse.push(e));
      const first = await issueVia(t, t.alice);
      const second = (await rotate(t, path, first.refreshToken)).body as IssuedTokens;
      const third = (await rotate(t, path, second.refreshToken)).body as IssuedTokens;
      expect(third.refreshToken).to.match(/^pcr_/);
      const hitsBefore = t.hits.count('refresh');

      const replay = await rotate(t, path, first.refreshToken);
      expect(replay.status).to.equal(401);
      expect(codeOf(replay)).to.equal('token_revoked');
      expect(replay.body).to.not.have.property('accessToken');

      const newest = await rotate(t, path, third.refreshToken);
      expect(newest.status).to.equal(401);
      expect(codeOf(newest)).to.equal('token_revoked');
      expect(newest.body).to.not.have.property('accessToken');
      const other = await t.auth.tokens.verify(third.refreshToken, 'refresh').catch((e) => e);
      expect(other).to.be.instanceOf(AuthError).with.property('code', 'token_revoked');

      expect(reuse).to.have.length(1);
      const event = reuse[0] as Record<string, unknown>;
      expect(event).to.include({ type: 'token_reuse', userId: t.alice.id });
      expect(Object.keys(event).sort()).to.deep.equal(['at', 'type', 'userId']);
      const seen = JSON.stringify([reuse, t.logger.records]);
      for (const token of [first, second, third].flatMap((p) => [p.accessToken, p.refreshToken]))
        expect(seen).to.not.include(token);
      expect(seen).to.not.include('pcr_');
      // A spent token must not reach a refresh-guarded handler (only the two rotations did).
      expect(t.hits.count('refresh')).to.equal(hitsBefore);
    });

    it('with tokens.refreshReuseGrace off, of 20 concurrent rotations of one refresh token exactly one succeeds', async () => {
      const t = await makeApp({ tokens: { refreshReuseGrace: false } });
      const { refreshToken } = await issueVia(t, t.alice);
      const results = await Promise.all(
        Array.from({ length: 20 }, () => rotate(t, path, refreshToken)),
      );
      const ok = results.filter((r) => r.status === 200);
      expect(ok).to.have.length(1);
      expect((ok[0]!.body as IssuedTokens).refreshToken).to.match(/^pcr_/);
      for (const r of results.filter((x) => x.status !== 200)) {
        expect(r.status).to.equal(401);
        expect(codeOf(r)).to.equal('token_revoked');
        expect(r.body).to.not.have.property('accessToken');
      }
    });

    it('carries the scopes of the family through rotation', async () => {
      const t = await makeApp();
      const first = await issueVia(t, t.alice, ['reports:read', 'profile']);
      const res = await rotate(t, path, first.refreshToken);
      expect(res.status).to.equal(200);
      const next = res.body as IssuedTokens;
      expect(next.scope).to.equal('reports:read profile');
      const verified = await t.auth.tokens.verify(next.accessToken, 'access');
      expect(verified.scopes).to.deep.equal(['reports:read', 'profile']);
      const reports = await request(t.app.callback())
        .get('/api/reports')
        .set('Authorization', bearer(next.accessToken));
      expect(reports.status).to.equal(200);
    });
  });
}

describe('TokenService.rotate() absolute lifetime', () => {
  it('refuses a refresh token past the family lifetime with 401 token_expired, however often rotated', async () => {
    const t = await makeApp({ tokens: { refreshTokenTtl: 2 } });
    const first = await issueVia(t, t.alice);
    const e1 = (await t.auth.tokens.verify(first.refreshToken, 'refresh')).expiresAt;
    const r1 = await rotate(t, '/auth/token/refresh', first.refreshToken);
    expect(r1.status).to.equal(200);
    const second = r1.body as IssuedTokens;
    const r2 = await rotate(t, '/api/refresh', second.refreshToken);
    expect(r2.status).to.equal(200);
    const third = r2.body as IssuedTokens;
    // Rotation never extends the family's absolute expiry.
    const e3 = (await t.auth.tokens.verify(third.refreshToken, 'refresh')).expiresAt;
    expect(e3).to.equal(e1);
    await sleep(2050);
    const hits = t.hits.count('refresh');
    for (const path of ROTATE_ROUTES) {
      const res = await rotate(t, path, third.refreshToken);
      expect(res.status, path).to.equal(401);
      expect(codeOf(res), path).to.equal('token_expired');
      expect(res.body).to.not.have.property('accessToken');
    }
    expect(t.hits.count('refresh')).to.equal(hits);
  });
});

describe('Portcullis#tokens.verify(refreshToken, "refresh")', () => {
  it('refuses a refresh token that has already been spent by rotation (its successor used)', async () => {
    const t = await makeApp();
    const first = await issueVia(t, t.alice);
    const second = await rotate(t, '/auth/token/refresh', first.refreshToken);
    expect(second.status).to.equal(200);
    const next = (second.body as IssuedTokens).refreshToken;
    expect((await rotate(t, '/auth/token/refresh', next)).status).to.equal(200);
    const err: unknown = await t.auth.tokens.verify(first.refreshToken, 'refresh').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, 'verify() accepted a spent refresh token').to.be.instanceOf(AuthError);
    expect((err as AuthError).code).to.equal('token_revoked');
  });
});

describe('ctx.auth.tokens.revoke() / Portcullis#tokens.revoke()', () => {
  it('ctx.auth.tokens.revoke(refreshToken) ends the family', async () => {
    const t = await makeApp();
    withRevokeRoute(t);
    const pair = await issueVia(t, t.alice);
    const res = await request(t.app.callback())
      .post('/tok/revoke')
      .set('Authorization', bearer(pair.accessToken))
      .set('X-Revoke', pair.refreshToken);
    expect(res.status).to.equal(200);
    expect(t.hits.count('revoke')).to.equal(1);
    for (const path of ROTATE_ROUTES) {
      const r = await rotate(t, path, pair.refreshToken);
      expect(r.status, path).to.equal(401);
      expect(codeOf(r), path).to.equal('token_revoked');
    }
    expect(t.hits.count('refresh')).to.equal(0);
  });

  it('auth.tokens.revoke() of any token of a family ends it, the newest token included', async () => {
    const t = await makeApp();
    const first = await issueVia(t, t.bob);
    const second = (await rotate(t, '/auth/token/refresh', first.refreshToken))
      .body as IssuedTokens;
    await t.auth.tokens.revoke(first.refreshToken);
    const r = await rotate(t, '/auth/token/refresh', second.refreshToken);
    expect(r.status).to.equal(401);
    expect(codeOf(r)).to.equal('token_revoked');
    // Another family of the same user is untouched.
    const other = await issueVia(t, t.bob);
    expect((await rotate(t, '/auth/token/refresh', other.refreshToken)).status).to.equal(200);
  });

  it('emits token_revoked naming the user and the kind of token, never the token', async () => {
    const t = await makeApp();
    const revoked: Array<AuthEvents['token_revoked'] & { type: string }> = [];
    t.auth.on('token_revoked', (e) => revoked.push(e));
    const pair = await t.auth.tokens.issue(t.bob);
    await t.auth.tokens.revoke(pair.refreshToken);
    await t.auth.tokens.revoke(pair.accessToken);
    expect(revoked.map((e) => e.userId)).to.deep.equal([t.bob.id, t.bob.id]);
    const seen = JSON.stringify(revoked);
    expect(seen).to.not.include(pair.refreshToken).and.not.include(pair.accessToken);
    expect(revoked.map((e) => e.type)).to.deep.equal(['token_revoked', 'token_revoked']);
    expect(revoked.map((e) => e.tokenType)).to.deep.equal(['refresh', 'access']);
  });

  it('revoking an access token makes it fail with 401 token_revoked; others still work', async () => {
    const t = await makeApp();
    const a = await issueVia(t, t.alice);
    const b = await issueVia(t, t.alice);
    await t.auth.tokens.revoke(a.accessToken);
    const res = await profile(t, a.accessToken);
    expect(res.status).to.equal(401);
    expect(codeOf(res)).to.equal('token_revoked');
    expect(res.headers['www-authenticate']).to.match(/^Bearer error="invalid_token"/);
    expect(t.hits.count('profile')).to.equal(0);
    const err: unknown = await t.auth.tokens.verify(a.accessToken, 'access').catch((e) => e);
    expect(err).to.be.instanceOf(AuthError).with.property('code', 'token_revoked');
    expect((await profile(t, b.accessToken)).status).to.equal(200);
    expect((await rotate(t, '/auth/token/refresh', a.refreshToken)).status).to.equal(200);
  });

  it('revoke() of garbage, forged or foreign tokens resolves without throwing', async () => {
    const t = await makeApp();
    const { refreshToken } = await t.auth.tokens.issue(t.alice);
    const [, kid, family, exp, random] = /^pcr_([^.]+)\.([^.]+)\.([^.]+)\.([^.]+)\./.exec(
      refreshToken,
    )!;
    const garbage = [
      '',
      'garbage',
      'pcr_',
      'pcr_garbage',
      `pcr_${kid}.${family}.${exp}.${random}.${'A'.repeat(43)}`,
      'a.b.c',
      await signAccess({ sub: t.alice.id }, { kid: 'unknown1' }),
      await signAccess({ sub: t.alice.id, exp: 1 }),
      'x'.repeat(20_000),
    ];
    for (const token of garbage) await t.auth.tokens.revoke(token);
    // The forged token with the real family id did not end the family.
    expect((await rotate(t, '/auth/token/refresh', refreshToken)).status).to.equal(200);
  });
});

describe('ctx.auth.tokens.issue()', () => {
  it('answers with Cache-Control: no-store', async () => {
    const t = await makeApp();
    const res = await request(t.app.callback()).post(`/test/tokens/${t.alice.id}?scopes=a,b`);
    expect(res.status).to.equal(200);
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.body).to.include({ tokenType: 'Bearer', expiresIn: 3600, scope: 'a b' });
  });
});

describe('tokens.refreshIdleTimeout (RFC 9700 §4.14.2)', function () {
  this.timeout(10_000);

  it('expires a refresh token unused for longer (401 token_expired, not reuse); rotating in time keeps the family alive', async () => {
    const t = await makeApp({ tokens: { refreshIdleTimeout: '1s' } });
    const reuse: unknown[] = [];
    t.auth.on('token_reuse', (e) => reuse.push(e));
    let { refreshToken } = await t.auth.tokens.issue(t.alice);
    // used every 0.6 s for 1.8 s: each rotation starts the idle time again
    for (let i = 0; i < 3; i++) {
      await sleep(600);
      const res = await rotate(t, '/auth/token/refresh', refreshToken);
      expect(res.status, res.text).to.equal(200);
      refreshToken = (res.body as IssuedTokens).refreshToken;
    }
    await sleep(1_200);
    const probe = await request(t.app.callback())
      .post('/api/refresh')
      .set('Authorization', bearer(refreshToken));
    expect(probe.status).to.equal(401);
    expect(codeOf(probe)).to.equal('token_expired');
    const res = await rotate(t, '/auth/token/refresh', refreshToken);
    expect(res.status).to.equal(401);
    expect(codeOf(res)).to.equal('token_expired');
    expect(reuse).to.deep.equal([]);
  });

  it('is 15 days by default, and false leaves only the absolute lifetime', async () => {
    const t = await makeApp({ tokens: { refreshIdleTimeout: false } });
    const { refreshToken } = await t.auth.tokens.issue(t.alice);
    await sleep(1_100);
    expect((await rotate(t, '/auth/token/refresh', refreshToken)).status).to.equal(200);
    const { resolveOptions } = await import('../../lib/options.js');
    const base = { secret: 'x'.repeat(40), users: t.users };
    expect(resolveOptions(base).tokens.refreshIdleMs).to.equal(15 * 86_400_000);
    expect(() =>
      resolveOptions({ ...base, tokens: { refreshIdleTimeout: '2w' as never } }),
    ).to.throw(TypeError, /refreshIdleTimeout/);
  });
});
