import { expect } from 'chai';
import { Browser } from '../support/browser.js';
import {
  expectFailed,
  foreignSigned,
  ISSUER,
  CLIENT_ID,
  type Rig,
  rig,
} from '../support/oauth-rig.js';

describe('OAuth tokens, ID tokens and accounts', function () {
  this.timeout(20000);
  let r: Rig;
  before(async () => {
    r = await rig();
  });
  after(async () => r.close());
  beforeEach(() => {
    r.script = {};
  });

  describe('security case 17: a provider token that would push the cookie past 4096 bytes', () => {
    it('is split over cookies that each stay under 4096 bytes, and the session works', async () => {
      r.script = { accessToken: `big-${'z'.repeat(6000)}` };
      const browser = new Browser();
      const done = await r.signIn(browser, 'big-user');
      expect(done.location!.pathname).to.equal('/');
      const session = done.setCookies.filter((c) => c.startsWith('portcullis'));
      expect(session.length).to.be.at.least(2);
      for (const c of done.setCookies) expect(Buffer.byteLength(c)).to.be.below(4096);
      expect((await browser.request(`${r.app.url}/me`)).status).to.equal(200);
      const token = JSON.parse(
        (await browser.request(`${r.app.url}/provider-token/corp`)).body,
      ) as { token: string };
      expect(token.token).to.equal(r.script.accessToken);
    });
  });

  describe('security case 18: provider tokens never in a response body, an error or a log', () => {
    it('keeps them out of every response of a sign-in, of /auth/me, of a failed sign-in and of the logs', async () => {
      const browser = new Browser();
      const seen: string[] = [];
      const record = (s: { body: string; headers: Headers; location?: URL | undefined }) =>
        seen.push(s.body, JSON.stringify([...s.headers]), s.location?.href ?? '');
      const url = await r.start(browser);
      const done = await browser.request(r.fake.authorize(url, { iss: ISSUER }));
      record(done);
      record(
        await browser.request(`${r.app.url}/auth/me`, { headers: { accept: 'application/json' } }),
      );
      // a failed sign-in after the token exchange (UserInfo disagrees): the tokens were handed out
      r.script = { userinfoSub: 'someone-else' };
      const other = new Browser();
      const failed = await other.request(r.fake.authorize(await r.start(other), { iss: ISSUER }));
      record(failed);
      record(await other.request(failed.location!));
      const logs = JSON.stringify(r.app.logger.records);
      expect(r.handedOut.length).to.be.at.least(4);
      for (const token of r.handedOut) {
        for (const text of seen) expect(text).not.to.contain(token);
        expect(logs).not.to.contain(token);
      }
      expect(r.app.logger.records.length).to.be.at.least(1); // the failure was logged, without them
    });
  });

  describe('security case 23: ID token validation', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const bad: Array<[string, (c: Record<string, unknown>) => Record<string, unknown>]> = [
      ['a wrong iss', (c) => ({ ...c, iss: 'https://evil.example.test' })],
      ['a missing aud', (c) => ({ ...c, aud: undefined })],
      ['another aud', (c) => ({ ...c, aud: 'someone-else' })],
      ['an extra aud without azp', (c) => ({ ...c, aud: [CLIENT_ID, 'someone-else'] })],
      ['a wrong azp', (c) => ({ ...c, aud: [CLIENT_ID, 'someone-else'], azp: 'someone-else' })],
      ['a missing nonce', (c) => ({ ...c, nonce: undefined })],
      ['a wrong nonce', (c) => ({ ...c, nonce: 'not-the-nonce' })],
      ['a past exp', (c) => ({ ...c, iat: now() - 7200, exp: now() - 3600 })],
      ['an old iat (a token from an earlier sign-in)', (c) => ({ ...c, iat: now() - 3600 })],
      ['an iat in the future', (c) => ({ ...c, iat: now() + 3600, exp: now() + 7200 })],
      ['a missing iat', (c) => ({ ...c, iat: undefined })],
      ['a missing sub', (c) => ({ ...c, sub: undefined })],
    ];
    for (const [name, change] of bad) {
      it(`rejects ${name}`, async () => {
        r.script = { claims: (c) => change(c as Record<string, unknown>) as never };
        const browser = new Browser();
        await expectFailed(r, browser, await r.signIn(browser), 'provider_error');
      });
    }

    it('rejects a bad signature (a key the provider does not have)', async () => {
      r.script = { idToken: (c) => foreignSigned(r, c) };
      const browser = new Browser();
      await expectFailed(r, browser, await r.signIn(browser), 'provider_error');
    });

    it('rejects alg none, in any spelling', async () => {
      for (const alg of ['none', 'None', 'NONE']) {
        r.script = {
          idToken: async (c) =>
            `${Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(c)).toString('base64url')}.`,
        };
        const browser = new Browser();
        await expectFailed(r, browser, await r.signIn(browser), 'provider_error');
      }
    });

    it('rejects a token signed with HS256 over the public key bytes (key confusion)', async () => {
      const { SignJWT } = await import('jose');
      const jwks = (await r.fake.jwks()) as { keys: Array<{ n: string }> };
      r.script = {
        idToken: (c) =>
          new SignJWT(c)
            .setProtectedHeader({ alg: 'HS256', kid: 'fake-1' })
            .sign(Buffer.from(jwks.keys[0]!.n)),
      };
      const browser = new Browser();
      await expectFailed(r, browser, await r.signIn(browser), 'provider_error');
    });

    it('control: the same flow with the untouched token signs in', async () => {
      const browser = new Browser();
      expect((await r.signIn(browser)).location!.pathname).to.equal('/');
    });
  });

  describe('security case 25: a discovery document naming another issuer', () => {
    it('makes the provider refuse to start, saying why', async () => {
      const other = await rig();
      try {
        other.script = { discoveryIssuer: 'https://evil.example.test' };
        let message = '';
        await other.app.auth.ready().catch((err: Error) => (message = err.message));
        expect(message)
          .to.match(/corp/)
          .and.match(/issuer/);
        const browser = new Browser();
        const step = await browser.request(`${other.app.url}/auth/corp/login`);
        expect(step.location!.pathname).to.equal('/auth/error');
        expect(step.location!.searchParams.get('error')).to.equal('provider_error');
      } finally {
        await other.close();
      }
    });
  });

  describe('security case 26: UserInfo sub differs from the ID token sub', () => {
    it('is rejected', async () => {
      r.script = { userinfoSub: 'mallory' };
      const browser = new Browser();
      await expectFailed(r, browser, await r.signIn(browser, 'alice-26'), 'provider_error');
      expect(await r.app.users.findByAccount('corp', 'alice-26')).to.equal(undefined);
    });
  });

  describe('security case 27: no automatic linking through an unverified email', () => {
    it('does not link to an existing account whose own email is unverified', async () => {
      const victim = await r.app.users.create({ email: 'pat@example.com', emailVerified: false });
      r.script = { userinfo: { email: 'pat@example.com', email_verified: true } };
      const browser = new Browser();
      await expectFailed(r, browser, await r.signIn(browser, 'pat-at-corp'), 'account_exists');
      expect(await r.app.users.accountsOf(victim.id)).to.deep.equal([]);
    });

    it('does not link when the provider has not verified the email', async () => {
      const owner = await r.app.users.create({ email: 'quinn@example.com', emailVerified: true });
      r.script = { userinfo: { email: 'quinn@example.com', email_verified: false } };
      const browser = new Browser();
      await expectFailed(r, browser, await r.signIn(browser, 'quinn-at-corp'), 'account_exists');
      expect(await r.app.users.accountsOf(owner.id)).to.deep.equal([]);
    });

    it('treats the string "false" and other non-true values as unverified', async () => {
      const owner = await r.app.users.create({ email: 'rey@example.com', emailVerified: true });
      for (const value of ['false', 1, 'yes', null]) {
        r.script = { userinfo: { email: 'REY@example.com', email_verified: value } };
        const browser = new Browser();
        await expectFailed(
          r,
          browser,
          await r.signIn(browser, `rey-${String(value)}`),
          'account_exists',
        );
      }
      expect(await r.app.users.accountsOf(owner.id)).to.deep.equal([]);
    });

    it('control: links when both sides are verified', async () => {
      const owner = await r.app.users.create({ email: 'sam@example.com', emailVerified: true });
      r.script = { userinfo: { email: 'Sam@Example.com', email_verified: true } };
      const browser = new Browser();
      expect((await r.signIn(browser, 'sam-at-corp')).location!.pathname).to.equal('/');
      const me = JSON.parse((await browser.request(`${r.app.url}/me`)).body) as {
        user: { id: string };
      };
      expect(me.user.id).to.equal(owner.id);
      expect(await r.app.users.accountsOf(owner.id)).to.deep.equal([
        { provider: 'corp', subject: 'sam-at-corp', email: 'Sam@Example.com' },
      ]);
    });

    it("never lets the ID token's email_verified vouch for another address from UserInfo", async () => {
      const owner = await r.app.users.create({ email: 'tess@example.com', emailVerified: true });
      r.script = {
        claims: (c) => ({ ...c, email: 'mallory@example.com', email_verified: true }),
        userinfo: { email: 'tess@example.com', email_verified: undefined },
      };
      const browser = new Browser();
      await expectFailed(r, browser, await r.signIn(browser, 'mallory-at-corp'), 'account_exists');
      expect(await r.app.users.accountsOf(owner.id)).to.deep.equal([]);
    });

    it('creates a new user without the email when the provider did not verify it', async () => {
      r.script = { userinfo: { email: 'new@example.com', email_verified: false } };
      const browser = new Browser();
      expect((await r.signIn(browser, 'newcomer')).location!.pathname).to.equal('/');
      const user = await r.app.users.findByAccount('corp', 'newcomer');
      expect(user?.email).to.equal(undefined);
      expect(await r.app.users.findByEmail('new@example.com')).to.equal(undefined);
    });
  });
});
