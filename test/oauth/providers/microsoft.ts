import type { ProviderCase } from './conformance.js';
import { Microsoft } from '../../../lib/oauth/providers/microsoft.js';
import type { Profile } from '../../../lib/providers.js';
import { type ProviderRig, useProviderRig } from '../../support/oauth-provider-rig.js';

export const CLIENT = {
  clientId: '6731de76-14a6-49ae-97bc-6eba6914391e',
  clientSecret: 'entra~secret.0123',
};
export const LOGIN = 'https://login.microsoftonline.com';
export const CONTOSO = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const FABRIKAM = '3b6a2c1e-0f4d-4a8e-9b7c-5d2e1f0a9c8b';
export const iss = (tid: string): string => `${LOGIN}/${tid}/v2.0`;

/** The fake Microsoft servers and an app signing in through them. */
export interface MicrosoftRig extends ProviderRig {
  profiles: Profile[];
  /** The ID token's claims. */
  claims: Record<string, unknown>;
  /** The UserInfo answer. */
  info: Record<string, unknown>;
  expiresIn: number;
  /** How many times the refresh token was rotated (`M.R3-<rotation>` is the valid one). */
  rotation: number;
}

/** The fake Microsoft servers and an app signing in through them, for the current describe. */
export function useMicrosoft(): MicrosoftRig {
  return useProviderRig<MicrosoftRig>({
    hosts: [new URL(LOGIN).host, 'graph.microsoft.com'],
    fresh: () => {
      const claims = {
        iss: iss(CONTOSO),
        tid: CONTOSO,
        sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
        oid: '00000000-0000-0000-66f3-3332eca7ea81',
        name: 'Megan Bowen',
        preferred_username: 'meganb@contoso.com',
        email: 'megan@contoso.com',
        email_verified: true,
      };
      const info = {
        sub: claims.sub,
        name: 'Megan Bowen',
        picture: 'https://graph.microsoft.com/v1.0/me/photo/$value',
      };
      return { profiles: [], expiresIn: 3599, rotation: 0, claims, info };
    },
    routes: (r) => {
      const { fake } = r;
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
      fake.serveJwks('/:tenant/discovery/v2.0/keys');
      fake.router.post('/:tenant/oauth2/v2.0/token', async (ctx) => {
        const { form } = ctx.state.rec;
        const now = Math.floor(Date.now() / 1000);
        const ok =
          form.get('client_id') === CLIENT.clientId &&
          form.get('client_secret') === CLIENT.clientSecret;
        const grant = form.get('grant_type');
        const issued = grant === 'authorization_code' ? fake.redeemForm(form) : undefined;
        if (
          !ok ||
          (grant === 'refresh_token' ? form.get('refresh_token') !== `M.R3-${r.rotation}` : !issued)
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
        r.rotation++; // Entra rotates refresh tokens
        ctx.body = {
          token_type: 'Bearer',
          scope: 'openid profile email User.Read',
          expires_in: r.expiresIn,
          ext_expires_in: r.expiresIn,
          access_token: `eyJ0eXAi.graph-${r.rotation}`,
          refresh_token: `M.R3-${r.rotation}`,
          id_token: await fake.idToken({
            aud: CLIENT.clientId,
            iat: now,
            exp: now + 3600,
            nonce: issued?.nonce,
            ...r.claims,
          }),
        };
      });
      fake.router.get('/oidc/userinfo', (ctx) => {
        if (!/^Bearer eyJ0eXAi\.graph-\d+$/.test(ctx.get('authorization')))
          return void (ctx.status = 401);
        ctx.body = r.info;
      });
    },
    providers: ({ fake }) => [
      new Microsoft({ ...CLIENT, fetch: fake.fetch }),
      new Microsoft({ ...CLIENT, name: 'contoso', tenant: CONTOSO, fetch: fake.fetch }),
    ],
    options: (r) => ({ onOAuthLogin: ({ profile }) => void r.profiles.push(profile) }),
  });
}

/** Microsoft through the provider conformance suite (conformance.ts). */
export const microsoftCase: ProviderCase<MicrosoftRig> = {
  title: 'Microsoft',
  name: 'microsoft',
  use: useMicrosoft,
  authorization: {
    endpoint: `${LOGIN}/common/oauth2/v2.0/authorize`,
    params: {
      scope: 'openid profile email User.Read offline_access',
      client_id: CLIENT.clientId,
      code_challenge_method: 'S256',
      nonce: /^[\w-]{20,}$/,
    },
  },
  refusedCode: { code: 'expired-code' },
  signOut: 'no calls',
};
