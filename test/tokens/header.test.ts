import { expect } from 'chai';
import type { Context } from 'koa';
import request from 'supertest';
import { AuthError } from '../../lib/index.js';
import { type TestApp, makeApp } from '../support/app.js';
import { bearer, codeOf, issueVia, nowSec, rawRequest, signAccess } from '../support/tokens.js';

const INVALID_TOKEN = /^Bearer error="invalid_token"(, error_description="[^"\\]*")?$/;

function get(t: TestApp, path: string) {
  return request(t.app.callback()).get(path);
}

describe('@TokenRequired: WWW-Authenticate challenges (RFC 6750)', () => {
  it('no token: 401 token_missing with a bare `Bearer` challenge', async () => {
    const t = await makeApp();
    for (const path of ['/api/profile', '/api/reports', '/api/scoped']) {
      const res = await get(t, path);
      expect(res.status, path).to.equal(401);
      expect(codeOf(res), path).to.equal('token_missing');
      expect(res.headers['www-authenticate'], path).to.equal('Bearer');
      expect(res.headers['cache-control'], path).to.equal('no-store');
    }
    const custom = await get(t, '/api/custom');
    expect(custom.status).to.equal(401);
    expect(codeOf(custom)).to.equal('token_missing');
    expect(custom.headers['www-authenticate']).to.equal('Token');
    expect(t.hits.total()).to.equal(0);
  });

  it('a bad, expired or revoked token: 401 with error="invalid_token"', async () => {
    const t = await makeApp();
    const now = nowSec();
    const revoked = await issueVia(t, t.alice);
    await t.auth.tokens.revoke(revoked.accessToken);
    const cases: Array<[string, string, string]> = [
      ['garbage', 'not-a-token', 'token_invalid'],
      ['two segments', 'eyJhbGciOiJIUzI1NiJ9.e30', 'token_invalid'],
      [
        'expired',
        await signAccess({ sub: t.alice.id, iat: now - 7200, exp: now - 3600 }),
        'token_expired',
      ],
      ['revoked', revoked.accessToken, 'token_revoked'],
    ];
    for (const [name, token, code] of cases) {
      const res = await get(t, '/api/profile').set('Authorization', bearer(token));
      expect(res.status, name).to.equal(401);
      expect(codeOf(res), name).to.equal(code);
      expect(res.headers['www-authenticate'], name).to.match(INVALID_TOKEN);
    }
    expect(t.hits.count('profile')).to.equal(0);
  });

  it('insufficient scope: 403 with error="insufficient_scope" and the scopes needed', async () => {
    const t = await makeApp();
    const { accessToken } = await issueVia(t, t.alice, ['profile']);
    const res = await get(t, '/api/reports').set('Authorization', bearer(accessToken));
    expect(res.status).to.equal(403);
    expect(codeOf(res)).to.equal('insufficient_scope');
    expect(res.headers['www-authenticate']).to.equal(
      'Bearer error="insufficient_scope", scope="reports:read"',
    );
    const scoped = await get(t, '/api/scoped').set('Authorization', bearer(accessToken));
    expect(scoped.status).to.equal(403);
    expect(codeOf(scoped)).to.equal('insufficient_scope');
    expect(scoped.headers['www-authenticate']).to.equal(
      'Bearer error="insufficient_scope", scope="admin:write"',
    );
    expect(t.hits.count('reports') + t.hits.count('scoped')).to.equal(0);
  });
});

