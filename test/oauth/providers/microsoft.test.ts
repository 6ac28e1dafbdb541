import { expect } from 'chai';
import { Microsoft } from '../../../lib/oauth/providers/microsoft.js';
import type { Profile } from '../../../lib/providers.js';
import { type OAuthApp, startApp } from '../support/app.js';
import { Browser } from '../support/browser.js';
import { type Fake, startFake } from '../support/fake.js';

const CLIENT = {
  clientId: '6731de76-14a6-49ae-97bc-6eba6914391e',
  clientSecret: 'entra~secret.0123',
};
const LOGIN = 'https://login.microsoftonline.com';
const CONTOSO = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const FABRIKAM = '3b6a2c1e-0f4d-4a8e-9b7c-5d2e1f0a9c8b';
const iss = (tid: string): string => `${LOGIN}/${tid}/v2.0`;

describe('Microsoft provider', () => {
  let fake: Fake;
  let app: OAuthApp;
  let profiles: Profile[];
  let claims: Record<string, unknown>;
  let info: Record<string, unknown>;
  let expiresIn: number;
  let rotation: number;

  before(async () => {
    fake = await startFake([new URL(LOGIN).host, 'graph.microsoft.com']);
    fake.router.get('/:tenant/v2.0/.well-known/openid-configuration', (ctx) => {
      const { tenant } = ctx.params;
      ctx.body = {
        // `common` names a template; a tenant names itself; no revocation_endpoint, no RFC 9207 flag
        issuer: tenant === 'common' ? `${LOGIN}/{tenantid}/v2.0` : iss(tenant),
        authorization_endpoint: `${LOGIN}/${tenant}/oauth2/v2.0/authorize`,
        token_endpoint: `${LOGIN}/${tenant}/oauth2/v2.0/token`,
        jwks_uri: `${LOGIN}/${tenant}/discovery/v2.0/keys`,
        userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
        end_session_endpoint: `${LOGIN}/${tenant}/oauth2/v2.0/logout`,
        token_endpoint_auth_methods_supported: [
          'client_secret_post',
          'private_key_jwt',
          'client_secret_basic',
        ],
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      };
    });
    fake.router.get('/:tenant/discovery/v2.0/keys', async (ctx) => {
      ctx.body = await fake.jwks();
    });
    fake.router.post('/:tenant/oauth2/v2.0/token', async (ctx) => {
      const { form } = ctx.state.rec;
      const now = Math.floor(Date.now() / 1000);
      const ok =
        form.get('client_id') === CLIENT.clientId &&
        form.get('client_secret') === CLIENT.clientSecret;
      const grant = form.get('grant_type');
      const issued =
        grant === 'authorization_code'
          ? fake.redeem(
              form.get('code') ?? '',
              form.get('code_verifier') ?? undefined,
              form.get('redirect_uri') ?? undefined,
            )
          : undefined;
      if (
        !ok ||
        (grant === 'refresh_token' ? form.get('refresh_token') !== `M.R3-${rotation}` : !issued)
      ) {
        ctx.status = 400;
        ctx.body = {
          error: 'invalid_grant',
          error_description:
            'AADSTS70008: The provided authorization code or refresh token has expired.',
          error_codes: [70008],
          timestamp: '2024-10-01 10:00:00Z',
          trace_id: '0a1b2c3d-0000-0000-0000-000000000000',
          correlation_id: '4e5f6a7b-0000-0000-0000-000000000000',
        };
        return;
      }
      rotation++; // Entra rotates refresh tokens
      ctx.body = {
        token_type: 'Bearer',
        scope: 'openid profile email User.Read',
        expires_in: expiresIn,
        ext_expires_in: expiresIn,
        access_token: `eyJ0eXAi.graph-${rotation}`,
        refresh_token: `M.R3-${rotation}`,
        id_token: await fake.idToken({
          aud: CLIENT.clientId,
          iat: now,
          exp: now + 3600,
          nonce: issued?.nonce,
          ...claims,
        }),
      };
    });
    fake.router.get('/oidc/userinfo', (ctx) => {
      if (!/^Bearer eyJ0eXAi\.graph-\d+$/.test(ctx.get('authorization')))
        return void (ctx.status = 401);
      ctx.body = info;
    });
    app = await startApp(
      () => [
        new Microsoft({ ...CLIENT, fetch: fake.fetch }),
        new Microsoft({ ...CLIENT, name: 'contoso', tenant: CONTOSO, fetch: fake.fetch }),
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
    rotation = 0;
    claims = {
      iss: iss(CONTOSO),
      tid: CONTOSO,
      sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
      oid: '00000000-0000-0000-66f3-3332eca7ea81',
      name: 'Megan Bowen',
      preferred_username: 'meganb@contoso.com',
      email: 'megan@contoso.com',
      email_verified: true,
    };
    info = {
      sub: claims.sub,
      name: 'Megan Bowen',
      picture: 'https://graph.microsoft.com/v1.0/me/photo/$value',
    };
  });

  async function signIn(browser: Browser, name = 'microsoft') {
    const start = await browser.request(`${app.url}/auth/${name}/login`);
    const back = fake.authorize(start.location!);
    expect(back.searchParams.has('iss')).to.equal(false);
    return browser.request(back);
  }
  const path = (u: URL | undefined): string => u!.pathname + u!.search;

  it('sends the documented authorization request to the tenant', async () => {
    const common = (await new Browser().request(`${app.url}/auth/microsoft/login`)).location!;
    expect(common.origin + common.pathname).to.equal(`${LOGIN}/common/oauth2/v2.0/authorize`);
    const q = common.searchParams;
    expect(q.get('scope')).to.equal('openid profile email User.Read offline_access');
    expect([q.get('client_id'), q.get('code_challenge_method')]).to.deep.equal([
      CLIENT.clientId,
      'S256',
    ]);
    expect(q.get('nonce')).to.match(/^[\w-]{20,}$/);
    const fixed = (await new Browser().request(`${app.url}/auth/contoso/login`)).location!;
    expect(fixed.pathname).to.equal(`/${CONTOSO}/oauth2/v2.0/authorize`);
  });

  it('signs in through `common` (issuer filled from tid; no iss on the callback): id from oid, email never verified', async () => {
    const browser = new Browser();
    expect((await signIn(browser)).location!.href).to.equal(`${app.url}/`);
    const { raw, ...profile } = profiles[0]!;
    expect(profile).to.deep.equal({
      id: '00000000-0000-0000-66f3-3332eca7ea81',
      email: 'megan@contoso.com',
      emailVerified: false,
      name: 'Megan Bowen',
      picture: undefined,
    });
    expect(raw.tid).to.equal(CONTOSO);
    const user = (JSON.parse((await browser.request(`${app.url}/me`)).body) as { user: object })
      .user;
    expect(user).to.not.have.property('email');
    expect(fake.requests.filter((r) => r.path === '/oidc/userinfo')).to.have.length(1);
  });

  const rejected: Array<[string, Record<string, unknown>]> = [
    ['iss of one tenant, tid of another', { iss: iss(FABRIKAM), tid: CONTOSO }],
    ['a tid that is not a GUID', { iss: iss('evil.example'), tid: 'evil.example' }],
    ['the literal template and no tid', { iss: `${LOGIN}/{tenantid}/v2.0`, tid: undefined }],
  ];
  for (const [what, bad] of rejected) {
    it(`refuses an ID token with ${what}`, async () => {
      claims = { ...claims, ...bad };
      const browser = new Browser();
      expect(path((await signIn(browser)).location)).to.equal('/auth/error?error=provider_error');
      expect((await browser.request(`${app.url}/me`)).status).to.equal(401);
      expect(profiles).to.deep.equal([]);
    });
  }

  it('a fixed tenant expects its own issuer, and refuses another tenant', async () => {
    expect((await signIn(new Browser(), 'contoso')).location!.href).to.equal(`${app.url}/`);
    claims = { ...claims, iss: iss(FABRIKAM), tid: FABRIKAM };
    expect(path((await signIn(new Browser(), 'contoso')).location)).to.equal(
      '/auth/error?error=provider_error',
    );
    expect(profiles).to.have.length(1);
    expect(() => new Microsoft({ ...CLIENT, tenant: 'contoso.onmicrosoft.com' })).to.throw(
      TypeError,
      /GUID/,
    );
  });

  it('ends on the error path on an AADSTS error answer (400 invalid_grant)', async () => {
    const browser = new Browser();
    const start = await browser.request(`${app.url}/auth/microsoft/login`);
    const back = fake.authorize(start.location!);
    back.searchParams.set('code', 'expired-code');
    expect(path((await browser.request(back)).location)).to.equal(
      '/auth/error?error=provider_error',
    );
    expect((await browser.request(`${app.url}/me`)).status).to.equal(401);
  });

  it('signs in a managed user without email: id from sub without oid, name from preferred_username', async () => {
    claims = {
      iss: iss(CONTOSO),
      tid: CONTOSO,
      sub: 'pairwise-sub-1',
      preferred_username: 'adele@contoso.com',
    };
    info = { sub: 'pairwise-sub-1' };
    await signIn(new Browser());
    expect(profiles[0]).to.deep.include({
      id: 'pairwise-sub-1',
      email: undefined,
      emailVerified: false,
      name: 'adele@contoso.com',
      picture: undefined,
    });
  });

  it('refreshes with the rotated refresh token; no revocation at sign-out (none documented)', async () => {
    expiresIn = 1;
    const browser = new Browser();
    await signIn(browser);
    for (const n of [2, 3]) {
      const { token } = JSON.parse(
        (await browser.request(`${app.url}/provider-token/microsoft`)).body,
      ) as { token: string };
      expect(token).to.equal(`eyJ0eXAi.graph-${n}`);
      const form = fake.requests.filter((r) => r.path.endsWith('/token')).at(-1)!.form;
      expect([form.get('grant_type'), form.get('refresh_token')]).to.deep.equal([
        'refresh_token',
        `M.R3-${n - 1}`,
      ]);
    }
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
