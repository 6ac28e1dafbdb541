/**
 * The provider conformance suite: what every built-in OAuth provider must do, checked the same
 * way for each (test/oauth/providers/conformance.test.ts runs it for all of them). A provider
 * is described by a `ProviderCase`: the fake of its servers and an app using it, its
 * documented authorization request, and what sign-out asks of it. Its quirks stay in its own
 * `<provider>.test.ts`, on the same fake.
 */
import { expect } from 'chai';
import { Browser, type Step } from '../../support/browser.js';
import type { Recorded } from '../../support/oauth-fake.js';
import type { ProviderRig } from '../../support/oauth-provider-rig.js';

/** What the conformance suite needs to know about one provider. */
export interface ProviderCase<R extends ProviderRig = ProviderRig> {
  /** The provider as named in test titles, e.g. `GitHub`. */
  title: string;
  /** The provider's name on the app's routes (`/auth/<name>/login`). */
  name: string;
  /** Starts the fake and the app for the current `describe` (`useProviderRig()`) and returns them. */
  use(): R;
  /** The documented authorization request (`redirect_uri` is always the app's callback). */
  authorization: {
    /** Where the browser is sent, without the query. */
    endpoint: string;
    /** Each parameter: a string it equals, a RegExp it matches, `null` when it must be absent. */
    params: Record<string, string | RegExp | null>;
  };
  /** Brings the provider's answer back to the app (default: GET the callback URL). */
  callback?(r: R, browser: Browser, back: URL): Promise<Step>;
  /** A code the provider's token endpoint refuses, and what else to check then. */
  refusedCode: { code: string; check?(r: R): void };
  /** The calls sign-out makes to the provider (none at all for a provider without revocation). */
  signOut: 'no calls' | ((r: R, calls: Recorded[]) => void);
}

/** Runs the conformance suite for one provider. */
export function conformance<R extends ProviderRig>(c: ProviderCase<R>): void {
  describe(`${c.title} provider (conformance)`, () => {
    const r = c.use();
    const deliver = (browser: Browser, back: URL): Promise<Step> =>
      c.callback ? c.callback(r, browser, back) : browser.request(back);

    it('sends the documented authorization request', async () => {
      const start = await new Browser().request(`${r.app.url}/auth/${c.name}/login`);
      expect(start.status).to.equal(302);
      const u = start.location!;
      expect(u.origin + u.pathname).to.equal(c.authorization.endpoint);
      expect(u.searchParams.get('redirect_uri')).to.equal(r.app.callback(c.name));
      for (const [key, want] of Object.entries(c.authorization.params)) {
        const got = u.searchParams.get(key);
        if (want === null) expect(u.searchParams.has(key), key).to.equal(false);
        else if (typeof want === 'string') expect(got, key).to.equal(want);
        else expect(got, key).to.be.a('string').and.match(want);
      }
    });

    it('ends on provider_error with no session when the token endpoint refuses the code', async () => {
      const browser = new Browser();
      const start = await browser.request(`${r.app.url}/auth/${c.name}/login`);
      const back = r.fake.authorize(start.location!);
      back.searchParams.set('code', c.refusedCode.code);
      const done = await deliver(browser, back);
      expect(done.status, done.body).to.be.oneOf([302, 303]);
      expect(done.location!.pathname + done.location!.search).to.equal(
        '/auth/error?error=provider_error',
      );
      const me = await browser.request(`${r.app.url}/me`, {
        headers: { accept: 'application/json' },
      });
      expect(me.status).to.equal(401);
      c.refusedCode.check?.(r);
    });

    const revokes = c.signOut === 'no calls' ? 'without calling the provider' : 'and revokes';
    it(`signs out (200, the session ends) ${revokes}`, async () => {
      const browser = new Browser();
      const start = await browser.request(`${r.app.url}/auth/${c.name}/login`);
      const done = await deliver(browser, r.fake.authorize(start.location!));
      expect(done.location!.pathname, done.body).to.equal('/');
      expect((await browser.request(`${r.app.url}/me`)).status).to.equal(200);
      const from = r.fake.requests.length;
      const out = await browser.request(`${r.app.url}/auth/logout`, {
        method: 'POST',
        headers: { accept: 'application/json', origin: r.app.url },
      });
      expect(out.status).to.equal(200);
      expect((await browser.request(`${r.app.url}/me`)).status).to.equal(401);
      const calls = r.fake.requests.slice(from);
      if (c.signOut === 'no calls') expect(calls).to.have.length(0);
      else c.signOut(r, calls);
    });
  });
}
