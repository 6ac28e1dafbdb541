import { expect } from 'chai';
import { OIDC, OIDCProvider, type OIDCProviderOptions } from '../../lib/providers.js';
import { type OAuthApp, startApp } from '../support/oauth-app.js';
import { Browser } from '../support/browser.js';
import { IDP_CLIENT, type Idp, startIdp } from '../support/oauth-server.js';

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

  it('revokes the provider token at the provider on sign-out', async () => {
    const browser = new Browser();
    idp.account = 'revoker';
    await signIn(app, browser, 'generic');
    const { token } = JSON.parse(
      (await browser.request(`${app.url}/provider-token/generic`)).body,
    ) as { token: string };
    expect(
      (await fetch(`${idp.issuer}/me`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).to.equal(200);
    const out = await browser.request(`${app.url}/auth/logout`, {
      method: 'POST',
      headers: { accept: 'application/json', origin: app.url },
    });
    expect(out.status).to.equal(200);
    expect(idp.revoked.length).to.be.at.least(1);
    // the refresh token was revoked, and with it the grant: the access token is dead too
    expect(
      (await fetch(`${idp.issuer}/me`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).to.equal(401);
    expect((await browser.request(`${app.url}/me`)).status).to.equal(401);
  });
});

describe('ctx.auth.providerToken() against a real oidc-provider', function () {
  this.timeout(20000);
  let idp: Idp;
  let app: OAuthApp;
  let appUrl = '';
  before(async () => {
    // 30 s access tokens: inside the 60 s margin, so every providerToken() call refreshes
    idp = await startIdp(() => [`${appUrl}/auth/generic/callback`], { accessTokenTtl: 30 });
    app = await startApp((url) => {
      appUrl = url;
      return [
        new OIDC({
          name: 'generic',
          issuer: idp.issuer,
          ...IDP_CLIENT,
          allowInsecureRequests: true,
        }),
      ];
    });
  });
  after(async () => {
    await app?.close();
    await idp?.close();
  });

  it('refreshes an expiring token with the refresh token, and keeps the new one in the session', async () => {
    const browser = new Browser();
    idp.account = 'refresher';
    await signIn(app, browser, 'generic');
    expect(idp.grants).to.deep.equal(['authorization_code']);
    const first = JSON.parse((await browser.request(`${app.url}/provider-token/generic`)).body) as {
      token: string;
    };
    expect(idp.grants).to.deep.equal(['authorization_code', 'refresh_token']);
    const info = await fetch(`${idp.issuer}/me`, {
      headers: { authorization: `Bearer ${first.token}` },
    });
    expect(((await info.json()) as { sub: string }).sub).to.equal('refresher');
    // the session now holds the new refresh token: a second refresh works too
    const second = JSON.parse(
      (await browser.request(`${app.url}/provider-token/generic`)).body,
    ) as { token: string };
    expect(second.token).to.be.a('string').and.not.equal(first.token);
    expect(idp.grants).to.deep.equal(['authorization_code', 'refresh_token', 'refresh_token']);
  });

  it('answers null for a session without a token of that provider', async () => {
    const browser = new Browser();
    expect(
      JSON.parse((await browser.request(`${app.url}/provider-token/generic`)).body),
    ).to.deep.equal({ token: null });
  });
});
