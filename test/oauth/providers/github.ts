import { expect } from 'chai';
import type { ProviderCase } from './conformance.js';
import { GitHub } from '../../../lib/oauth/providers/github.js';
import { type OAuthApp, startApp } from '../../support/oauth-app.js';
import { type Fake, startFake } from '../../support/oauth-fake.js';

export const CLIENT = { clientId: 'gh-client', clientSecret: 'gh-secret-0123456789' };

/** The fake GitHub servers and an app signing in through them, for the current describe. */
export function useGitHub() {
  let fake: Fake;
  let app: OAuthApp;
  let emails: Array<{
    email: string;
    primary: boolean;
    verified: boolean;
    visibility: string | null;
  }>;
  let user: Record<string, unknown>;

  before(async () => {
    fake = await startFake(['github.com', 'api.github.com']);
    fake.router.post('/login/oauth/access_token', (ctx) => {
      const { form } = ctx.state.rec;
      const ok =
        form.get('client_id') === CLIENT.clientId &&
        form.get('client_secret') === CLIENT.clientSecret &&
        fake.redeem(
          form.get('code') ?? '',
          form.get('code_verifier') ?? undefined,
          form.get('redirect_uri') ?? undefined,
        );
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
      if (api(ctx)) ctx.body = user;
    });
    fake.router.get('/user/emails', (ctx) => {
      if (api(ctx)) ctx.body = emails;
    });
    fake.router.delete('/applications/:id/token', (ctx) => {
      const basic = fake.basic(ctx.state.rec.headers);
      ctx.status =
        basic?.id === CLIENT.clientId && basic.secret === CLIENT.clientSecret ? 204 : 401;
    });
    app = await startApp(() => [new GitHub({ ...CLIENT, fetch: fake.fetch })]);
  });
  after(async () => {
    await app?.close();
    await fake?.close();
  });
  beforeEach(() => {
    user = {
      id: 583231,
      login: 'octocat',
      name: null,
      email: null,
      avatar_url: 'https://avatars.githubusercontent.com/u/583231',
    };
    emails = [
      {
        email: 'octocat@users.noreply.github.com',
        primary: false,
        verified: true,
        visibility: null,
      },
      { email: 'octocat@github.com', primary: true, verified: true, visibility: 'private' },
    ];
  });
  return {
    get fake(): Fake {
      return fake;
    },
    get app(): OAuthApp {
      return app;
    },
    get emails(): Array<{
      email: string;
      primary: boolean;
      verified: boolean;
      visibility: string | null;
    }> {
      return emails;
    },
    set emails(
      value: Array<{
        email: string;
        primary: boolean;
        verified: boolean;
        visibility: string | null;
      }>,
    ) {
      emails = value;
    },
    get user(): Record<string, unknown> {
      return user;
    },
    set user(value: Record<string, unknown>) {
      user = value;
    },
  };
}

/** GitHub through the provider conformance suite (conformance.ts). */
export const githubCase: ProviderCase<ReturnType<typeof useGitHub>> = {
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
