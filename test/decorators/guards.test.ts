import { expect } from 'chai';
import { GUARDED, calls } from './guard-controllers.js';
import { HTML_ACCEPT, type World, expectError, serve, world } from './support.js';

describe('LoginRequired', () => {
  let w: World;
  let http: ReturnType<typeof serve>;
  let cookie: string;
  let bearer: string;
  beforeEach(async () => {
    w = await world();
    http = serve(w.auth, GUARDED);
    calls.reset();
    cookie = await w.auth.testing.sessionCookie(w.alice);
    bearer = await w.auth.testing.bearer(w.alice);
  });

  for (const [label, path] of [
    ['bare on a class', '/bare'],
    ['called on a class', '/called'],
    ['bare on a method', '/m/bare'],
    ['called on a method', '/m/called'],
  ] as const) {
    it(`${label}: refuses an anonymous request with 401 login_required`, async () => {
      expectError(await http.get(path), 401, 'login_required');
      expect(calls.count()).to.equal(0);
    });

    it(`${label}: lets a session in with ctx.state.user set`, async () => {
      const res = await http.get(path).set('Cookie', cookie);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ user: 'alice@example.com' });
      expect(calls.count()).to.equal(1);
    });

    it(`${label}: refuses a bearer token (no allowBearer)`, async () => {
      expectError(await http.get(path).set('Authorization', bearer), 401, 'login_required');
      expect(calls.count()).to.equal(0);
    });
  }

  for (const [label, path] of [
    ['{ allowBearer: true } on a class', '/bearer-ok'],
    ['{ allowBearer: true } on a method', '/m/bearer'],
    ['{ allowBearer: true } on a method of a @LoginRequired class', '/bare/mixed'],
  ] as const) {
    it(`${label}: accepts a session or an access token`, async () => {
      const viaCookie = await http.get(path).set('Cookie', cookie);
      const viaBearer = await http.get(path).set('Authorization', bearer);
      expect([viaCookie.status, viaBearer.status]).to.deep.equal([200, 200]);
      expect(viaBearer.body).to.deep.equal({ user: 'alice@example.com' });
      expect(calls.count()).to.equal(2);
    });

    it(`${label}: refuses an anonymous request and a refresh token`, async () => {
      expectError(await http.get(path), 401, 'login_required');
      const { refreshToken } = await w.auth.tokens.issue(w.alice);
      const res = await http.get(path).set('Authorization', `Bearer ${refreshToken}`);
      expectError(res, 401, 'token_invalid');
      expectError(await http.get(path).set('Authorization', 'Bearer junk'), 401, 'token_invalid');
      expect(calls.count()).to.equal(0);
    });
  }

  it('on a method overrides a class @TokenRequired: a session passes, a token does not', async () => {
    expect((await http.get('/api/session').set('Cookie', cookie)).status).to.equal(200);
    expectError(await http.get('/api/session').set('Authorization', bearer), 401, 'login_required');
    expectError(await http.get('/api/token').set('Cookie', cookie), 401, 'token_missing');
    expect(calls.count('tokenClassSession')).to.equal(1);
    expect(calls.count('token')).to.equal(0);
  });

  describe('HTML vs JSON', () => {
    it('redirects a browser (Accept text/html) to /login with a same-origin returnTo', async () => {
      const res = await http.get('/m/page?tab=2&x=%2F').set('Accept', HTML_ACCEPT);
      expect(res.status).to.equal(302);
      const location = new URL(res.headers.location as string, 'http://app.invalid');
      expect(location.origin).to.equal('http://app.invalid');
      expect(location.pathname).to.equal('/login');
      expect(location.searchParams.get('returnTo')).to.equal('/m/page?tab=2&x=%2F');
      expect(res.headers['cache-control']).to.equal('no-store');
      expect(calls.count()).to.equal(0);
    });

    it('redirects a browser from a class-guarded route too', async () => {
      const res = await http.get('/bare').set('Accept', 'text/html');
      expect(res.status).to.equal(302);
      expect(res.headers.location).to.equal('/login?returnTo=%2Fbare');
      expect(calls.count()).to.equal(0);
    });

    it('redirects to the configured loginPath', async () => {
      const custom = await world({ loginPath: '/signin' });
      const res = await serve(custom.auth, GUARDED).get('/m/page').set('Accept', HTML_ACCEPT);
      expect(res.status).to.equal(302);
      expect(res.headers.location).to.equal('/signin?returnTo=%2Fm%2Fpage');
    });

    for (const accept of [
      '*/*',
      'application/json',
      'application/json, text/html;q=0.9',
      'text/html;q=0.5, application/json',
      undefined,
    ]) {
      it(`answers 401 login_required JSON to Accept ${accept ?? '(none)'}`, async () => {
        const req = http.get('/m/page');
        const res = await (accept === undefined ? req : req.set('Accept', accept));
        expectError(res, 401, 'login_required');
        expect(res.headers['content-type']).to.match(/^application\/json/);
        expect(res.headers.location).to.equal(undefined);
        expect(calls.count()).to.equal(0);
      });
    }

    it('redirects a browser from a route guarded only by @Roles (it implies login)', async () => {
      const res = await http.get('/opt/admin').set('Accept', HTML_ACCEPT);
      expect(res.status).to.equal(302);
      expect(res.headers.location).to.equal('/login?returnTo=%2Fopt%2Fadmin');
      expect(calls.count()).to.equal(0);
    });

    it('never redirects from a @TokenRequired route: 401 token_missing', async () => {
      const res = await http.get('/api/token').set('Accept', HTML_ACCEPT);
      expectError(res, 401, 'token_missing');
      expect(res.headers['www-authenticate']).to.equal('Bearer');
      expect(calls.count()).to.equal(0);
    });
  });
});
