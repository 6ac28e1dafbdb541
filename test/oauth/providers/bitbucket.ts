import type { ProviderCase } from './conformance.js';
import { Bitbucket } from '../../../lib/oauth/providers/bitbucket.js';
import type { Profile, ProviderTokens } from '../../../lib/providers.js';
import { type ProviderRig, useProviderRig } from '../../support/oauth-provider-rig.js';

export const CLIENT = { clientId: 'bb-key', clientSecret: 'bb-secret-0123456789' };
export const EMAILS = 'https://api.bitbucket.org/2.0/user/emails';
export type Email = { type: 'email'; email: string; is_primary: boolean; is_confirmed: boolean };

export const email = (address: string, primary: boolean, confirmed: boolean): Email => ({
  type: 'email',
  email: address,
  is_primary: primary,
  is_confirmed: confirmed,
});

/** The fake Bitbucket servers and an app signing in through them. */
export interface BitbucketRig extends ProviderRig {
  /** The `/2.0/user` answer. */
  user: Record<string, unknown>;
  /** The pages of `/2.0/user/emails`. */
  pages: Array<{ values: Email[]; next?: string }>;
  expiresIn: number;
  /** Every sign-in's profile and tokens (kept across the describe's tests). */
  seen: Array<{ profile: Profile; tokens: ProviderTokens }>;
}

/** The fake Bitbucket servers and an app signing in through them, for the current describe. */
export function useBitbucket(): BitbucketRig {
  return useProviderRig<BitbucketRig>({
    hosts: ['bitbucket.org', 'api.bitbucket.org'],
    kept: { seen: [] },
    fresh: () => ({
      expiresIn: 7200,
      // no `username` (removed for GDPR)
      user: {
        type: 'user',
        account_id: '557058:3c8e3a5f-7a2d-4f0e-9c51-1f0b6d8e9a10',
        uuid: '{d301aafa-d676-4ee0-88be-962be7417567}',
        display_name: 'Erica Bitbucket',
        nickname: 'erica',
        links: { avatar: { href: 'https://avatar-management.example/erica.png' } },
      },
      pages: [
        { values: [email('erica@old.example', false, true)], next: `${EMAILS}?page=2` },
        { values: [email('erica@example.com', true, true)] },
      ],
    }),
    routes: (r) => {
      const { fake } = r;
      fake.router.post('/site/oauth2/access_token', (ctx) => {
        const { form, headers } = ctx.state.rec;
        const basic = fake.basic(headers);
        // Bitbucket reads only form bodies (a JSON body reads as no grant type at all)
        if (!ctx.is('application/x-www-form-urlencoded')) {
          ctx.status = 400;
          ctx.body = { error: 'invalid_grant', error_description: 'Unsupported grant type: None' };
          return;
        }
        if (basic?.id !== CLIENT.clientId || basic.secret !== CLIENT.clientSecret) {
          ctx.status = 401;
          ctx.body = { error: 'invalid_client', error_description: 'Invalid OAuth client' };
          return;
        }
        const refresh = form.get('grant_type') === 'refresh_token';
        const ok = refresh
          ? form.get('refresh_token') === 'bb-refresh-1'
          : form.get('grant_type') === 'authorization_code' &&
            !form.has('code_verifier') &&
            fake.redeem(form.get('code') ?? '', undefined, form.get('redirect_uri') ?? undefined);
        if (!ok) {
          ctx.status = 400;
          ctx.body = {
            error: 'invalid_grant',
            error_description: 'The specified code is not valid.',
          };
          return;
        }
        // `scopes`, plural
        ctx.body = {
          access_token: refresh ? 'bb-access-2' : 'bb-access-1',
          scopes: 'account email',
          expires_in: refresh ? 7200 : r.expiresIn,
          refresh_token: refresh ? 'bb-refresh-2' : 'bb-refresh-1',
          token_type: 'bearer',
        };
      });
      const authorized = (ctx: { get(h: string): string; status: number }): boolean =>
        ctx.get('authorization') === 'Bearer bb-access-1' || !(ctx.status = 401);
      fake.router.get('/2.0/user', (ctx) => {
        if (authorized(ctx)) ctx.body = r.user;
      });
      fake.router.get('/2.0/user/emails', (ctx) => {
        if (!authorized(ctx)) return;
        const n = Number(ctx.query.page ?? '1');
        const page = r.pages[n - 1];
        ctx.body = { pagelen: 1, page: n, size: r.pages.length, ...page };
      });
    },
    providers: ({ fake }) => [new Bitbucket({ ...CLIENT, fetch: fake.fetch })],
    options: (r) => ({
      onOAuthLogin: ({ profile, tokens }) => void r.seen.push({ profile, tokens }),
    }),
  });
}

/** Bitbucket through the provider conformance suite (conformance.ts). */
export const bitbucketCase: ProviderCase<BitbucketRig> = {
  title: 'Bitbucket',
  name: 'bitbucket',
  use: useBitbucket,
  authorization: {
    endpoint: 'https://bitbucket.org/site/oauth2/authorize',
    params: {
      response_type: 'code',
      client_id: CLIENT.clientId,
      scope: 'account email',
      code_challenge: null,
      code_challenge_method: null,
    },
  },
  refusedCode: { code: 'not-a-code' },
  signOut: 'no calls',
};
