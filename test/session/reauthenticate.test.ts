import { expect } from 'chai';
import { type FaultApp, post, startFaultApp, whoami } from '../support/faults.js';
import { Browser, type Step } from '../support/browser.js';
import { client, startPasskeyApp } from '../support/passkey-app.js';
import { SoftAuthenticator } from '../support/authenticator.js';
import { type Rig, rig } from '../support/oauth-rig.js';
import { sleep } from '../support/tokens.js';

/**
 * ASVS 5.0 V7.5.1 / V7.5.2: past `session.reauthenticateAfter` from its sign-in, a session may
 * not change how the user signs in, nor end other sessions, until the user signs in again.
 * Here the window is 1 s.
 */
const WINDOW = { session: { reauthenticateAfter: '1s' as const } };
const STALE = 1_150;

function code(step: Step): string | undefined {
  return (JSON.parse(step.body) as { error?: { code?: string } }).error?.code;
}

describe('session.reauthenticateAfter (sign in again before changing how you sign in)', function () {
  this.timeout(20_000);

  describe('sessions and a first password', () => {
    let app: FaultApp;
    beforeEach(async () => {
      app = await startFaultApp(WINDOW);
    });
    afterEach(() => app.close());

    /** Signs `email` in by magic link (a user without a password) in a new browser. */
    async function byLink(email: string): Promise<Browser> {
      const browser = new Browser();
      await post(app, browser, '/auth/magic', { email });
      const token = /token=([A-Za-z0-9_-]{43})/.exec(app.mailer.last(email)!.text)![1];
      expect((await post(app, browser, '/auth/magic/callback', { token })).status).to.equal(200);
      return browser;
    }

    it('refuses ending other sessions and adding a first password on an old sign-in, until the user signs in again', async () => {
      const other = await byLink('ada@example.com');
      const browser = await byLink('ada@example.com');
      const fresh = await post(app, browser, '/auth/sessions/revoke-others', {});
      expect(fresh.status, fresh.body).to.equal(200);
      const again = await byLink('ada@example.com');
      await sleep(STALE);
      for (const step of [
        await post(app, again, '/auth/sessions/revoke-others', {}),
        await again.request(`${app.url}/auth/sessions/abc`, {
          method: 'DELETE',
          headers: { accept: 'application/json', origin: app.url },
        }),
        await post(app, again, '/auth/password/change', {
          newPassword: 'a brand new passphrase 9',
        }),
      ]) {
        expect(step.status, step.body).to.equal(403);
        expect(code(step)).to.equal('reauthentication_required');
      }
      expect((await app.users.findByEmail('ada@example.com'))?.passwordHash).to.equal(undefined);
      expect(await whoami(app, again)).not.to.equal(undefined); // still signed in
      expect(await whoami(app, other)).to.equal(undefined); // ended by the fresh revoke-others
      const signedInAgain = await byLink('ada@example.com');
      const res = await post(app, signedInAgain, '/auth/password/change', {
        newPassword: 'a brand new passphrase 9',
      });
      expect(res.status, res.body).to.equal(200);
    });

    it('lets a password be changed on an old sign-in: the current password is the re-authentication', async () => {
      const browser = new Browser();
      const pw = 'correct horse battery staple 42';
      await post(app, browser, '/auth/password/register', {
        email: 'pat@example.com',
        password: pw,
      });
      await sleep(STALE);
      const res = await post(app, browser, '/auth/password/change', {
        currentPassword: pw,
        newPassword: 'another long passphrase, 2026!',
      });
      expect(res.status, res.body).to.equal(200);
    });

    it('is off with reauthenticateAfter: false', async () => {
      await app.close();
      app = await startFaultApp({ session: { reauthenticateAfter: false } });
      const browser = await byLink('ada@example.com');
      await sleep(STALE);
      expect((await post(app, browser, '/auth/sessions/revoke-others', {})).status).to.equal(200);
    });
  });

  it('refuses adding and removing a passkey on an old sign-in', async () => {
    const app = await startPasskeyApp(WINDOW);
    try {
      const c = client(app);
      await c.signIn(app.alice);
      const authn = new SoftAuthenticator();
      expect((await c.register(authn)).status).to.equal(201);
      await sleep(STALE);
      const options = await c.post('/auth/passkeys/register/options');
      expect(options.status).to.equal(403);
      expect(code(options)).to.equal('reauthentication_required');
      const id = authn.credentials[0]!.id;
      const removed = await c.browser.request(`${app.url}/auth/passkeys/${id}`, {
        method: 'DELETE',
        headers: { accept: 'application/json', origin: app.url },
      });
      expect(removed.status).to.equal(403);
      expect(await app.users.findPasskey(id)).not.to.equal(undefined);
    } finally {
      await app.close();
    }
  });

  describe('providers', () => {
    let r: Rig;
    before(async () => {
      r = await rig(WINDOW);
    });
    after(() => r.close());

    it('refuses linking a provider account, or unlinking one, on an old sign-in; a fresh sign-in links it', async () => {
      const browser = new Browser();
      expect((await r.signIn(browser, 'first')).location!.pathname).to.equal('/');
      const me = JSON.parse((await browser.request(`${r.app.url}/me`)).body) as {
        user: { id: string };
      };
      await sleep(STALE);
      const link = await r.signIn(browser, 'second');
      expect(link.location!.pathname).to.equal('/auth/error');
      expect(link.location!.searchParams.get('error')).to.equal('reauthentication_required');
      expect(await r.app.users.findByAccount('corp', 'second')).to.equal(undefined);
      const unlink = await browser.request(`${r.app.url}/auth/accounts/corp`, {
        method: 'DELETE',
        headers: { accept: 'application/json', origin: r.app.url },
      });
      expect(unlink.status).to.equal(403);
      // signing in again (the first account) makes the session fresh: now it links
      expect((await r.signIn(browser, 'first')).location!.pathname).to.equal('/');
      expect((await r.signIn(browser, 'second')).location!.pathname).to.equal('/');
      expect((await r.app.users.findByAccount('corp', 'second'))?.id).to.equal(me.user.id);
    });
  });
});
