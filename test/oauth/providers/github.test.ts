import { expect } from 'chai';
import { Browser } from '../../support/browser.js';
import { useGitHub } from './github.js';

describe('GitHub provider', () => {
  const r = useGitHub();

  async function signIn(browser: Browser) {
    const start = await browser.request(`${r.app.url}/auth/github/login`);
    expect(start.location!.origin + start.location!.pathname).to.equal(
      'https://github.com/login/oauth/authorize',
    );
    return browser.request(r.fake.authorize(start.location!));
  }

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
});
