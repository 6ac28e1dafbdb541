import { expect } from 'chai';
import { Browser } from '../../support/browser.js';
import { type Recorded } from '../../support/oauth-fake.js';
import { CLIENT, TOKENS, useDiscord } from './discord.js';

describe('Discord provider', () => {
  const r = useDiscord();

  async function signIn(browser: Browser) {
    const start = await browser.request(`${r.app.url}/auth/discord/login`);
    expect(start.location!.origin + start.location!.pathname).to.equal(
      'https://discord.com/oauth2/authorize',
    );
    return browser.request(r.fake.authorize(start.location!));
  }
  async function me(browser: Browser): Promise<Record<string, unknown>> {
    return (JSON.parse((await browser.request(`${r.app.url}/me`)).body) as { user: never }).user;
  }

  it('signs in: form-only token call with Basic auth, global_name, animated avatar', async () => {
    const browser = new Browser();
    const done = await signIn(browser);
    expect(done.location!.pathname).to.equal('/');
    const call = r.fake.requests.filter((r) => r.path === '/api/oauth2/token').at(-1)!;
    expect(call.headers['content-type']).to.match(/^application\/x-www-form-urlencoded/);
    expect(call.form.get('grant_type')).to.equal('authorization_code');
    expect(call.form.get('client_secret')).to.equal(null);
    const { raw, ...profile } = r.profiles.at(-1)!;
    expect(profile).to.deep.equal({
      id: '80351110224678912',
      email: 'nelly@discord.com',
      emailVerified: true,
      name: 'Nelly',
      picture:
        'https://cdn.discordapp.com/avatars/80351110224678912/a_8342729096ea3675442027381ff50dfe.gif',
    });
    expect(raw).to.deep.equal(r.user);
    expect(await me(browser)).to.include({
      email: 'nelly@discord.com',
      emailVerified: true,
      name: 'Nelly',
    });
    expect((await r.app.users.findByAccount('discord', '80351110224678912'))?.email).to.equal(
      'nelly@discord.com',
    );
  });

  it('signs in a phone-only account: null email, username, default avatar from the id', async () => {
    r.user = {
      ...r.user,
      id: '175928847299117063',
      username: 'phoneonly',
      global_name: null,
      avatar: null,
      email: null,
      verified: false,
    };
    const browser = new Browser();
    expect((await signIn(browser)).location!.pathname).to.equal('/');
    const { raw, ...profile } = r.profiles.at(-1)!;
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
    r.user = {
      ...r.user,
      id: '1205940291520106496',
      username: 'oldtimer',
      discriminator: '1337',
      avatar: null,
      email: 'oldtimer@example.com',
      verified: false,
    };
    const browser = new Browser();
    expect((await signIn(browser)).location!.pathname).to.equal('/');
    expect(r.profiles.at(-1)).to.include({
      email: 'oldtimer@example.com',
      emailVerified: false,
      picture: 'https://cdn.discordapp.com/embed/avatars/2.png', // 1337 % 5
    });
    expect((await me(browser)).email).to.equal(undefined);
  });

  it('refreshes the expired access token with the refresh token (Basic auth)', async () => {
    r.expiresIn = 1;
    const browser = new Browser();
    await signIn(browser);
    const seen = r.fake.requests.length;
    const refreshes = (): Recorded[] =>
      r.fake.requests.slice(seen).filter((r) => r.form.get('grant_type') === 'refresh_token');
    const token = async (): Promise<unknown> =>
      (
        JSON.parse((await browser.request(`${r.app.url}/provider-token/discord`)).body) as {
          token: unknown;
        }
      ).token;
    expect(await token()).to.equal('dc-access-2');
    expect(refreshes()).to.have.length(1);
    expect(refreshes()[0]!.form.get('refresh_token')).to.equal(TOKENS.refresh);
    expect(r.fake.basic(refreshes()[0]!.headers)).to.deep.equal({
      id: CLIENT.clientId,
      secret: CLIENT.clientSecret,
    });
    // the new token (valid for a week) is kept: no second refresh
    expect(await token()).to.equal('dc-access-2');
    expect(refreshes()).to.have.length(1);
  });
});
