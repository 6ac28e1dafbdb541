import { expect } from 'chai';
import { Browser } from '../support/browser.js';
import { expectSignInFailed } from '../support/expect.js';
import { CLIENT, useGitHub } from './github.js';

describe('GitHub provider', () => {
  const r = useGitHub();

  async function signIn(browser: Browser) {
    const start = await browser.request(`${r.app.url}/auth/github/login`);
    expect(start.location!.origin + start.location!.pathname).to.equal(
      'https://github.com/login/oauth/authorize',
    );
    return browser.request(r.fake.authorize(start.location!));
  }

  it('sends the documented authorization request (scopes, PKCE S256, state)', async () => {
    const start = await new Browser().request(`${r.app.url}/auth/github/login`);
    const q = start.location!.searchParams;
    expect(q.get('client_id')).to.equal(CLIENT.clientId);
    expect(q.get('scope')).to.equal('read:user user:email');
    expect(q.get('code_challenge_method')).to.equal('S256');
    expect(q.get('redirect_uri')).to.equal(r.app.callback('github'));
    expect(q.get('state')).to.be.a('string');
  });

  it('signs in with the verified primary email from /user/emails (private email, null name)', async () => {
    const browser = new Browser();
    const done = await signIn(browser);
    expect(done.status).to.equal(302);
    expect(done.location!.pathname).to.equal('/');
    const me = JSON.parse((await browser.request(`${r.app.url}/me`)).body) as {
      user: Record<string, unknown>;
    };
    expect(me.user).to.include({
      email: 'octocat@github.com',
      emailVerified: true,
      name: 'octocat',
    });
    expect((await r.app.users.findByAccount('github', '583231'))?.id).to.equal(me.user.id);
    const calls = r.fake.requests.filter((r) => r.path === '/user');
    expect(calls.at(-1)!.headers['user-agent']).to.be.a('string');
  });

  it('does not take an unverified primary email as proof of ownership', async () => {
    r.user = { ...r.user, id: 1001, login: 'mallory' };
    r.emails = [{ email: 'victim@example.com', primary: true, verified: false, visibility: null }];
    const browser = new Browser();
    await signIn(browser);
    const me = JSON.parse((await browser.request(`${r.app.url}/me`)).body) as {
      user: Record<string, unknown>;
    };
    expect(me.user.email).to.equal(undefined);
  });

  it('ends on the error path when GitHub answers 200 with an error (bad code)', async () => {
    const browser = new Browser();
    const start = await browser.request(`${r.app.url}/auth/github/login`);
    const back = r.fake.authorize(start.location!);
    back.searchParams.set('code', 'not-a-code');
    const done = await browser.request(back);
    await expectSignInFailed(r.app.url, browser, done, 'provider_error');
  });

  it('revokes the token through DELETE /applications/{client_id}/token at sign-out', async () => {
    const browser = new Browser();
    await signIn(browser);
    const out = await browser.request(`${r.app.url}/auth/logout`, {
      method: 'POST',
      headers: { accept: 'application/json', origin: r.app.url },
    });
    expect(out.status).to.equal(200);
    const del = r.fake.requests.filter((r) => r.method === 'DELETE').at(-1)!;
    expect(del.path).to.equal(`/applications/${CLIENT.clientId}/token`);
    expect(JSON.parse(del.body)).to.deep.equal({ access_token: 'gho_test_access' });
  });
});
