import { expect } from 'chai';
import { Browser } from '../support/browser.js';
import { clearsFlowCookie, expectFailed, ISSUER, type Rig, rig } from '../support/oauth-rig.js';

describe('OAuth callback attacks', function () {
  this.timeout(20000);
  let r: Rig;
  before(async () => {
    r = await rig();
  });
  after(async () => r.close());
  beforeEach(() => {
    r.script = {};
  });

  /** Starts a flow and returns the callback URL the provider would send the browser to. */
  async function callbackFor(browser: Browser): Promise<URL> {
    return r.fake.authorize(await r.start(browser), { iss: ISSUER });
  }

  describe('security case 21: state missing, mismatched, reused, duplicated, or no flow cookie', () => {
    it('control: the untouched flow signs in', async () => {
      const browser = new Browser();
      const done = await r.signIn(browser);
      expect(done.location!.pathname).to.equal('/');
      expect((await browser.request(`${r.app.url}/me`)).status).to.equal(200);
    });

    it('refuses a callback without state, and clears the flow cookie', async () => {
      const browser = new Browser();
      const back = await callbackFor(browser);
      back.searchParams.delete('state');
      const step = await browser.request(back);
      expect(clearsFlowCookie(step)).to.equal(true);
      await expectFailed(r, browser, step, 'state_mismatch');
    });

    it('refuses a mismatched state', async () => {
      const browser = new Browser();
      const back = await callbackFor(browser);
      back.searchParams.set('state', `${back.searchParams.get('state')}x`);
      await expectFailed(r, browser, await browser.request(back), 'state_mismatch');
    });

    it('refuses a duplicated state parameter, even when one copy is right', async () => {
      const browser = new Browser();
      const back = await callbackFor(browser);
      back.searchParams.append('state', back.searchParams.get('state')!);
      await expectFailed(r, browser, await browser.request(back), 'state_mismatch');
    });

    it('refuses a callback from a browser without the flow cookie (login CSRF)', async () => {
      const victim = new Browser();
      const back = await callbackFor(new Browser()); // the attacker's own flow
      await expectFailed(r, victim, await victim.request(back), 'state_mismatch');
    });

    it('refuses a replayed callback with a replayed flow cookie (single-use state)', async () => {
      const browser = new Browser();
      const back = await callbackFor(browser);
      const flowCookie = browser.cookies(r.app.url).get('portcullis_flow')!;
      const first = await browser.request(back);
      expect(first.location!.pathname).to.equal('/');
      const replay = new Browser();
      replay.cookies(r.app.url).set('portcullis_flow', flowCookie);
      await expectFailed(r, replay, await replay.request(back), 'state_mismatch');
    });

    it('refuses a flow started for another provider', async () => {
      const browser = new Browser();
      const back = await callbackFor(browser);
      const elsewhere = new URL(back.href.replace('/auth/corp/callback', '/auth/other/callback'));
      await expectFailed(r, browser, await browser.request(elsewhere), 'state_mismatch');
    });

    it('refuses a tampered flow cookie', async () => {
      const browser = new Browser();
      const back = await callbackFor(browser);
      const jar = browser.cookies(r.app.url);
      const sealed = jar.get('portcullis_flow')!;
      jar.set('portcullis_flow', sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA'));
      await expectFailed(r, browser, await browser.request(back), 'state_mismatch');
    });
  });

  describe('security case 22: PKCE verifier mismatch (a code injected from another flow)', () => {
    it('does not sign in with a code issued to another flow', async () => {
      const attacker = new Browser();
      const stolen = await callbackFor(attacker);
      const victim = new Browser();
      const own = await callbackFor(victim);
      own.searchParams.set('code', stolen.searchParams.get('code')!);
      await expectFailed(r, victim, await victim.request(own), 'provider_error');
    });
  });

  describe('security case 24: iss in the authorization response (mix-up defence)', () => {
    it('refuses a callback whose iss names another issuer', async () => {
      const browser = new Browser();
      const back = await callbackFor(browser);
      back.searchParams.set('iss', 'https://evil.example.test');
      await expectFailed(r, browser, await browser.request(back), 'provider_error');
    });

    it('refuses a callback without iss when the provider advertises it', async () => {
      const browser = new Browser();
      const back = await callbackFor(browser);
      back.searchParams.delete('iss');
      await expectFailed(r, browser, await browser.request(back), 'provider_error');
    });
  });

  describe('security case 28: error_description carrying markup', () => {
    it('ends on the error page with our words only, nothing the provider sent', async () => {
      const browser = new Browser();
      const back = await callbackFor(browser);
      back.searchParams.delete('code');
      back.searchParams.set('error', 'server_error');
      back.searchParams.set(
        'error_description',
        '<script>alert(1)</script><img src=x onerror=alert(2)>',
      );
      const step = await browser.request(back);
      await expectFailed(r, browser, step, 'provider_error');
      expect(step.location!.href).not.to.match(/script|onerror|alert/i);
      const page = await browser.request(step.location!);
      expect(page.status).to.equal(502);
      expect(page.headers.get('content-type')).to.match(/text\/html/);
      expect(page.body).not.to.match(/<script|onerror|alert/i);
      expect(page.body).to.contain('provider_error');
    });

    it('maps access_denied (the user said no) to its own code', async () => {
      const browser = new Browser();
      const back = await callbackFor(browser);
      back.searchParams.delete('code');
      back.searchParams.set('error', 'access_denied');
      await expectFailed(r, browser, await browser.request(back), 'access_denied');
    });

    it('never reflects an unknown code on the error page', async () => {
      const browser = new Browser();
      const page = await browser.request(
        `${r.app.url}/auth/error?error=%3Cscript%3Ealert(1)%3C/script%3E`,
      );
      expect(page.status).to.equal(400);
      expect(page.body).not.to.match(/<script|alert/i);
      expect(page.body).to.contain('invalid_request');
      const json = await browser.request(`${r.app.url}/auth/error?error=<b>x</b>`, {
        headers: { accept: 'application/json' },
      });
      expect(JSON.parse(json.body)).to.deep.equal({
        error: { code: 'invalid_request', message: 'The request is malformed.' },
      });
    });

    it('names every code a form post can be sent there with (a signed-out password change)', async () => {
      const browser = new Browser();
      for (const [code, words] of [
        ['login_required', 'Sign-in required.'],
        ['last_sign_in_method', 'This is your only way to sign in'],
      ] as const) {
        const json = await browser.request(`${r.app.url}/auth/error?error=${code}`, {
          headers: { accept: 'application/json' },
        });
        const { error } = JSON.parse(json.body) as { error: { code: string; message: string } };
        expect(error.code).to.equal(code);
        expect(error.message).to.contain(words);
      }
    });
  });

  describe('security case 29: the token endpoint answers a redirect, HTML, a 500 or nothing', () => {
    for (const token of ['redirect', 'html', '500', 'empty'] as const) {
      it(`fails closed when it answers ${token}`, async () => {
        r.script = { token };
        const browser = new Browser();
        await expectFailed(
          r,
          browser,
          await browser.request(await callbackFor(browser)),
          'provider_error',
        );
        expect(r.redirectHits).to.equal(0);
      });
    }

    it('fails closed within the provider timeout when it never answers', async () => {
      r.script = { token: 'hang' };
      const browser = new Browser();
      const back = await callbackFor(browser);
      const started = Date.now();
      await expectFailed(r, browser, await browser.request(back), 'provider_error');
      expect(Date.now() - started).to.be.below(5000);
    });
  });

  describe('security case 30: returnTo that leaves the origin', () => {
    const hostile = [
      'https://evil.example/x',
      '//evil.example/x',
      '/\\evil.example/x',
      '\\\\evil.example',
      '/%2F%2Fevil.example',
      '%2F%2Fevil.example',
      'javascript:alert(1)',
      '/%5Cevil.example',
      ' /x',
    ];
    for (const returnTo of hostile) {
      it(`lands on the default destination for ${JSON.stringify(returnTo)}`, async () => {
        const browser = new Browser();
        const done = await r.signIn(browser, 'user-1', `?returnTo=${encodeURIComponent(returnTo)}`);
        expect(done.location!.href).to.equal(`${r.app.url}/`);
      });
    }

    it('control: a same-origin path with a query survives the round trip', async () => {
      const browser = new Browser();
      const done = await r.signIn(
        browser,
        'user-1',
        `?returnTo=${encodeURIComponent('/settings?tab=2')}`,
      );
      expect(done.location!.href).to.equal(`${r.app.url}/settings?tab=2`);
    });
  });
});
