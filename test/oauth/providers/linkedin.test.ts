import { expect } from 'chai';
import type { Profile } from '../../../lib/providers.js';
import { LinkedIn } from '../../../lib/oauth/providers/linkedin.js';
import { type OAuthApp, startApp } from '../support/app.js';
import { Browser } from '../support/browser.js';
import { type Fake, startFake } from '../support/fake.js';

const ISSUER = 'https://www.linkedin.com/oauth';
const CLIENT = { clientId: '86li3axmodxxxx', clientSecret: 'li-secret-0123456789' };

/** LinkedIn's discovery document, naming `issuer`. */
function discovery(issuer: string) {
  return {
    issuer,
    authorization_endpoint: 'https://www.linkedin.com/oauth/v2/authorization',
    token_endpoint: 'https://www.linkedin.com/oauth/v2/accessToken',
    userinfo_endpoint: 'https://api.linkedin.com/v2/userinfo',
    jwks_uri: 'https://www.linkedin.com/oauth/openid/jwks',
    response_types_supported: ['code'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'profile', 'email'],
  };
}

describe('LinkedIn provider', () => {
  let fake: Fake;
  let app: OAuthApp;
  let profiles: Profile[];
  let info: Record<string, unknown>;
  let partner: boolean;

  before(async () => {
    fake = await startFake(['www.linkedin.com', 'api.linkedin.com']);
    fake.router.get('/oauth/.well-known/openid-configuration', (ctx) => {
      ctx.body = discovery(ISSUER);
    });
    fake.router.get('/oauth/openid/jwks', async (ctx) => {
      ctx.body = await fake.jwks();
    });
    fake.router.post('/oauth/v2/accessToken', async (ctx) => {
      const { form, headers } = ctx.state.rec;
      // no Basic; and a code_verifier sent to an app without PKCE enabled is invalid_client
      if (headers.authorization !== undefined || form.has('code_verifier')) {
        ctx.status = 401;
        ctx.body = { error: 'invalid_client', error_description: 'Client authentication failed' };
        return;
      }
      const clientOk =
        form.get('client_id') === CLIENT.clientId &&
        form.get('client_secret') === CLIENT.clientSecret;
      const refresh = form.get('grant_type') === 'refresh_token';
      const grant = refresh
        ? form.get('refresh_token') === 'li-refresh-1'
        : fake.redeem(form.get('code') ?? '', undefined, form.get('redirect_uri') ?? undefined);
      if (!clientOk || !grant) {
        ctx.status = 400;
        ctx.body = {
          error: 'invalid_request',
          error_description:
            'Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired.',
        };
        return;
      }
      const now = Math.floor(Date.now() / 1000);
      ctx.body = {
        access_token: refresh ? 'AQV-refreshed' : 'AQV-access',
        expires_in: partner ? 1 : 5183999,
        scope: 'email,openid,profile',
        token_type: 'Bearer',
        // partners only: refresh tokens (365 days)
        ...(partner ? { refresh_token: 'li-refresh-1', refresh_token_expires_in: 31535999 } : {}),
        // LinkedIn's ID token: the new issuer, and no nonce
        ...(refresh
          ? {}
          : {
              id_token: await fake.idToken({
                iss: ISSUER,
                aud: CLIENT.clientId,
                sub: info.sub as string,
                iat: now,
                exp: now + 3600,
                email_verified: 'true',
              }),
            }),
      };
    });
    fake.router.get('/v2/userinfo', (ctx) => {
      const ok = ['Bearer AQV-access', 'Bearer AQV-refreshed'].includes(ctx.get('authorization'));
      if (ctx.state.rec.host !== 'api.linkedin.com' || !ok) ctx.status = 401;
      else ctx.body = info;
    });
    app = await startApp(
      () => [
        new LinkedIn({ ...CLIENT, fetch: fake.fetch }),
        new LinkedIn({ name: 'linkedin-pkce', ...CLIENT, pkce: true, fetch: fake.fetch }),
      ],
      { onOAuthLogin: ({ profile }) => void profiles.push(profile) },
    );
  });
  after(async () => {
    await app?.close();
    await fake?.close();
  });
  beforeEach(() => {
    profiles = [];
    partner = false;
    info = {
      sub: '782bbtaQ',
      name: 'John Doe',
      given_name: 'John',
      family_name: 'Doe',
      picture: 'https://media.licdn.com/dms/image/v2/john-doe',
      locale: { country: 'US', language: 'en' },
      email: 'doe@example.com',
      email_verified: true,
    };
  });

  async function signIn(browser: Browser, name = 'linkedin') {
    const start = await browser.request(`${app.url}/auth/${name}/login`);
    return browser.request(fake.authorize(start.location!));
  }
  const tokenCall = () => fake.requests.filter((r) => r.path === '/oauth/v2/accessToken').at(-1)!;
  const me = async (browser: Browser) =>
    JSON.parse((await browser.request(`${app.url}/me`)).body) as { user: Record<string, unknown> };
  const expectError = (step: { location: URL | undefined }) => {
    expect(step.location!.pathname).to.equal('/auth/error');
    expect(step.location!.searchParams.get('error')).to.equal('provider_error');
  };

  it('sends the documented authorization request (scopes, state; no PKCE, no nonce)', async () => {
    const start = await new Browser().request(`${app.url}/auth/linkedin/login`);
    expect(start.location!.origin + start.location!.pathname).to.equal(
      'https://www.linkedin.com/oauth/v2/authorization',
    );
    const q = start.location!.searchParams;
    expect(q.get('client_id')).to.equal(CLIENT.clientId);
    expect(q.get('response_type')).to.equal('code');
    expect(q.get('scope')).to.equal('openid profile email');
    expect(q.get('redirect_uri')).to.equal(app.callback('linkedin'));
    expect(q.get('state')).to.match(/^[A-Za-z0-9_-]{20,}$/);
    expect(q.has('code_challenge')).to.equal(false);
    expect(q.has('nonce')).to.equal(false);
  });

  it('signs in with client_secret_post and the UserInfo profile (nonce-less ID token, locale object)', async () => {
    const browser = new Browser();
    const done = await signIn(browser);
    expect(done.location!.pathname).to.equal('/');
    const call = tokenCall();
    expect(call.headers.authorization).to.equal(undefined);
    expect(call.form.get('client_secret')).to.equal(CLIENT.clientSecret);
    expect(call.form.has('code_verifier')).to.equal(false);
    const { raw, ...mapped } = profiles[0]!;
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
    info = { ...info, sub: 'noMail01', name: 'Jane Roe' };
    delete info.email;
    delete info.email_verified;
    const browser = new Browser();
    await signIn(browser);
    expect(profiles[0]).to.include({ id: 'noMail01', email: undefined, emailVerified: false });
    expect((await me(browser)).user.email).to.equal(undefined);
  });

  it('ends on the error path when the token endpoint refuses the code (invalid_request)', async () => {
    const browser = new Browser();
    const start = await browser.request(`${app.url}/auth/linkedin/login`);
    const back = fake.authorize(start.location!);
    back.searchParams.set('code', 'expired-code');
    expectError(await browser.request(back));
    expect((await browser.request(`${app.url}/me`)).status).to.equal(401);
  });

  it('fails with invalid_client when PKCE is turned on for an app without it', async () => {
    const browser = new Browser();
    const done = await signIn(browser, 'linkedin-pkce');
    expect(tokenCall().form.get('code_verifier')).to.be.a('string');
    expectError(done);
    expect((await browser.request(`${app.url}/me`)).status).to.equal(401);
  });

  it("refreshes a partner app's expired token with client_secret_post", async () => {
    partner = true;
    const browser = new Browser();
    await signIn(browser);
    const token = await browser.request(`${app.url}/provider-token/linkedin`);
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
