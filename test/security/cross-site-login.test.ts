import { expect } from 'chai';
import { Browser } from '../support/browser.js';
import { ISSUER, type Rig, rig } from '../support/oauth-rig.js';

/**
 * ASVS 5.0 V7.6.2: a provider that remembers the user's consent signs them in without a click.
 * A sign-in started from another site (Sec-Fetch-Site: cross-site) lands on a page to confirm
 * on; nothing is started (no flow cookie, no provider redirect) until the user clicks.
 */
describe('security: a provider sign-in started from another site asks the user first', function () {
  this.timeout(20000);
  let r: Rig;
  before(async () => {
    r = await rig();
  });
  after(async () => r.close());

  it('answers a page with one button, starts nothing, and the button goes on to the provider', async () => {
    const browser = new Browser();
    const url = `${r.app.url}/auth/corp/login?returnTo=%2Fcheckout`;
    const page = await browser.request(url, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(page.status).to.equal(200);
    expect(page.location).to.equal(undefined);
    expect(page.setCookies).to.deep.equal([]);
    expect(page.headers.get('cache-control')).to.equal('no-store');
    expect(page.body).to.contain('<form method="get" action="/auth/corp/login">');
    expect(page.body).to.contain('<input type="hidden" name="returnTo" value="/checkout">');
    // the button: a same-origin GET of the same URL
    const go = await browser.request(url, { headers: { 'sec-fetch-site': 'same-origin' } });
    expect(go.status).to.equal(302);
    expect(go.location!.origin).to.equal(ISSUER);
    const done = await browser.request(r.fake.authorize(go.location!, { iss: ISSUER }));
    expect(done.location!.pathname).to.equal('/checkout');
    expect((await browser.request(`${r.app.url}/me`)).status).to.equal(200);
  });

  it('starts at once for our own pages, a bookmark, a sibling site and browsers without the header', async () => {
    for (const site of ['same-origin', 'none', 'same-site', undefined]) {
      const step = await new Browser().request(`${r.app.url}/auth/corp/login`, {
        headers: site === undefined ? {} : { 'sec-fetch-site': site },
      });
      expect(step.status, String(site)).to.equal(302);
      expect(step.location!.origin, String(site)).to.equal(ISSUER);
    }
  });

  it('keeps only returnTo and intent, escaped, in the confirm form', async () => {
    const evil = '"><script>alert(1)</script>';
    const page = await new Browser().request(
      `${r.app.url}/auth/corp/login?returnTo=${encodeURIComponent(evil)}&prompt=none&x=1`,
      { headers: { 'sec-fetch-site': 'cross-site' } },
    );
    expect(page.status).to.equal(200);
    expect(page.body).not.to.contain('<script>');
    expect(page.body).to.contain('value="&#34;&#62;&#60;script&#62;');
    expect(page.body).not.to.contain('prompt');
    expect(page.body).not.to.contain('name="x"');
  });

  it('is not shown for a provider that does not exist (404 as before)', async () => {
    const step = await new Browser().request(`${r.app.url}/auth/nope/login`, {
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(step.status).to.equal(404);
  });
});
