import { expect } from 'chai';
import { Browser } from '../../support/browser.js';
import { PUBLIC, CONFIDENTIAL, useHuggingFace } from './huggingface.js';

describe('HuggingFace provider', () => {
  const r = useHuggingFace();

  async function signIn(browser: Browser, name = 'huggingface') {
    const start = await browser.request(`${r.app.url}/auth/${name}/login`);
    return browser.request(r.fake.authorize(start.location!));
  }
  const tokenCall = () => r.fake.requests.filter((r) => r.path === '/oauth/token').at(-1)!;
  const me = async (browser: Browser) =>
    JSON.parse((await browser.request(`${r.app.url}/me`)).body) as {
      user: Record<string, unknown>;
    };

  it('signs in a public app with client_id and the PKCE verifier only (name from preferred_username)', async () => {
    const browser = new Browser();
    const done = await signIn(browser);
    expect(done.location!.pathname).to.equal('/');
    const call = tokenCall();
    expect(call.headers.authorization).to.equal(undefined);
    expect([...call.form.keys()].sort()).to.deep.equal(
      ['client_id', 'code', 'code_verifier', 'grant_type', 'redirect_uri'].sort(),
    );
    expect(call.form.get('client_id')).to.equal(PUBLIC.clientId);
    const { raw, ...mapped } = r.profiles[0]!;
    expect(mapped).to.deep.equal({
      id: '6510a3b2c4d5e6f708192a3b',
      email: 'julien@example.com',
      emailVerified: true,
      name: 'julien-c',
      picture: 'https://cdn-avatars.huggingface.co/v1/production/uploads/julien.png',
    });
    expect((raw.orgs as Array<{ sub: string }>)[0]!.sub).to.equal('5e67bd5b1009063689407478');
    expect((await me(browser)).user).to.include({ email: 'julien@example.com', name: 'julien-c' });
    const token = await browser.request(`${r.app.url}/provider-token/huggingface`);
    expect(JSON.parse(token.body)).to.deep.equal({ token: 'hf_oauth_access' });
  });

  it('signs in a confidential app with HTTP Basic (and the full name when there is one)', async () => {
    r.info = { ...r.info, sub: '64f0c0ffee0000000000beef', name: 'Julien Chaumond' };
    r.info.email = 'julien.c@example.com';
    const browser = new Browser();
    const done = await signIn(browser, 'hf-confidential');
    expect(done.location!.pathname).to.equal('/');
    const call = tokenCall();
    expect(r.fake.basic(call.headers)).to.deep.equal({
      id: CONFIDENTIAL.clientId,
      secret: CONFIDENTIAL.clientSecret,
    });
    expect(call.form.has('client_secret')).to.equal(false);
    expect(call.form.get('code_verifier')).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(r.profiles[0]!.name).to.equal('Julien Chaumond');
    expect((await me(browser)).user.name).to.equal('Julien Chaumond');
  });

  it('signs in without an email when the app was not granted the email scope', async () => {
    r.info = { ...r.info, sub: '650000000000000000000001', preferred_username: 'no-mail' };
    delete r.info.email;
    delete r.info.email_verified;
    const browser = new Browser();
    await signIn(browser);
    expect(r.profiles[0]).to.include({ email: undefined, emailVerified: false, name: 'no-mail' });
    const { user } = await me(browser);
    expect(user.email).to.equal(undefined);
    expect(user.name).to.equal('no-mail');
  });
});
