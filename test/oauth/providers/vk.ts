import type { ProviderCase } from './conformance.js';
import type { Profile, ProviderTokens } from '../../../lib/oauth/types.js';
import { VK } from '../../../lib/oauth/providers/vk.js';
import { type OAuthApp, startApp } from '../../support/oauth-app.js';
import { type Fake, startFake } from '../../support/oauth-fake.js';

export const CLIENT_ID = '51234567';
export const DEVICE = 'dev-7f3a9c2e-1b4d';

/** The fake VK servers and an app signing in through them, for the current describe. */
export function useVK() {
  let fake: Fake;
  let app: OAuthApp;
  let user: Record<string, unknown>;
  let seen: { profile: Profile; tokens: ProviderTokens } | undefined;
  let expiresIn: number;
  let n = 0;
  const access = new Set<string>();
  const refresh = new Set<string>();

  before(async () => {
    fake = await startFake(['id.vk.com']);
    fake.router.post('/oauth2/auth', async (ctx) => {
      const { form, headers } = ctx.state.rec;
      const state = form.get('state');
      let ok = headers.authorization === undefined && form.get('client_id') === CLIENT_ID;
      ok &&= form.get('device_id') === DEVICE && !!state;
      if (form.get('grant_type') === 'refresh_token') {
        ok &&= refresh.delete(form.get('refresh_token') ?? '');
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
      n++;
      access.add(`vk2.a.${n}`);
      refresh.add(`vk2.r.${n}`);
      ctx.body = {
        access_token: `vk2.a.${n}`,
        refresh_token: `vk2.r.${n}`,
        // not for this client: a non-OIDC provider must drop it, not validate it
        id_token: await fake.idToken({ iss: 'https://id.vk.com', aud: 'someone-else', sub: '1' }),
        token_type: 'Bearer',
        expires_in: expiresIn,
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
        access.has(form.get('access_token') ?? '');
      ctx.status = ok ? 200 : 401;
      ctx.body = ok
        ? { user }
        : { error: 'invalid_token', error_description: 'access_token is invalid' };
    });
    app = await startApp(() => [new VK({ clientId: CLIENT_ID, fetch: fake.fetch })], {
      onOAuthLogin: ({ profile, tokens }) => void (seen = { profile, tokens }),
    });
  });
  after(async () => {
    await app?.close();
    await fake?.close();
  });
  beforeEach(() => {
    seen = undefined;
    expiresIn = 3600;
    user = {
      user_id: '1234567',
      first_name: 'Ivan',
      last_name: 'Petrov',
      avatar: 'https://sun1-99.userapi.com/s/v1/ig2/abc.jpg?size=200x200',
      email: 'ivan@example.ru',
      sex: 2,
      verified: false,
      birthday: '01.01.1990',
    };
  });
  return {
    get fake(): Fake {
      return fake;
    },
    get app(): OAuthApp {
      return app;
    },
    get user(): Record<string, unknown> {
      return user;
    },
    set user(value: Record<string, unknown>) {
      user = value;
    },
    get seen(): { profile: Profile; tokens: ProviderTokens } | undefined {
      return seen;
    },
    set seen(value: { profile: Profile; tokens: ProviderTokens } | undefined) {
      seen = value;
    },
    get expiresIn(): number {
      return expiresIn;
    },
    set expiresIn(value: number) {
      expiresIn = value;
    },
    get n(): number {
      return n;
    },
    set n(value: number) {
      n = value;
    },
    get access(): Set<string> {
      return access;
    },
    get refresh(): Set<string> {
      return refresh;
    },
  };
}

/** VK through the provider conformance suite (conformance.ts). */
export const vkCase: ProviderCase<ReturnType<typeof useVK>> = {
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
