import { expect } from 'chai';
import request from 'supertest';
import {
  type AuthContext,
  AuthError,
  Controller,
  type LoadedToken,
  MemoryUserStore,
  type PortcullisOptions,
  Portcullis,
  Post,
  TokenRequired,
} from '../../lib/index.js';
import { type TestApp, type TestUser, makeApp, secretA } from '../support/app.js';
import { bearer, codeOf, issueVia, signAccess } from '../support/tokens.js';

interface LoaderCall {
  token: string;
  type: string;
  scheme: string;
}

const KNOWN: ReadonlyMap<string, LoadedToken> = new Map<string, LoadedToken>([
  ['opaque-alice', { email: 'alice@example.com' }],
  ['opaque-alice-reports', { email: 'alice@example.com', scopes: ['reports:read', 'other'] }],
  ['opaque-alice-str', { email: 'alice@example.com', scopes: 'profile  reports:read' }],
  ['opaque-alice-admin', { email: 'alice@example.com', scopes: 'admin:write' }],
  ['opaque-ghost', { email: 'nobody@example.com' }],
]);

/** `makeApp()` with a tokenLoader / userLoader over KNOWN, recording every call. */
async function opaqueApp(
  options: Partial<PortcullisOptions<TestUser>> = {},
  tokenLoader?: PortcullisOptions<TestUser>['tokenLoader'],
): Promise<{ t: TestApp; calls: LoaderCall[]; records: LoadedToken[] }> {
  const calls: LoaderCall[] = [];
  const records: LoadedToken[] = [];
  const t: TestApp = await makeApp({
    tokenLoader: (token, type, scheme) => {
      calls.push({ token, type, scheme });
      return tokenLoader ? tokenLoader(token, type, scheme) : KNOWN.get(token);
    },
    userLoader: (record) => {
      records.push(record);
      return t.users.findByEmail(String(record.email));
    },
    ...options,
  });
  return { t, calls, records };
}

/** Adds POST /opaque/refresh, guarded by @TokenRequired('refresh'), that does not rotate. */
function withRefreshRoute(t: TestApp): void {
  @Controller('/opaque')
  class OpaqueController {
    @Post('/refresh')
    @TokenRequired('refresh')
    refresh(ctx: AuthContext<TestUser>) {
      t.hits.hit('opaqueRefresh');
      return { email: ctx.state.user.email };
    }
  }
  t.app.use(t.auth.controllers([OpaqueController]));
}

function get(t: TestApp, path: string, token: string) {
  return request(t.app.callback()).get(path).set('Authorization', bearer(token));
}

