import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Keyring } from '../../../lib/keys/keyring.js';
import { FlowCookies } from '../../../lib/oauth/flow.js';
import { Apple } from '../../../lib/oauth/providers/apple.js';
import type { Profile } from '../../../lib/providers.js';
import { Browser } from '../../support/browser.js';
import { ISSUER, SIGNER, useApple } from './apple.js';

describe('Apple provider', () => {
  const r = useApple();

  /** Through Apple's page; the callback is a form POST with `code`, `state` and maybe `user`. */
  async function signIn(browser: Browser, user?: string, name = 'apple') {
    const start = await browser.request(`${r.app.url}/auth/${name}/login`);
    const back = r.fake.authorize(start.location!);
    const form = Object.fromEntries(back.searchParams);
    if (user !== undefined) form.user = user;
    return browser.request(back.origin + back.pathname, { method: 'POST', form });
  }
  const path = (u: URL | undefined): string => u!.pathname + u!.search;
  const withoutRaw = ({ raw: _raw, ...rest }: Profile): Omit<Profile, 'raw'> => rest;

  it('signs in from a form POST: name from the first-authorization `user` field, string booleans', async () => {
    const browser = new Browser();
    const user =
      '{"name":{"firstName":"Ada","lastName":"Lovelace"},"email":"x7gq2ab9@privaterelay.appleid.com"}';
    expect((await signIn(browser, user)).location!.href).to.equal(`${r.app.url}/`);
    expect(withoutRaw(r.profiles[0]!)).to.deep.equal({
      id: '001234.5f1e2d3c4b5a69788796a5b4c3d2e1f0.1234',
      email: 'x7gq2ab9@privaterelay.appleid.com',
      emailVerified: true,
      name: 'Ada Lovelace',
      picture: undefined,
    });
    expect(r.profiles[0]!.raw).to.include({ is_private_email: true, email_verified: 'true' });
    const me = JSON.parse((await browser.request(`${r.app.url}/me`)).body) as { user: object };
    expect(me.user).to.include({
      email: 'x7gq2ab9@privaterelay.appleid.com',
      name: 'Ada Lovelace',
    });
  });

  it('reads boolean email_verified / is_private_email, and "false" as not verified', async () => {
    r.claims = { ...r.claims, email_verified: true, is_private_email: false };
    await signIn(new Browser());
    r.claims = {
      ...r.claims,
      sub: '001234.other',
      email: 'b@example.com',
      email_verified: 'false',
    };
    await signIn(new Browser());
    expect(r.profiles.map((p) => [p.emailVerified, p.raw.is_private_email])).to.deep.equal([
      [true, false],
      [false, false],
    ]);
  });

  it('signs in later authorizations without `user` or email: no name, no email', async () => {
    r.claims = { sub: r.claims.sub };
    await signIn(new Browser());
    expect(withoutRaw(r.profiles[0]!)).to.deep.equal({
      id: '001234.5f1e2d3c4b5a69788796a5b4c3d2e1f0.1234',
      email: undefined,
      emailVerified: false,
      name: undefined,
      picture: undefined,
    });
  });

  it('ignores a malformed `user` field', async () => {
    for (const bad of ['{not json', '[]', '"Ada"', '{"name":"Ada"}', '{"name":{"firstName":7}}']) {
      expect(path((await signIn(new Browser(), bad)).location)).to.equal('/');
    }
    expect(r.profiles.map((p) => p.name)).to.deep.equal([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("maps Apple's user_cancelled_authorize to access_denied, with no session", async () => {
    const browser = new Browser();
    const start = await browser.request(`${r.app.url}/auth/apple/login`);
    const back = r.fake.authorize(start.location!);
    const form = { state: back.searchParams.get('state')!, error: 'user_cancelled_authorize' };
    const done = await browser.request(back.origin + back.pathname, { method: 'POST', form });
    expect(path(done.location)).to.equal('/auth/error?error=access_denied');
    expect((await browser.request(`${r.app.url}/me`)).status).to.equal(401);
  });

  it('refuses a GET callback without the flow cookie (state_mismatch)', async () => {
    const start = await new Browser().request(`${r.app.url}/auth/apple/login`);
    const back = r.fake.authorize(start.location!);
    const other = new Browser();
    expect(path((await other.request(back)).location)).to.equal('/auth/error?error=state_mismatch');
    expect((await other.request(`${r.app.url}/me`)).status).to.equal(401);
  });

  it('keeps the flow cookie through the cross-site POST: SameSite=None; Secure over HTTPS', () => {
    const set: Array<Record<string, unknown>> = [];
    const ctx = {
      secure: true,
      cookies: { set: (_n: string, _v: string, o: object) => set.push({ ...o }) },
    };
    const flows = new FlowCookies(new Keyring([randomBytes(32)]), 'flow', false, 600_000);
    const apple = new Apple({ ...SIGNER, privateKey: r.privateKey });
    flows.write(
      ctx as never,
      { state: 's', provider: 'apple', redirectUri: 'https://x/cb', returnTo: '/' },
      apple.responseMode === 'form_post',
    );
    expect(set[0]).to.include({ sameSite: 'none', secure: true, httpOnly: true });
  });

  it('ends on the error path on invalid_grant and on invalid_client (a secret signed by another key)', async () => {
    const browser = new Browser();
    const start = await browser.request(`${r.app.url}/auth/apple/login`);
    const back = r.fake.authorize(start.location!);
    const form = { ...Object.fromEntries(back.searchParams), code: 'c.expired' };
    expect(path((await browser.request(back.origin + back.pathname, { form })).location)).to.equal(
      '/auth/error?error=provider_error',
    );
    expect(path((await signIn(browser, undefined, 'apple-wrong-key')).location)).to.equal(
      '/auth/error?error=provider_error',
    );
    expect((await browser.request(`${r.app.url}/me`)).status).to.equal(401);
    expect(r.profiles).to.deep.equal([]);
  });

  it('reuses the signed client secret, refreshes (keeping the refresh token) and revokes at sign-out', async () => {
    const browser = new Browser();
    await signIn(browser);
    const { token } = JSON.parse(
      (await browser.request(`${r.app.url}/provider-token/apple`)).body,
    ) as { token: string };
    expect(token).to.equal('a.apple-2');
    const out = await browser.request(`${r.app.url}/auth/logout`, {
      method: 'POST',
      headers: { accept: 'application/json', origin: r.app.url },
    });
    expect(out.status).to.equal(200);
    const revoke = r.fake.requests.filter((r) => r.path === '/auth/revoke').at(-1)!.form;
    expect([
      revoke.get('client_id'),
      revoke.get('token'),
      revoke.get('token_type_hint'),
    ]).to.deep.equal([SIGNER.clientId, 'r.apple-refresh', 'refresh_token']);
    expect(r.secrets).to.have.length(3);
    expect(new Set(r.secrets).size).to.equal(1);
  });

  it('signs a new client secret before the cached one expires', async () => {
    const apple = new Apple({ ...SIGNER, privateKey: r.privateKey });
    const secretNow = async (): Promise<string> => {
      const body = new URLSearchParams();
      await (
        await apple.clientAuthentication()
      )({ issuer: ISSUER }, { client_id: SIGNER.clientId }, body, new Headers());
      return body.get('client_secret')!;
    };
    const first = await secretNow();
    expect(await secretNow()).to.equal(first);
    const realNow = Date.now;
    Date.now = () => realNow() + 56 * 60_000;
    try {
      expect(await secretNow()).to.not.equal(first);
    } finally {
      Date.now = realNow;
    }
  });
});
