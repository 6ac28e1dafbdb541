import { expect } from 'chai';
import { Browser } from '../support/browser.js';
import { type FaultApp, post, startFaultApp } from '../support/faults.js';

/** Every "no such item" answer is an AuthError: 404 with the stable code `not_found`. */
describe('404 not_found for an unknown session, provider link or passkey', () => {
  let app: FaultApp;
  let browser: Browser;
  before(async () => {
    app = await startFaultApp();
    browser = new Browser();
    const res = await post(app, browser, '/auth/password/register', {
      email: 'nobody@example.com',
      password: 'a long enough passphrase 1',
    });
    expect(res.status, res.body).to.equal(202);
  });
  after(() => app?.close());

  for (const path of [
    '/auth/sessions/no-such-id',
    '/auth/accounts/nowhere',
    '/auth/passkeys/nope',
  ]) {
    it(`DELETE ${path}`, async () => {
      const res = await browser.request(`${app.url}${path}`, {
        method: 'DELETE',
        headers: { accept: 'application/json', origin: app.url },
      });
      expect(res.status, res.body).to.equal(404);
      expect(JSON.parse(res.body).error.code).to.equal('not_found');
    });
  }
});
