import { expect } from 'chai';
import { GitLab } from '../../../lib/oauth/providers/gitlab.js';
import type { Profile } from '../../../lib/providers.js';
import { type OAuthApp, startApp } from '../support/app.js';
import { Browser } from '../support/browser.js';
import { expectSignInFailed } from '../support/expect.js';
import { type Fake, startFake } from '../support/fake.js';

const CLIENT = { clientId: 'gl-app-id', clientSecret: 'gl-secret-0123456789' };
const CORP = { clientId: 'corp-app-id', clientSecret: 'corp-secret-0123456789' };
const SUB_LEGACY = 'a6f0f5f2c9c2b4ad3c1f0e5b8d6e2b6e1c3d8a9f7b5e4c2d1a0f9e8d7c6b5a4f';
/** gitlab.com, and a self-managed GitLab under a relative URL root. */
const SITES = [
  { issuer: 'https://gitlab.com', host: 'gitlab.com', root: '', client: CLIENT, tag: 'gl' },
  {
    issuer: 'https://code.example.org/gitlab',
    host: 'code.example.org',
    root: '/gitlab',
    client: CORP,
    tag: 'corp',
  },
];

describe('GitLab provider', () => {
  let fake: Fake;
  let app: OAuthApp;
  let idClaims: Record<string, unknown>;
  let info: Record<string, unknown>;
  let expiresIn: number;
  const profiles: Profile[] = [];

  before(async () => {
    fake = await startFake(SITES.map((s) => s.host));
    for (const { issuer, host, root, client, tag } of SITES) {
      const mine = (ctx: { state: { rec: { host: string } }; status: number }): boolean =>
        ctx.state.rec.host === host || !(ctx.status = 404);
      const clientOk = (headers: Record<string, unknown>): boolean => {
        const basic = fake.basic(headers as never);
        return basic?.id === client.clientId && basic.secret === client.clientSecret;
      };
      fake.router.get(`${root}/.well-known/openid-configuration`, (ctx) => {
        if (!mine(ctx)) return;
        ctx.body = {
          issuer,
          authorization_endpoint: `${issuer}/oauth/authorize`,
          token_endpoint: `${issuer}/oauth/token`,
          revocation_endpoint: `${issuer}/oauth/revoke`,
          userinfo_endpoint: `${issuer}/oauth/userinfo`,
          jwks_uri: `${issuer}/oauth/discovery/keys`,
          response_types_supported: ['code'],
          response_modes_supported: ['query', 'fragment', 'form_post'],
          token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['plain', 'S256'],
        };
      });
      fake.router.get(`${root}/oauth/discovery/keys`, async (ctx) => {
        if (mine(ctx)) ctx.body = await fake.jwks();
      });
      fake.router.post(`${root}/oauth/token`, async (ctx) => {
        if (!mine(ctx)) return;
        const { form, headers } = ctx.state.rec;
        const refresh = form.get('grant_type') === 'refresh_token';
        const issued = refresh
          ? undefined
          : fake.redeem(
              form.get('code') ?? '',
              form.get('code_verifier') ?? undefined,
              form.get('redirect_uri') ?? undefined,
            );
        if (
          !clientOk(headers) ||
          (refresh ? form.get('refresh_token') !== `${tag}-refresh-1` : !issued)
        ) {
          ctx.status = 400;
          ctx.body = {
            error: 'invalid_grant',
            error_description:
              'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
          };
          return;
        }
        const now = Math.floor(Date.now() / 1000);
        ctx.body = {
          access_token: `${tag}-access-${refresh ? 2 : 1}`,
          token_type: 'Bearer',
          expires_in: refresh ? 7200 : expiresIn,
          refresh_token: `${tag}-refresh-${refresh ? 2 : 1}`,
          scope: 'openid profile email',
          created_at: now,
          // (whether GitLab sends a new ID token on refresh is UNCONFIRMED: this fake sends none)
          ...(issued && {
            id_token: await fake.idToken({
              iss: issuer,
              aud: client.clientId,
              iat: now,
              exp: now + 120,
              auth_time: now,
              nonce: issued.nonce,
              sub_legacy: SUB_LEGACY,
              ...idClaims,
            }),
          }),
        };
      });
      fake.router.get(`${root}/oauth/userinfo`, (ctx) => {
        if (!mine(ctx)) return;
        if (ctx.get('authorization') !== `Bearer ${tag}-access-1`) return void (ctx.status = 401);
        ctx.body = info;
      });
      fake.router.post(`${root}/oauth/revoke`, (ctx) => {
        if (!mine(ctx)) return;
        ctx.status = clientOk(ctx.state.rec.headers) ? 200 : 403;
        ctx.body = {};
      });
    }
    app = await startApp(
      () => [
        new GitLab({ ...CLIENT, fetch: fake.fetch }),
        new GitLab({
          ...CORP,
          name: 'gitlab-corp',
          baseUrl: `${SITES[1]!.issuer}/`,
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
    expiresIn = 7200;
    // most profile claims come only from UserInfo (gitlab#388176)
    idClaims = { sub: '1234567' };
    info = {
      sub: '1234567',
      sub_legacy: SUB_LEGACY,
      name: 'Grace Lab',
      nickname: 'grace',
      preferred_username: 'grace',
      email: 'grace@example.com',
      email_verified: true,
      website: '',
      profile: 'https://gitlab.com/grace',
      picture: 'https://gitlab.com/uploads/-/system/user/avatar/1234567/avatar.png',
      groups: ['gitlab-org'],
    };
  });

  async function signIn(browser: Browser, name = 'gitlab') {
    const start = await browser.request(`${app.url}/auth/${name}/login`);
    return browser.request(fake.authorize(start.location!));
  }
  const me = async (b: Browser) => JSON.parse((await b.request(`${app.url}/me`)).body).user;

  it('sends the documented authorization request (discovered endpoint, scopes, PKCE, nonce)', async () => {
    const start = await new Browser().request(`${app.url}/auth/gitlab/login`);
    const u = start.location!;
    expect(u.origin + u.pathname).to.equal('https://gitlab.com/oauth/authorize');
    expect(u.searchParams.get('client_id')).to.equal(CLIENT.clientId);
    expect(u.searchParams.get('scope')).to.equal('openid profile email');
    expect(u.searchParams.get('redirect_uri')).to.equal(app.callback('gitlab'));
    expect(u.searchParams.get('code_challenge_method')).to.equal('S256');
    expect(u.searchParams.get('nonce')).to.match(/^[A-Za-z0-9_-]{20,}$/);
  });

  it('signs in with the profile from UserInfo (the ID token has only the sub)', async () => {
    const browser = new Browser();
    expect((await signIn(browser)).location!.pathname).to.equal('/');
    const { raw, ...profile } = profiles.at(-1)!;
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
      idClaims = { sub: `77${i}`, ...id };
      info = { ...info, sub: `77${i}`, ...ui };
      const browser = new Browser();
      expect((await signIn(browser)).location!.pathname).to.equal('/');
      expect(profiles.at(-1)).to.include({ email: ui.email, emailVerified: false });
      expect((await me(browser)).email).to.equal(undefined);
    });
  });

  it('refuses a UserInfo answer about another user (sub) with provider_error', async () => {
    info = { ...info, sub: '7654321' };
    const browser = new Browser();
    const done = await signIn(browser);
    await expectSignInFailed(app.url, browser, done, 'provider_error');
  });

  it('ends on provider_error with no session when GitLab refuses the code (invalid_grant)', async () => {
    const browser = new Browser();
    const start = await browser.request(`${app.url}/auth/gitlab/login`);
    const back = fake.authorize(start.location!);
    back.searchParams.set('code', 'not-a-code');
    const done = await browser.request(back);
    expect(done.location!.searchParams.get('error')).to.equal('provider_error');
    expect((await browser.request(`${app.url}/me`)).status).to.equal(401);
  });

  it('refreshes the expired access token, then revokes the refresh token at sign-out', async () => {
    expiresIn = 1;
    const browser = new Browser();
    await signIn(browser);
    const from = fake.requests.length;
    const token = await browser.request(`${app.url}/provider-token/gitlab`);
    expect(JSON.parse(token.body)).to.deep.equal({ token: 'gl-access-2' });
    const [refresh] = fake.requests.slice(from);
    expect(refresh!.path).to.equal('/oauth/token');
    expect(refresh!.form.get('grant_type')).to.equal('refresh_token');
    expect(refresh!.form.get('refresh_token')).to.equal('gl-refresh-1');
    const out = await browser.request(`${app.url}/auth/logout`, {
      method: 'POST',
      headers: { accept: 'application/json', origin: app.url },
    });
    expect(out.status).to.equal(200);
    const revoke = fake.requests.filter((r) => r.path === '/oauth/revoke').at(-1)!;
    expect(revoke.host).to.equal('gitlab.com');
    expect(revoke.form.get('token')).to.equal('gl-refresh-2');
    expect(revoke.form.get('token_type_hint')).to.equal('refresh_token');
    expect(fake.basic(revoke.headers)).to.deep.equal({
      id: CLIENT.clientId,
      secret: CLIENT.clientSecret,
    });
  });

  it('signs in against a self-managed GitLab (baseUrl with a relative URL root)', async () => {
    const from = fake.requests.length;
    const browser = new Browser();
    const start = await browser.request(`${app.url}/auth/gitlab-corp/login`);
    const u = start.location!;
    expect(u.origin + u.pathname).to.equal('https://code.example.org/gitlab/oauth/authorize');
    expect(u.searchParams.get('client_id')).to.equal(CORP.clientId);
    const done = await browser.request(fake.authorize(u));
    expect(done.location!.pathname).to.equal('/');
    expect(profiles.at(-1)).to.include({ id: '1234567', email: 'grace@example.com' });
    const calls = fake.requests.slice(from).map((r) => `${r.method} ${r.host}${r.path}`);
    expect(calls).to.deep.equal([
      'POST code.example.org/gitlab/oauth/token',
      'GET code.example.org/gitlab/oauth/discovery/keys',
      'GET code.example.org/gitlab/oauth/userinfo',
    ]);
    // discovered at start-up, from the self-managed issuer
    const discovery = fake.requests.filter((r) => r.path.endsWith('/openid-configuration'));
    expect(discovery.map((r) => `${r.host}${r.path}`)).to.include(
      'code.example.org/gitlab/.well-known/openid-configuration',
    );
    // another issuer: the same GitLab id is another account
    expect(await app.users.findByAccount('gitlab-corp', '1234567')).to.not.equal(undefined);
  });
});
