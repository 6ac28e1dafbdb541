import { expect } from 'chai';
import { Browser } from '../../support/browser.js';
import { CLIENT, useGoogle } from './google.js';

describe('Google provider', () => {
  const r = useGoogle();

  async function signIn(browser: Browser, name = 'google', code?: string) {
    const start = await browser.request(`${r.app.url}/auth/${name}/login`);
    const back = r.fake.authorize(start.location!);
    if (code) back.searchParams.set('code', code);
    return browser.request(back);
  }

  async function me(browser: Browser) {
    return browser.request(`${r.app.url}/me`, { headers: { accept: 'application/json' } });
  }

  it('asks for hd, offline access and consent when configured (hostedDomain, accessType)', async () => {
    const work = (await new Browser().request(`${r.app.url}/auth/workspace/login`)).location!
      .searchParams;
    expect([work.get('hd'), work.get('access_type'), work.get('prompt')]).to.deep.equal([
      'example.com',
      'offline',
      'consent',
    ]);
  });

  it('signs in with a legacy `iss: accounts.google.com` ID token, merged with UserInfo', async () => {
    r.claims.iss = 'accounts.google.com';
    const browser = new Browser();
    const done = await signIn(browser);
    expect(done.location!.href).to.equal(`${r.app.url}/`);
    expect(r.profiles).to.have.length(1);
    const { raw, ...profile } = r.profiles[0]!;
    expect(profile).to.deep.equal({
      id: '110169484474386276334',
      email: 'ada@example.com',
      emailVerified: true,
      name: 'Ada Lovelace',
      picture: 'https://lh3.googleusercontent.com/a/ada',
    });
    expect(raw.hd).to.equal('example.com');
    const user = (JSON.parse((await me(browser)).body) as { user: Record<string, unknown> }).user;
    expect(user).to.include({
      email: 'ada@example.com',
      emailVerified: true,
      name: 'Ada Lovelace',
    });
    const token = r.fake.requests.filter((r) => r.path === '/token').at(-1)!;
    expect(token.form.get('grant_type')).to.equal('authorization_code');
    expect(token.form.get('client_secret')).to.equal(CLIENT.clientSecret);
  });

  for (const iss of [
    'https://accounts.google.com.evil.example',
    'google.com',
    'http://accounts.google.com',
  ]) {
    it(`refuses an ID token from issuer ${iss}`, async () => {
      r.claims.iss = iss;
      const browser = new Browser();
      const done = await signIn(browser);
      expect(done.location!.pathname + done.location!.search).to.equal(
        '/auth/error?error=provider_error',
      );
      expect((await me(browser)).status).to.equal(401);
      expect(r.profiles).to.deep.equal([]);
    });
  }

  it('signs in without an email (none granted): no email, not verified', async () => {
    r.claims = { sub: '100000000000000000001' };
    r.info = { sub: '100000000000000000001', name: 'No Mail' };
    const browser = new Browser();
    await signIn(browser);
    expect(r.profiles[0]).to.include({
      id: '100000000000000000001',
      email: undefined,
      emailVerified: false,
      name: 'No Mail',
    });
    const user = (JSON.parse((await me(browser)).body) as { user: Record<string, unknown> }).user;
    expect(user).to.not.have.property('email');
  });

  it('refuses with login_refused a hostedDomain account whose hd claim is another domain', async () => {
    for (const hd of ['evil.example', undefined]) {
      r.claims = { ...r.claims, hd };
      const browser = new Browser();
      const done = await signIn(browser, 'workspace');
      expect(done.location!.pathname + done.location!.search).to.equal(
        '/auth/error?error=login_refused',
      );
      expect((await me(browser)).status).to.equal(401);
    }
    expect(r.profiles).to.deep.equal([]);
  });

  it('refreshes an offline token (keeping the refresh token) and revokes it at sign-out', async () => {
    r.expiresIn = 1;
    const browser = new Browser();
    await signIn(browser, 'workspace');
    expect(r.profiles[0]!.raw.hd).to.equal('example.com');
    for (let i = 0; i < 2; i++) {
      const { token } = JSON.parse(
        (await browser.request(`${r.app.url}/provider-token/workspace`)).body,
      ) as { token: string };
      expect(token).to.match(/^ya29\.refreshed-\d+$/);
      const refresh = r.fake.requests.filter((r) => r.path === '/token').at(-1)!.form;
      expect([refresh.get('grant_type'), refresh.get('refresh_token')]).to.deep.equal([
        'refresh_token',
        '1//g-refresh',
      ]);
    }
    const out = await browser.request(`${r.app.url}/auth/logout`, {
      method: 'POST',
      headers: { accept: 'application/json', origin: r.app.url },
    });
    expect(out.status).to.equal(200);
    const revoke = r.fake.requests.filter((r) => r.path === '/revoke');
    expect(revoke).to.have.length(1);
    expect(revoke[0]!.host).to.equal('oauth2.googleapis.com');
    expect(revoke[0]!.form.get('token')).to.equal('1//g-refresh');
    expect(revoke[0]!.form.get('token_type_hint')).to.equal('refresh_token');
    expect((await me(browser)).status).to.equal(401);
  });
});
