import { expect } from 'chai';
import { Yandex } from '../../../lib/oauth/providers/yandex.js';
import { Browser } from '../../support/browser.js';
import { type Recorded } from '../../support/oauth-fake.js';
import { CLIENT, ACCESS, REFRESH, useYandex } from './yandex.js';

describe('Yandex provider', () => {
  const r = useYandex();

  async function signIn(browser: Browser) {
    const start = await browser.request(`${r.app.url}/auth/yandex/login`);
    expect(start.location!.origin + start.location!.pathname).to.equal(
      'https://oauth.yandex.com/authorize',
    );
    return browser.request(r.fake.authorize(start.location!));
  }
  const last = (path: string): Recorded => r.fake.requests.filter((r) => r.path === path).at(-1)!;

  it('signs in: Basic at /token, /info with `Authorization: OAuth`, avatar URL from its id', async () => {
    const browser = new Browser();
    const done = await signIn(browser);
    expect(done.location!.pathname).to.equal('/');
    const token = last('/token');
    expect(token.host).to.equal('oauth.yandex.com');
    expect(token.form.has('client_secret')).to.equal(false);
    const call = last('/info');
    expect(call.host).to.equal('login.yandex.ru');
    expect(call.headers.authorization).to.equal(`OAuth ${ACCESS}`);
    expect(r.seen).to.deep.equal({
      id: '1000034426',
      email: 'ivan.petrov@yandex.ru',
      emailVerified: false,
      name: 'Ivan',
      picture: 'https://avatars.yandex.net/get-yapic/131652443/islands-200',
      raw: r.info,
    });
    expect((await browser.request(`${r.app.url}/me`)).status).to.equal(200);
  });

  it('falls back to emails[0] and real_name, and has no picture when is_avatar_empty', async () => {
    r.info = {
      id: '1000034427',
      login: 'olga',
      real_name: 'Olga S.',
      emails: ['olga@example.com'],
      default_avatar_id: '0/0-0',
      is_avatar_empty: true,
    };
    await signIn(new Browser());
    expect(r.seen).to.deep.include({
      id: '1000034427',
      email: 'olga@example.com',
      name: 'Olga S.',
      picture: undefined,
    });
  });

  it('signs in without an email (login:email not granted), named by first_name or login', async () => {
    r.info = { id: '1000034428', login: 'anon-42', first_name: 'Anna' };
    await signIn(new Browser());
    expect(r.seen).to.deep.include({
      id: '1000034428',
      email: undefined,
      emailVerified: false,
      name: 'Anna',
    });
    r.info = { id: '1000034429', login: 'anon-43' };
    await signIn(new Browser());
    expect(r.seen).to.deep.include({
      id: '1000034429',
      email: undefined,
      name: 'anon-43',
      picture: undefined,
    });
  });

  it('refreshes, keeping an access token that comes back unchanged', async () => {
    r.expiresIn = 1;
    const browser = new Browser();
    await signIn(browser);
    const grants = (): string[] =>
      r.fake.requests.filter((r) => r.path === '/token').map((r) => r.form.get('grant_type')!);
    const before = grants().length;
    for (let i = 0; i < 2; i++) {
      const res = JSON.parse(
        (await browser.request(`${r.app.url}/provider-token/yandex`)).body,
      ) as {
        token: string;
      };
      expect(res.token).to.equal(ACCESS);
    }
    expect(grants().slice(before)).to.deep.equal(['refresh_token', 'refresh_token']);
    const call = last('/token');
    expect(call.form.get('refresh_token')).to.equal(REFRESH);
    expect(r.fake.basic(call.headers)).to.deep.equal({
      id: CLIENT.clientId,
      secret: CLIENT.clientSecret,
    });
  });

  it('has no revocation (Yandex revokes only device_id tokens) and the fake refuses Bearer', async () => {
    expect(await new Yandex(CLIENT).revoke(ACCESS, 'access_token')).to.equal(false);
    const res = await r.fake.fetch('https://login.yandex.ru/info?format=json', {
      headers: { authorization: `Bearer ${ACCESS}` },
    });
    expect(res.status).to.equal(401);
  });
});
