import { expect } from 'chai';
import type { ProviderCase } from './conformance.js';
import { Google } from '../../../lib/oauth/providers/google.js';
import type { Profile } from '../../../lib/providers.js';
import { type OAuthApp, startApp } from '../../support/oauth-app.js';
import { type Fake, startFake } from '../../support/oauth-fake.js';

export const CLIENT = {
  clientId: 'g-client.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-secret-0123',
};
export const ISSUER = 'https://accounts.google.com';

function badGrant(ctx: { status: number; body: unknown }): void {
  ctx.status = 400;
  ctx.body = { error: 'invalid_grant', error_description: 'Bad Request' };
}

/** The fake Google servers and an app signing in through them, for the current describe. */
export function useGoogle() {
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
  return {
    get fake(): Fake {
      return fake;
    },
    get app(): OAuthApp {
      return app;
    },
    get profiles(): Profile[] {
      return profiles;
    },
    set profiles(value: Profile[]) {
      profiles = value;
    },
    get claims(): Record<string, unknown> {
      return claims;
    },
    set claims(value: Record<string, unknown>) {
      claims = value;
    },
    get info(): Record<string, unknown> {
      return info;
    },
    set info(value: Record<string, unknown>) {
      info = value;
    },
    get expiresIn(): number {
      return expiresIn;
    },
    set expiresIn(value: number) {
      expiresIn = value;
    },
  };
}

/** Google through the provider conformance suite (conformance.ts). */
export const googleCase: ProviderCase<ReturnType<typeof useGoogle>> = {
  title: 'Google',
  name: 'google',
  use: useGoogle,
  authorization: {
    endpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
    params: {
      client_id: CLIENT.clientId,
      response_type: 'code',
      scope: 'openid email profile',
      code_challenge_method: 'S256',
      nonce: /^[\w-]{20,}$/,
      hd: null,
      access_type: null,
      prompt: null,
    },
  },
  refusedCode: { code: '4/0-expired-code' },
  signOut: (_r, calls) => {
    // without offline access there is no refresh token: the access token is revoked
    expect(calls.map((c) => `${c.method} ${c.host}${c.path}`)).to.deep.equal([
      'POST oauth2.googleapis.com/revoke',
    ]);
    expect(calls[0]!.form.get('token')).to.equal('ya29.g-access');
    expect(calls[0]!.form.get('token_type_hint')).to.equal('access_token');
  },
};
