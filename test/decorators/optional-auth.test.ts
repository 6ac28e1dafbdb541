import { expect } from 'chai';
import { GUARDED, calls } from './guard-controllers.js';
import { HTML_ACCEPT, type World, expectError, serve, world } from './support.js';

describe('OptionalAuth', () => {
  let w: World;
  let http: ReturnType<typeof serve>;
  beforeEach(async () => {
    w = await world();
    http = serve(w.auth, GUARDED);
    calls.reset();
  });

  for (const [label, path] of [
    ['bare on a method', '/m/optional'],
    ['called on a method', '/m/optional-called'],
    ['bare on a class', '/opt'],
    ['called on a class', '/optc'],
    ['bare on a method of a @LoginRequired class', '/bare/open'],
    ['called on a method of a @LoginRequired class', '/bare/open-called'],
  ] as const) {
    it(`${label}: lets an anonymous request in with no user`, async () => {
      const res = await http.get(path).set('Accept', HTML_ACCEPT);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ user: null });
      expect(calls.count()).to.equal(1);
    });

    it(`${label}: sets ctx.state.user from a session or an access token`, async () => {
      const viaCookie = await http
        .get(path)
        .set('Cookie', await w.auth.testing.sessionCookie(w.alice));
      const viaBearer = await http
        .get(path)
        .set('Authorization', await w.auth.testing.bearer(w.admin));
      expect(viaCookie.body).to.deep.equal({ user: 'alice@example.com' });
      expect(viaBearer.body).to.deep.equal({ user: 'admin@example.com' });
    });

    it(`${label}: never answers 401, even to a bad token`, async () => {
      const res = await http.get(path).set('Authorization', 'Bearer not-a-token');
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ user: null });
    });
  }

  it('on a method overrides a class @LoginRequired only for that method', async () => {
    expect((await http.get('/bare/open')).status).to.equal(200);
    expectError(await http.get('/bare'), 401, 'login_required');
    expect(calls.count('classBareOpen')).to.equal(1);
    expect(calls.count('classBare')).to.equal(0);
  });

  it('on a class gives way to a method @LoginRequired', async () => {
    expectError(await http.get('/opt/login'), 401, 'login_required');
    expect(calls.count()).to.equal(0);
  });

  it('on a class does not open a method that names @Roles (roles imply login)', async () => {
    expectError(await http.get('/opt/admin'), 401, 'login_required');
    const alice = await w.auth.testing.sessionCookie(w.alice);
    expectError(await http.get('/opt/admin').set('Cookie', alice), 403, 'forbidden');
    expect(calls.count()).to.equal(0);
    const admin = await w.auth.testing.sessionCookie(w.admin);
    expect((await http.get('/opt/admin').set('Cookie', admin)).status).to.equal(200);
  });
});
