import { expect } from 'chai';
import { Slack } from '../../../lib/oauth/providers/slack.js';
import { Browser, type Step } from '../../support/browser.js';
import { expectSignInFailed } from '../../support/oauth-expect.js';
import { CLIENT, useSlack } from './slack.js';

describe('Slack provider', () => {
  const r = useSlack();

  async function signIn(browser: Browser) {
    const start = await browser.request(`${r.app.url}/auth/slack/login`);
    return browser.request(r.fake.authorize(start.location!));
  }
  const tokenCall = () =>
    r.fake.requests.filter((r) => r.path === '/api/openid.connect.token').at(-1)!;
  const expectError = async (browser: Browser, step: Step) => {
    await expectSignInFailed(r.app.url, browser, step, 'provider_error');
  };

  it('signs in through openid.connect.token (client_secret_post, ok: true) and the userInfo profile', async () => {
    const browser = new Browser();
    const done = await signIn(browser);
    expect(done.location!.pathname).to.equal('/');
    const call = tokenCall();
    expect(call.headers.authorization).to.equal(undefined);
    expect(call.form.get('client_secret')).to.equal(CLIENT.clientSecret);
    expect(call.form.get('grant_type')).to.equal('authorization_code');
    expect(call.form.get('redirect_uri')).to.equal(r.app.callback('slack'));
    const { raw, ...mapped } = r.profiles[0]!;
    expect(mapped).to.deep.equal({
      id: 'U0R7JM',
      email: 'krane@example.com',
      emailVerified: true,
      name: 'krane',
      picture: 'https://secure.gravatar.com/avatar/krane-512.png',
    });
    expect(raw['https://slack.com/user_id']).to.equal('U0R7JM');
    expect(raw['https://slack.com/team_id']).to.equal('T0R7GR');
    const { user } = JSON.parse((await browser.request(`${r.app.url}/me`)).body) as {
      user: Record<string, unknown>;
    };
    expect(user).to.include({ email: 'krane@example.com', name: 'krane' });
  });

  it('falls back to https://slack.com/user_image_512 when picture is missing; no email without the email scope', async () => {
    r.info = { ...r.info, sub: 'U0NOMAIL', 'https://slack.com/user_id': 'U0NOMAIL' };
    delete r.info.picture;
    delete r.info.email;
    delete r.info.email_verified;
    const browser = new Browser();
    await signIn(browser);
    expect(r.profiles[0]).to.include({
      id: 'U0NOMAIL',
      email: undefined,
      emailVerified: false,
      picture: 'https://avatars.slack-edge.com/krane_512.png',
    });
  });

  it('ends on the error path when userInfo answers 200 { ok: false }', async () => {
    r.info = { ok: false, error: 'invalid_auth' };
    const browser = new Browser();
    await expectError(browser, await signIn(browser));
    expect(r.profiles).to.have.length(0);
  });

  it('refreshes an expired token when token rotation is on', async () => {
    r.rotation = true;
    const browser = new Browser();
    await signIn(browser);
    const token = await browser.request(`${r.app.url}/provider-token/slack`);
    expect(JSON.parse(token.body)).to.deep.equal({ token: 'xoxp-refreshed' });
    const call = tokenCall();
    expect(call.form.get('grant_type')).to.equal('refresh_token');
    expect(call.form.get('refresh_token')).to.equal('xoxe-1-refresh');
    expect(call.form.get('client_secret')).to.equal(CLIENT.clientSecret);
  });

  it('needs a client secret', () => {
    expect(() => new Slack({ clientId: CLIENT.clientId })).to.throw(TypeError, /clientSecret/);
  });
});
