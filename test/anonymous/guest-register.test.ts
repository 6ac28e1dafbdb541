import { expect } from 'chai';
import { Browser } from '../support/browser.js';
import { type FaultApp, post, startFaultApp, whoami } from '../support/faults.js';

/**
 * A guest who registers with email and password (password.requireVerifiedEmail, the default):
 * its browser sees the same whether the address was free or taken, and the account becomes a
 * full one, with the guest's id, only once the address is verified.
 */
describe('a guest registering with a password', () => {
  let app: FaultApp;
  beforeEach(async () => {
    app = await startFaultApp({
      password: { argon2: { memoryCost: 8192, timeCost: 1, parallelism: 1 } },
    });
    await app.users.create({ email: 'taken@example.com', emailVerified: true });
  });
  afterEach(() => app.close());

  async function guest(): Promise<{ browser: Browser; id: string }> {
    const browser = new Browser();
    const res = await post(app, browser, '/auth/anonymous', {});
    expect(res.status, res.body).to.equal(200);
    return { browser, id: (JSON.parse(res.body) as { user: { id: string } }).user.id };
  }

  const password = 'a long and unusual passphrase 7';

  it('answers alike and stays a guest whether the address was free or taken', async () => {
    const seen: unknown[] = [];
    for (const email of ['free@example.com', 'taken@example.com']) {
      const g = await guest();
      const res = await post(app, g.browser, '/auth/password/register', { email, password });
      const me = await whoami(app, g.browser);
      seen.push([res.status, res.body, res.setCookies.length, me?.id === g.id, me?.anonymous]);
    }
    expect(seen[0]).to.deep.equal(seen[1]);
    // one cookie either way: the sealed browser cookie that remembers the registration
    expect(seen[0]).to.deep.equal([202, '{"ok":true}', 1, true, true]);
  });

  it('cannot sign in with the password before the address is verified', async () => {
    const g = await guest();
    await post(app, g.browser, '/auth/password/register', { email: 'new@example.com', password });
    const res = await post(app, new Browser(), '/auth/password/login', {
      email: 'new@example.com',
      password,
    });
    expect(res.status).to.equal(403);
    expect(JSON.parse(res.body).error.code).to.equal('email_unverified');
  });

  it('becomes a full account with the guest id once the mailed link is followed', async () => {
    const upgraded: string[] = [];
    app.auth.on('guest_upgraded', (e) => upgraded.push(e.userId));
    const g = await guest();
    await post(app, g.browser, '/auth/password/register', { email: 'new@example.com', password });
    const token = /token=([A-Za-z0-9_-]{43})/.exec(app.mailer.last('new@example.com')!.text)![1];
    const verified = await post(app, g.browser, '/auth/email/verify', { token });
    expect(verified.status, verified.body).to.equal(200);
    expect(upgraded).to.deep.equal([g.id]);
    const stored = await app.users.findById(g.id);
    expect(stored).to.include({ email: 'new@example.com', emailVerified: true, anonymous: false });
    const login = new Browser();
    const res = await post(app, login, '/auth/password/login', {
      email: 'new@example.com',
      password,
    });
    expect(res.status, res.body).to.equal(200);
    expect((await whoami(app, login))?.id).to.equal(g.id);
  });

  it('becomes a full account in place when a magic link is followed in the guest browser', async () => {
    const g = await guest();
    await post(app, g.browser, '/auth/password/register', { email: 'new@example.com', password });
    await post(app, g.browser, '/auth/magic', { email: 'new@example.com' });
    const token = /token=([A-Za-z0-9_-]{43})/.exec(app.mailer.last('new@example.com')!.text)![1];
    const res = await post(app, g.browser, '/auth/magic/callback', { token });
    expect(res.status, res.body).to.equal(200);
    const me = await whoami(app, g.browser);
    expect(me).to.include({ id: g.id, anonymous: false, emailVerified: true });
  });

  it('is never upgraded in place by a magic link followed in another browser (issue 15)', async () => {
    const g = await guest();
    await post(app, g.browser, '/auth/password/register', { email: 'new@example.com', password });
    const other = new Browser();
    await post(app, other, '/auth/magic', { email: 'new@example.com' });
    const token = /token=([A-Za-z0-9_-]{43})/.exec(app.mailer.last('new@example.com')!.text)![1];
    const res = await post(app, other, '/auth/magic/callback', { token });
    expect(res.status, res.body).to.equal(200);
    const me = await whoami(app, other);
    expect(me).to.include({ email: 'new@example.com', emailVerified: true });
    expect(me?.anonymous).to.not.equal(true);
    expect(me?.id).to.not.equal(g.id);
    // the guest stays a guest, without the address or the password it registered
    const left = (await app.users.findById(g.id)) as unknown as Record<string, unknown>;
    expect(left).to.include({ anonymous: true });
    expect(left.email).to.equal(undefined);
    expect(left.passwordHash).to.equal(undefined);
    expect((await whoami(app, g.browser))?.id).to.equal(g.id);
  });
});
