import { expect } from 'chai';
import type { ProviderCase } from './conformance.js';
import type { Profile } from '../../../lib/providers.js';
import { Slack } from '../../../lib/oauth/providers/slack.js';
import { type ProviderRig, useProviderRig } from '../../support/oauth-provider-rig.js';

export const ISSUER = 'https://slack.com';
export const CLIENT = {
  clientId: '2141029472.691202649728',
  clientSecret: 'e1b9e11dfcd19c1982d5de12921e17e8c',
};
export const IMAGE_512 = 'https://slack.com/user_image_512';

/** The fake Slack servers and an app signing in through them, and what they answer. */
export interface SlackRig extends ProviderRig {
  profiles: Profile[];
  /** The `openid.connect.userInfo` answer. */
  info: Record<string, unknown>;
  /** Token rotation on: a refresh token, and access tokens that expire at once. */
  rotation: boolean;
}

/** The fake Slack servers and an app signing in through them, for the current describe. */
export function useSlack(): SlackRig {
  return useProviderRig<SlackRig>({
    hosts: ['slack.com'],
    fresh: () => ({
      profiles: [],
      rotation: false,
      info: {
        ok: true,
        sub: 'U0R7JM',
        'https://slack.com/user_id': 'U0R7JM',
        'https://slack.com/team_id': 'T0R7GR',
        email: 'krane@example.com',
        email_verified: true,
        date_email_verified: 1622128723,
        name: 'krane',
        picture: 'https://secure.gravatar.com/avatar/krane-512.png',
        given_name: 'Bront',
        family_name: 'Labradoodle',
        locale: 'en-US',
        'https://slack.com/team_name': 'kraneflannel',
        'https://slack.com/team_domain': 'kraneflannel',
        [IMAGE_512]: 'https://avatars.slack-edge.com/krane_512.png',
      },
    }),
    routes: (r) => {
      const { fake } = r;

      fake.router.get('/.well-known/openid-configuration', (ctx) => {
        ctx.body = {
          issuer: ISSUER,
          authorization_endpoint: `${ISSUER}/openid/connect/authorize`,
          token_endpoint: `${ISSUER}/api/openid.connect.token`,
          userinfo_endpoint: `${ISSUER}/api/openid.connect.userInfo`,
          jwks_uri: `${ISSUER}/openid/connect/keys`,
          scopes_supported: ['openid', 'profile', 'email'],
          response_types_supported: ['code'],
          response_modes_supported: ['query'],
          grant_types_supported: ['authorization_code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        };
      });
      fake.router.get('/openid/connect/keys', async (ctx) => {
        ctx.body = await fake.jwks();
      });
      fake.router.post('/api/openid.connect.token', async (ctx) => {
        const { form } = ctx.state.rec;
        const clientOk =
          form.get('client_id') === CLIENT.clientId &&
          form.get('client_secret') === CLIENT.clientSecret;
        const refresh = form.get('grant_type') === 'refresh_token';
        const grant = refresh
          ? form.get('refresh_token') === 'xoxe-1-refresh'
          : fake.redeem(
              form.get('code') ?? '',
              form.get('code_verifier') ?? undefined,
              form.get('redirect_uri') ?? undefined,
            );
        // Slack's Web API convention: errors are HTTP 200 with ok: false
        if (!clientOk || !grant) return void (ctx.body = { ok: false, error: 'invalid_code' });
        const now = Math.floor(Date.now() / 1000);
        ctx.body = {
          ok: true,
          access_token: refresh ? 'xoxp-refreshed' : 'xoxp-1234',
          token_type: 'Bearer',
          ...(r.rotation ? { refresh_token: 'xoxe-1-refresh', expires_in: 1 } : {}),
          // UNCONFIRMED whether a refresh answer carries an id_token: this one does not
          ...(typeof grant === 'object'
            ? {
                id_token: await fake.idToken({
                  iss: ISSUER,
                  aud: CLIENT.clientId,
                  sub: r.info.sub as string,
                  iat: now,
                  exp: now + 3600,
                  nonce: grant.nonce,
                  'https://slack.com/team_id': 'T0R7GR',
                }),
              }
            : {}),
        };
      });
      fake.router.get('/api/openid.connect.userInfo', (ctx) => {
        const ok = ['Bearer xoxp-1234', 'Bearer xoxp-refreshed'].includes(ctx.get('authorization'));
        ctx.body = ok ? r.info : { ok: false, error: 'invalid_auth' };
      });
      fake.router.post('/api/auth.revoke', (ctx) => {
        const ok = ctx.get('authorization') === 'Bearer xoxp-1234';
        ctx.body = ok ? { ok: true, revoked: true } : { ok: false, error: 'invalid_auth' };
      });
    },
    providers: (r) => [new Slack({ ...CLIENT, fetch: r.fake.fetch })],
    options: (r) => ({
      onOAuthLogin: ({ profile }) => void r.profiles.push(profile),
    }),
  });
}

/** Slack through the provider conformance suite (conformance.ts). */
export const slackCase: ProviderCase<SlackRig> = {
  title: 'Slack',
  name: 'slack',
  use: useSlack,
  authorization: {
    endpoint: 'https://slack.com/openid/connect/authorize',
    params: {
      client_id: CLIENT.clientId,
      response_type: 'code',
      scope: 'openid profile email',
      nonce: /^[A-Za-z0-9_-]{20,}$/,
      code_challenge_method: 'S256',
    },
  },
  refusedCode: { code: 'not-a-code', check: (r) => expect(r.profiles).to.have.length(0) },
  signOut: (r, calls) => {
    const revoke = calls.filter((c) => c.path === '/api/auth.revoke');
    expect(revoke).to.have.length(1);
    expect(revoke[0]!.method).to.equal('POST');
    expect(revoke[0]!.headers.authorization).to.equal('Bearer xoxp-1234');
    expect(r.app.logger.records.map((l) => l.record.event)).to.not.include(
      'provider_revoke_failed',
    );
  },
};
