import { expect } from 'chai';
import type { ProviderCase } from './conformance.js';
import { Google } from '../../../lib/oauth/providers/google.js';
import type { Profile } from '../../../lib/providers.js';
import { type ProviderRig, useProviderRig } from '../../support/oauth-provider-rig.js';

export const CLIENT = {
  clientId: 'g-client.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-secret-0123',
};
export const ISSUER = 'https://accounts.google.com';

function badGrant(ctx: { status: number; body: unknown }): void {
  ctx.status = 400;
  ctx.body = { error: 'invalid_grant', error_description: 'Bad Request' };
}

/** The fake Google servers and an app signing in through them. */
export interface GoogleRig extends ProviderRig {
  profiles: Profile[];
  /** The ID token's claims. */
  claims: Record<string, unknown>;
  /** The UserInfo answer. */
  info: Record<string, unknown>;
  expiresIn: number;
}

/** The fake Google servers and an app signing in through them, for the current describe. */
export function useGoogle(): GoogleRig {
  return useProviderRig<GoogleRig>({
    hosts: [
      'accounts.google.com',
      'oauth2.googleapis.com',
      'openidconnect.googleapis.com',
      'www.googleapis.com',
    ],
    fresh: () => {
      const claims = {
        sub: '110169484474386276334',
        email: 'ada@example.com',
        email_verified: true,
        hd: 'example.com',
      };
      const info = {
        ...claims,
        name: 'Ada Lovelace',
        given_name: 'Ada',
        picture: 'https://lh3.googleusercontent.com/a/ada',
      };
      return { profiles: [], expiresIn: 3599, claims, info };
    },
    routes: (r) => {
      const { fake } = r;
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
      fake.serveJwks('/oauth2/v3/certs');
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
            ...r.claims,
            nonce,
          });
        if (client && form.get('grant_type') === 'refresh_token') {
          if (form.get('refresh_token') !== '1//g-refresh') return badGrant(ctx);
          // no new refresh_token on a refresh
          ctx.body = {
            access_token: `ya29.refreshed-${now}`,
            expires_in: r.expiresIn,
            token_type: 'Bearer',
            id_token: await id(),
          };
          return;
        }
        const issued = fake.redeemForm(form);
        if (!client || !issued) return badGrant(ctx);
        const offline =
          issued.params.get('access_type') === 'offline' &&
          issued.params.get('prompt') === 'consent';
        ctx.body = {
          access_token: 'ya29.g-access',
          expires_in: r.expiresIn,
          scope: issued.scope,
          token_type: 'Bearer',
          id_token: await id(issued.nonce),
          ...(offline ? { refresh_token: '1//g-refresh' } : {}),
        };
      });
      fake.router.get('/v1/userinfo', (ctx) => {
        if (ctx.get('authorization') !== 'Bearer ya29.g-access') return void (ctx.status = 401);
        ctx.body = r.info;
      });
      fake.router.post('/revoke', (ctx) => {
        ctx.status = ctx.state.rec.form.get('token') === '1//g-refresh' ? 200 : 400;
      });
    },
    providers: ({ fake }) => [
      new Google({ ...CLIENT, fetch: fake.fetch }),
      new Google({
        ...CLIENT,
        name: 'workspace',
        hostedDomain: 'example.com',
        accessType: 'offline',
        fetch: fake.fetch,
      }),
    ],
    options: (r) => ({ onOAuthLogin: ({ profile }) => void r.profiles.push(profile) }),
  });
}

/** Google through the provider conformance suite (conformance.ts). */
export const googleCase: ProviderCase<GoogleRig> = {
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
