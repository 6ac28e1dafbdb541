import { expect } from 'chai';
import { Discord } from '../../../lib/oauth/providers/discord.js';
import type { Profile } from '../../../lib/providers.js';
import { type OAuthApp, startApp } from '../support/app.js';
import { Browser } from '../support/browser.js';
import { expectSignInFailed } from '../support/expect.js';
import { type Fake, type Recorded, startFake } from '../support/fake.js';

const CLIENT = { clientId: '1100000000000000001', clientSecret: 'discord-secret-0123456789' };
const TOKENS = { access: 'dc-access-1', refresh: 'dc-refresh-1' };

describe('Discord provider', () => {
  let fake: Fake;
  let app: OAuthApp;
  let user: Record<string, unknown>;
  let expiresIn: number;
  const profiles: Profile[] = [];

  before(async () => {
    fake = await startFake(['discord.com']);
    const clientOk = (headers: Recorded['headers']): boolean => {
      const basic = fake.basic(headers);
      return basic?.id === CLIENT.clientId && basic.secret === CLIENT.clientSecret;
    };
    fake.router.post('/api/oauth2/token', (ctx) => {
      const { form } = ctx.state.rec;
      // Discord's token endpoint takes only form bodies; JSON is refused
      if (!ctx.is('application/x-www-form-urlencoded')) {
        ctx.status = 400;
        ctx.body = { error: 'invalid_request' };
        return;
      }
      if (!clientOk(ctx.state.rec.headers)) {
        ctx.status = 401;
        ctx.body = { error: 'invalid_client' };
        return;
      }
      const invalid = (what: string): void => {
        ctx.status = 400;
        ctx.body = { error: 'invalid_grant', error_description: `Invalid "${what}" in request.` };
      };
      if (form.get('grant_type') === 'refresh_token') {
        if (form.get('refresh_token') !== TOKENS.refresh) return invalid('refresh_token');
        ctx.body = {
          access_token: 'dc-access-2',
          token_type: 'Bearer',
          expires_in: 604800,
          refresh_token: 'dc-refresh-2',
          scope: 'identify email',
        };
        return;
      }
      // undocumented PKCE: S256 only, and a verifier of at least 43 characters
      const verifier = form.get('code_verifier') ?? '';
      const issued =
        verifier.length >= 43
          ? fake.redeem(form.get('code') ?? '', verifier, form.get('redirect_uri') ?? undefined)
          : undefined;
      if (form.get('grant_type') !== 'authorization_code' || issued?.challengeMethod !== 'S256') {
        return invalid('code');
      }
      ctx.body = {
        access_token: TOKENS.access,
        token_type: 'Bearer',
        expires_in: expiresIn,
        refresh_token: TOKENS.refresh,
        scope: 'identify email',
      };
    });
    fake.router.get('/api/users/@me', (ctx) => {
      if (ctx.get('authorization') !== `Bearer ${TOKENS.access}`) {
        ctx.status = 401;
        ctx.body = { message: '401: Unauthorized', code: 0 };
        return;
      }
      ctx.body = user;
    });
    fake.router.post('/api/oauth2/token/revoke', (ctx) => {
      ctx.status = clientOk(ctx.state.rec.headers) ? 200 : 401;
      ctx.body = {};
    });
    app = await startApp(() => [new Discord({ ...CLIENT, fetch: fake.fetch })], {
      onOAuthLogin: ({ profile }) => void profiles.push(profile),
    });
  });
  after(async () => {
    await app?.close();
    await fake?.close();
  });
  beforeEach(() => {
    expiresIn = 604800;
    user = {
      id: '80351110224678912',
      username: 'nelly',
      discriminator: '0',
      global_name: 'Nelly',
      avatar: 'a_8342729096ea3675442027381ff50dfe',
      email: 'nelly@discord.com',
      verified: true,
      mfa_enabled: false,
      locale: 'en-US',
      flags: 64,
      premium_type: 1,
      public_flags: 64,
    };
  });

  async function signIn(browser: Browser) {
    const start = await browser.request(`${app.url}/auth/discord/login`);
    expect(start.location!.origin + start.location!.pathname).to.equal(
      'https://discord.com/oauth2/authorize',
    );
    return browser.request(fake.authorize(start.location!));
  }
  async function me(browser: Browser): Promise<Record<string, unknown>> {
    return (JSON.parse((await browser.request(`${app.url}/me`)).body) as { user: never }).user;
  }

  it('sends the documented authorization request (identify email, PKCE S256, state)', async () => {
    const start = await new Browser().request(`${app.url}/auth/discord/login`);
    const q = start.location!.searchParams;
    expect(q.get('response_type')).to.equal('code');
    expect(q.get('client_id')).to.equal(CLIENT.clientId);
    expect(q.get('scope')).to.equal('identify email');
    expect(q.get('redirect_uri')).to.equal(app.callback('discord'));
    expect(q.get('code_challenge_method')).to.equal('S256');
    expect(q.get('code_challenge')).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')).to.be.a('string');
  });

  it('signs in: form-only token call with Basic auth, global_name, animated avatar', async () => {
    const browser = new Browser();
    const done = await signIn(browser);
    expect(done.location!.pathname).to.equal('/');
    const call = fake.requests.filter((r) => r.path === '/api/oauth2/token').at(-1)!;
    expect(call.headers['content-type']).to.match(/^application\/x-www-form-urlencoded/);
    expect(call.form.get('grant_type')).to.equal('authorization_code');
    expect(call.form.get('client_secret')).to.equal(null);
    const { raw, ...profile } = profiles.at(-1)!;
    expect(profile).to.deep.equal({
      id: '80351110224678912',
      email: 'nelly@discord.com',
      emailVerified: true,
      name: 'Nelly',
      picture:
        'https://cdn.discordapp.com/avatars/80351110224678912/a_8342729096ea3675442027381ff50dfe.gif',
    });
    expect(raw).to.deep.equal(user);
    expect(await me(browser)).to.include({
      email: 'nelly@discord.com',
      emailVerified: true,
      name: 'Nelly',
    });
    expect((await app.users.findByAccount('discord', '80351110224678912'))?.email).to.equal(
      'nelly@discord.com',
    );
  });

  it('signs in a phone-only account: null email, username, default avatar from the id', async () => {
    user = {
      ...user,
      id: '175928847299117063',
      username: 'phoneonly',
      global_name: null,
      avatar: null,
      email: null,
      verified: false,
    };
    const browser = new Browser();
    expect((await signIn(browser)).location!.pathname).to.equal('/');
    const { raw, ...profile } = profiles.at(-1)!;
    expect(raw.email).to.equal(null);
    expect(profile).to.deep.equal({
      id: '175928847299117063',
      email: undefined,
      emailVerified: false,
      name: 'phoneonly',
      // (175928847299117063 >> 22) % 6 = 2
      picture: 'https://cdn.discordapp.com/embed/avatars/2.png',
    });
    const signedIn = await me(browser);
    expect(signedIn.email).to.equal(undefined);
    expect(signedIn.picture).to.equal('https://cdn.discordapp.com/embed/avatars/2.png');
  });

  it('keeps an unverified email unverified; legacy discriminators pick the default avatar', async () => {
    user = {
      ...user,
      id: '1205940291520106496',
      username: 'oldtimer',
      discriminator: '1337',
      avatar: null,
      email: 'oldtimer@example.com',
      verified: false,
    };
    const browser = new Browser();
    expect((await signIn(browser)).location!.pathname).to.equal('/');
    expect(profiles.at(-1)).to.include({
      email: 'oldtimer@example.com',
      emailVerified: false,
      picture: 'https://cdn.discordapp.com/embed/avatars/2.png', // 1337 % 5
    });
    expect((await me(browser)).email).to.equal(undefined);
  });

  it('ends on provider_error with no session when Discord refuses the code (invalid_grant)', async () => {
    const browser = new Browser();
    const start = await browser.request(`${app.url}/auth/discord/login`);
    const back = fake.authorize(start.location!);
    back.searchParams.set('code', 'not-a-code');
    const done = await browser.request(back);
    await expectSignInFailed(app.url, browser, done, 'provider_error');
  });

  it('refreshes the expired access token with the refresh token (Basic auth)', async () => {
    expiresIn = 1;
    const browser = new Browser();
    await signIn(browser);
    const seen = fake.requests.length;
    const refreshes = (): Recorded[] =>
      fake.requests.slice(seen).filter((r) => r.form.get('grant_type') === 'refresh_token');
    const token = async (): Promise<unknown> =>
      (
        JSON.parse((await browser.request(`${app.url}/provider-token/discord`)).body) as {
          token: unknown;
        }
      ).token;
    expect(await token()).to.equal('dc-access-2');
    expect(refreshes()).to.have.length(1);
    expect(refreshes()[0]!.form.get('refresh_token')).to.equal(TOKENS.refresh);
    expect(fake.basic(refreshes()[0]!.headers)).to.deep.equal({
      id: CLIENT.clientId,
      secret: CLIENT.clientSecret,
    });
    // the new token (valid for a week) is kept: no second refresh
    expect(await token()).to.equal('dc-access-2');
    expect(refreshes()).to.have.length(1);
  });

  it('revokes at sign-out through /oauth2/token/revoke (RFC 7009, the refresh token)', async () => {
    const browser = new Browser();
    await signIn(browser);
    const out = await browser.request(`${app.url}/auth/logout`, {
      method: 'POST',
      headers: { accept: 'application/json', origin: app.url },
    });
    expect(out.status).to.equal(200);
    const revoke = fake.requests.filter((r) => r.path === '/api/oauth2/token/revoke').at(-1)!;
    expect(revoke.method).to.equal('POST');
    expect(revoke.form.get('token')).to.equal(TOKENS.refresh);
    expect(revoke.form.get('token_type_hint')).to.equal('refresh_token');
    expect(fake.basic(revoke.headers)).to.deep.equal({
      id: CLIENT.clientId,
      secret: CLIENT.clientSecret,
    });
    expect((await browser.request(`${app.url}/me`)).status).to.equal(401);
  });
});
