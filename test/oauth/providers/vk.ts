import type { ProviderCase } from './conformance.js';
import type { Profile, ProviderTokens } from '../../../lib/oauth/types.js';
import { VK } from '../../../lib/oauth/providers/vk.js';
import { type ProviderRig, useProviderRig } from '../../support/oauth-provider-rig.js';

export const CLIENT_ID = '51234567';
export const DEVICE = 'dev-7f3a9c2e-1b4d';

/** The fake VK servers and an app signing in through them, and what they answer. */
export interface VKRig extends ProviderRig {
  /** The `user` of the `/oauth2/user_info` answer. */
  user: Record<string, unknown>;
  /** The profile and tokens of the last sign-in. */
  seen: { profile: Profile; tokens: ProviderTokens } | undefined;
  expiresIn: number;
  /** How many token answers were given (the last tokens are `vk2.a.<n>`, `vk2.r.<n>`). */
  n: number;
  /** The access and refresh tokens still valid. */
  access: Set<string>;
  refresh: Set<string>;
}

/** The fake VK servers and an app signing in through them, for the current describe. */
export function useVK(): VKRig {
  return useProviderRig<VKRig>({
    hosts: ['id.vk.com'],
    kept: { n: 0, access: new Set(), refresh: new Set() },
    fresh: () => ({
      seen: undefined,
      expiresIn: 3600,
      user: {
        user_id: '1234567',
        first_name: 'Ivan',
        last_name: 'Petrov',
        avatar: 'https://sun1-99.userapi.com/s/v1/ig2/abc.jpg?size=200x200',
        email: 'ivan@example.ru',
        sex: 2,
        verified: false,
        birthday: '01.01.1990',
      },
    }),
    routes: (r) => {
      const { fake } = r;

      fake.router.post('/oauth2/auth', async (ctx) => {
        const { form, headers } = ctx.state.rec;
        const state = form.get('state');
        let ok = headers.authorization === undefined && form.get('client_id') === CLIENT_ID;
        ok &&= form.get('device_id') === DEVICE && !!state;
        if (form.get('grant_type') === 'refresh_token') {
          ok &&= r.refresh.delete(form.get('refresh_token') ?? '');
        } else {
          // PKCE is mandatory; the state sent is the one of the authorization request
          const issued = fake.redeem(
            form.get('code') ?? '',
            form.get('code_verifier') ?? '',
            form.get('redirect_uri') ?? '',
          );
          ok &&= issued?.challenge !== undefined && issued.state === state;
        }
        if (!ok) {
          // the HTTP status of VK ID errors is not documented (UNCONFIRMED): 400 here
          ctx.status = 400;
          ctx.body = { error: 'invalid_request', error_description: 'device_id is invalid', state };
          return;
        }
        r.n++;
        r.access.add(`vk2.a.${r.n}`);
        r.refresh.add(`vk2.r.${r.n}`);
        ctx.body = {
          access_token: `vk2.a.${r.n}`,
          refresh_token: `vk2.r.${r.n}`,
          // not for this client: a non-OIDC provider must drop it, not validate it
          id_token: await fake.idToken({ iss: 'https://id.vk.com', aud: 'someone-else', sub: '1' }),
          token_type: 'Bearer',
          expires_in: r.expiresIn,
          user_id: 1234567,
          state,
          scope: 'vkid.personal_info email',
        };
      });
      fake.router.post('/oauth2/user_info', (ctx) => {
        const { form, headers } = ctx.state.rec;
        const ok =
          headers.authorization === undefined &&
          form.get('client_id') === CLIENT_ID &&
          r.access.has(form.get('access_token') ?? '');
        ctx.status = ok ? 200 : 401;
        ctx.body = ok
          ? { user: r.user }
          : { error: 'invalid_token', error_description: 'access_token is invalid' };
      });
    },
    providers: (r) => [new VK({ clientId: CLIENT_ID, fetch: r.fake.fetch })],
    options: (r) => ({
      onOAuthLogin: ({ profile, tokens }) => void (r.seen = { profile, tokens }),
    }),
  });
}

/** VK through the provider conformance suite (conformance.ts). */
export const vkCase: ProviderCase<VKRig> = {
  title: 'VK',
  name: 'vk',
  use: useVK,
  authorization: {
    endpoint: 'https://id.vk.com/authorize',
    params: {
      client_id: CLIENT_ID,
      response_type: 'code',
      scope: 'vkid.personal_info email',
      code_challenge: /^[\w-]{43}$/,
      code_challenge_method: 'S256',
      state: /^.{21,}$/,
    },
  },
  callback: (_r, browser, back) => {
    // VK ID's callback carries device_id (and type, expires_in) next to code and state
    for (const [k, v] of Object.entries({
      type: 'code_v2',
      expires_in: '600',
      device_id: DEVICE,
    })) {
      back.searchParams.set(k, v);
    }
    return browser.request(back);
  },
  refusedCode: { code: 'not-a-code' },
  signOut: 'no calls',
};
