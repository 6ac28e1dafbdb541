import { expect } from 'chai';
import type { Profile } from '../../../lib/oauth/types.js';
import { Yandex } from '../../../lib/oauth/providers/yandex.js';
import { type OAuthApp, startApp } from '../support/app.js';
import { Browser } from '../support/browser.js';
import { expectSignInFailed } from '../support/expect.js';
import { type Fake, type Recorded, startFake } from '../support/fake.js';

const CLIENT = { clientId: 'ya-client', clientSecret: 'ya-secret-0123456789' };
const ACCESS = 'y0_AgAAAAB-yandex-access';
const REFRESH = '1:yandex-refresh:abc';

describe('Yandex provider', () => {
  let fake: Fake;
  let app: OAuthApp;
  let info: Record<string, unknown>;
  let seen: Profile | undefined;
  let expiresIn: number;

  before(async () => {
    fake = await startFake(['oauth.yandex.com', 'login.yandex.ru']);
    fake.router.post('/token', (ctx) => {
      const { form, headers } = ctx.state.rec;
      const basic = fake.basic(headers);
      const grant = form.get('grant_type');
      const ok =
        basic?.id === CLIENT.clientId &&
        basic.secret === CLIENT.clientSecret &&
        (grant === 'refresh_token'
          ? form.get('refresh_token') === REFRESH
          : fake.redeem(form.get('code') ?? '', form.get('code_verifier') ?? undefined, undefined));
      if (!ok) {
        ctx.status = 400;
        ctx.body = { error_description: 'Code has expired', error: 'invalid_grant' };
        return;
      }
      // a refresh may hand back the very same access (and refresh) token, with a new lifetime
      ctx.body = {
        token_type: 'bearer',
        access_token: ACCESS,
        expires_in: expiresIn,
        refresh_token: REFRESH,
      };
    });
    fake.router.get('/info', (ctx) => {
      // only the `OAuth` scheme: a `Bearer` header is refused here
      if (ctx.get('authorization') !== `OAuth ${ACCESS}` || ctx.query.format !== 'json') {
        ctx.status = 401;
        ctx.body = 'Authorization required';
        return;
      }
      ctx.body = info;
    });
    app = await startApp(() => [new Yandex({ ...CLIENT, fetch: fake.fetch })], {
      onOAuthLogin: ({ profile }) => void (seen = profile),
    });
  });
  after(async () => {
    await app?.close();
    await fake?.close();
  });
  beforeEach(() => {
    seen = undefined;
    expiresIn = 31536000;
    info = {
      id: '1000034426',
      login: 'ivan.petrov',
      client_id: CLIENT.clientId,
      display_name: 'Ivan',
      real_name: 'Ivan Petrov',
      first_name: 'Ivan',
      last_name: 'Petrov',
      sex: 'male',
      default_email: 'ivan.petrov@yandex.ru',
      emails: ['ivan.petrov@yandex.ru', 'ivan@example.com'],
      default_avatar_id: '131652443',
      is_avatar_empty: false,
      psuid: '1.AAceCw.tbHgw5DtJ9_zeqPrk-Ba2w.qPWSRC5v2t2IaksPJgnge',
    };
  });

  async function signIn(browser: Browser) {
    const start = await browser.request(`${app.url}/auth/yandex/login`);
    expect(start.location!.origin + start.location!.pathname).to.equal(
      'https://oauth.yandex.com/authorize',
    );
    return browser.request(fake.authorize(start.location!));
  }
  const last = (path: string): Recorded => fake.requests.filter((r) => r.path === path).at(-1)!;

  it('sends the documented authorization request (scopes, PKCE S256, state)', async () => {
    const start = await new Browser().request(`${app.url}/auth/yandex/login`);
    const q = start.location!.searchParams;
    expect(q.get('client_id')).to.equal(CLIENT.clientId);
    expect(q.get('response_type')).to.equal('code');
    expect(q.get('scope')).to.equal('login:info login:email login:avatar');
    expect(q.get('code_challenge_method')).to.equal('S256');
    expect(q.get('redirect_uri')).to.equal(app.callback('yandex'));
    expect(q.get('state')).to.be.a('string').with.length.above(20);
  });

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
    expect(seen).to.deep.equal({
      id: '1000034426',
      email: 'ivan.petrov@yandex.ru',
      emailVerified: false,
      name: 'Ivan',
      picture: 'https://avatars.yandex.net/get-yapic/131652443/islands-200',
      raw: info,
    });
    expect((await browser.request(`${app.url}/me`)).status).to.equal(200);
  });

  it('falls back to emails[0] and real_name, and has no picture when is_avatar_empty', async () => {
    info = {
      id: '1000034427',
      login: 'olga',
      real_name: 'Olga S.',
      emails: ['olga@example.com'],
      default_avatar_id: '0/0-0',
      is_avatar_empty: true,
    };
    await signIn(new Browser());
    expect(seen).to.deep.include({
      id: '1000034427',
      email: 'olga@example.com',
      name: 'Olga S.',
      picture: undefined,
    });
  });

  it('signs in without an email (login:email not granted), named by first_name or login', async () => {
    info = { id: '1000034428', login: 'anon-42', first_name: 'Anna' };
    await signIn(new Browser());
    expect(seen).to.deep.include({
      id: '1000034428',
      email: undefined,
      emailVerified: false,
      name: 'Anna',
    });
    info = { id: '1000034429', login: 'anon-43' };
    await signIn(new Browser());
    expect(seen).to.deep.include({
      id: '1000034429',
      email: undefined,
      name: 'anon-43',
      picture: undefined,
    });
  });

  it('ends on the error path when /token answers invalid_grant', async () => {
    const browser = new Browser();
    const start = await browser.request(`${app.url}/auth/yandex/login`);
    const back = fake.authorize(start.location!);
    back.searchParams.set('code', '1234567');
    const done = await browser.request(back);
    await expectSignInFailed(app.url, browser, done, 'provider_error');
    expect(seen).to.equal(undefined);
  });

  it('refreshes, keeping an access token that comes back unchanged', async () => {
    expiresIn = 1;
    const browser = new Browser();
    await signIn(browser);
    const grants = (): string[] =>
      fake.requests.filter((r) => r.path === '/token').map((r) => r.form.get('grant_type')!);
    const before = grants().length;
    for (let i = 0; i < 2; i++) {
      const res = JSON.parse((await browser.request(`${app.url}/provider-token/yandex`)).body) as {
        token: string;
      };
      expect(res.token).to.equal(ACCESS);
    }
    expect(grants().slice(before)).to.deep.equal(['refresh_token', 'refresh_token']);
    const call = last('/token');
    expect(call.form.get('refresh_token')).to.equal(REFRESH);
    expect(fake.basic(call.headers)).to.deep.equal({
      id: CLIENT.clientId,
      secret: CLIENT.clientSecret,
    });
  });

  it('has no revocation (Yandex revokes only device_id tokens) and the fake refuses Bearer', async () => {
    expect(await new Yandex(CLIENT).revoke(ACCESS, 'access_token')).to.equal(false);
    const res = await fake.fetch('https://login.yandex.ru/info?format=json', {
      headers: { authorization: `Bearer ${ACCESS}` },
    });
    expect(res.status).to.equal(401);
  });
});
