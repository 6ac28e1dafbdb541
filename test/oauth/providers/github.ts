import { expect } from 'chai';
import type { ProviderCase } from './conformance.js';
import { GitHub } from '../../../lib/oauth/providers/github.js';
import { type ProviderRig, useProviderRig } from '../../support/oauth-provider-rig.js';

export const CLIENT = { clientId: 'gh-client', clientSecret: 'gh-secret-0123456789' };

/** An entry of GitHub's `/user/emails`. */
export interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
  visibility: string | null;
}

/** The fake GitHub servers and an app signing in through them. */
export interface GitHubRig extends ProviderRig {
  /** The `/user/emails` answer. */
  emails: GitHubEmail[];
  /** The `/user` answer. */
  user: Record<string, unknown>;
}

/** The fake GitHub servers and an app signing in through them, for the current describe. */
export function useGitHub(): GitHubRig {
  return useProviderRig<GitHubRig>({
    hosts: ['github.com', 'api.github.com'],
    fresh: () => ({
      user: {
        id: 583231,
        login: 'octocat',
        name: null,
        email: null,
        avatar_url: 'https://avatars.githubusercontent.com/u/583231',
      },
      emails: [
        {
          email: 'octocat@users.noreply.github.com',
          primary: false,
          verified: true,
          visibility: null,
        },
        { email: 'octocat@github.com', primary: true, verified: true, visibility: 'private' },
      ],
    }),
    routes: (r) => {
      const { fake } = r;
      fake.router.post('/login/oauth/access_token', (ctx) => {
        const { form } = ctx.state.rec;
        const ok =
          form.get('client_id') === CLIENT.clientId &&
          form.get('client_secret') === CLIENT.clientSecret &&
          fake.redeemForm(form);
        // GitHub answers errors with 200, and form-encoded unless asked for JSON
        const body: Record<string, string> = ok
          ? { access_token: 'gho_test_access', token_type: 'bearer', scope: 'read:user,user:email' }
          : {
              error: 'bad_verification_code',
              error_description: 'The code passed is incorrect or expired.',
            };
        if (ctx.accepts('json')) ctx.body = body;
        else {
          ctx.type = 'application/x-www-form-urlencoded';
          ctx.body = new URLSearchParams(body).toString();
        }
      });
      const api = (ctx: { get(h: string): string; status: number }): boolean => {
        if (!ctx.get('user-agent') || ctx.get('authorization') !== 'Bearer gho_test_access') {
          ctx.status = 401;
          return false;
        }
        return true;
      };
      fake.router.get('/user', (ctx) => {
        if (api(ctx)) ctx.body = r.user;
      });
      fake.router.get('/user/emails', (ctx) => {
        if (api(ctx)) ctx.body = r.emails;
      });
      fake.router.delete('/applications/:id/token', (ctx) => {
        const basic = fake.basic(ctx.state.rec.headers);
        ctx.status =
          basic?.id === CLIENT.clientId && basic.secret === CLIENT.clientSecret ? 204 : 401;
      });
    },
    providers: ({ fake }) => [new GitHub({ ...CLIENT, fetch: fake.fetch })],
  });
}

/** GitHub through the provider conformance suite (conformance.ts). */
export const githubCase: ProviderCase<GitHubRig> = {
  title: 'GitHub',
  name: 'github',
  use: useGitHub,
  authorization: {
    endpoint: 'https://github.com/login/oauth/authorize',
    params: {
      client_id: CLIENT.clientId,
      scope: 'read:user user:email',
      code_challenge_method: 'S256',
      state: /^/,
    },
  },
  refusedCode: { code: 'not-a-code' },
  signOut: (_r, calls) => {
    const del = calls.filter((c) => c.method === 'DELETE').at(-1)!;
    expect(del.path).to.equal(`/applications/${CLIENT.clientId}/token`);
    expect(JSON.parse(del.body)).to.deep.equal({ access_token: 'gho_test_access' });
  },
};
