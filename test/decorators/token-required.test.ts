import { expect } from 'chai';
import {
  type AuthContext,
  Controller,
  Get,
  Post,
  RequireScopes,
  TokenRequired,
} from '../../lib/index.js';
import type { TestUser } from '../support/app.js';
import { Calls, type World, expectError, serve, world } from './support.js';

const calls = new Calls();

@Controller('/tok')
class TokenController {
  @Get('/access')
  @TokenRequired('access')
  access(ctx: AuthContext<TestUser>) {
    return calls.hit('access', ctx);
  }
  @Post('/refresh')
  @TokenRequired('refresh')
  refresh(ctx: AuthContext<TestUser>) {
    calls.add('refresh');
    return ctx.auth.tokens.rotate();
  }
  @Get('/whoami')
  @TokenRequired('refresh')
  whoami(ctx: AuthContext<TestUser>) {
    return calls.hit('whoami', ctx);
  }
  @Get('/custom')
  @TokenRequired('access', { header: 'X-Api-Key', scheme: 'Token' })
  custom(ctx: AuthContext<TestUser>) {
    return calls.hit('custom', ctx);
  }
  @Get('/custom-scoped')
  @TokenRequired('access', { header: 'X-Api-Key', scheme: 'Token', scopes: ['x'] })
  customScoped(ctx: AuthContext<TestUser>) {
    return calls.hit('customScoped', ctx);
  }
  @Get('/custom-require')
  @TokenRequired('access', { header: 'X-Api-Key', scheme: 'Token' })
  @RequireScopes('x')
  customRequire(ctx: AuthContext<TestUser>) {
    return calls.hit('customRequire', ctx);
  }
}

const ALL = [TokenController];

