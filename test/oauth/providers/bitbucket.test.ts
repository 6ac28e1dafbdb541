import { expect } from 'chai';
import { Browser } from '../../support/browser.js';
import { type Recorded } from '../../support/oauth-fake.js';
import { CLIENT, EMAILS, email, useBitbucket } from './bitbucket.js';

describe('Bitbucket provider', () => {
  const r = useBitbucket();

  async function signIn(browser: Browser) {
    const start = await browser.request(`${r.app.url}/auth/bitbucket/login`);
    expect(start.location!.origin + start.location!.pathname).to.equal(
      'https://bitbucket.org/site/oauth2/authorize',
    );
    const done = await browser.request(r.fake.authorize(start.location!));
    return { done, me: () => browser.request(`${r.app.url}/me`) };
  }
  const emailCalls = (from: number): Recorded[] =>
    r.fake.requests.slice(from).filter((r) => r.path === '/2.0/user/emails');

  it('signs in with the primary email found on the second page of /user/emails', async () => {
    const from = r.fake.requests.length;
    const { done, me } = await signIn(new Browser());
    expect(done.location!.pathname).to.equal('/');
    const call = r.fake.requests.slice(from).find((r) => r.path === '/site/oauth2/access_token')!;
    expect(call.form.get('client_secret')).to.equal(null); // Basic, not the body
    expect(emailCalls(from).map((r) => r.query.get('page'))).to.deep.equal([null, '2']);
    const { profile, tokens } = r.seen.at(-1)!;
    expect(tokens.scope).to.equal('account email');
    expect(profile).to.deep.equal({
      id: '557058:3c8e3a5f-7a2d-4f0e-9c51-1f0b6d8e9a10',
      email: 'erica@example.com',
      emailVerified: true,
      name: 'Erica Bitbucket',
      picture: 'https://avatar-management.example/erica.png',
      raw: r.user,
    });
    const body = JSON.parse((await me()).body) as { user: Record<string, unknown> };
    expect(body.user).to.include({ email: 'erica@example.com', emailVerified: true });
  });

  it('does not take an unconfirmed primary email as verified (uuid when no account_id)', async () => {
    r.user = { ...r.user, account_id: undefined, display_name: 'Mallory' };
    r.pages = [{ values: [email('victim@example.com', true, false)] }];
    const { me } = await signIn(new Browser());
    expect(r.seen.at(-1)!.profile).to.include({
      id: '{d301aafa-d676-4ee0-88be-962be7417567}',
      email: 'victim@example.com',
      emailVerified: false,
    });
    const body = JSON.parse((await me()).body) as { user: Record<string, unknown> };
    expect(body.user.email).to.equal(undefined);
  });

  it('follows `next` only on api.bitbucket.org, and for five pages at most', async () => {
    r.user = { ...r.user, account_id: 'bb-pages' };
    // the same path on another host (here bitbucket.org, which the fake also serves)
    r.pages = [
      { values: [], next: 'https://bitbucket.org/2.0/user/emails?page=2' },
      { values: [email('elsewhere@example.com', true, true)] },
    ];
    let from = r.fake.requests.length;
    await signIn(new Browser());
    expect(emailCalls(from).map((r) => r.host)).to.deep.equal(['api.bitbucket.org']);
    expect(r.seen.at(-1)!.profile.email).to.equal(undefined);

    r.pages = Array.from({ length: 8 }, (_, i) => ({
      values: [],
      next: `${EMAILS}?page=${i + 2}`,
    }));
    from = r.fake.requests.length;
    await signIn(new Browser());
    expect(emailCalls(from)).to.have.length(5);
  });

  it('refreshes the expired access token with the refresh token (Basic auth)', async () => {
    r.expiresIn = 1;
    const browser = new Browser();
    await signIn(browser);
    const from = r.fake.requests.length;
    const token = await browser.request(`${r.app.url}/provider-token/bitbucket`);
    expect(JSON.parse(token.body)).to.deep.equal({ token: 'bb-access-2' });
    const [refresh, ...more] = r.fake.requests.slice(from);
    expect(more).to.have.length(0);
    expect(refresh!.form.get('grant_type')).to.equal('refresh_token');
    expect(refresh!.form.get('refresh_token')).to.equal('bb-refresh-1');
    expect(r.fake.basic(refresh!.headers)).to.deep.equal({
      id: CLIENT.clientId,
      secret: CLIENT.clientSecret,
    });
  });
});
