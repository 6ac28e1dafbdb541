import { expect } from 'chai';
import type { ProviderCase } from './conformance.js';
import { GitLab } from '../../../lib/oauth/providers/gitlab.js';
import type { Profile } from '../../../lib/providers.js';
import { type ProviderRig, useProviderRig } from '../../support/oauth-provider-rig.js';

export const CLIENT = { clientId: 'gl-app-id', clientSecret: 'gl-secret-0123456789' };
export const CORP = { clientId: 'corp-app-id', clientSecret: 'corp-secret-0123456789' };
export const SUB_LEGACY = 'a6f0f5f2c9c2b4ad3c1f0e5b8d6e2b6e1c3d8a9f7b5e4c2d1a0f9e8d7c6b5a4f';
/** gitlab.com, and a self-managed GitLab under a relative URL root. */
export const SITES = [
  { issuer: 'https://gitlab.com', host: 'gitlab.com', root: '', client: CLIENT, tag: 'gl' },
  {
    issuer: 'https://code.example.org/gitlab',
    host: 'code.example.org',
    root: '/gitlab',
    client: CORP,
    tag: 'corp',
  },
];

/** The fake GitLab servers and an app signing in through them, and what they answer. */
export interface GitLabRig extends ProviderRig {
  /** The ID token's claims (most profile claims come only from UserInfo). */
  idClaims: Record<string, unknown>;
  /** The UserInfo answer. */
  info: Record<string, unknown>;
  expiresIn: number;
  /** Every sign-in's profile (kept across the describe's tests). */
  profiles: Profile[];
}

/** The fake GitLab servers and an app signing in through them, for the current describe. */
export function useGitLab(): GitLabRig {
  return useProviderRig<GitLabRig>({
    hosts: SITES.map((s) => s.host),
    kept: { profiles: [] },
    fresh: () => ({
      expiresIn: 7200,
      // most profile claims come only from UserInfo (gitlab#388176)
      idClaims: { sub: '1234567' },
      info: {
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
      },
    }),
    routes: (r) => {
      const { fake } = r;

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
            expires_in: refresh ? 7200 : r.expiresIn,
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
                ...r.idClaims,
              }),
            }),
          };
        });
        fake.router.get(`${root}/oauth/userinfo`, (ctx) => {
          if (!mine(ctx)) return;
          if (ctx.get('authorization') !== `Bearer ${tag}-access-1`) return void (ctx.status = 401);
          ctx.body = r.info;
        });
        fake.router.post(`${root}/oauth/revoke`, (ctx) => {
          if (!mine(ctx)) return;
          ctx.status = clientOk(ctx.state.rec.headers) ? 200 : 403;
          ctx.body = {};
        });
      }
    },
    providers: (r) => [
      new GitLab({ ...CLIENT, fetch: r.fake.fetch }),
      new GitLab({
        ...CORP,
        name: 'gitlab-corp',
        baseUrl: `${SITES[1]!.issuer}/`,
        fetch: r.fake.fetch,
      }),
    ],
    options: (r) => ({ onOAuthLogin: ({ profile }) => void r.profiles.push(profile) }),
  });
}

/** GitLab through the provider conformance suite (conformance.ts). */
export const gitlabCase: ProviderCase<GitLabRig> = {
  title: 'GitLab',
  name: 'gitlab',
  use: useGitLab,
  authorization: {
    endpoint: 'https://gitlab.com/oauth/authorize',
    params: {
      client_id: CLIENT.clientId,
      scope: 'openid profile email',
      code_challenge_method: 'S256',
      nonce: /^[A-Za-z0-9_-]{20,}$/,
    },
  },
  refusedCode: { code: 'not-a-code' },
  signOut: (r, calls) => {
    expect(calls.map((c) => `${c.method} ${c.host}${c.path}`)).to.deep.equal([
      'POST gitlab.com/oauth/revoke',
    ]);
    expect(calls[0]!.form.get('token')).to.equal('gl-refresh-1');
    expect(calls[0]!.form.get('token_type_hint')).to.equal('refresh_token');
    expect(r.fake.basic(calls[0]!.headers)).to.deep.equal({
      id: CLIENT.clientId,
      secret: CLIENT.clientSecret,
    });
  },
};
