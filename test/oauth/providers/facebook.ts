import { expect } from 'chai';
import type { ProviderCase } from './conformance.js';
import type { Profile } from '../../../lib/oauth/types.js';
import { Facebook } from '../../../lib/oauth/providers/facebook.js';
import { type ProviderRig, useProviderRig } from '../../support/oauth-provider-rig.js';

export const CLIENT = { clientId: 'fb-app-1234', clientSecret: 'fb-secret-0123456789' };
export const AUTHORIZE = 'https://www.facebook.com/v24.0/dialog/oauth';

/** The fake Facebook servers and an app signing in through them, and what they answer. */
export interface FacebookRig extends ProviderRig {
  /** The `/v24.0/me` answer. */
  me: Record<string, unknown>;
  /** The profile of the last sign-in. */
  seen: Profile | undefined;
}

/** The fake Facebook servers and an app signing in through them, for the current describe. */
export function useFacebook(): FacebookRig {
  return useProviderRig<FacebookRig>({
    hosts: ['graph.facebook.com'],
    fresh: () => ({
      seen: undefined,
      me: {
        id: '10158000000000001',
        name: 'Ada Lovelace',
        email: 'ada@example.com',
        picture: {
          data: {
            height: 50,
            is_silhouette: false,
            url: 'https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=10158000000000001',
            width: 50,
          },
        },
      },
    }),
    routes: (r) => {
      const { fake } = r;

      fake.router.post('/v24.0/oauth/access_token', (ctx) => {
        const { form, headers } = ctx.state.rec;
        const ok =
          headers.authorization === undefined &&
          form.get('client_id') === CLIENT.clientId &&
          form.get('client_secret') === CLIENT.clientSecret &&
          fake.redeem(form.get('code') ?? '', undefined, form.get('redirect_uri') ?? undefined);
        if (ok) {
          ctx.body = { access_token: 'EAAB-fb-access', token_type: 'bearer', expires_in: 5183976 };
          return;
        }
        // Graph errors are nested objects, not RFC 6749 strings
        ctx.status = 400;
        ctx.body = {
          error: {
            message: 'This authorization code has been used.',
            type: 'OAuthException',
            code: 100,
            error_subcode: 36009,
            fbtrace_id: 'A1b2C3d4E5',
          },
        };
      });
      fake.router.get('/v24.0/me', (ctx) => {
        if (ctx.get('authorization') !== 'Bearer EAAB-fb-access') {
          ctx.status = 400;
          ctx.body = { error: { message: 'Invalid OAuth access token.', type: 'OAuthException' } };
          return;
        }
        ctx.body = r.me;
      });
    },
    providers: (r) => [new Facebook({ ...CLIENT, fetch: r.fake.fetch })],
    options: (r) => ({
      onOAuthLogin: ({ profile }) => {
        r.seen = profile;
      },
    }),
  });
}

/** Facebook through the provider conformance suite (conformance.ts). */
export const facebookCase: ProviderCase<FacebookRig> = {
  title: 'Facebook',
  name: 'facebook',
  use: useFacebook,
  authorization: {
    endpoint: AUTHORIZE,
    params: {
      client_id: CLIENT.clientId,
      response_type: 'code',
      scope: 'email public_profile',
      state: /^.{21,}$/,
      code_challenge: null,
      code_challenge_method: null,
    },
  },
  refusedCode: {
    code: 'already-used',
    check: (r) => {
      expect(r.seen).to.equal(undefined);
      // read as a standard error response (not refused as an unexpected body)
      const log = r.app.logger.records.filter((l) => l.record.event === 'oauth_failed').at(-1)!;
      expect(log.record.cause).to.equal('ResponseBodyError OAUTH_RESPONSE_BODY_ERROR');
    },
  },
  signOut: 'no calls',
};
