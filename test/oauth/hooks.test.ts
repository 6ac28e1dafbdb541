import { expect } from 'chai';
import type { OAuthLoginArgs } from '../../lib/index.js';
import type { OAuthUser } from '../support/oauth-app.js';
import { Browser } from '../support/browser.js';
import { expectFailed, ISSUER, type Rig, rig } from '../support/oauth-rig.js';

describe('onOAuthLogin and ctx.auth.oauth.loginUrl()', function () {
  this.timeout(20000);
  let r: Rig;
  let decide: (args: OAuthLoginArgs<OAuthUser>) => OAuthUser | false | undefined = () => undefined;
  const seen: Array<OAuthLoginArgs<OAuthUser>> = [];
  before(async () => {
    r = await rig({
      onOAuthLogin: (args) => {
        seen.push(args);
        return decide(args);
      },
    });
  });
  after(async () => r.close());
  beforeEach(() => {
    seen.length = 0;
    decide = () => undefined;
    r.script = {};
  });

  it('hands the hook the provider, the profile, the tokens and the app state from loginUrl()', async () => {
    const browser = new Browser();
    const link = JSON.parse(
      (await browser.request(`${r.app.url}/login-url/corp?state=cart-42&returnTo=%2Fcheckout`))
        .body,
    ) as { url: string };
    expect(link.url).to.match(/^\/auth\/corp\/login\?intent=/);
    expect(link.url).not.to.contain('cart-42'); // sealed, not readable or editable by the browser
    const start = await browser.request(`${r.app.url}${link.url}`);
    const done = await browser.request(r.fake.authorize(start.location!, { iss: ISSUER }));
    expect(done.location!.href).to.equal(`${r.app.url}/checkout`);
    expect(seen).to.have.length(1);
    const args = seen[0]!;
    expect(args.provider).to.equal('corp');
    expect(args.state).to.equal('cart-42');
    expect(args.profile).to.include({
      id: 'user-1',
      email: 'user-1@example.com',
      emailVerified: true,
    });
    expect(args.tokens.accessToken).to.be.a('string');
    expect(args.currentUser).to.equal(undefined);
  });

  it('signs in the user the hook returns', async () => {
    const chosen = await r.app.users.create({ email: 'chosen@example.com' });
    decide = () => chosen;
    const browser = new Browser();
    await r.signIn(browser, 'whoever');
    const me = JSON.parse((await browser.request(`${r.app.url}/me`)).body) as {
      user: { id: string };
    };
    expect(me.user.id).to.equal(chosen.id);
    expect(await r.app.users.findByAccount('corp', 'whoever')).to.equal(undefined);
  });

  it('refuses the sign-in when the hook returns false: 403 login_refused, no session', async () => {
    decide = () => false;
    const browser = new Browser();
    await expectFailed(r, browser, await r.signIn(browser, 'refused'), 'login_refused');
  });

  it('refuses a tampered or foreign intent with state_mismatch', async () => {
    const browser = new Browser();
    const link = JSON.parse(
      (await browser.request(`${r.app.url}/login-url/corp?state=a`)).body,
    ) as { url: string };
    const step = await browser.request(`${r.app.url}${link.url.slice(0, -3)}abc`);
    await expectFailed(r, browser, step, 'state_mismatch');
  });

  it('by default links a second provider account to the user already signed in', async () => {
    const browser = new Browser();
    await r.signIn(browser, 'first-account');
    const before = JSON.parse((await browser.request(`${r.app.url}/me`)).body) as {
      user: { id: string };
    };
    await r.signIn(browser, 'second-account');
    const after = JSON.parse((await browser.request(`${r.app.url}/me`)).body) as {
      user: { id: string };
    };
    expect(after.user.id).to.equal(before.user.id);
    expect((await r.app.users.findByAccount('corp', 'second-account'))?.id).to.equal(
      before.user.id,
    );
  });

  it('signs the same provider account into the same user every time', async () => {
    const a = new Browser();
    await r.signIn(a, 'returning');
    const b = new Browser();
    await r.signIn(b, 'returning');
    const idA = (JSON.parse((await a.request(`${r.app.url}/me`)).body) as { user: { id: string } })
      .user.id;
    const idB = (JSON.parse((await b.request(`${r.app.url}/me`)).body) as { user: { id: string } })
      .user.id;
    expect(idA).to.equal(idB);
  });

  it('emits login with the provider method, and login_failed with the code', async () => {
    const events: string[] = [];
    const onLogin = (e: { method: string }) => events.push(`login ${e.method}`);
    const onFailed = (e: { method: string; code: string }) =>
      events.push(`failed ${e.method} ${e.code}`);
    r.app.auth.on('login', onLogin).on('login_failed', onFailed);
    try {
      await r.signIn(new Browser(), 'evented');
      decide = () => false;
      await r.signIn(new Browser(), 'evented');
    } finally {
      r.app.auth.off('login', onLogin).off('login_failed', onFailed);
    }
    expect(events).to.deep.equal(['login oauth:corp', 'failed oauth:corp login_refused']);
  });
});
