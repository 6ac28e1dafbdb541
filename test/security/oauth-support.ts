/**
 * A scriptable OpenID Connect provider for the attack cases (21-30): the generic `OIDC` class
 * talks to a local fake at `https://id.example.test` (through the provider's `fetch`), whose
 * discovery document, ID tokens, UserInfo and token-endpoint behaviour each test can bend.
 */
import { expect } from 'chai';
import { generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { OIDC } from '../../lib/providers.js';
import { type OAuthApp, startApp } from '../oauth/support/app.js';
import { Browser, type Step } from '../oauth/support/browser.js';
import { expectSignInFailed } from '../oauth/support/expect.js';
import { type Fake, type IssuedCode, startFake } from '../oauth/support/fake.js';
import type { PortcullisOptions } from '../../lib/index.js';
import type { OAuthUser } from '../oauth/support/app.js';

export const ISSUER = 'https://id.example.test';
export const CLIENT_ID = 'sec-client';
export const CLIENT_SECRET = 'sec-client-secret-0123456789';

export interface Script {
  /** Changes the ID token claims (after the defaults are filled in). */
  claims?: (claims: JWTPayload, issued: IssuedCode) => JWTPayload;
  /** Replaces the ID token entirely. */
  idToken?: (claims: JWTPayload) => Promise<string>;
  /** Replaces the whole token-endpoint answer. */
  token?: 'redirect' | 'html' | '500' | 'hang' | 'empty';
  /** The access token to hand out. */
  accessToken?: string;
  /** `sub` at UserInfo. */
  userinfoSub?: string;
  /** Extra UserInfo claims. */
  userinfo?: Record<string, unknown>;
  /** The discovery document's issuer. */
  discoveryIssuer?: string;
}

export interface Rig {
  fake: Fake;
  app: OAuthApp;
  script: Script;
  /** Tokens the fake handed out (to look for them where they must not be). */
  handedOut: string[];
  /** Hits on the URL a redirecting token endpoint points to (must stay 0). */
  redirectHits: number;
  /** Starts a sign-in in `browser`; returns the provider authorization URL. */
  start(browser: Browser, query?: string): Promise<URL>;
  /** The full flow for `sub`; returns the callback step. */
  signIn(browser: Browser, sub?: string, query?: string): Promise<Step>;
  close(): Promise<void>;
}

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
const foreignKeys = new WeakMap<Rig, PrivateKey>();

export async function rig(
  options: Partial<PortcullisOptions<OAuthUser>> = {},
  timeout = 1500,
): Promise<Rig> {
  const fake = await startFake(['id.example.test']);
  const { privateKey: foreignKey } = await generateKeyPair('RS256');
  const state: Rig = {
    fake,
    app: undefined as unknown as OAuthApp,
    script: {},
    handedOut: [],
    redirectHits: 0,
    start: async (browser, query = '') => {
      const step = await browser.request(`${state.app.url}/auth/corp/login${query}`);
      expect(step.status).to.equal(302);
      return step.location!;
    },
    signIn: async (browser, sub = 'user-1', query = '') => {
      nextSub = sub;
      const url = await state.start(browser, query);
      return browser.request(fake.authorize(url, { iss: ISSUER }));
    },
    close: async () => {
      await state.app?.close();
      await fake.close();
    },
  };
  let nextSub = 'user-1';
  const subs = new Map<string, string>();
  fake.router.get('/.well-known/openid-configuration', (ctx) => {
    ctx.body = {
      issuer: state.script.discoveryIssuer ?? ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: `${ISSUER}/token`,
      userinfo_endpoint: `${ISSUER}/userinfo`,
      jwks_uri: `${ISSUER}/jwks`,
      revocation_endpoint: `${ISSUER}/revoke`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      authorization_response_iss_parameter_supported: true,
    };
  });
  fake.router.get('/jwks', async (ctx) => {
    ctx.body = await fake.jwks();
  });
  fake.router.get('/elsewhere', (ctx) => {
    state.redirectHits++;
    ctx.body = { access_token: 'from-a-redirect', token_type: 'bearer' };
  });
  fake.router.post('/token', async (ctx): Promise<void> => {
    const s = state.script;
    if (s.token === 'redirect') return ctx.redirect(`${ISSUER}/elsewhere`);
    if (s.token === 'html') {
      ctx.type = 'html';
      ctx.body = '<html><body>Sign in again</body></html>';
      return;
    }
    if (s.token === '500') {
      ctx.status = 500;
      ctx.body = { error: 'server_error' };
      return;
    }
    if (s.token === 'hang') return new Promise(() => undefined);
    if (s.token === 'empty') {
      ctx.status = 200;
      ctx.type = 'json';
      ctx.body = '';
      return;
    }
    const { form } = ctx.state.rec;
    const basic = fake.basic(ctx.state.rec.headers);
    const issued =
      basic?.id === CLIENT_ID && basic.secret === CLIENT_SECRET
        ? fake.redeem(
            form.get('code') ?? '',
            form.get('code_verifier') ?? undefined,
            form.get('redirect_uri') ?? undefined,
          )
        : undefined;
    if (!issued) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_grant' };
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    let claims: JWTPayload = {
      iss: ISSUER,
      aud: CLIENT_ID,
      sub: nextSub,
      iat: now,
      exp: now + 600,
      nonce: issued.nonce,
    };
    if (s.claims) claims = s.claims(claims, issued);
    const idToken = s.idToken ? await s.idToken(claims) : await fake.idToken(claims);
    const accessToken =
      s.accessToken ?? `at-${Math.random().toString(36).slice(2)}-${'x'.repeat(20)}`;
    const refreshToken = `rt-${Math.random().toString(36).slice(2)}-${'y'.repeat(20)}`;
    state.handedOut.push(accessToken, refreshToken);
    subs.set(accessToken, String(claims.sub));
    ctx.body = {
      access_token: accessToken,
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: 3600,
      id_token: idToken,
    };
  });
  fake.router.get('/userinfo', (ctx) => {
    const token = String(ctx.get('authorization')).replace(/^Bearer /, '');
    const sub = subs.get(token);
    if (!sub) return void (ctx.status = 401);
    ctx.body = {
      sub: state.script.userinfoSub ?? sub,
      email: `${sub}@example.com`,
      email_verified: true,
      name: `Name of ${sub}`,
      ...state.script.userinfo,
    };
  });
  fake.router.post('/revoke', (ctx) => {
    ctx.status = 200;
  });
  state.app = await startApp(
    () =>
      ['corp', 'other'].map(
        (name) =>
          new OIDC({
            name,
            issuer: ISSUER,
            clientId: CLIENT_ID,
            clientSecret: CLIENT_SECRET,
            fetch: fake.fetch,
            timeout,
          }),
      ),
    options,
  );
  foreignKeys.set(state, foreignKey);
  return state;
}

/** Signs claims with a key the provider's JWKS does not have (same kid). */
export async function foreignSigned(r: Rig, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'fake-1' })
    .sign(foreignKeys.get(r)!);
}

/** Asserts the step is the error redirect with `code`, and that the browser has no session. */
export async function expectFailed(
  r: Rig,
  browser: Browser,
  step: Step,
  code: string,
): Promise<void> {
  expect(step.status, step.body).to.equal(302);
  await expectSignInFailed(r.app.url, browser, step, code);
}

/** The flow cookie's Set-Cookie in a step clears it. */
export function clearsFlowCookie(step: Step): boolean {
  return step.setCookies.some(
    (c) => /^portcullis_flow=;/.test(c) && /expires=Thu, 01 Jan 1970/i.test(c),
  );
}
