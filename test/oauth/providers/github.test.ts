import { expect } from 'chai';
import { GitHub } from '../../../lib/oauth/providers/github.js';
import { type OAuthApp, startApp } from '../support/app.js';
import { Browser } from '../support/browser.js';
import { expectSignInFailed } from '../support/expect.js';
import { type Fake, startFake } from '../support/fake.js';

const CLIENT = { clientId: 'gh-client', clientSecret: 'gh-secret-0123456789' };

describe('GitHub provider', () => {
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

  async function signIn(browser: Browser) {
    const start = await browser.request(`${app.url}/auth/github/login`);
    expect(start.location!.origin + start.location!.pathname).to.equal(
      'https://github.com/login/oauth/authorize',
    );
    return browser.request(fake.authorize(start.location!));
  }

  it('sends the documented authorization request (scopes, PKCE S256, state)', async () => {
    const start = await new Browser().request(`${app.url}/auth/github/login`);
    const q = start.location!.searchParams;
    expect(q.get('client_id')).to.equal(CLIENT.clientId);
    expect(q.get('scope')).to.equal('read:user user:email');
    expect(q.get('code_challenge_method')).to.equal('S256');
    expect(q.get('redirect_uri')).to.equal(app.callback('github'));
    expect(q.get('state')).to.be.a('string');
  });

  it('signs in with the verified primary email from /user/emails (private email, null name)', async () => {
    const browser = new Browser();
    const done = await signIn(browser);
    expect(done.status).to.equal(302);
    expect(done.location!.pathname).to.equal('/');
    const me = JSON.parse((await browser.request(`${app.url}/me`)).body) as {
      user: Record<string, unknown>;
    };
    expect(me.user).to.include({
      email: 'octocat@github.com',
      emailVerified: true,
      name: 'octocat',
    });
    expect((await app.users.findByAccount('github', '583231'))?.id).to.equal(me.user.id);
    const calls = fake.requests.filter((r) => r.path === '/user');
    expect(calls.at(-1)!.headers['user-agent']).to.be.a('string');
  });

  it('does not take an unverified primary email as proof of ownership', async () => {
    user = { ...user, id: 1001, login: 'mallory' };
    emails = [{ email: 'victim@example.com', primary: true, verified: false, visibility: null }];
    const browser = new Browser();
    await signIn(browser);
    const me = JSON.parse((await browser.request(`${app.url}/me`)).body) as {
      user: Record<string, unknown>;
    };
    expect(me.user.email).to.equal(undefined);
  });

  it('ends on the error path when GitHub answers 200 with an error (bad code)', async () => {
    const browser = new Browser();
    const start = await browser.request(`${app.url}/auth/github/login`);
    const back = fake.authorize(start.location!);
    back.searchParams.set('code', 'not-a-code');
    const done = await browser.request(back);
    await expectSignInFailed(app.url, browser, done, 'provider_error');
  });

  it('revokes the token through DELETE /applications/{client_id}/token at sign-out', async () => {
    const browser = new Browser();
    await signIn(browser);
    const out = await browser.request(`${app.url}/auth/logout`, {
      method: 'POST',
      headers: { accept: 'application/json', origin: app.url },
    });
    expect(out.status).to.equal(200);
    const del = fake.requests.filter((r) => r.method === 'DELETE').at(-1)!;
    expect(del.path).to.equal(`/applications/${CLIENT.clientId}/token`);
    expect(JSON.parse(del.body)).to.deep.equal({ access_token: 'gho_test_access' });
  });
});
