import { expect } from 'chai';
import type { Profile } from '../../../lib/providers.js';
import { HuggingFace } from '../../../lib/oauth/providers/huggingface.js';
import { type OAuthApp, startApp } from '../support/app.js';
import { Browser } from '../support/browser.js';
import { expectSignInFailed } from '../support/expect.js';
import { type Fake, startFake } from '../support/fake.js';

const ISSUER = 'https://huggingface.co';
const PUBLIC = { clientId: 'hf-public-app' };
const CONFIDENTIAL = { clientId: 'hf-confidential-app', clientSecret: 'hf-secret-0123456789' };

describe('HuggingFace provider', () => {
  let fake: Fake;
  let app: OAuthApp;
  let profiles: Profile[];
  let info: Record<string, unknown>;

  before(async () => {
    fake = await startFake(['huggingface.co']);
    fake.router.get('/.well-known/openid-configuration', (ctx) => {
      ctx.body = {
        issuer: ISSUER,
        authorization_endpoint: `${ISSUER}/oauth/authorize`,
        token_endpoint: `${ISSUER}/oauth/token`,
        userinfo_endpoint: `${ISSUER}/oauth/userinfo`,
        jwks_uri: `${ISSUER}/oauth/jwks`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
      };
    });
    fake.router.get('/oauth/jwks', async (ctx) => {
      ctx.body = await fake.jwks();
    });
    fake.router.post('/oauth/token', async (ctx) => {
      const { form, headers } = ctx.state.rec;
      const basic = fake.basic(headers);
      // public apps send no credentials at all (client_id + PKCE); confidential ones use Basic
      const clientOk = basic
        ? basic.id === CONFIDENTIAL.clientId && basic.secret === CONFIDENTIAL.clientSecret
        : headers.authorization === undefined && form.get('client_id') === PUBLIC.clientId;
      const grant = fake.redeem(
        form.get('code') ?? '',
        form.get('code_verifier') ?? undefined,
        form.get('redirect_uri') ?? undefined,
      );
      if (!clientOk || form.has('client_secret') || !grant || !form.get('code_verifier')) {
        ctx.status = 400;
        ctx.body = { error: 'invalid_grant', error_description: 'Invalid authorization code' };
        return;
      }
      const now = Math.floor(Date.now() / 1000);
      ctx.body = {
        access_token: 'hf_oauth_access',
        token_type: 'bearer',
        expires_in: 28800,
        scope: grant.scope,
        id_token: await fake.idToken({
          iss: ISSUER,
          aud: grant.clientId,
          sub: info.sub as string,
          iat: now,
          exp: now + 3600,
          nonce: grant.nonce,
        }),
      };
    });
    fake.router.get('/oauth/userinfo', (ctx) => {
      if (ctx.get('authorization') !== 'Bearer hf_oauth_access') ctx.status = 401;
      else ctx.body = info;
    });
    app = await startApp(
      () => [
        new HuggingFace({ ...PUBLIC, fetch: fake.fetch }),
        new HuggingFace({ name: 'hf-confidential', ...CONFIDENTIAL, fetch: fake.fetch }),
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
    info = {
      sub: '6510a3b2c4d5e6f708192a3b',
      preferred_username: 'julien-c',
      profile: 'https://huggingface.co/julien-c',
      picture: 'https://cdn-avatars.huggingface.co/v1/production/uploads/julien.png',
      email: 'julien@example.com',
      email_verified: true,
      isPro: true,
      orgs: [
        {
          sub: '5e67bd5b1009063689407478',
          name: 'Hugging Face',
          preferred_username: 'huggingface',
          picture: 'https://cdn-avatars.huggingface.co/v1/production/uploads/hf.png',
          isEnterprise: true,
          roleInOrg: 'admin',
        },
      ],
    };
  });

  async function signIn(browser: Browser, name = 'huggingface') {
    const start = await browser.request(`${app.url}/auth/${name}/login`);
    return browser.request(fake.authorize(start.location!));
  }
  const tokenCall = () => fake.requests.filter((r) => r.path === '/oauth/token').at(-1)!;
  const me = async (browser: Browser) =>
    JSON.parse((await browser.request(`${app.url}/me`)).body) as { user: Record<string, unknown> };

  it('sends the documented authorization request (scopes, PKCE S256, state, nonce)', async () => {
    const start = await new Browser().request(`${app.url}/auth/huggingface/login`);
    expect(start.location!.origin + start.location!.pathname).to.equal(`${ISSUER}/oauth/authorize`);
    const q = start.location!.searchParams;
    expect(q.get('client_id')).to.equal(PUBLIC.clientId);
    expect(q.get('response_type')).to.equal('code');
    expect(q.get('scope')).to.equal('openid profile email');
    expect(q.get('code_challenge_method')).to.equal('S256');
    expect(q.get('code_challenge')).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('nonce')).to.match(/^[A-Za-z0-9_-]{20,}$/);
    expect(q.get('redirect_uri')).to.equal(app.callback('huggingface'));
  });

  it('signs in a public app with client_id and the PKCE verifier only (name from preferred_username)', async () => {
    const browser = new Browser();
    const done = await signIn(browser);
    expect(done.location!.pathname).to.equal('/');
    const call = tokenCall();
    expect(call.headers.authorization).to.equal(undefined);
    expect([...call.form.keys()].sort()).to.deep.equal(
      ['client_id', 'code', 'code_verifier', 'grant_type', 'redirect_uri'].sort(),
    );
    expect(call.form.get('client_id')).to.equal(PUBLIC.clientId);
    const { raw, ...mapped } = profiles[0]!;
    expect(mapped).to.deep.equal({
      id: '6510a3b2c4d5e6f708192a3b',
      email: 'julien@example.com',
      emailVerified: true,
      name: 'julien-c',
      picture: 'https://cdn-avatars.huggingface.co/v1/production/uploads/julien.png',
    });
    expect((raw.orgs as Array<{ sub: string }>)[0]!.sub).to.equal('5e67bd5b1009063689407478');
    expect((await me(browser)).user).to.include({ email: 'julien@example.com', name: 'julien-c' });
    const token = await browser.request(`${app.url}/provider-token/huggingface`);
    expect(JSON.parse(token.body)).to.deep.equal({ token: 'hf_oauth_access' });
  });

  it('signs in a confidential app with HTTP Basic (and the full name when there is one)', async () => {
    info = { ...info, sub: '64f0c0ffee0000000000beef', name: 'Julien Chaumond' };
    info.email = 'julien.c@example.com';
    const browser = new Browser();
    const done = await signIn(browser, 'hf-confidential');
    expect(done.location!.pathname).to.equal('/');
    const call = tokenCall();
    expect(fake.basic(call.headers)).to.deep.equal({
      id: CONFIDENTIAL.clientId,
      secret: CONFIDENTIAL.clientSecret,
    });
    expect(call.form.has('client_secret')).to.equal(false);
    expect(call.form.get('code_verifier')).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(profiles[0]!.name).to.equal('Julien Chaumond');
    expect((await me(browser)).user.name).to.equal('Julien Chaumond');
  });

  it('signs in without an email when the app was not granted the email scope', async () => {
    info = { ...info, sub: '650000000000000000000001', preferred_username: 'no-mail' };
    delete info.email;
    delete info.email_verified;
    const browser = new Browser();
    await signIn(browser);
    expect(profiles[0]).to.include({ email: undefined, emailVerified: false, name: 'no-mail' });
    const { user } = await me(browser);
    expect(user.email).to.equal(undefined);
    expect(user.name).to.equal('no-mail');
  });

  it('ends on the error path when the token endpoint refuses the code (invalid_grant)', async () => {
    const browser = new Browser();
    const start = await browser.request(`${app.url}/auth/huggingface/login`);
    const back = fake.authorize(start.location!);
    back.searchParams.set('code', 'not-a-code');
    const done = await browser.request(back);
    await expectSignInFailed(app.url, browser, done, 'provider_error');
    expect(profiles).to.have.length(0);
  });

  it('signs out without calling Hugging Face (no revocation endpoint is documented)', async () => {
    const browser = new Browser();
    await signIn(browser);
    const before = fake.requests.length;
    const out = await browser.request(`${app.url}/auth/logout`, {
      method: 'POST',
      headers: { accept: 'application/json', origin: app.url },
    });
    expect(out.status).to.equal(200);
    expect(fake.requests.length).to.equal(before);
    expect((await browser.request(`${app.url}/me`)).status).to.equal(401);
  });
});
