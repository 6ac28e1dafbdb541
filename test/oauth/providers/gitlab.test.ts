import { expect } from 'chai';
import { Browser } from '../../support/browser.js';
import { expectSignInFailed } from '../../support/oauth-expect.js';
import { CLIENT, CORP, useGitLab } from './gitlab.js';

describe('GitLab provider', () => {
  const r = useGitLab();

  async function signIn(browser: Browser, name = 'gitlab') {
    const start = await browser.request(`${r.app.url}/auth/${name}/login`);
    return browser.request(r.fake.authorize(start.location!));
  }
  const me = async (b: Browser) => JSON.parse((await b.request(`${r.app.url}/me`)).body).user;

  it('signs in with the profile from UserInfo (the ID token has only the sub)', async () => {
    const browser = new Browser();
    expect((await signIn(browser)).location!.pathname).to.equal('/');
    const { raw, ...profile } = r.profiles.at(-1)!;
    expect(profile).to.deep.equal({
      id: '1234567',
      email: 'grace@example.com',
      emailVerified: true,
      name: 'Grace Lab',
      picture: 'https://gitlab.com/uploads/-/system/user/avatar/1234567/avatar.png',
    });
    expect(raw.groups).to.deep.equal(['gitlab-org']);
    expect(await me(browser)).to.include({ email: 'grace@example.com', emailVerified: true });
  });

  const cases = [
    [
      'UserInfo says unverified, the ID token says verified',
      { email: 'a@example.com', email_verified: true },
      { email: 'a@example.com', email_verified: false },
    ],
    [
      'UserInfo has another email and no email_verified',
      { email: 'b@example.com', email_verified: true },
      { email: 'b2@example.com', email_verified: undefined },
    ],
    ['no email at all', {}, { email: undefined, email_verified: undefined }],
  ] as const;
  cases.forEach(([title, id, ui], i) => {
    it(`honours UserInfo's email_verified: ${title}`, async () => {
      r.idClaims = { sub: `77${i}`, ...id };
      r.info = { ...r.info, sub: `77${i}`, ...ui };
      const browser = new Browser();
      expect((await signIn(browser)).location!.pathname).to.equal('/');
      expect(r.profiles.at(-1)).to.include({ email: ui.email, emailVerified: false });
      expect((await me(browser)).email).to.equal(undefined);
    });
  });

  it('refuses a UserInfo answer about another user (sub) with provider_error', async () => {
    r.info = { ...r.info, sub: '7654321' };
    const browser = new Browser();
    const done = await signIn(browser);
    await expectSignInFailed(r.app.url, browser, done, 'provider_error');
  });

  it('refreshes the expired access token, then revokes the refresh token at sign-out', async () => {
    r.expiresIn = 1;
    const browser = new Browser();
    await signIn(browser);
    const from = r.fake.requests.length;
    const token = await browser.request(`${r.app.url}/provider-token/gitlab`);
    expect(JSON.parse(token.body)).to.deep.equal({ token: 'gl-access-2' });
    const [refresh] = r.fake.requests.slice(from);
    expect(refresh!.path).to.equal('/oauth/token');
    expect(refresh!.form.get('grant_type')).to.equal('refresh_token');
    expect(refresh!.form.get('refresh_token')).to.equal('gl-refresh-1');
    const out = await browser.request(`${r.app.url}/auth/logout`, {
      method: 'POST',
      headers: { accept: 'application/json', origin: r.app.url },
    });
    expect(out.status).to.equal(200);
    const revoke = r.fake.requests.filter((r) => r.path === '/oauth/revoke').at(-1)!;
    expect(revoke.host).to.equal('gitlab.com');
    expect(revoke.form.get('token')).to.equal('gl-refresh-2');
    expect(revoke.form.get('token_type_hint')).to.equal('refresh_token');
    expect(r.fake.basic(revoke.headers)).to.deep.equal({
      id: CLIENT.clientId,
      secret: CLIENT.clientSecret,
    });
  });

  it('signs in against a self-managed GitLab (baseUrl with a relative URL root)', async () => {
    const from = r.fake.requests.length;
    const browser = new Browser();
    const start = await browser.request(`${r.app.url}/auth/gitlab-corp/login`);
    const u = start.location!;
    expect(u.origin + u.pathname).to.equal('https://code.example.org/gitlab/oauth/authorize');
    expect(u.searchParams.get('client_id')).to.equal(CORP.clientId);
    const done = await browser.request(r.fake.authorize(u));
    expect(done.location!.pathname).to.equal('/');
    expect(r.profiles.at(-1)).to.include({ id: '1234567', email: 'grace@example.com' });
    const calls = r.fake.requests.slice(from).map((r) => `${r.method} ${r.host}${r.path}`);
    expect(calls).to.deep.equal([
      'POST code.example.org/gitlab/oauth/token',
      'GET code.example.org/gitlab/oauth/discovery/keys',
      'GET code.example.org/gitlab/oauth/userinfo',
    ]);
    // discovered at start-up, from the self-managed issuer
    const discovery = r.fake.requests.filter((r) => r.path.endsWith('/openid-configuration'));
    expect(discovery.map((r) => `${r.host}${r.path}`)).to.include(
      'code.example.org/gitlab/.well-known/openid-configuration',
    );
    // another issuer: the same GitLab id is another account
    expect(await r.app.users.findByAccount('gitlab-corp', '1234567')).to.not.equal(undefined);
  });
});
