import { expect } from 'chai';
import { LinkedIn } from '../../../lib/oauth/providers/linkedin.js';
import { startApp } from '../../support/oauth-app.js';
import { Browser } from '../../support/browser.js';
import { startFake } from '../../support/oauth-fake.js';
import { CLIENT, discovery, useLinkedIn } from './linkedin.js';

describe('LinkedIn provider', () => {
  const r = useLinkedIn();

  async function signIn(browser: Browser, name = 'linkedin') {
    const start = await browser.request(`${r.app.url}/auth/${name}/login`);
    return browser.request(r.fake.authorize(start.location!));
  }
  const tokenCall = () => r.fake.requests.filter((r) => r.path === '/oauth/v2/accessToken').at(-1)!;
  const me = async (browser: Browser) =>
    JSON.parse((await browser.request(`${r.app.url}/me`)).body) as {
      user: Record<string, unknown>;
    };
  const expectError = (step: { location: URL | undefined }) => {
    expect(step.location!.pathname).to.equal('/auth/error');
    expect(step.location!.searchParams.get('error')).to.equal('provider_error');
  };

  it('signs in with client_secret_post and the UserInfo profile (nonce-less ID token, locale object)', async () => {
    const browser = new Browser();
    const done = await signIn(browser);
    expect(done.location!.pathname).to.equal('/');
    const call = tokenCall();
    expect(call.headers.authorization).to.equal(undefined);
    expect(call.form.get('client_secret')).to.equal(CLIENT.clientSecret);
    expect(call.form.has('code_verifier')).to.equal(false);
    const { raw, ...mapped } = r.profiles[0]!;
    expect(mapped).to.deep.equal({
      id: '782bbtaQ',
      email: 'doe@example.com',
      emailVerified: true,
      name: 'John Doe',
      picture: 'https://media.licdn.com/dms/image/v2/john-doe',
    });
    expect(raw.locale).to.deep.equal({ country: 'US', language: 'en' });
    expect((await me(browser)).user).to.include({ email: 'doe@example.com', name: 'John Doe' });
  });

  it('signs in without an email when LinkedIn sends none (email and email_verified are optional)', async () => {
    r.info = { ...r.info, sub: 'noMail01', name: 'Jane Roe' };
    delete r.info.email;
    delete r.info.email_verified;
    const browser = new Browser();
    await signIn(browser);
    expect(r.profiles[0]).to.include({ id: 'noMail01', email: undefined, emailVerified: false });
    expect((await me(browser)).user.email).to.equal(undefined);
  });

  it('fails with invalid_client when PKCE is turned on for an app without it', async () => {
    const browser = new Browser();
    const done = await signIn(browser, 'linkedin-pkce');
    expect(tokenCall().form.get('code_verifier')).to.be.a('string');
    expectError(done);
    expect((await browser.request(`${r.app.url}/me`)).status).to.equal(401);
  });

  it("refreshes a partner app's expired token with client_secret_post", async () => {
    r.partner = true;
    const browser = new Browser();
    await signIn(browser);
    const token = await browser.request(`${r.app.url}/provider-token/linkedin`);
    expect(JSON.parse(token.body)).to.deep.equal({ token: 'AQV-refreshed' });
    const call = tokenCall();
    expect(call.form.get('grant_type')).to.equal('refresh_token');
    expect(call.form.get('refresh_token')).to.equal('li-refresh-1');
    expect(call.form.get('client_secret')).to.equal(CLIENT.clientSecret);
  });

  it('refuses to start when the discovery document names the old issuer https://www.linkedin.com', async () => {
    const old = await startFake(['www.linkedin.com']);
    old.router.get('/oauth/.well-known/openid-configuration', (ctx) => {
      ctx.body = discovery('https://www.linkedin.com');
    });
    const stale = await startApp(() => [new LinkedIn({ ...CLIENT, fetch: old.fetch })]);
    try {
      let failure: unknown;
      await stale.auth.ready().catch((err: unknown) => (failure = err));
      expect(failure).to.be.instanceOf(Error);
      expect((failure as Error).message).to.include(
        'provider linkedin: its discovery document names another issuer than https://www.linkedin.com/oauth',
      );
      expect(old.requests.map((r) => r.path)).to.include('/oauth/.well-known/openid-configuration');
      expectError(await new Browser().request(`${stale.url}/auth/linkedin/login`));
    } finally {
      await stale.close();
      await old.close();
    }
  });

  it('needs a client secret unless client authentication is turned off', () => {
    expect(() => new LinkedIn({ clientId: CLIENT.clientId })).to.throw(TypeError, /clientSecret/);
  });
});
