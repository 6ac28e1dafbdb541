import { expect } from 'chai';
import type { ProviderCase } from './conformance.js';
import { exportPKCS8, generateKeyPair, jwtVerify, type CryptoKey } from 'jose';
import { Apple } from '../../../lib/oauth/providers/apple.js';
import type { Profile } from '../../../lib/providers.js';
import { type ProviderRig, useProviderRig } from '../../support/oauth-provider-rig.js';

export const ISSUER = 'https://appleid.apple.com';
export const SIGNER = { clientId: 'com.example.web', teamId: 'TEAM123456', keyId: 'KEY1234567' };
export const SIX_MONTHS_S = 15_777_000;

/** The fake Apple servers and an app signing in through them. */
export interface AppleRig extends ProviderRig {
  /** The team's key (the app signs its client secrets with `privateKey`). */
  publicKey: CryptoKey;
  privateKey: string;
  /** Another key, for the `apple-wrong-key` provider. */
  otherKey: string;
  profiles: Profile[];
  /** The ID token's claims. */
  claims: Record<string, unknown>;
  /** Every client secret the token and revocation endpoints received. */
  secrets: string[];
}

/** The fake Apple servers and an app signing in through them, for the current describe. */
export function useApple(): AppleRig {
  return useProviderRig<AppleRig>({
    hosts: ['appleid.apple.com'],
    fresh: () => ({
      profiles: [],
      secrets: [],
      claims: {
        sub: '001234.5f1e2d3c4b5a69788796a5b4c3d2e1f0.1234',
        email: 'x7gq2ab9@privaterelay.appleid.com',
        email_verified: 'true',
        is_private_email: 'true',
        auth_time: Math.floor(Date.now() / 1000),
        nonce_supported: true,
      },
    }),
    routes: async (r) => {
      const pair = await generateKeyPair('ES256', { extractable: true });
      r.publicKey = pair.publicKey;
      r.privateKey = await exportPKCS8(pair.privateKey);
      r.otherKey = await exportPKCS8(
        (await generateKeyPair('ES256', { extractable: true })).privateKey,
      );
      const { fake } = r;
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
      fake.serveJwks('/auth/keys');
      /** The client secret must be an ES256 JWT from the team's key, in the body. */
      const clientOk = async (form: URLSearchParams, authorization: unknown): Promise<boolean> => {
        const secret = form.get('client_secret') ?? '';
        r.secrets.push(secret);
        if (authorization !== undefined || form.get('client_id') !== SIGNER.clientId) return false;
        try {
          const { payload, protectedHeader } = await jwtVerify(secret, r.publicKey, {
            algorithms: ['ES256'],
            issuer: SIGNER.teamId,
            subject: SIGNER.clientId,
            audience: ISSUER,
            requiredClaims: ['iat', 'exp'],
          });
          return (
            protectedHeader.kid === SIGNER.keyId && payload.exp! - payload.iat! <= SIX_MONTHS_S
          );
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
            ...r.claims,
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
        const issued = fake.redeemForm(form);
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
    },
    providers: ({ fake, privateKey, otherKey }) => [
      new Apple({ ...SIGNER, privateKey, fetch: fake.fetch }),
      new Apple({ ...SIGNER, name: 'apple-wrong-key', privateKey: otherKey, fetch: fake.fetch }),
    ],
    options: (r) => ({ onOAuthLogin: ({ profile }) => void r.profiles.push(profile) }),
  });
}

/** Apple through the provider conformance suite (conformance.ts). */
export const appleCase: ProviderCase<AppleRig> = {
  title: 'Apple',
  name: 'apple',
  use: useApple,
  authorization: {
    endpoint: `${ISSUER}/auth/authorize`,
    params: {
      response_type: 'code',
      response_mode: 'form_post',
      scope: 'name email',
      client_id: SIGNER.clientId,
      nonce: /^[\w-]{20,}$/,
    },
  },
  callback: (_r, browser, back) =>
    browser.request(back.origin + back.pathname, {
      method: 'POST',
      form: Object.fromEntries(back.searchParams),
    }),
  refusedCode: { code: 'c.expired' },
  signOut: (_r, calls) => {
    expect(calls.map((c) => c.path)).to.deep.equal(['/auth/revoke']);
    const revoke = calls[0]!.form;
    expect([
      revoke.get('client_id'),
      revoke.get('token'),
      revoke.get('token_type_hint'),
    ]).to.deep.equal([SIGNER.clientId, 'r.apple-refresh', 'refresh_token']);
  },
};
