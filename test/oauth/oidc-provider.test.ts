import { expect } from 'chai';
import { OIDC, OIDCProvider, type OIDCProviderOptions } from '../../lib/providers.js';
import { type OAuthApp, startApp } from './support/app.js';
import { Browser } from './support/browser.js';
import { IDP_CLIENT, type Idp, startIdp } from './support/idp.js';

/** Sign in through the app's login route, the IdP and back; returns the last step. */
export async function signIn(app: OAuthApp, browser: Browser, name: string, query = '') {
  const start = await browser.request(`${app.url}/auth/${name}/login${query}`);
  expect(start.status).to.equal(302);
  // through the IdP until it sends the browser back to the app's callback
  const back = await browser.follow(start.location!, (next) => next.href.startsWith(app.url));
  expect(back.location?.href.startsWith(app.callback(name)), back.location?.href).to.equal(true);
  return browser.request(back.location!);
}

class Corp extends OIDCProvider {
  constructor(opts: Omit<OIDCProviderOptions, 'name'>) {
    super({ name: 'corp', ...opts });
  }
}

describe('OpenID Connect against a real oidc-provider', function () {
  this.timeout(20000);
  let idp: Idp;
  let app: OAuthApp;
  let appUrl = '';

  before(async () => {
    idp = await startIdp(
      () => [`${appUrl}/auth/generic/callback`, `${appUrl}/auth/corp/callback`],
      {
        accessTokenTtl: 3600,
      },
    );
    app = await startApp((url) => {
      appUrl = url;
      const common = {
        issuer: idp.issuer,
        ...IDP_CLIENT,
        allowInsecureRequests: true,
        scopes: ['openid', 'email', 'profile', 'offline_access'],
      };
      return [new OIDC({ name: 'generic', ...common }), new Corp(common)];
    });
  });
  after(async () => {
    await app?.close();
    await idp?.close();
  });

  for (const name of ['generic', 'corp']) {
    it(`signs in through ${name === 'generic' ? 'the generic OIDC class' : 'a subclass of OIDCProvider'}: code + PKCE, a session, the provider token`, async () => {
      const browser = new Browser();
      idp.account = `user-${name}`;
      const done = await signIn(app, browser, name, '?returnTo=%2Fdashboard');
      expect(done.status).to.equal(302);
      expect(done.location!.pathname).to.equal('/dashboard');
      const me = await browser.request(`${app.url}/me`, {
        headers: { accept: 'application/json' },
      });
      expect(me.status).to.equal(200);
      const { user } = JSON.parse(me.body) as { user: { id: string; email: string; name: string } };
      expect(user.email).to.equal(`user-${name}@example.com`);
      expect(user.name).to.equal(`User-${name}`);
      const token = await browser.request(`${app.url}/provider-token/${name}`);
      const { token: at } = JSON.parse(token.body) as { token: string };
      expect(at).to.be.a('string').with.length.above(10);
      // the provider token works at the IdP
      const info = await fetch(`${idp.issuer}/me`, { headers: { authorization: `Bearer ${at}` } });
      expect(info.status).to.equal(200);
      expect(((await info.json()) as { sub: string }).sub).to.equal(`user-${name}`);
    });
  }

  it('sends PKCE S256, state and nonce to the provider', async () => {
    const browser = new Browser();
    const start = await browser.request(`${app.url}/auth/generic/login`);
    const q = start.location!.searchParams;
    expect(q.get('code_challenge_method')).to.equal('S256');
    expect(q.get('code_challenge')).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')).to.match(/^[A-Za-z0-9_-]{20,}$/);
    expect(q.get('nonce')).to.match(/^[A-Za-z0-9_-]{20,}$/);
    expect(q.get('redirect_uri')).to.equal(app.callback('generic'));
    expect(start.setCookies.join('\n')).to.match(/portcullis_flow=.*HttpOnly/i);
  });
});
