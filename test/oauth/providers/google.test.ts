import { expect } from 'chai';
import { Google } from '../../../lib/oauth/providers/google.js';
import type { Profile } from '../../../lib/providers.js';
import { type OAuthApp, startApp } from '../support/app.js';
import { Browser } from '../support/browser.js';
import { type Fake, startFake } from '../support/fake.js';

const CLIENT = {
  clientId: 'g-client.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-secret-0123',
};
const ISSUER = 'https://accounts.google.com';

describe('Google provider', () => {
  let fake: Fake;
  let app: OAuthApp;
  let profiles: Profile[];
  let claims: Record<string, unknown>;
  let info: Record<string, unknown>;
  let expiresIn: number;

  before(async () => {
    fake = await startFake([
      'accounts.google.com',
      'oauth2.googleapis.com',
      'openidconnect.googleapis.com',
      'www.googleapis.com',
    ]);
    fake.router.get('/.well-known/openid-configuration', (ctx) => {
      ctx.body = {
        issuer: ISSUER,
        authorization_endpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
        token_endpoint: 'https://oauth2.googleapis.com/token',
        userinfo_endpoint: 'https://openidconnect.googleapis.com/v1/userinfo',
        revocation_endpoint: 'https://oauth2.googleapis.com/revoke',
        jwks_uri: 'https://www.googleapis.com/oauth2/v3/certs',
        response_types_supported: ['code', 'token', 'id_token', 'code id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        code_challenge_methods_supported: ['plain', 'S256'],
      };
    });
    fake.router.get('/oauth2/v3/certs', async (ctx) => {
      ctx.body = await fake.jwks();
    });
    fake.router.post('/token', async (ctx) => {
      const { form, headers } = ctx.state.rec;
      const now = Math.floor(Date.now() / 1000);
      const client =
        form.get('client_id') === CLIENT.clientId &&
        form.get('client_secret') === CLIENT.clientSecret &&
        headers.authorization === undefined;
      const id = (nonce?: string) =>
        fake.idToken({
          iss: ISSUER,
          aud: CLIENT.clientId,
          iat: now,
          exp: now + 3600,
          ...claims,
          nonce,
        });
      if (client && form.get('grant_type') === 'refresh_token') {
        if (form.get('refresh_token') !== '1//g-refresh') return badGrant(ctx);
        // no new refresh_token on a refresh
        ctx.body = {
          access_token: `ya29.refreshed-${now}`,
          expires_in: expiresIn,
          token_type: 'Bearer',
          id_token: await id(),
        };
        return;
      }
      const issued = fake.redeem(
        form.get('code') ?? '',
        form.get('code_verifier') ?? undefined,
        form.get('redirect_uri') ?? undefined,
      );
      if (!client || !issued) return badGrant(ctx);
      const offline =
        issued.params.get('access_type') === 'offline' && issued.params.get('prompt') === 'consent';
      ctx.body = {
        access_token: 'ya29.g-access',
        expires_in: expiresIn,
        scope: issued.scope,
        token_type: 'Bearer',
        id_token: await id(issued.nonce),
        ...(offline ? { refresh_token: '1//g-refresh' } : {}),
      };
    });
    fake.router.get('/v1/userinfo', (ctx) => {
      if (ctx.get('authorization') !== 'Bearer ya29.g-access') return void (ctx.status = 401);
      ctx.body = info;
    });
    fake.router.post('/revoke', (ctx) => {
      ctx.status = ctx.state.rec.form.get('token') === '1//g-refresh' ? 200 : 400;
    });
    app = await startApp(
      () => [
        new Google({ ...CLIENT, fetch: fake.fetch }),
        new Google({
          ...CLIENT,
          name: 'workspace',
          hostedDomain: 'example.com',
          accessType: 'offline',
          fetch: fake.fetch,
        }),
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
    expiresIn = 3599;
    claims = {
      sub: '110169484474386276334',
      email: 'ada@example.com',
      email_verified: true,
      hd: 'example.com',
    };
    info = {
      ...claims,
      name: 'Ada Lovelace',
      given_name: 'Ada',
      picture: 'https://lh3.googleusercontent.com/a/ada',
    };
  });

  function badGrant(ctx: { status: number; body: unknown }): void {
    ctx.status = 400;
    ctx.body = { error: 'invalid_grant', error_description: 'Bad Request' };
  }

  async function signIn(browser: Browser, name = 'google', code?: string) {
    const start = await browser.request(`${app.url}/auth/${name}/login`);
    const back = fake.authorize(start.location!);
    if (code) back.searchParams.set('code', code);
    return browser.request(back);
  }

  async function me(browser: Browser) {
    return browser.request(`${app.url}/me`, { headers: { accept: 'application/json' } });
  }

  it('sends the documented authorization request (scopes, PKCE, nonce; hd and offline access when asked)', async () => {
    const plain = (await new Browser().request(`${app.url}/auth/google/login`)).location!;
    expect(plain.origin + plain.pathname).to.equal('https://accounts.google.com/o/oauth2/v2/auth');
    const q = plain.searchParams;
    expect(q.get('client_id')).to.equal(CLIENT.clientId);
    expect(q.get('response_type')).to.equal('code');
    expect(q.get('scope')).to.equal('openid email profile');
    expect(q.get('code_challenge_method')).to.equal('S256');
    expect(q.get('nonce')).to.match(/^[\w-]{20,}$/);
    expect(q.get('redirect_uri')).to.equal(app.callback('google'));
    expect([q.has('hd'), q.has('access_type'), q.has('prompt')]).to.deep.equal([
      false,
      false,
      false,
    ]);
    const work = (await new Browser().request(`${app.url}/auth/workspace/login`)).location!
      .searchParams;
    expect([work.get('hd'), work.get('access_type'), work.get('prompt')]).to.deep.equal([
      'example.com',
      'offline',
      'consent',
    ]);
  });

  it('signs in with a legacy `iss: accounts.google.com` ID token, merged with UserInfo', async () => {
    claims.iss = 'accounts.google.com';
    const browser = new Browser();
    const done = await signIn(browser);
    expect(done.location!.href).to.equal(`${app.url}/`);
    expect(profiles).to.have.length(1);
    const { raw, ...profile } = profiles[0]!;
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
    const token = fake.requests.filter((r) => r.path === '/token').at(-1)!;
    expect(token.form.get('grant_type')).to.equal('authorization_code');
    expect(token.form.get('client_secret')).to.equal(CLIENT.clientSecret);
  });

  for (const iss of [
    'https://accounts.google.com.evil.example',
    'google.com',
    'http://accounts.google.com',
  ]) {
    it(`refuses an ID token from issuer ${iss}`, async () => {
      claims.iss = iss;
      const browser = new Browser();
      const done = await signIn(browser);
      expect(done.location!.pathname + done.location!.search).to.equal(
        '/auth/error?error=provider_error',
      );
      expect((await me(browser)).status).to.equal(401);
      expect(profiles).to.deep.equal([]);
    });
  }

  it('ends on the error path when the token endpoint answers 400 invalid_grant', async () => {
    const browser = new Browser();
    const done = await signIn(browser, 'google', '4/0-expired-code');
    expect(done.location!.pathname + done.location!.search).to.equal(
      '/auth/error?error=provider_error',
    );
    expect((await me(browser)).status).to.equal(401);
  });

  it('signs in without an email (none granted): no email, not verified', async () => {
    claims = { sub: '100000000000000000001' };
    info = { sub: '100000000000000000001', name: 'No Mail' };
    const browser = new Browser();
    await signIn(browser);
    expect(profiles[0]).to.include({
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
      claims = { ...claims, hd };
      const browser = new Browser();
      const done = await signIn(browser, 'workspace');
      expect(done.location!.pathname + done.location!.search).to.equal(
        '/auth/error?error=login_refused',
      );
      expect((await me(browser)).status).to.equal(401);
    }
    expect(profiles).to.deep.equal([]);
  });

  it('refreshes an offline token (keeping the refresh token) and revokes it at sign-out', async () => {
    expiresIn = 1;
    const browser = new Browser();
    await signIn(browser, 'workspace');
    expect(profiles[0]!.raw.hd).to.equal('example.com');
    for (let i = 0; i < 2; i++) {
      const { token } = JSON.parse(
        (await browser.request(`${app.url}/provider-token/workspace`)).body,
      ) as { token: string };
      expect(token).to.match(/^ya29\.refreshed-\d+$/);
      const refresh = fake.requests.filter((r) => r.path === '/token').at(-1)!.form;
      expect([refresh.get('grant_type'), refresh.get('refresh_token')]).to.deep.equal([
        'refresh_token',
        '1//g-refresh',
      ]);
    }
    const out = await browser.request(`${app.url}/auth/logout`, {
      method: 'POST',
      headers: { accept: 'application/json', origin: app.url },
    });
    expect(out.status).to.equal(200);
    const revoke = fake.requests.filter((r) => r.path === '/revoke');
    expect(revoke).to.have.length(1);
    expect(revoke[0]!.host).to.equal('oauth2.googleapis.com');
    expect(revoke[0]!.form.get('token')).to.equal('1//g-refresh');
    expect(revoke[0]!.form.get('token_type_hint')).to.equal('refresh_token');
    expect((await me(browser)).status).to.equal(401);
  });
});
