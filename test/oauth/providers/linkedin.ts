import type { ProviderCase } from './conformance.js';
import type { Profile } from '../../../lib/providers.js';
import { LinkedIn } from '../../../lib/oauth/providers/linkedin.js';
import { type ProviderRig, useProviderRig } from '../../support/oauth-provider-rig.js';

export const ISSUER = 'https://www.linkedin.com/oauth';
export const CLIENT = { clientId: '86li3axmodxxxx', clientSecret: 'li-secret-0123456789' };

/** LinkedIn's discovery document, naming `issuer`. */
export function discovery(issuer: string) {
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

/** The fake LinkedIn servers and an app signing in through them, and what they answer. */
export interface LinkedInRig extends ProviderRig {
  profiles: Profile[];
  /** The UserInfo answer. */
  info: Record<string, unknown>;
  /** A partner app: refresh tokens, and access tokens that expire at once. */
  partner: boolean;
}

/** The fake LinkedIn servers and an app signing in through them, for the current describe. */
export function useLinkedIn(): LinkedInRig {
  return useProviderRig<LinkedInRig>({
    hosts: ['www.linkedin.com', 'api.linkedin.com'],
    fresh: () => ({
      profiles: [],
      partner: false,
      info: {
        sub: '782bbtaQ',
        name: 'John Doe',
        given_name: 'John',
        family_name: 'Doe',
        picture: 'https://media.licdn.com/dms/image/v2/john-doe',
        locale: { country: 'US', language: 'en' },
        email: 'doe@example.com',
        email_verified: true,
      },
    }),
    routes: (r) => {
      const { fake } = r;

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
          expires_in: r.partner ? 1 : 5183999,
          scope: 'email,openid,profile',
          token_type: 'Bearer',
          // partners only: refresh tokens (365 days)
          ...(r.partner
            ? { refresh_token: 'li-refresh-1', refresh_token_expires_in: 31535999 }
            : {}),
          // LinkedIn's ID token: the new issuer, and no nonce
          ...(refresh
            ? {}
            : {
                id_token: await fake.idToken({
                  iss: ISSUER,
                  aud: CLIENT.clientId,
                  sub: r.info.sub as string,
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
        else ctx.body = r.info;
      });
    },
    providers: (r) => [
      new LinkedIn({ ...CLIENT, fetch: r.fake.fetch }),
      new LinkedIn({ name: 'linkedin-pkce', ...CLIENT, pkce: true, fetch: r.fake.fetch }),
    ],
    options: (r) => ({ onOAuthLogin: ({ profile }) => void r.profiles.push(profile) }),
  });
}

/** LinkedIn through the provider conformance suite (conformance.ts). */
export const linkedinCase: ProviderCase<LinkedInRig> = {
  title: 'LinkedIn',
  name: 'linkedin',
  use: useLinkedIn,
  authorization: {
    endpoint: 'https://www.linkedin.com/oauth/v2/authorization',
    params: {
      client_id: CLIENT.clientId,
      response_type: 'code',
      scope: 'openid profile email',
      state: /^[A-Za-z0-9_-]{20,}$/,
      code_challenge: null,
      nonce: null,
    },
  },
  refusedCode: { code: 'expired-code' },
  signOut: 'no calls',
};
