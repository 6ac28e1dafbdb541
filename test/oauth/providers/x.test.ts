import { expect } from 'chai';
import { Twitter } from '../../../lib/oauth/providers/x.js';
import { Browser } from '../../support/browser.js';
import { expectSignInFailed } from '../../support/oauth-expect.js';
import { type Recorded } from '../../support/oauth-fake.js';
import { CLIENT, PUBLIC_ID, useX } from './x.js';

describe('X provider', () => {
  const r = useX();

  async function signIn(browser: Browser, name = 'x') {
    const start = await browser.request(`${r.app.url}/auth/${name}/login`);
    expect(start.location!.origin + start.location!.pathname).to.equal(
      'https://x.com/i/oauth2/authorize',
    );
    return browser.request(r.fake.authorize(start.location!));
  }
  const last = (path: string): Recorded => r.fake.requests.filter((r) => r.path === path).at(-1)!;

  it('signs in with Basic auth, unwraps data, takes confirmed_email as verified and a 400x400 picture', async () => {
    const browser = new Browser();
    const done = await signIn(browser);
    expect(done.location!.pathname).to.equal('/');
    const token = last('/2/oauth2/token');
    expect(r.fake.basic(token.headers)).to.deep.equal({
      id: CLIENT.clientId,
      secret: CLIENT.clientSecret,
    });
    expect(token.form.has('client_secret')).to.equal(false);
    expect(last('/2/users/me').query.get('user.fields')).to.equal(
      'profile_image_url,confirmed_email',
    );
    expect(r.seen).to.deep.include({
      id: '2244994945',
      email: 'dev@example.com',
      emailVerified: true,
      name: 'X Dev',
      picture: 'https://pbs.twimg.com/profile_images/1683325380441128960/yRsRRjGO_400x400.jpg',
    });
    expect(r.seen!.raw).to.deep.equal({ ...r.data });
    const me = JSON.parse((await browser.request(`${r.app.url}/me`)).body) as {
      user: Record<string, unknown>;
    };
    expect(me.user).to.include({ email: 'dev@example.com', emailVerified: true, name: 'X Dev' });
  });

  it('has no email without confirmed_email (no users.email scope or app setting)', async () => {
    r.data = {
      id: '783214',
      name: '',
      username: 'X',
      profile_image_url: undefined,
      confirmed_email: undefined,
    };
    const browser = new Browser();
    await signIn(browser);
    expect(r.seen).to.deep.include({
      id: '783214',
      email: undefined,
      emailVerified: false,
      name: 'X',
      picture: undefined,
    });
    const me = JSON.parse((await browser.request(`${r.app.url}/me`)).body) as {
      user: Record<string, unknown>;
    };
    expect(me.user.email).to.equal(undefined);
  });

  it('is refused with unauthorized_client when a confidential client sends its secret in the body', async () => {
    const browser = new Browser();
    const done = await signIn(browser, 'x-post');
    await expectSignInFailed(r.app.url, browser, done, 'provider_error');
    const token = last('/2/oauth2/token');
    expect(token.headers.authorization).to.equal(undefined);
    expect(token.form.get('client_secret')).to.equal(CLIENT.clientSecret);
    const log = r.app.logger.records.filter((r) => r.record.event === 'oauth_failed').at(-1)!;
    expect(log.record).to.include({
      provider: 'x-post',
      cause: 'ResponseBodyError OAUTH_RESPONSE_BODY_ERROR',
    });
  });

  it('signs in a public client (Twitter alias) with client_id in the body and PKCE only', async () => {
    const browser = new Browser();
    const done = await signIn(browser, 'x-public');
    expect(done.location!.pathname).to.equal('/');
    const token = last('/2/oauth2/token');
    expect(token.headers.authorization).to.equal(undefined);
    expect(token.form.get('client_id')).to.equal(PUBLIC_ID);
    expect(token.form.get('code_verifier')).to.match(/^[\w-]{43,128}$/);
    expect(new Twitter({ clientId: PUBLIC_ID }).name).to.equal('x');
  });

  it('refreshes an expiring token with the offline.access refresh token (Basic, rotated)', async () => {
    r.expiresIn = 1;
    const browser = new Browser();
    await signIn(browser);
    const first = JSON.parse((await browser.request(`${r.app.url}/provider-token/x`)).body) as {
      token: string;
    };
    expect(first.token).to.equal(`x-access-${r.n}`);
    const call = last('/2/oauth2/token');
    expect(call.form.get('grant_type')).to.equal('refresh_token');
    expect(call.form.get('refresh_token')).to.equal(`x-refresh-${r.n - 1}`);
    expect(r.fake.basic(call.headers)?.id).to.equal(CLIENT.clientId);
    // the rotated refresh token was kept: the next refresh uses it
    const second = JSON.parse((await browser.request(`${r.app.url}/provider-token/x`)).body) as {
      token: string;
    };
    expect(second.token).to.equal(`x-access-${r.n}`);
    expect(last('/2/oauth2/token').form.get('refresh_token')).to.equal(`x-refresh-${r.n - 1}`);
    expect(first.token).to.not.equal(second.token);
  });
});