describe('tokenLoader + userLoader (opaque bearer tokens)', () => {
  it('lets an opaque token the app knows pass @TokenRequired("access")', async () => {
    const { t, calls, records } = await opaqueApp();
    const res = await get(t, '/api/profile', 'opaque-alice');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ email: 'alice@example.com' });
    expect(calls).to.deep.equal([{ token: 'opaque-alice', type: 'access', scheme: 'Bearer' }]);
    expect(records).to.deep.equal([KNOWN.get('opaque-alice')]);
    expect(t.hits.count('profile')).to.equal(1);
  });

  it('takes scopes from the record, as an array or a space-separated string', async () => {
    const { t } = await opaqueApp();
    for (const token of ['opaque-alice-reports', 'opaque-alice-str']) {
      const res = await get(t, '/api/reports', token);
      expect(res.status, token).to.equal(200);
    }
    expect((await get(t, '/api/scoped', 'opaque-alice-admin')).status).to.equal(200);
    const res = await get(t, '/api/reports', 'opaque-alice');
    expect(res.status).to.equal(403);
    expect(codeOf(res)).to.equal('insufficient_scope');
    expect(res.headers['www-authenticate']).to.equal(
      'Bearer error="insufficient_scope", scope="reports:read"',
    );
    const scoped = await get(t, '/api/scoped', 'opaque-alice-reports');
    expect(scoped.status).to.equal(403);
    expect(codeOf(scoped)).to.equal('insufficient_scope');
    expect(t.hits.count('reports')).to.equal(2);
    expect(t.hits.count('scoped')).to.equal(1);
  });

  it('refuses a token the loader does not know, or whose user is gone, with 401 token_invalid', async () => {
    const { t, calls } = await opaqueApp();
    for (const token of ['opaque-unknown', 'opaque-ghost']) {
      const res = await get(t, '/api/profile', token);
      expect(res.status, token).to.equal(401);
      expect(codeOf(res), token).to.equal('token_invalid');
      expect(res.headers['www-authenticate']).to.match(/^Bearer error="invalid_token"/);
    }
    expect(calls.map((c) => c.token)).to.deep.equal(['opaque-unknown', 'opaque-ghost']);
    expect(t.hits.count('profile')).to.equal(0);
  });

  it('asks the loader with tokenType "refresh" (and only that) on a @TokenRequired("refresh") route', async () => {
    const { t, calls } = await opaqueApp();
    withRefreshRoute(t);
    const res = await request(t.app.callback())
      .post('/opaque/refresh')
      .set('Authorization', bearer('opaque-alice'));
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ email: 'alice@example.com' });
    expect(calls).to.deep.equal([{ token: 'opaque-alice', type: 'refresh', scheme: 'Bearer' }]);
  });

  it('POST /auth/token/refresh asks the loader about "refresh", and refuses an opaque token it cannot rotate', async () => {
    const { t, calls } = await opaqueApp();
    const res = await request(t.app.callback())
      .post('/auth/token/refresh')
      .set('Authorization', bearer('opaque-alice'));
    expect(calls.map((c) => c.type)).to.include('refresh');
    expect(res.status).to.equal(401);
    expect(res.body).to.not.have.property('accessToken');
    expect(codeOf(res), 'a token was sent: not token_missing').to.equal('token_invalid');
  });

  it('passes the configured scheme: tokens.scheme, or the route-level one', async () => {
    const { t, calls } = await opaqueApp({ tokens: { scheme: 'Token' } });
    const res = await request(t.app.callback())
      .get('/api/profile')
      .set('Authorization', 'Token opaque-alice');
    expect(res.status).to.equal(200);
    const custom = await request(t.app.callback())
      .get('/api/custom')
      .set('X-Api-Key', 'token opaque-alice');
    expect(custom.status).to.equal(200);
    expect(calls).to.deep.equal([
      { token: 'opaque-alice', type: 'access', scheme: 'Token' },
      { token: 'opaque-alice', type: 'access', scheme: 'Token' },
    ]);
  });

  it('verifies our own access and refresh tokens without calling the loader', async () => {
    const { t, calls, records } = await opaqueApp();
    const pair = await issueVia(t, t.alice, ['reports:read']);
    expect((await get(t, '/api/reports', pair.accessToken)).status).to.equal(200);
    const rotated = await request(t.app.callback())
      .post('/auth/token/refresh')
      .set('Authorization', bearer(pair.refreshToken));
    expect(rotated.status).to.equal(200);
    const forgedSig = await signAccess({ sub: t.alice.id }, {}, Buffer.alloc(32, 7));
    const forged = [pair.refreshToken.slice(0, -2) + 'AA', forgedSig];
    for (const token of forged) {
      const res = await get(t, '/api/profile', token);
      expect(res.status).to.equal(401);
      expect(codeOf(res)).to.equal('token_invalid');
    }
    expect(calls).to.have.length(0);
    expect(records).to.have.length(0);
  });

  it('turns a loader that throws a plain Error into 503 store_unavailable, leaking nothing', async () => {
    for (const which of ['tokenLoader', 'userLoader'] as const) {
      const boom = (): never => {
        throw new Error('connect ECONNREFUSED db.internal:5432 password=hunter2');
      };
      const t = await makeApp({
        tokenLoader: which === 'tokenLoader' ? boom : () => ({ email: 'alice@example.com' }),
        userLoader: which === 'userLoader' ? boom : () => undefined,
      });
      const res = await get(t, '/api/profile', 'opaque-alice');
      expect(res.status, which).to.equal(503);
      expect(codeOf(res), which).to.equal('store_unavailable');
      expect(res.body).to.deep.equal({
        error: { code: 'store_unavailable', message: 'Authentication is temporarily unavailable.' },
      });
      expect(res.text).to.not.match(/hunter2|ECONNREFUSED|db\.internal|at .*\.js/);
      expect(res.headers).to.not.have.property('www-authenticate');
      expect(t.hits.count('profile')).to.equal(0);
      expect(t.logger.records.map((r) => r.record.code)).to.include('store_unavailable');
    }
  });

  it('answers 503 store_unavailable within storeTimeout when the loader hangs', async function () {
    this.timeout(3000);
    const { t } = await opaqueApp({ storeTimeout: 100 }, () => new Promise<never>(() => {}));
    const res = await get(t, '/api/profile', 'opaque-alice');
    expect(res.status).to.equal(503);
    expect(codeOf(res)).to.equal('store_unavailable');
    expect(t.hits.count('profile')).to.equal(0);
  });

  it("passes a loader's AuthError through: token_expired -> 401 token_expired", async () => {
    const { t } = await opaqueApp({}, () => {
      throw new AuthError('token_expired');
    });
    const res = await get(t, '/api/profile', 'opaque-alice');
    expect(res.status).to.equal(401);
    expect(codeOf(res)).to.equal('token_expired');
    expect(res.headers['www-authenticate']).to.match(/^Bearer error="invalid_token"/);
    expect(t.hits.count('profile')).to.equal(0);
  });

  it('refuses to construct with only one of tokenLoader / userLoader', () => {
    const users = new MemoryUserStore<TestUser>();
    expect(
      () => new Portcullis<TestUser>({ secret: secretA, users, tokenLoader: () => undefined }),
    ).to.throw(TypeError, /tokenLoader/);
    expect(
      () => new Portcullis<TestUser>({ secret: secretA, users, userLoader: () => undefined }),
    ).to.throw(TypeError, /userLoader/);
  });
});
