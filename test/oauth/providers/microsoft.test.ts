import { expect } from 'chai';
import { Microsoft } from '../../../lib/oauth/providers/microsoft.js';
import { Browser } from '../../support/browser.js';
import { CLIENT, LOGIN, CONTOSO, FABRIKAM, iss, useMicrosoft } from './microsoft.js';

describe('Microsoft provider', () => {
  const r = useMicrosoft();

  async function signIn(browser: Browser, name = 'microsoft') {
    const start = await browser.request(`${r.app.url}/auth/${name}/login`);
    const back = r.fake.authorize(start.location!);
    expect(back.searchParams.has('iss')).to.equal(false);
    return browser.request(back);
  }
  const path = (u: URL | undefined): string => u!.pathname + u!.search;

  it('sends the authorization request of a fixed tenant to that tenant', async () => {
    const fixed = (await new Browser().request(`${r.app.url}/auth/contoso/login`)).location!;
    expect(fixed.pathname).to.equal(`/${CONTOSO}/oauth2/v2.0/authorize`);
  });

  it('signs in through `common` (issuer filled from tid; no iss on the callback): id from oid, email never verified', async () => {
    const browser = new Browser();
    expect((await signIn(browser)).location!.href).to.equal(`${r.app.url}/`);
    const { raw, ...profile } = r.profiles[0]!;
    expect(profile).to.deep.equal({
      id: '00000000-0000-0000-66f3-3332eca7ea81',
      email: 'megan@contoso.com',
      emailVerified: false,
      name: 'Megan Bowen',
      picture: undefined,
    });
    expect(raw.tid).to.equal(CONTOSO);
    const user = (JSON.parse((await browser.request(`${r.app.url}/me`)).body) as { user: object })
      .user;
    expect(user).to.not.have.property('email');
    expect(r.fake.requests.filter((r) => r.path === '/oidc/userinfo')).to.have.length(1);
  });

  const rejected: Array<[string, Record<string, unknown>]> = [
    ['iss of one tenant, tid of another', { iss: iss(FABRIKAM), tid: CONTOSO }],
    ['a tid that is not a GUID', { iss: iss('evil.example'), tid: 'evil.example' }],
    ['the literal template and no tid', { iss: `${LOGIN}/{tenantid}/v2.0`, tid: undefined }],
  ];
  for (const [what, bad] of rejected) {
    it(`refuses an ID token with ${what}`, async () => {
      r.claims = { ...r.claims, ...bad };
      const browser = new Browser();
      expect(path((await signIn(browser)).location)).to.equal('/auth/error?error=provider_error');
      expect((await browser.request(`${r.app.url}/me`)).status).to.equal(401);
      expect(r.profiles).to.deep.equal([]);
    });
  }

  it('a fixed tenant expects its own issuer, and refuses another tenant', async () => {
    expect((await signIn(new Browser(), 'contoso')).location!.href).to.equal(`${r.app.url}/`);
    r.claims = { ...r.claims, iss: iss(FABRIKAM), tid: FABRIKAM };
    expect(path((await signIn(new Browser(), 'contoso')).location)).to.equal(
      '/auth/error?error=provider_error',
    );
    expect(r.profiles).to.have.length(1);
    expect(() => new Microsoft({ ...CLIENT, tenant: 'contoso.onmicrosoft.com' })).to.throw(
      TypeError,
      /GUID/,
    );
  });

  it('signs in a managed user without email: id from sub without oid, name from preferred_username', async () => {
    r.claims = {
      iss: iss(CONTOSO),
      tid: CONTOSO,
      sub: 'pairwise-sub-1',
      preferred_username: 'adele@contoso.com',
    };
    r.info = { sub: 'pairwise-sub-1' };
    await signIn(new Browser());
    expect(r.profiles[0]).to.deep.include({
      id: 'pairwise-sub-1',
      email: undefined,
      emailVerified: false,
      name: 'adele@contoso.com',
      picture: undefined,
    });
  });

  it('refreshes with the rotated refresh token; no revocation at sign-out (none documented)', async () => {
    r.expiresIn = 1;
    const browser = new Browser();
    await signIn(browser);
    for (const n of [2, 3]) {
      const { token } = JSON.parse(
        (await browser.request(`${r.app.url}/provider-token/microsoft`)).body,
      ) as { token: string };
      expect(token).to.equal(`eyJ0eXAi.graph-${n}`);
      const form = r.fake.requests.filter((r) => r.path.endsWith('/token')).at(-1)!.form;
      expect([form.get('grant_type'), form.get('refresh_token')]).to.deep.equal([
        'refresh_token',
        `M.R3-${n - 1}`,
      ]);
    }
    const before = r.fake.requests.length;
    const out = await browser.request(`${r.app.url}/auth/logout`, {
      method: 'POST',
      headers: { accept: 'application/json', origin: r.app.url },
    });
    expect(out.status).to.equal(200);
    expect(r.fake.requests.length).to.equal(before);
    expect((await browser.request(`${r.app.url}/me`)).status).to.equal(401);
  });
});
