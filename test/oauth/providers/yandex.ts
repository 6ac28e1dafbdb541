import { expect } from 'chai';
import type { ProviderCase } from './conformance.js';
import type { Profile } from '../../../lib/oauth/types.js';
import { Yandex } from '../../../lib/oauth/providers/yandex.js';
import { type ProviderRig, useProviderRig } from '../../support/oauth-provider-rig.js';

export const CLIENT = { clientId: 'ya-client', clientSecret: 'ya-secret-0123456789' };
export const ACCESS = 'y0_AgAAAAB-yandex-access';
export const REFRESH = '1:yandex-refresh:abc';

/** The fake Yandex servers and an app signing in through them, and what they answer. */
export interface YandexRig extends ProviderRig {
  /** The `/info` answer. */
  info: Record<string, unknown>;
  /** The profile of the last sign-in. */
  seen: Profile | undefined;
  expiresIn: number;
}

/** The fake Yandex servers and an app signing in through them, for the current describe. */
export function useYandex(): YandexRig {
  return useProviderRig<YandexRig>({
    hosts: ['oauth.yandex.com', 'login.yandex.ru'],
    fresh: () => ({
      seen: undefined,
      expiresIn: 31536000,
      info: {
        id: '1000034426',
        login: 'ivan.petrov',
        client_id: CLIENT.clientId,
        display_name: 'Ivan',
        real_name: 'Ivan Petrov',
        first_name: 'Ivan',
        last_name: 'Petrov',
        sex: 'male',
        default_email: 'ivan.petrov@yandex.ru',
        emails: ['ivan.petrov@yandex.ru', 'ivan@example.com'],
        default_avatar_id: '131652443',
        is_avatar_empty: false,
        psuid: '1.AAceCw.tbHgw5DtJ9_zeqPrk-Ba2w.qPWSRC5v2t2IaksPJgnge',
      },
    }),
    routes: (r) => {
      const { fake } = r;

      fake.router.post('/token', (ctx) => {
        const { form, headers } = ctx.state.rec;
        const basic = fake.basic(headers);
        const grant = form.get('grant_type');
        const ok =
          basic?.id === CLIENT.clientId &&
          basic.secret === CLIENT.clientSecret &&
          (grant === 'refresh_token'
            ? form.get('refresh_token') === REFRESH
            : fake.redeem(
                form.get('code') ?? '',
                form.get('code_verifier') ?? undefined,
                undefined,
              ));
        if (!ok) {
          ctx.status = 400;
          ctx.body = { error_description: 'Code has expired', error: 'invalid_grant' };
          return;
        }
        // a refresh may hand back the very same access (and refresh) token, with a new lifetime
        ctx.body = {
          token_type: 'bearer',
          access_token: ACCESS,
          expires_in: r.expiresIn,
          refresh_token: REFRESH,
        };
      });
      fake.router.get('/info', (ctx) => {
        // only the `OAuth` scheme: a `Bearer` header is refused here
        if (ctx.get('authorization') !== `OAuth ${ACCESS}` || ctx.query.format !== 'json') {
          ctx.status = 401;
          ctx.body = 'Authorization required';
          return;
        }
        ctx.body = r.info;
      });
    },
    providers: (r) => [new Yandex({ ...CLIENT, fetch: r.fake.fetch })],
    options: (r) => ({
      onOAuthLogin: ({ profile }) => void (r.seen = profile),
    }),
  });
}

/** Yandex through the provider conformance suite (conformance.ts). */
export const yandexCase: ProviderCase<YandexRig> = {
  title: 'Yandex',
  name: 'yandex',
  use: useYandex,
  authorization: {
    endpoint: 'https://oauth.yandex.com/authorize',
    params: {
      client_id: CLIENT.clientId,
      response_type: 'code',
      scope: 'login:info login:email login:avatar',
      code_challenge_method: 'S256',
      state: /^.{21,}$/,
    },
  },
  refusedCode: { code: '1234567', check: (r) => expect(r.seen).to.equal(undefined) },
  signOut: 'no calls',
};
