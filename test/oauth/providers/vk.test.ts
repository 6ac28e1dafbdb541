import { expect } from 'chai';
import { VK } from '../../../lib/oauth/providers/vk.js';
import { Browser } from '../../support/browser.js';
import { expectSignInFailed } from '../../support/oauth-expect.js';
import { type Recorded } from '../../support/oauth-fake.js';
import { CLIENT_ID, DEVICE, useVK } from './vk.js';

describe('VK provider', () => {
  const r = useVK();

  async function signIn(browser: Browser, extra: Record<string, string> = { device_id: DEVICE }) {
    const start = await browser.request(`${r.app.url}/auth/vk/login`);
    expect(start.location!.origin + start.location!.pathname).to.equal(
      'https://id.vk.com/authorize',
    );
    // VK ID's callback carries device_id (and type, expires_in) next to code and state
    return browser.request(
      r.fake.authorize(start.location!, { type: 'code_v2', expires_in: '600', ...extra }),
    );
  }
  const last = (path: string): Recorded => r.fake.requests.filter((r) => r.path === path).at(-1)!;

  it('signs in: device_id and state to the token call, user_info unwrapped from `user`', async () => {
    const browser = new Browser();
    const done = await signIn(browser);
    expect(done.location!.pathname).to.equal('/');
    const token = last('/oauth2/auth');
    expect(token.form.get('grant_type')).to.equal('authorization_code');
    expect(token.form.get('device_id')).to.equal(DEVICE);
    expect(token.form.get('code_verifier')).to.match(/^[\w-]{43,128}$/);
    expect(token.form.has('client_secret')).to.equal(false);
    const info = last('/oauth2/user_info');
    expect(info.method).to.equal('POST');
    expect(Object.fromEntries(info.form)).to.deep.equal({
      access_token: `vk2.a.${r.n}`,
      client_id: CLIENT_ID,
    });
    expect(r.seen!.profile).to.deep.equal({
      id: '1234567',
      email: 'ivan@example.ru',
      emailVerified: false,
      name: 'Ivan Petrov',
      picture: 'https://sun1-99.userapi.com/s/v1/ig2/abc.jpg?size=200x200',
      raw: r.user,
    });
    // the token response's user_id is a number; its id_token is dropped (VK ID is not OIDC here)
    expect(r.seen!.tokens.raw.user_id).to.equal(1234567);
    expect(r.seen!.tokens.idToken).to.equal(undefined);
    expect(r.seen!.tokens.raw).to.not.have.property('id_token');
    expect((await browser.request(`${r.app.url}/me`)).status).to.equal(200);
  });

  it('reads a numeric user_id and no email (not granted)', async () => {
    r.user = { user_id: 7654321, first_name: 'Olga', last_name: '', avatar: '' };
    const browser = new Browser();
    await signIn(browser);
    expect(r.seen!.profile).to.deep.equal({
      id: '7654321',
      email: undefined,
      emailVerified: false,
      name: 'Olga',
      picture: undefined,
      raw: r.user,
    });
    expect(await r.app.users.findByAccount('vk', '7654321')).to.not.equal(undefined);
  });

  it('ends on the error path when VK refuses the code exchange (wrong device_id)', async () => {
    const browser = new Browser();
    const done = await signIn(browser, { device_id: 'another-device' });
    await expectSignInFailed(r.app.url, browser, done, 'provider_error');
    expect(last('/oauth2/auth').form.get('device_id')).to.equal('another-device');
    expect(r.seen).to.equal(undefined);
  });

  it('refuses a callback without device_id before calling the token endpoint', async () => {
    const before = r.fake.requests.length;
    const browser = new Browser();
    const done = await signIn(browser, {});
    expect(done.location!.searchParams.get('error')).to.equal('provider_error');
    expect(r.fake.requests.length).to.equal(before);
    expect((await browser.request(`${r.app.url}/me`)).status).to.equal(401);
  });

  it('refreshes with the device_id kept from the sign-in and a fresh state', async () => {
    r.expiresIn = 1;
    const browser = new Browser();
    await signIn(browser);
    const signInState = last('/oauth2/auth').form.get('state');
    const res = JSON.parse((await browser.request(`${r.app.url}/provider-token/vk`)).body) as {
      token: string;
    };
    expect(res.token).to.equal(`vk2.a.${r.n}`);
    const call = last('/oauth2/auth');
    expect(call.form.get('grant_type')).to.equal('refresh_token');
    expect(call.form.get('refresh_token')).to.equal(`vk2.r.${r.n - 1}`);
    expect(call.form.get('device_id')).to.equal(DEVICE);
    expect(call.form.get('client_id')).to.equal(CLIENT_ID);
    expect(call.form.get('state'))
      .to.match(/^[\w-]{22}$/)
      .and.not.equal(signInState);
  });

  it('does not revoke (VK documents only a logout that takes the access token)', async () => {
    expect(await new VK({ clientId: CLIENT_ID }).revoke('vk2.r.1', 'refresh_token')).to.equal(
      false,
    );
  });
});
