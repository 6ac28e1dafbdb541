import { expect } from 'chai';
import { Bitbucket } from '../../../lib/oauth/providers/bitbucket.js';
import type { Profile, ProviderTokens } from '../../../lib/providers.js';
import { type OAuthApp, startApp } from '../support/app.js';
import { Browser } from '../support/browser.js';
import { expectSignInFailed } from '../support/expect.js';
import { type Fake, type Recorded, startFake } from '../support/fake.js';

const CLIENT = { clientId: 'bb-key', clientSecret: 'bb-secret-0123456789' };
const EMAILS = 'https://api.bitbucket.org/2.0/user/emails';
type Email = { type: 'email'; email: string; is_primary: boolean; is_confirmed: boolean };

const email = (address: string, primary: boolean, confirmed: boolean): Email => ({
  type: 'email',
  email: address,
  is_primary: primary,
  is_confirmed: confirmed,
});

describe('Bitbucket provider', () => {
  let fake: Fake;
  let app: OAuthApp;
  let user: Record<string, unknown>;
  let pages: Array<{ values: Email[]; next?: string }>;
  let expiresIn: number;
  const seen: Array<{ profile: Profile; tokens: ProviderTokens }> = [];

  before(async () => {
    fake = await startFake(['bitbucket.org', 'api.bitbucket.org']);
    fake.router.post('/site/oauth2/access_token', (ctx) => {
      const { form, headers } = ctx.state.rec;
      const basic = fake.basic(headers);
      // Bitbucket reads only form bodies (a JSON body reads as no grant type at all)
      if (!ctx.is('application/x-www-form-urlencoded')) {
        ctx.status = 400;
        ctx.body = { error: 'invalid_grant', error_description: 'Unsupported grant type: None' };
        return;
      }
      if (basic?.id !== CLIENT.clientId || basic.secret !== CLIENT.clientSecret) {
        ctx.status = 401;
        ctx.body = { error: 'invalid_client', error_description: 'Invalid OAuth client' };
        return;
      }
      const refresh = form.get('grant_type') === 'refresh_token';
      const ok = refresh
        ? form.get('refresh_token') === 'bb-refresh-1'
        : form.get('grant_type') === 'authorization_code' &&
          !form.has('code_verifier') &&
          fake.redeem(form.get('code') ?? '', undefined, form.get('redirect_uri') ?? undefined);
      if (!ok) {
        ctx.status = 400;
        ctx.body = {
          error: 'invalid_grant',
          error_description: 'The specified code is not valid.',
        };
        return;
      }
      // `scopes`, plural
      ctx.body = {
        access_token: refresh ? 'bb-access-2' : 'bb-access-1',
        scopes: 'account email',
        expires_in: refresh ? 7200 : expiresIn,
        refresh_token: refresh ? 'bb-refresh-2' : 'bb-refresh-1',
        token_type: 'bearer',
      };
    });
    const authorized = (ctx: { get(h: string): string; status: number }): boolean =>
      ctx.get('authorization') === 'Bearer bb-access-1' || !(ctx.status = 401);
    fake.router.get('/2.0/user', (ctx) => {
      if (authorized(ctx)) ctx.body = user;
    });
    fake.router.get('/2.0/user/emails', (ctx) => {
      if (!authorized(ctx)) return;
      const n = Number(ctx.query.page ?? '1');
      const page = pages[n - 1];
      ctx.body = { pagelen: 1, page: n, size: pages.length, ...page };
    });
    app = await startApp(() => [new Bitbucket({ ...CLIENT, fetch: fake.fetch })], {
      onOAuthLogin: ({ profile, tokens }) => void seen.push({ profile, tokens }),
    });
  });
  after(async () => {
    await app?.close();
    await fake?.close();
  });
  beforeEach(() => {
    expiresIn = 7200;
    // no `username` (removed for GDPR)
    user = {
      type: 'user',
      account_id: '557058:3c8e3a5f-7a2d-4f0e-9c51-1f0b6d8e9a10',
      uuid: '{d301aafa-d676-4ee0-88be-962be7417567}',
      display_name: 'Erica Bitbucket',
      nickname: 'erica',
      links: { avatar: { href: 'https://avatar-management.example/erica.png' } },
    };
    pages = [
      { values: [email('erica@old.example', false, true)], next: `${EMAILS}?page=2` },
      { values: [email('erica@example.com', true, true)] },
    ];
  });

  async function signIn(browser: Browser) {
    const start = await browser.request(`${app.url}/auth/bitbucket/login`);
    expect(start.location!.origin + start.location!.pathname).to.equal(
      'https://bitbucket.org/site/oauth2/authorize',
    );
    const done = await browser.request(fake.authorize(start.location!));
    return { done, me: () => browser.request(`${app.url}/me`) };
  }
  const emailCalls = (from: number): Recorded[] =>
    fake.requests.slice(from).filter((r) => r.path === '/2.0/user/emails');

  it('sends the documented authorization request, without PKCE', async () => {
    const start = await new Browser().request(`${app.url}/auth/bitbucket/login`);
    const q = start.location!.searchParams;
    expect(q.get('response_type')).to.equal('code');
    expect(q.get('client_id')).to.equal(CLIENT.clientId);
    expect(q.get('scope')).to.equal('account email');
    expect(q.get('redirect_uri')).to.equal(app.callback('bitbucket'));
    expect(q.has('code_challenge')).to.equal(false);
    expect(q.has('code_challenge_method')).to.equal(false);
  });

  it('signs in with the primary email found on the second page of /user/emails', async () => {
    const from = fake.requests.length;
    const { done, me } = await signIn(new Browser());
    expect(done.location!.pathname).to.equal('/');
    const call = fake.requests.slice(from).find((r) => r.path === '/site/oauth2/access_token')!;
    expect(call.form.get('client_secret')).to.equal(null); // Basic, not the body
    expect(emailCalls(from).map((r) => r.query.get('page'))).to.deep.equal([null, '2']);
    const { profile, tokens } = seen.at(-1)!;
    expect(tokens.scope).to.equal('account email');
    expect(profile).to.deep.equal({
      id: '557058:3c8e3a5f-7a2d-4f0e-9c51-1f0b6d8e9a10',
      email: 'erica@example.com',
      emailVerified: true,
      name: 'Erica Bitbucket',
      picture: 'https://avatar-management.example/erica.png',
      raw: user,
    });
    const body = JSON.parse((await me()).body) as { user: Record<string, unknown> };
    expect(body.user).to.include({ email: 'erica@example.com', emailVerified: true });
  });

  it('does not take an unconfirmed primary email as verified (uuid when no account_id)', async () => {
    user = { ...user, account_id: undefined, display_name: 'Mallory' };
    pages = [{ values: [email('victim@example.com', true, false)] }];
    const { me } = await signIn(new Browser());
    expect(seen.at(-1)!.profile).to.include({
      id: '{d301aafa-d676-4ee0-88be-962be7417567}',
      email: 'victim@example.com',
      emailVerified: false,
    });
    const body = JSON.parse((await me()).body) as { user: Record<string, unknown> };
    expect(body.user.email).to.equal(undefined);
  });

  it('follows `next` only on api.bitbucket.org, and for five pages at most', async () => {
    user = { ...user, account_id: 'bb-pages' };
    // the same path on another host (here bitbucket.org, which the fake also serves)
    pages = [
      { values: [], next: 'https://bitbucket.org/2.0/user/emails?page=2' },
      { values: [email('elsewhere@example.com', true, true)] },
    ];
    let from = fake.requests.length;
    await signIn(new Browser());
    expect(emailCalls(from).map((r) => r.host)).to.deep.equal(['api.bitbucket.org']);
    expect(seen.at(-1)!.profile.email).to.equal(undefined);

    pages = Array.from({ length: 8 }, (_, i) => ({ values: [], next: `${EMAILS}?page=${i + 2}` }));
    from = fake.requests.length;
    await signIn(new Browser());
    expect(emailCalls(from)).to.have.length(5);
  });

  it('ends on provider_error with no session when Bitbucket refuses the code', async () => {
    const browser = new Browser();
    const start = await browser.request(`${app.url}/auth/bitbucket/login`);
    const back = fake.authorize(start.location!);
    back.searchParams.set('code', 'not-a-code');
    const done = await browser.request(back);
    await expectSignInFailed(app.url, browser, done, 'provider_error');
  });

  it('refreshes the expired access token with the refresh token (Basic auth)', async () => {
    expiresIn = 1;
    const browser = new Browser();
    await signIn(browser);
    const from = fake.requests.length;
    const token = await browser.request(`${app.url}/provider-token/bitbucket`);
    expect(JSON.parse(token.body)).to.deep.equal({ token: 'bb-access-2' });
    const [refresh, ...more] = fake.requests.slice(from);
    expect(more).to.have.length(0);
    expect(refresh!.form.get('grant_type')).to.equal('refresh_token');
    expect(refresh!.form.get('refresh_token')).to.equal('bb-refresh-1');
    expect(fake.basic(refresh!.headers)).to.deep.equal({
      id: CLIENT.clientId,
      secret: CLIENT.clientSecret,
    });
  });

  it('signs out without calling Bitbucket (no revocation endpoint)', async () => {
    const browser = new Browser();
    await signIn(browser);
    const from = fake.requests.length;
    const out = await browser.request(`${app.url}/auth/logout`, {
      method: 'POST',
      headers: { accept: 'application/json', origin: app.url },
    });
    expect(out.status).to.equal(200);
    expect(fake.requests.slice(from)).to.have.length(0);
    expect((await browser.request(`${app.url}/me`)).status).to.equal(401);
  });
});