describe('TokenRequired', () => {
  let w: World;
  let http: ReturnType<typeof serve>;
  beforeEach(async () => {
    w = await world();
    http = serve(w.auth, ALL);
    calls.reset();
  });

  it("('access') accepts an access token and sets ctx.state.user", async () => {
    const res = await http
      .get('/tok/access')
      .set('Authorization', await w.auth.testing.bearer(w.admin));
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ user: 'admin@example.com' });
  });

  it("('access') refuses no token (401 token_missing), a session and a junk token", async () => {
    const none = await http.get('/tok/access');
    expectError(none, 401, 'token_missing');
    expect(none.headers['www-authenticate']).to.equal('Bearer');
    const cookie = await w.auth.testing.sessionCookie(w.alice);
    expectError(await http.get('/tok/access').set('Cookie', cookie), 401, 'token_missing');
    const junk = await http.get('/tok/access').set('Authorization', 'Bearer abc.def.ghi');
    expectError(junk, 401, 'token_invalid');
    expect(junk.headers['www-authenticate']).to.match(/^Bearer error="invalid_token"/);
    expect(calls.count()).to.equal(0);
  });

  it("('access') refuses a refresh token with 401 token_invalid", async () => {
    const { refreshToken } = await w.auth.tokens.issue(w.alice);
    const res = await http.get('/tok/access').set('Authorization', `Bearer ${refreshToken}`);
    expectError(res, 401, 'token_invalid');
    expect(res.headers['www-authenticate']).to.match(/^Bearer error="invalid_token"/);
    expect(calls.count()).to.equal(0);
  });

  it("('access') refuses a revoked access token with 401 token_revoked", async () => {
    const { accessToken } = await w.auth.tokens.issue(w.alice);
    await w.auth.tokens.revoke(accessToken);
    const res = await http.get('/tok/access').set('Authorization', `Bearer ${accessToken}`);
    expectError(res, 401, 'token_revoked');
    expect(calls.count()).to.equal(0);
  });

  it("('refresh') refuses an access token with 401 token_invalid", async () => {
    const res = await http
      .post('/tok/refresh')
      .set('Authorization', await w.auth.testing.bearer(w.alice));
    expectError(res, 401, 'token_invalid');
    expect(calls.count()).to.equal(0);
  });

  it("('refresh') accepts a refresh token; the handler can rotate it", async () => {
    const { refreshToken } = await w.auth.tokens.issue(w.alice);
    const res = await http.post('/tok/refresh').set('Authorization', `Bearer ${refreshToken}`);
    expect(res.status).to.equal(200);
    expect(res.body).to.include.keys('accessToken', 'refreshToken');
    expect(res.body.refreshToken).not.to.equal(refreshToken);
    expect(calls.count('refresh')).to.equal(1);
    // the successor used, so the reuse grace (docs/tokens.md) does not apply
    const head = await http
      .post('/tok/refresh')
      .set('Authorization', `Bearer ${res.body.refreshToken as string}`);
    expect(head.status).to.equal(200);
    const reused = await http.post('/tok/refresh').set('Authorization', `Bearer ${refreshToken}`);
    expectError(reused, 401, 'token_revoked');
    const next = await http
      .post('/tok/refresh')
      .set('Authorization', `Bearer ${head.body.refreshToken as string}`);
    expectError(next, 401, 'token_revoked');
  });

  it("('refresh') refuses a spent refresh token before the handler runs", async () => {
    const { refreshToken } = await w.auth.tokens.issue(w.alice);
    const res = await http.post('/tok/refresh').set('Authorization', `Bearer ${refreshToken}`);
    expect(res.status).to.equal(200);
    const head = await http
      .post('/tok/refresh')
      .set('Authorization', `Bearer ${res.body.refreshToken as string}`);
    expect(head.status).to.equal(200);
    calls.reset();
    const spent = await http.get('/tok/whoami').set('Authorization', `Bearer ${refreshToken}`);
    expectError(spent, 401, 'token_revoked');
    expect(calls.count()).to.equal(0);
  });

  it('reads a custom header and scheme (scheme case-insensitive)', async () => {
    const { accessToken } = await w.auth.tokens.issue(w.alice);
    for (const value of [`Token ${accessToken}`, `token ${accessToken}`]) {
      const res = await http.get('/tok/custom').set('X-Api-Key', value);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ user: 'alice@example.com' });
    }
  });

  it('with a custom header ignores Authorization and challenges with its own scheme', async () => {
    const { accessToken } = await w.auth.tokens.issue(w.alice);
    const res = await http.get('/tok/custom').set('Authorization', `Bearer ${accessToken}`);
    expectError(res, 401, 'token_missing');
    expect(res.headers['www-authenticate']).to.equal('Token');
    const wrongScheme = await http.get('/tok/custom').set('X-Api-Key', `Bearer ${accessToken}`);
    expectError(wrongScheme, 401, 'token_missing');
    expect(calls.count()).to.equal(0);
  });

  it('with a custom scheme answers insufficient_scope with that scheme', async () => {
    const { accessToken } = await w.auth.tokens.issue(w.alice);
    for (const path of ['/tok/custom-scoped', '/tok/custom-require']) {
      const res = await http.get(path).set('X-Api-Key', `Token ${accessToken}`);
      expectError(res, 403, 'insufficient_scope');
      expect(res.headers['www-authenticate'], path).to.equal(
        'Token error="insufficient_scope", scope="x"',
      );
    }
    expect(calls.count()).to.equal(0);
  });

  it('uses the tokens.header / tokens.scheme options as defaults', async () => {
    const custom = await world({ tokens: { header: 'X-Auth', scheme: 'Key' } });
    const h = serve(custom.auth, ALL);
    const value = await custom.auth.testing.bearer(custom.alice);
    expect(value).to.match(/^Key /);
    expect((await h.get('/tok/access').set('X-Auth', value)).status).to.equal(200);
    const res = await h.get('/tok/access').set('Authorization', `Bearer ${value.slice(4)}`);
    expectError(res, 401, 'token_missing');
    expect(res.headers['www-authenticate']).to.equal('Key');
  });
});
