import { expect } from 'chai';
import { exportPKCS8, generateKeyPair, jwtVerify, type CryptoKey } from 'jose';
import { randomBytes } from 'node:crypto';
import { Keyring } from '../../../lib/keys/keyring.js';
import { FlowCookies } from '../../../lib/oauth/flow.js';
import { Apple } from '../../../lib/oauth/providers/apple.js';
import type { Profile } from '../../../lib/providers.js';
import { type OAuthApp, startApp } from '../support/app.js';
import { Browser } from '../support/browser.js';
import { type Fake, startFake } from '../support/fake.js';

const ISSUER = 'https://appleid.apple.com';
const SIGNER = { clientId: 'com.example.web', teamId: 'TEAM123456', keyId: 'KEY1234567' };
const SIX_MONTHS_S = 15_777_000;

describe('Apple provider', () => {
  let fake: Fake;
  let app: OAuthApp;
  let publicKey: CryptoKey;
  let privateKey: string;
  let profiles: Profile[];
  let claims: Record<string, unknown>;
  let secrets: string[];

  before(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    publicKey = pair.publicKey;
    privateKey = await exportPKCS8(pair.privateKey);
    const otherKey = await exportPKCS8(
      (await generateKeyPair('ES256', { extractable: true })).privateKey,
    );
    fake = await startFake(['appleid.apple.com']);
    fake.router.get('/.well-known/openid-configuration', (ctx) => {
      ctx.body = {
        issuer: ISSUER,
        authorization_endpoint: `${ISSUER}/auth/authorize`,
        token_endpoint: `${ISSUER}/auth/token`,
        revocation_endpoint: `${ISSUER}/auth/revoke`,
        jwks_uri: `${ISSUER}/auth/keys`,
        response_types_supported: ['code'],
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid', 'email', 'name'],
        token_endpoint_auth_methods_supported: ['client_secret_post'],
      };
    });
    fake.router.get('/auth/keys', async (ctx) => {
      ctx.body = await fake.jwks();
    });
    /** The client secret must be an ES256 JWT from the team's key, in the body. */
    const clientOk = async (form: URLSearchParams, authorization: unknown): Promise<boolean> => {
      const secret = form.get('client_secret') ?? '';
      secrets.push(secret);
      if (authorization !== undefined || form.get('client_id') !== SIGNER.clientId) return false;
      try {
        const { payload, protectedHeader } = await jwtVerify(secret, publicKey, {
          algorithms: ['ES256'],
          issuer: SIGNER.teamId,
          subject: SIGNER.clientId,
          audience: ISSUER,
          requiredClaims: ['iat', 'exp'],
        });
        return protectedHeader.kid === SIGNER.keyId && payload.exp! - payload.iat! <= SIX_MONTHS_S;
      } catch {
        return false;
      }
    };
    fake.router.post('/auth/token', async (ctx) => {
      const { form, headers } = ctx.state.rec;
      if (!(await clientOk(form, headers.authorization))) {
        ctx.status = 400;
        ctx.body = { error: 'invalid_client' };
        return;
      }
      const now = Math.floor(Date.now() / 1000);
      const token = (nonce?: string) =>
        fake.idToken({
          iss: ISSUER,
          aud: SIGNER.clientId,
          iat: now,
          exp: now + 600,
          nonce,
          ...claims,
        });
      if (
        form.get('grant_type') === 'refresh_token' &&
        form.get('refresh_token') === 'r.apple-refresh'
      ) {
        // no new refresh_token on a refresh
        ctx.body = {
          access_token: 'a.apple-2',
          token_type: 'Bearer',
          expires_in: 3600,
          id_token: await token(),
        };
        return;
      }
      const issued = fake.redeem(
        form.get('code') ?? '',
        form.get('code_verifier') ?? undefined,
        form.get('redirect_uri') ?? undefined,
      );
      if (!issued) {
        ctx.status = 400;
        ctx.body = {
          error: 'invalid_grant',
          error_description: 'The code has expired or has been revoked.',
        };
        return;
      }
      ctx.body = {
        access_token: 'a.apple-1',
        token_type: 'Bearer',
        expires_in: 1,
        refresh_token: 'r.apple-refresh',
        id_token: await token(issued.nonce),
      };
    });
    fake.router.post('/auth/revoke', async (ctx) => {
      const { form, headers } = ctx.state.rec;
      ctx.status =
        (await clientOk(form, headers.authorization)) && form.get('token') === 'r.apple-refresh'
          ? 200
          : 400;
    });
    app = await startApp(
      () => [
        new Apple({ ...SIGNER, privateKey, fetch: fake.fetch }),
        new Apple({ ...SIGNER, name: 'apple-wrong-key', privateKey: otherKey, fetch: fake.fetch }),
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
    secrets = [];
    claims = {
      sub: '001234.5f1e2d3c4b5a69788796a5b4c3d2e1f0.1234',
      email: 'x7gq2ab9@privaterelay.appleid.com',
      email_verified: 'true',
      is_private_email: 'true',
      auth_time: Math.floor(Date.now() / 1000),
      nonce_supported: true,
    };
  });

  /** Through Apple's page; the callback is a form POST with `code`, `state` and maybe `user`. */
  async function signIn(browser: Browser, user?: string, name = 'apple') {
    const start = await browser.request(`${app.url}/auth/${name}/login`);
    const back = fake.authorize(start.location!);
    const form = Object.fromEntries(back.searchParams);
    if (user !== undefined) form.user = user;
    return browser.request(back.origin + back.pathname, { method: 'POST', form });
  }
  const path = (u: URL | undefined): string => u!.pathname + u!.search;
  const withoutRaw = ({ raw: _raw, ...rest }: Profile): Omit<Profile, 'raw'> => rest;

  it('sends the documented authorization request (form_post, name email)', async () => {
    const url = (await new Browser().request(`${app.url}/auth/apple/login`)).location!;
    expect(url.origin + url.pathname).to.equal(`${ISSUER}/auth/authorize`);
    const q = url.searchParams;
    expect([q.get('response_type'), q.get('response_mode'), q.get('scope')]).to.deep.equal([
      'code',
      'form_post',
      'name email',
    ]);
    expect([q.get('client_id'), q.get('redirect_uri')]).to.deep.equal([
      SIGNER.clientId,
      app.callback('apple'),
    ]);
    expect(q.get('nonce')).to.match(/^[\w-]{20,}$/);
  });

  it('signs in from a form POST: name from the first-authorization `user` field, string booleans', async () => {
    const browser = new Browser();
    const user =
      '{"name":{"firstName":"Ada","lastName":"Lovelace"},"email":"x7gq2ab9@privaterelay.appleid.com"}';
    expect((await signIn(browser, user)).location!.href).to.equal(`${app.url}/`);
    expect(withoutRaw(profiles[0]!)).to.deep.equal({
      id: '001234.5f1e2d3c4b5a69788796a5b4c3d2e1f0.1234',
      email: 'x7gq2ab9@privaterelay.appleid.com',
      emailVerified: true,
      name: 'Ada Lovelace',
      picture: undefined,
    });
    expect(profiles[0]!.raw).to.include({ is_private_email: true, email_verified: 'true' });
    const me = JSON.parse((await browser.request(`${app.url}/me`)).body) as { user: object };
    expect(me.user).to.include({
      email: 'x7gq2ab9@privaterelay.appleid.com',
      name: 'Ada Lovelace',
    });
  });

  it('reads boolean email_verified / is_private_email, and "false" as not verified', async () => {
    claims = { ...claims, email_verified: true, is_private_email: false };
    await signIn(new Browser());
    claims = { ...claims, sub: '001234.other', email: 'b@example.com', email_verified: 'false' };
    await signIn(new Browser());
    expect(profiles.map((p) => [p.emailVerified, p.raw.is_private_email])).to.deep.equal([
      [true, false],
      [false, false],
    ]);
  });

  it('signs in later authorizations without `user` or email: no name, no email', async () => {
    claims = { sub: claims.sub };
    await signIn(new Browser());
    expect(withoutRaw(profiles[0]!)).to.deep.equal({
      id: '001234.5f1e2d3c4b5a69788796a5b4c3d2e1f0.1234',
      email: undefined,
      emailVerified: false,
      name: undefined,
      picture: undefined,
    });
  });

  it('ignores a malformed `user` field', async () => {
    for (const bad of ['{not json', '[]', '"Ada"', '{"name":"Ada"}', '{"name":{"firstName":7}}']) {
      expect(path((await signIn(new Browser(), bad)).location)).to.equal('/');
    }
    expect(profiles.map((p) => p.name)).to.deep.equal([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("maps Apple's user_cancelled_authorize to access_denied, with no session", async () => {
    const browser = new Browser();
    const start = await browser.request(`${app.url}/auth/apple/login`);
    const back = fake.authorize(start.location!);
    const form = { state: back.searchParams.get('state')!, error: 'user_cancelled_authorize' };
    const done = await browser.request(back.origin + back.pathname, { method: 'POST', form });
    expect(path(done.location)).to.equal('/auth/error?error=access_denied');
    expect((await browser.request(`${app.url}/me`)).status).to.equal(401);
  });

  it('refuses a GET callback without the flow cookie (state_mismatch)', async () => {
    const start = await new Browser().request(`${app.url}/auth/apple/login`);
    const back = fake.authorize(start.location!);
    const other = new Browser();
    expect(path((await other.request(back)).location)).to.equal('/auth/error?error=state_mismatch');
    expect((await other.request(`${app.url}/me`)).status).to.equal(401);
  });

  it('keeps the flow cookie through the cross-site POST: SameSite=None; Secure over HTTPS', () => {
    const set: Array<Record<string, unknown>> = [];
    const ctx = {
      secure: true,
      cookies: { set: (_n: string, _v: string, o: object) => set.push({ ...o }) },
    };
    const flows = new FlowCookies(new Keyring([randomBytes(32)]), 'flow', false, 600_000);
    const apple = new Apple({ ...SIGNER, privateKey });
    flows.write(
      ctx as never,
      { state: 's', provider: 'apple', redirectUri: 'https://x/cb', returnTo: '/' },
      apple.responseMode === 'form_post',
    );
    expect(set[0]).to.include({ sameSite: 'none', secure: true, httpOnly: true });
  });

  it('ends on the error path on invalid_grant and on invalid_client (a secret signed by another key)', async () => {
    const browser = new Browser();
    const start = await browser.request(`${app.url}/auth/apple/login`);
    const back = fake.authorize(start.location!);
    const form = { ...Object.fromEntries(back.searchParams), code: 'c.expired' };
    expect(path((await browser.request(back.origin + back.pathname, { form })).location)).to.equal(
      '/auth/error?error=provider_error',
    );
    expect(path((await signIn(browser, undefined, 'apple-wrong-key')).location)).to.equal(
      '/auth/error?error=provider_error',
    );
    expect((await browser.request(`${app.url}/me`)).status).to.equal(401);
    expect(profiles).to.deep.equal([]);
  });

  it('reuses the signed client secret, refreshes (keeping the refresh token) and revokes at sign-out', async () => {
    const browser = new Browser();
    await signIn(browser);
    const { token } = JSON.parse(
      (await browser.request(`${app.url}/provider-token/apple`)).body,
    ) as { token: string };
    expect(token).to.equal('a.apple-2');
    const out = await browser.request(`${app.url}/auth/logout`, {
      method: 'POST',
      headers: { accept: 'application/json', origin: app.url },
    });
    expect(out.status).to.equal(200);
    const revoke = fake.requests.filter((r) => r.path === '/auth/revoke').at(-1)!.form;
    expect([
      revoke.get('client_id'),
      revoke.get('token'),
      revoke.get('token_type_hint'),
    ]).to.deep.equal([SIGNER.clientId, 'r.apple-refresh', 'refresh_token']);
    expect(secrets).to.have.length(3);
    expect(new Set(secrets).size).to.equal(1);
  });

  it('signs a new client secret before the cached one expires', async () => {
    const apple = new Apple({ ...SIGNER, privateKey });
    const secretNow = async (): Promise<string> => {
      const body = new URLSearchParams();
      await (
        await apple.clientAuthentication()
      )({ issuer: ISSUER }, { client_id: SIGNER.clientId }, body, new Headers());
      return body.get('client_secret')!;
    };
    const first = await secretNow();
    expect(await secretNow()).to.equal(first);
    const realNow = Date.now;
    Date.now = () => realNow() + 56 * 60_000;
    try {
      expect(await secretNow()).to.not.equal(first);
    } finally {
      Date.now = realNow;
    }
  });
});
