import { expect } from 'chai';
import type { ProviderCase } from './conformance.js';
import type { Profile } from '../../../lib/providers.js';
import { HuggingFace } from '../../../lib/oauth/providers/huggingface.js';
import { type ProviderRig, useProviderRig } from '../../support/oauth-provider-rig.js';

export const ISSUER = 'https://huggingface.co';
export const PUBLIC = { clientId: 'hf-public-app' };
export const CONFIDENTIAL = {
  clientId: 'hf-confidential-app',
  clientSecret: 'hf-secret-0123456789',
};

/** The fake HuggingFace servers and an app signing in through them, and what they answer. */
export interface HuggingFaceRig extends ProviderRig {
  profiles: Profile[];
  /** The UserInfo answer. */
  info: Record<string, unknown>;
}

/** The fake HuggingFace servers and an app signing in through them, for the current describe. */
export function useHuggingFace(): HuggingFaceRig {
  return useProviderRig<HuggingFaceRig>({
    hosts: ['huggingface.co'],
    fresh: () => ({
      profiles: [],
      info: {
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
      },
    }),
    routes: (r) => {
      const { fake } = r;

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
            sub: r.info.sub as string,
            iat: now,
            exp: now + 3600,
            nonce: grant.nonce,
          }),
        };
      });
      fake.router.get('/oauth/userinfo', (ctx) => {
        if (ctx.get('authorization') !== 'Bearer hf_oauth_access') ctx.status = 401;
        else ctx.body = r.info;
      });
    },
    providers: (r) => [
      new HuggingFace({ ...PUBLIC, fetch: r.fake.fetch }),
      new HuggingFace({ name: 'hf-confidential', ...CONFIDENTIAL, fetch: r.fake.fetch }),
    ],
    options: (r) => ({ onOAuthLogin: ({ profile }) => void r.profiles.push(profile) }),
  });
}

/** HuggingFace through the provider conformance suite (conformance.ts). */
export const huggingfaceCase: ProviderCase<HuggingFaceRig> = {
  title: 'HuggingFace',
  name: 'huggingface',
  use: useHuggingFace,
  authorization: {
    endpoint: `${ISSUER}/oauth/authorize`,
    params: {
      client_id: PUBLIC.clientId,
      response_type: 'code',
      scope: 'openid profile email',
      code_challenge_method: 'S256',
      code_challenge: /^[A-Za-z0-9_-]{43}$/,
      nonce: /^[A-Za-z0-9_-]{20,}$/,
    },
  },
  refusedCode: { code: 'not-a-code', check: (r) => expect(r.profiles).to.have.length(0) },
  signOut: 'no calls',
};
