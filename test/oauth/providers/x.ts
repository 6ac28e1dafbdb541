import { expect } from 'chai';
import type { ProviderCase } from './conformance.js';
import type { Profile } from '../../../lib/oauth/types.js';
import { Twitter, X } from '../../../lib/oauth/providers/x.js';
import type { Recorded } from '../../support/oauth-fake.js';
import { type ProviderRig, useProviderRig } from '../../support/oauth-provider-rig.js';

export const CLIENT = { clientId: 'x-client', clientSecret: 'x-secret-0123456789' };
export const PUBLIC_ID = 'x-public-client';

/** The fake X servers and an app signing in through them, and what they answer. */
export interface XRig extends ProviderRig {
  /** The `data` of the `/2/users/me` answer (before `user.fields` picks from it). */
  data: Record<string, unknown>;
  /** The profile of the last sign-in. */
  seen: Profile | undefined;
  expiresIn: number;
  /** How many token answers were given (the last tokens are `x-access-<n>`, `x-refresh-<n>`). */
  n: number;
  /** The access and refresh tokens still valid. */
  access: Set<string>;
  refresh: Set<string>;
}

/** The fake X servers and an app signing in through them, for the current describe. */
export function useX(): XRig {
  return useProviderRig<XRig>({
    hosts: ['api.x.com'],
    kept: { n: 0, access: new Set(), refresh: new Set() },
    fresh: () => ({
      seen: undefined,
      expiresIn: 7200,
      data: {
        id: '2244994945',
        name: 'X Dev',
        username: 'XDevelopers',
        profile_image_url:
          'https://pbs.twimg.com/profile_images/1683325380441128960/yRsRRjGO_normal.jpg',
        confirmed_email: 'dev@example.com',
      },
    }),
    routes: (r) => {
      const { fake } = r;

      /** Confidential clients: HTTP Basic only; public clients: client_id in the body, no secret. */
      function client(rec: Recorded): boolean {
        const basic = fake.basic(rec.headers);
        if (basic) return basic.id === CLIENT.clientId && basic.secret === CLIENT.clientSecret;
        return rec.form.get('client_id') === PUBLIC_ID && !rec.form.has('client_secret');
      }

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
            ? r.refresh.delete(form.get('refresh_token') ?? '')
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
        r.n++;
        r.access.add(`x-access-${r.n}`);
        r.refresh.add(`x-refresh-${r.n}`);
        ctx.body = {
          token_type: 'bearer',
          expires_in: r.expiresIn,
          access_token: `x-access-${r.n}`,
          scope: 'users.read tweet.read offline.access users.email',
          refresh_token: `x-refresh-${r.n}`,
        };
      });
      fake.router.post('/2/oauth2/revoke', (ctx) => {
        if (!client(ctx.state.rec)) return void (ctx.status = 401);
        ctx.body = { revoked: true };
      });
      fake.router.get('/2/users/me', (ctx) => {
        const token = /^Bearer (.+)$/.exec(ctx.get('authorization'))?.[1];
        if (!token || !r.access.has(token)) {
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
        const { confirmed_email, profile_image_url, ...rest } = r.data;
        ctx.body = {
          data: {
            ...rest,
            ...(fields.includes('profile_image_url') ? { profile_image_url } : {}),
            ...(fields.includes('confirmed_email') && confirmed_email ? { confirmed_email } : {}),
          },
        };
      });
    },
    providers: (r) => [
      new X({ ...CLIENT, fetch: r.fake.fetch }),
      new X({ ...CLIENT, name: 'x-post', clientAuth: 'client_secret_post', fetch: r.fake.fetch }),
      new Twitter({ clientId: PUBLIC_ID, name: 'x-public', fetch: r.fake.fetch }),
    ],
    options: (r) => ({ onOAuthLogin: ({ profile }) => void (r.seen = profile) }),
  });
}

/** X through the provider conformance suite (conformance.ts). */
export const xCase: ProviderCase<XRig> = {
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
