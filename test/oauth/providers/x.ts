import { expect } from 'chai';
import type { ProviderCase } from './conformance.js';
import type { Profile } from '../../../lib/oauth/types.js';
import { Twitter, X } from '../../../lib/oauth/providers/x.js';
import { type OAuthApp, startApp } from '../../support/oauth-app.js';
import { type Fake, type Recorded, startFake } from '../../support/oauth-fake.js';

export const CLIENT = { clientId: 'x-client', clientSecret: 'x-secret-0123456789' };
export const PUBLIC_ID = 'x-public-client';

/** The fake X servers and an app signing in through them, for the current describe. */
export function useX() {
  let fake: Fake;
  let app: OAuthApp;
  let data: Record<string, unknown>;
  let seen: Profile | undefined;
  let expiresIn: number;
  let n = 0;
  const access = new Set<string>();
  const refresh = new Set<string>();

  /** Confidential clients: HTTP Basic only; public clients: client_id in the body, no secret. */
  function client(rec: Recorded): boolean {
    const basic = fake.basic(rec.headers);
    if (basic) return basic.id === CLIENT.clientId && basic.secret === CLIENT.clientSecret;
    return rec.form.get('client_id') === PUBLIC_ID && !rec.form.has('client_secret');
  }

  before(async () => {
    fake = await startFake(['api.x.com']);
    fake.router.post('/2/oauth2/token', (ctx) => {
      const { form } = ctx.state.rec;
      if (!client(ctx.state.rec)) {
        ctx.status = 401;
        ctx.body = {
          error: 'unauthorized_client',
          error_description: 'Missing valid authorization header',
        };
        return;
      }
      const grant = form.get('grant_type');
      const ok =
        grant === 'refresh_token'
          ? refresh.delete(form.get('refresh_token') ?? '')
          : grant === 'authorization_code' &&
            // PKCE is required: a code issued without a challenge is refused too
            fake.redeem(
              form.get('code') ?? '',
              form.get('code_verifier') ?? '',
              form.get('redirect_uri') ?? '',
            )?.challenge !== undefined;
      if (!ok) {
        ctx.status = 400;
        ctx.body = {
          error: 'invalid_request',
          error_description: 'Value passed for the authorization code was invalid.',
        };
        return;
      }
      n++;
      access.add(`x-access-${n}`);
      refresh.add(`x-refresh-${n}`);
      ctx.body = {
        token_type: 'bearer',
        expires_in: expiresIn,
        access_token: `x-access-${n}`,
        scope: 'users.read tweet.read offline.access users.email',
        refresh_token: `x-refresh-${n}`,
      };
    });
    fake.router.post('/2/oauth2/revoke', (ctx) => {
      if (!client(ctx.state.rec)) return void (ctx.status = 401);
      ctx.body = { revoked: true };
    });
    fake.router.get('/2/users/me', (ctx) => {
      const token = /^Bearer (.+)$/.exec(ctx.get('authorization'))?.[1];
      if (!token || !access.has(token)) {
        ctx.status = 401;
        ctx.body = {
          title: 'Unauthorized',
          type: 'about:blank',
          status: 401,
          detail: 'Unauthorized',
        };
        return;
      }
      const fields = (ctx.query['user.fields'] as string).split(',');
      const { confirmed_email, profile_image_url, ...rest } = data;
      ctx.body = {
        data: {
          ...rest,
          ...(fields.includes('profile_image_url') ? { profile_image_url } : {}),
          ...(fields.includes('confirmed_email') && confirmed_email ? { confirmed_email } : {}),
        },
      };
    });
    app = await startApp(
      () => [
        new X({ ...CLIENT, fetch: fake.fetch }),
        new X({ ...CLIENT, name: 'x-post', clientAuth: 'client_secret_post', fetch: fake.fetch }),
        new Twitter({ clientId: PUBLIC_ID, name: 'x-public', fetch: fake.fetch }),
      ],
      { onOAuthLogin: ({ profile }) => void (seen = profile) },
    );
  });
  after(async () => {
    await app?.close();
    await fake?.close();
  });
  beforeEach(() => {
    seen = undefined;
    expiresIn = 7200;
    data = {
      id: '2244994945',
      name: 'X Dev',
      username: 'XDevelopers',
      profile_image_url:
        'https://pbs.twimg.com/profile_images/1683325380441128960/yRsRRjGO_normal.jpg',
      confirmed_email: 'dev@example.com',
    };
  });
  return {
    get fake(): Fake {
      return fake;
    },
    get app(): OAuthApp {
      return app;
    },
    get data(): Record<string, unknown> {
      return data;
    },
    set data(value: Record<string, unknown>) {
      data = value;
    },
    get seen(): Profile | undefined {
      return seen;
    },
    set seen(value: Profile | undefined) {
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

/** X through the provider conformance suite (conformance.ts). */
export const xCase: ProviderCase<ReturnType<typeof useX>> = {
  title: 'X',
  name: 'x',
  use: useX,
  authorization: {
    endpoint: 'https://x.com/i/oauth2/authorize',
    params: {
      client_id: CLIENT.clientId,
      response_type: 'code',
      scope: 'users.read tweet.read offline.access users.email',
      code_challenge: /^[\w-]{43}$/,
      code_challenge_method: 'S256',
      state: /^.{21,}$/,
    },
  },
  refusedCode: { code: 'not-a-code' },
  signOut: (r, calls) => {
    const revoke = calls.filter((c) => c.path === '/2/oauth2/revoke').at(-1)!;
    expect(revoke.method).to.equal('POST');
    expect(revoke.form.get('token')).to.equal(`x-refresh-${r.n}`);
    expect(revoke.form.get('token_type_hint')).to.equal('refresh_token');
    expect(r.fake.basic(revoke.headers)).to.deep.equal({
      id: CLIENT.clientId,
      secret: CLIENT.clientSecret,
    });
  },
};
