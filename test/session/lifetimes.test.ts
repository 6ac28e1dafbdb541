import { expect } from 'chai';
import request from 'supertest';
import { Keyring } from '../../lib/keys/keyring.js';
import { seal } from '../../lib/session/seal.js';
import { type TestApp, makeApp, secretA } from '../support/app.js';

const ring = new Keyring([Buffer.from(secretA)]);
const DAY = 86_400_000;

/** A registered session for `userId` whose sealed times are `created` and `touched` (ms ago). */
async function forgedCookie(
  t: TestApp,
  userId: string,
  createdAgo: number,
  touchedAgo: number,
): Promise<string> {
  const now = Date.now();
  const sid = `forged-${Math.random().toString(36).slice(2)}`;
  const c = now - createdAgo;
  await t.store.set(`sess:${sid}`, JSON.stringify({ u: userId, g: 0, c }), DAY * 60);
  const value = {
    $pc: { s: sid, u: userId, c, t: now - touchedAgo },
    _expire: now + DAY,
    _maxAge: DAY,
  };
  return `portcullis=${seal(ring, 'session', value)}`;
}

describe('session lifetimes (checked from the times sealed inside)', () => {
  it('accepts a session inside both lifetimes', async () => {
    const t = await makeApp();
    const res = await request(t.app.callback())
      .get('/dashboard')
      .set('Cookie', await forgedCookie(t, t.alice.id, DAY, 60_000));
    expect(res.status).to.equal(200);
  });

  it('rejects a session idle for longer than idleTimeout with 401 login_required', async () => {
    const t = await makeApp({ session: { idleTimeout: '1h' } });
    const res = await request(t.app.callback())
      .get('/dashboard')
      .set('Cookie', await forgedCookie(t, t.alice.id, 2 * 3600_000, 3600_000 + 1000));
    expect(res.status).to.equal(401);
    expect(res.body.error.code).to.equal('login_required');
    expect(t.hits.count('dashboard')).to.equal(0);
  });

  it('rejects a session older than absoluteTimeout even when active', async () => {
    const t = await makeApp({ session: { absoluteTimeout: '2d' } });
    const res = await request(t.app.callback())
      .get('/dashboard')
      .set('Cookie', await forgedCookie(t, t.alice.id, 2 * DAY + 1000, 1000));
    expect(res.status).to.equal(401);
    expect(res.body.error.code).to.equal('login_required');
    expect(t.hits.count('dashboard')).to.equal(0);
  });

  it('rejects a validly sealed session that is not in the registry (never issued, or revoked)', async () => {
    const t = await makeApp();
    const now = Date.now();
    const value = {
      $pc: { s: 'not-registered', u: t.alice.id, c: now, t: now },
      _expire: now + DAY,
    };
    const res = await request(t.app.callback())
      .get('/dashboard')
      .set('Cookie', `portcullis=${seal(ring, 'session', value)}`);
    expect(res.status).to.equal(401);
    expect(res.body.error.code).to.equal('login_required');
  });

  it('ends the session when isUserValid returns false, clearing the cookie', async () => {
    const t = await makeApp({ isUserValid: (user) => !user.disabled });
    const cookie = await t.auth.testing.sessionCookie(t.alice);
    expect(
      (await request(t.app.callback()).get('/dashboard').set('Cookie', cookie)).status,
    ).to.equal(200);
    await t.users.update(t.alice.id, { disabled: true });
    const res = await request(t.app.callback()).get('/dashboard').set('Cookie', cookie);
    expect(res.status).to.equal(401);
    expect(res.body.error.code).to.equal('login_required');
    expect(String(res.headers['set-cookie'])).to.match(/portcullis=;/);
    await t.users.update(t.alice.id, { disabled: false });
    const after = await request(t.app.callback()).get('/dashboard').set('Cookie', cookie);
    expect(after.status, 'the ended session stays dead').to.equal(401);
  });

  it('rejects the session of a deleted user', async () => {
    const t = await makeApp();
    const cookie = await t.auth.testing.sessionCookie(t.bob);
    await t.users.delete(t.bob.id);
    const res = await request(t.app.callback()).get('/dashboard').set('Cookie', cookie);
    expect(res.status).to.equal(401);
    expect(t.hits.count('dashboard')).to.equal(0);
  });
});