describe('@TokenRequired: reading the bearer header', () => {
  it('two Authorization headers: 400 invalid_request, even when both carry valid tokens', async () => {
    const t = await makeApp();
    const a = await issueVia(t, t.alice);
    const b = await issueVia(t, t.bob);
    for (const pair of [
      [bearer(a.accessToken), bearer(b.accessToken)],
      [bearer(a.accessToken), bearer(a.accessToken)],
    ]) {
      for (const path of ['/api/profile', '/auth/me']) {
        const res = await rawRequest(t, 'GET', path, { Authorization: pair });
        expect(res.status, path).to.equal(400);
        expect(codeOf(res), path).to.equal('invalid_request');
        expect(res.headers['www-authenticate'], path).to.equal('Bearer error="invalid_request"');
      }
    }
    const custom = await rawRequest(t, 'GET', '/api/custom', {
      'X-Api-Key': [`Token ${a.accessToken}`, `Token ${b.accessToken}`],
    });
    expect(custom.status).to.equal(400);
    expect(codeOf(custom)).to.equal('invalid_request');
    expect(t.hits.count('profile') + t.hits.count('custom')).to.equal(0);
  });

  it('the scheme with no token: 400 invalid_request', async () => {
    const t = await makeApp();
    for (const value of ['Bearer', 'Bearer ', 'bearer    ']) {
      const res = await get(t, '/api/profile').set('Authorization', value);
      expect(res.status, JSON.stringify(value)).to.equal(400);
      expect(codeOf(res), JSON.stringify(value)).to.equal('invalid_request');
      expect(res.headers['www-authenticate']).to.equal('Bearer error="invalid_request"');
    }
    expect(t.hits.count('profile')).to.equal(0);
  });

  it('another scheme (Basic) on a bearer route: 401 token_missing', async () => {
    const t = await makeApp();
    const { accessToken } = await issueVia(t, t.alice);
    for (const value of [
      `Basic ${Buffer.from('alice:pw').toString('base64')}`,
      `Basic ${accessToken}`,
      `Bearer${accessToken}`,
    ]) {
      const res = await get(t, '/api/profile').set('Authorization', value);
      expect(res.status, value).to.equal(401);
      expect(codeOf(res), value).to.equal('token_missing');
      expect(res.headers['www-authenticate']).to.equal('Bearer');
    }
    expect(t.hits.count('profile')).to.equal(0);
  });

  it('accepts the scheme in any case', async () => {
    const t = await makeApp();
    const { accessToken } = await issueVia(t, t.alice);
    const res = await get(t, '/api/profile').set('Authorization', `bEaReR ${accessToken}`);
    expect(res.status).to.equal(200);
  });

  it('ignores a token in the query string or in a form body: 401 token_missing', async () => {
    const t = await makeApp();
    const { accessToken } = await issueVia(t, t.alice);
    const q = await get(t, `/api/profile?access_token=${accessToken}`);
    expect(q.status).to.equal(401);
    expect(codeOf(q)).to.equal('token_missing');
    expect(q.headers['www-authenticate']).to.equal('Bearer');
    const form = await request(t.app.callback())
      .post('/api/profile')
      .type('form')
      .send({ access_token: accessToken });
    expect(form.status).to.equal(401);
    expect(codeOf(form)).to.equal('token_missing');
    expect(t.hits.count('profile') + t.hits.count('profileWrite')).to.equal(0);
  });
});

describe('the onError option', () => {
  it("renders bearer failures the app's way, called with the AuthError and ctx", async () => {
    const seen: Array<{ err: unknown; path: string; status: number }> = [];
    const t = await makeApp({
      onError: (err: AuthError, ctx: Context) => {
        seen.push({ err, path: ctx.path, status: ctx.status });
        ctx.body = { problem: err.code, detail: err.message };
      },
    });
    const missing = await get(t, '/api/profile');
    expect(missing.status).to.equal(401);
    expect(missing.body).to.deep.equal({
      problem: 'token_missing',
      detail: 'A bearer token is required.',
    });
    expect(missing.headers['www-authenticate']).to.equal('Bearer');

    const { accessToken } = await issueVia(t, t.alice);
    const scope = await get(t, '/api/reports').set('Authorization', bearer(accessToken));
    expect(scope.status).to.equal(403);
    expect(scope.body).to.have.property('problem', 'insufficient_scope');

    expect(seen).to.have.length(2);
    expect(seen[0]!.err).to.be.instanceOf(AuthError);
    expect(seen[0]).to.include({ path: '/api/profile', status: 401 });
    expect((seen[1]!.err as AuthError).code).to.equal('insufficient_scope');
    expect(seen[1]).to.include({ path: '/api/reports', status: 403 });
    expect(t.hits.count('profile') + t.hits.count('reports')).to.equal(0);
  });
});

describe('GET /auth/me', () => {
  it('with an access token, returns the user without secret fields', async () => {
    const t = await makeApp();
    const { accessToken } = await issueVia(t, t.alice);
    const res = await get(t, '/auth/me').set('Authorization', bearer(accessToken));
    expect(res.status).to.equal(200);
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.body).to.deep.equal({ user: { id: t.alice.id, email: 'alice@example.com' } });
    expect(res.text).to.not.include('passwordHash').and.not.include('argon2id');
  });

  it('refuses a refresh token (401 token_invalid) and no credentials (401 login_required)', async () => {
    const t = await makeApp();
    const { refreshToken } = await issueVia(t, t.alice);
    const refresh = await get(t, '/auth/me').set('Authorization', bearer(refreshToken));
    expect(refresh.status).to.equal(401);
    expect(codeOf(refresh)).to.equal('token_invalid');
    expect(refresh.headers['www-authenticate']).to.match(INVALID_TOKEN);
    expect(refresh.body).to.not.have.property('user');
    const none = await get(t, '/auth/me');
    expect(none.status).to.equal(401);
    expect(codeOf(none)).to.equal('login_required');
    expect(none.body).to.not.have.property('user');
  });
});
