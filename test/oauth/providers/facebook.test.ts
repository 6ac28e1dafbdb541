import { expect } from 'chai';
import { Facebook } from '../../../lib/oauth/providers/facebook.js';
import { Browser } from '../../support/browser.js';
import { CLIENT, AUTHORIZE, useFacebook } from './facebook.js';

describe('Facebook provider', () => {
  const r = useFacebook();

  async function signIn(browser: Browser) {
    const start = await browser.request(`${r.app.url}/auth/facebook/login`);
    expect(start.location!.origin + start.location!.pathname).to.equal(AUTHORIZE);
    return browser.request(r.fake.authorize(start.location!));
  }

  it('signs in: secret in the POSTed form, /me with fields, picture from picture.data.url', async () => {
    const browser = new Browser();
    const done = await signIn(browser);
    expect(done.status).to.equal(302);
    expect(done.location!.pathname).to.equal('/');
    const token = r.fake.requests.filter((r) => r.path === '/v24.0/oauth/access_token').at(-1)!;
    expect(token.method).to.equal('POST');
    expect(token.form.get('grant_type')).to.equal('authorization_code');
    expect(token.form.has('code_verifier')).to.equal(false);
    const call = r.fake.requests.filter((r) => r.path === '/v24.0/me').at(-1)!;
    expect(call.host).to.equal('graph.facebook.com');
    expect(call.query.get('fields')).to.equal('id,name,email,picture');
    expect(r.seen).to.deep.equal({
      id: '10158000000000001',
      email: 'ada@example.com',
      emailVerified: false,
      name: 'Ada Lovelace',
      picture: 'https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=10158000000000001',
      raw: r.me,
    });
    const user = JSON.parse((await browser.request(`${r.app.url}/me`)).body) as {
      user: Record<string, unknown>;
    };
    // an unverified email is not put on the new user
    expect(user.user).to.deep.equal({
      id: user.user.id,
      name: 'Ada Lovelace',
      picture: 'https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=10158000000000001',
    });
    expect((await r.app.users.findByAccount('facebook', '10158000000000001'))?.id).to.equal(
      user.user.id,
    );
  });

  it('signs in without an email (phone-only account or declined permission)', async () => {
    r.me = { id: '10158000000000002', name: 'Phone Only' };
    const browser = new Browser();
    const done = await signIn(browser);
    expect(done.location!.pathname).to.equal('/');
    expect(r.seen).to.deep.equal({
      id: '10158000000000002',
      email: undefined,
      emailVerified: false,
      name: 'Phone Only',
      picture: undefined,
      raw: r.me,
    });
    expect((await browser.request(`${r.app.url}/me`)).status).to.equal(200);
  });

  it('turns the nested error into an RFC 6749 one (also when answered with a 200)', () => {
    const fb = new Facebook(CLIENT);
    const nested = { error: { message: 'Invalid verification code format.', code: 100 } };
    expect(fb.normalizeTokenResponse(nested, 400)).to.deep.equal({
      body: { error: 'invalid_request', error_description: 'Invalid verification code format.' },
      status: 400,
    });
    expect(fb.normalizeTokenResponse(nested, 200).status).to.equal(400);
    const ok = { access_token: 'a', token_type: 'bearer' };
    expect(fb.normalizeTokenResponse(ok, 200)).to.deep.equal({ body: ok, status: 200 });
  });

  it('uses the apiVersion option in every URL and refuses a malformed one', async () => {
    const fb = new Facebook({ ...CLIENT, apiVersion: 'v19.0' });
    const meta = await fb.metadata();
    expect(meta.authorization_endpoint).to.equal('https://www.facebook.com/v19.0/dialog/oauth');
    expect(meta.token_endpoint).to.equal('https://graph.facebook.com/v19.0/oauth/access_token');
    expect(() => new Facebook({ ...CLIENT, apiVersion: '19' })).to.throw(TypeError, /apiVersion/);
  });
});
