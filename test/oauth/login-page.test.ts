import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { MemoryUserStore, Portcullis } from '../../lib/index.js';
import { OIDC } from '../../lib/providers.js';
import { MemoryLogger, secretA } from '../support/app.js';
import { Browser } from '../support/browser.js';
import { type Rig, rig } from '../support/oauth-rig.js';

describe('the sign-in page at loginPath', () => {
  let r: Rig;
  before(async () => {
    r = await rig();
  });
  after(async () => r.close());

  it('lists every provider, keeping a same-origin returnTo', async () => {
    const page = await new Browser().request(`${r.app.url}/login?returnTo=%2Fsettings`);
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-type')).to.match(/text\/html/);
    expect(page.body).to.contain(
      'href="/auth/corp/login?returnTo=%2Fsettings">Sign in with Corp</a>',
    );
    expect(page.body).to.contain(
      'href="/auth/other/login?returnTo=%2Fsettings">Sign in with Other</a>',
    );
  });

  it('drops a returnTo that leaves the origin', async () => {
    const page = await new Browser().request(
      `${r.app.url}/login?returnTo=${encodeURIComponent('//evil.example')}`,
    );
    expect(page.body).to.contain('/auth/corp/login?returnTo=%2F"');
    expect(page.body).not.to.contain('evil');
  });

  it('shows the message of a known error code, and never reflects an unknown one', async () => {
    const known = await new Browser().request(`${r.app.url}/login?error=access_denied`);
    expect(known.body).to.contain('Sign-in was cancelled at the provider.');
    const hostile = await new Browser().request(
      `${r.app.url}/login?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E`,
    );
    expect(hostile.body).not.to.match(/<script|alert\(/);
  });

  it("gives way to the app's own page at loginPath", async () => {
    const auth = new Portcullis({
      secret: secretA,
      users: new MemoryUserStore(),
      // the discovery of id.example.test fails and is warned about: kept out of the output
      logger: new MemoryLogger(),
      providers: [
        new OIDC({
          name: 'corp',
          issuer: 'https://id.example.test',
          clientId: 'c',
          clientSecret: 's',
        }),
      ],
    });
    const app = new Koa();
    app.use(auth.middleware());
    app.use(auth.routes());
    app.use((ctx) => {
      if (ctx.path === '/login') ctx.body = 'our own login page';
    });
    const res = await request(app.callback()).get('/login');
    expect(res.text).to.equal('our own login page');
    expect((await request(app.callback()).get('/elsewhere')).status).to.equal(404);
  });

  it('security case 20 (part): sign-out by GET is refused, and the session survives', async () => {
    const browser = new Browser();
    await r.signIn(browser);
    const out = await browser.request(`${r.app.url}/auth/logout`);
    expect(out.status).to.equal(405);
    expect((await browser.request(`${r.app.url}/me`)).status).to.equal(200);
  });
});
