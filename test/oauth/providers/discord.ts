import { expect } from 'chai';
import type { ProviderCase } from './conformance.js';
import { Discord } from '../../../lib/oauth/providers/discord.js';
import type { Profile } from '../../../lib/providers.js';
import type { Recorded } from '../../support/oauth-fake.js';
import { type ProviderRig, useProviderRig } from '../../support/oauth-provider-rig.js';

export const CLIENT = {
  clientId: '1100000000000000001',
  clientSecret: 'discord-secret-0123456789',
};
export const TOKENS = { access: 'dc-access-1', refresh: 'dc-refresh-1' };

/** The fake Discord servers and an app signing in through them, and what they answer. */
export interface DiscordRig extends ProviderRig {
  /** The `/api/users/@me` answer. */
  user: Record<string, unknown>;
  expiresIn: number;
  /** Every sign-in's profile (kept across the describe's tests). */
  profiles: Profile[];
}

/** The fake Discord servers and an app signing in through them, for the current describe. */
export function useDiscord(): DiscordRig {
  return useProviderRig<DiscordRig>({
    hosts: ['discord.com'],
    kept: { profiles: [] },
    fresh: () => ({
      expiresIn: 604800,
      user: {
        id: '80351110224678912',
        username: 'nelly',
        discriminator: '0',
        global_name: 'Nelly',
        avatar: 'a_8342729096ea3675442027381ff50dfe',
        email: 'nelly@discord.com',
        verified: true,
        mfa_enabled: false,
        locale: 'en-US',
        flags: 64,
        premium_type: 1,
        public_flags: 64,
      },
    }),
    routes: (r) => {
      const { fake } = r;

      const clientOk = (headers: Recorded['headers']): boolean => {
        const basic = fake.basic(headers);
        return basic?.id === CLIENT.clientId && basic.secret === CLIENT.clientSecret;
      };
      fake.router.post('/api/oauth2/token', (ctx) => {
        const { form } = ctx.state.rec;
        // Discord's token endpoint takes only form bodies; JSON is refused
        if (!ctx.is('application/x-www-form-urlencoded')) {
          ctx.status = 400;
          ctx.body = { error: 'invalid_request' };
          return;
        }
        if (!clientOk(ctx.state.rec.headers)) {
          ctx.status = 401;
          ctx.body = { error: 'invalid_client' };
          return;
        }
        const invalid = (what: string): void => {
          ctx.status = 400;
          ctx.body = { error: 'invalid_grant', error_description: `Invalid "${what}" in request.` };
        };
        if (form.get('grant_type') === 'refresh_token') {
          if (form.get('refresh_token') !== TOKENS.refresh) return invalid('refresh_token');
          ctx.body = {
            access_token: 'dc-access-2',
            token_type: 'Bearer',
            expires_in: 604800,
            refresh_token: 'dc-refresh-2',
            scope: 'identify email',
          };
          return;
        }
        // undocumented PKCE: S256 only, and a verifier of at least 43 characters
        const verifier = form.get('code_verifier') ?? '';
        const issued =
          verifier.length >= 43
            ? fake.redeem(form.get('code') ?? '', verifier, form.get('redirect_uri') ?? undefined)
            : undefined;
        if (form.get('grant_type') !== 'authorization_code' || issued?.challengeMethod !== 'S256') {
          return invalid('code');
        }
        ctx.body = {
          access_token: TOKENS.access,
          token_type: 'Bearer',
          expires_in: r.expiresIn,
          refresh_token: TOKENS.refresh,
          scope: 'identify email',
        };
      });
      fake.router.get('/api/users/@me', (ctx) => {
        if (ctx.get('authorization') !== `Bearer ${TOKENS.access}`) {
          ctx.status = 401;
          ctx.body = { message: '401: Unauthorized', code: 0 };
          return;
        }
        ctx.body = r.user;
      });
      fake.router.post('/api/oauth2/token/revoke', (ctx) => {
        ctx.status = clientOk(ctx.state.rec.headers) ? 200 : 401;
        ctx.body = {};
      });
    },
    providers: (r) => [new Discord({ ...CLIENT, fetch: r.fake.fetch })],
    options: (r) => ({
      onOAuthLogin: ({ profile }) => void r.profiles.push(profile),
    }),
  });
}

/** Discord through the provider conformance suite (conformance.ts). */
export const discordCase: ProviderCase<DiscordRig> = {
  title: 'Discord',
  name: 'discord',
  use: useDiscord,
  authorization: {
    endpoint: 'https://discord.com/oauth2/authorize',
    params: {
      response_type: 'code',
      client_id: CLIENT.clientId,
      scope: 'identify email',
      code_challenge_method: 'S256',
      code_challenge: /^[A-Za-z0-9_-]{43}$/,
      state: /^/,
    },
  },
  refusedCode: { code: 'not-a-code' },
  signOut: (r, calls) => {
    const revoke = calls.filter((c) => c.path === '/api/oauth2/token/revoke').at(-1)!;
    expect(revoke.method).to.equal('POST');
    expect(revoke.form.get('token')).to.equal(TOKENS.refresh);
    expect(revoke.form.get('token_type_hint')).to.equal('refresh_token');
    expect(r.fake.basic(revoke.headers)).to.deep.equal({
      id: CLIENT.clientId,
      secret: CLIENT.clientSecret,
    });
  },
};
