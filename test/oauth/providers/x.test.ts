import { expect } from 'chai';
import type { Profile } from '../../../lib/oauth/types.js';
import { Twitter, X } from '../../../lib/oauth/providers/x.js';
import { type OAuthApp, startApp } from '../support/app.js';
import { Browser } from '../support/browser.js';
import { expectSignInFailed } from '../support/expect.js';
import { type Fake, type Recorded, startFake } from '../support/fake.js';

const CLIENT = { clientId: 'x-client', clientSecret: 'x-secret-0123456789' };
const PUBLIC_ID = 'x-public-client';

describe('X provider', () => {
  let fake: Fake;
  let app: OAuthApp;
  let data: Record<string, unknown>;
  let seen: Profile | undefined;
  let expiresIn: number;
  let n = 0;
  const access = new Set<string>();
  const refresh = new Set<string>();

  /** Confidential clients: HTTP Basic only; public clients: client_id in the body, no secret. */
  function client(rec: Recorded): boolean {
    const basic = fake.basic(rec.headers);
    if (basic) return basic.id === CLIENT.clientId && basic.secret === CLIENT.clientSecret;
    return rec.form.get('client_id') === PUBLIC_ID && !rec.form.has('client_secret');
  }

  before(async () => {
    fake = await startFake(['api.x.com']);
    fake.router.post('/2/oauth2/token', (ctx) => {
      const { form } = ctx.state.rec;
      if (!client(ctx.state.rec)) {
        ctx.status = 401;
        ctx.body = {
          error: 'unauthorized_client',
          error_description: 'Missing valid authorization header',
        };
        return;
      }
      const grant = form.get('grant_type');
      const ok =
        grant === 'refresh_token'
          ? refresh.delete(form.get('refresh_token') ?? '')
          : grant === 'authorization_code' &&
            // PKCE is required: a code issued without a challenge is refused too
            fake.redeem(
              form.get('code') ?? '',
              form.get('code_verifier') ?? '',
              form.get('redirect_uri') ?? '',
            )?.challenge !== undefined;
      if (!ok) {
        ctx.status = 400;
        ctx.body = {
          error: 'invalid_request',
          error_description: 'Value passed for the authorization code was invalid.',
        };
        return;
      }
      n++;
      access.add(`x-access-${n}`);
      refresh.add(`x-refresh-${n}`);
      ctx.body = {
        token_type: 'bearer',
        expires_in: expiresIn,
        access_token: `x-access-${n}`,
        scope: 'users.read tweet.read offline.access users.email',
        refresh_token: `x-refresh-${n}`,
      };
    });
    fake.router.post('/2/oauth2/revoke', (ctx) => {
      if (!client(ctx.state.rec)) return void (ctx.status = 401);
      ctx.body = { revoked: true };
    });
    fake.router.get('/2/users/me', (ctx) => {
      const token = /^Bearer (.+)$/.exec(ctx.get('authorization'))?.[1];
      if (!token || !access.has(token)) {
        ctx.status = 401;
        ctx.body = {
          title: 'Unauthorized',
          type: 'about:blank',
          status: 401,
          detail: 'Unauthorized',
        };
        return;
      }
      const fields = (ctx.query['user.fields'] as string).split(',');
      const { confirmed_email, profile_image_url, ...rest } = data;
      ctx.body = {
        data: {
          ...rest,
          ...(fields.includes('profile_image_url') ? { profile_image_url } : {}),
          ...(fields.includes('confirmed_email') && confirmed_email ? { confirmed_email } : {}),
        },
      };
    });
    app = await startApp(
      () => [
        new X({ ...CLIENT, fetch: fake.fetch }),
        new X({ ...CLIENT, name: 'x-post', clientAuth: 'client_secret_post', fetch: fake.fetch }),
        new Twitter({ clientId: PUBLIC_ID, name: 'x-public', fetch: fake.fetch }),
      ],
      { onOAuthLogin: ({ profile }) => void (seen = profile) },
    );
  });
  after(async () => {
    await app?.close();
    await fake?.close();
  });
  beforeEach(() => {
    seen = undefined;
    expiresIn = 7200;
    data = {
      id: '2244994945',
      name: 'X Dev',
      username: 'XDevelopers',
      profile_image_url:
        'https://pbs.twimg.com/profile_images/1683325380441128960/yRsRRjGO_normal.jpg',
      confirmed_email: 'dev@example.com',
    };
  });

  async function signIn(browser: Browser, name = 'x') {
    const start = await browser.request(`${app.url}/auth/${name}/login`);
    expect(start.location!.origin + start.location!.pathname).to.equal(
      'https://x.com/i/oauth2/authorize',
    );
    return browser.request(fake.authorize(start.location!));
  }
  const last = (path: string): Recorded => fake.requests.filter((r) => r.path === path).at(-1)!;

  it('sends the documented authorization request (scopes, PKCE S256, state)', async () => {
    const start = await new Browser().request(`${app.url}/auth/x/login`);
    const q = start.location!.searchParams;
    expect(q.get('client_id')).to.equal(CLIENT.clientId);
    expect(q.get('response_type')).to.equal('code');
    expect(q.get('scope')).to.equal('users.read tweet.read offline.access users.email');
    expect(q.get('code_challenge')).to.match(/^[\w-]{43}$/);
    expect(q.get('code_challenge_method')).to.equal('S256');
    expect(q.get('redirect_uri')).to.equal(app.callback('x'));
    expect(q.get('state')).to.be.a('string').with.length.above(20);
  });

  it('signs in with Basic auth, unwraps data, takes confirmed_email as verified and a 400x400 picture', async () => {
    const browser = new Browser();
    const done = await signIn(browser);
    expect(done.location!.pathname).to.equal('/');
    const token = last('/2/oauth2/token');
    expect(fake.basic(token.headers)).to.deep.equal({
      id: CLIENT.clientId,
      secret: CLIENT.clientSecret,
    });
    expect(token.form.has('client_secret')).to.equal(false);
    expect(last('/2/users/me').query.get('user.fields')).to.equal(
      'profile_image_url,confirmed_email',
    );
    expect(seen).to.deep.include({
      id: '2244994945',
      email: 'dev@example.com',
      emailVerified: true,
      name: 'X Dev',
      picture: 'https://pbs.twimg.com/profile_images/1683325380441128960/yRsRRjGO_400x400.jpg',
    });
    expect(seen!.raw).to.deep.equal({ ...data });
    const me = JSON.parse((await browser.request(`${app.url}/me`)).body) as {
      user: Record<string, unknown>;
    };
    expect(me.user).to.include({ email: 'dev@example.com', emailVerified: true, name: 'X Dev' });
  });

  it('has no email without confirmed_email (no users.email scope or app setting)', async () => {
    data = {
      id: '783214',
      name: '',
      username: 'X',
      profile_image_url: undefined,
      confirmed_email: undefined,
    };
    const browser = new Browser();
    await signIn(browser);
    expect(seen).to.deep.include({
      id: '783214',
      email: undefined,
      emailVerified: false,
      name: 'X',
      picture: undefined,
    });
    const me = JSON.parse((await browser.request(`${app.url}/me`)).body) as {
      user: Record<string, unknown>;
    };
    expect(me.user.email).to.equal(undefined);
  });

  it('is refused with unauthorized_client when a confidential client sends its secret in the body', async () => {
    const browser = new Browser();
    const done = await signIn(browser, 'x-post');
    await expectSignInFailed(app.url, browser, done, 'provider_error');
    const token = last('/2/oauth2/token');
    expect(token.headers.authorization).to.equal(undefined);
    expect(token.form.get('client_secret')).to.equal(CLIENT.clientSecret);
    const log = app.logger.records.filter((r) => r.record.event === 'oauth_failed').at(-1)!;
    expect(log.record).to.include({
      provider: 'x-post',
      cause: 'ResponseBodyError OAUTH_RESPONSE_BODY_ERROR',
    });
  });

  it('signs in a public client (Twitter alias) with client_id in the body and PKCE only', async () => {
    const browser = new Browser();
    const done = await signIn(browser, 'x-public');
    expect(done.location!.pathname).to.equal('/');
    const token = last('/2/oauth2/token');
    expect(token.headers.authorization).to.equal(undefined);
    expect(token.form.get('client_id')).to.equal(PUBLIC_ID);
    expect(token.form.get('code_verifier')).to.match(/^[\w-]{43,128}$/);
    expect(new Twitter({ clientId: PUBLIC_ID }).name).to.equal('x');
  });

  it('refreshes an expiring token with the offline.access refresh token (Basic, rotated)', async () => {
    expiresIn = 1;
    const browser = new Browser();
    await signIn(browser);
    const first = JSON.parse((await browser.request(`${app.url}/provider-token/x`)).body) as {
      token: string;
    };
    expect(first.token).to.equal(`x-access-${n}`);
    const call = last('/2/oauth2/token');
    expect(call.form.get('grant_type')).to.equal('refresh_token');
    expect(call.form.get('refresh_token')).to.equal(`x-refresh-${n - 1}`);
    expect(fake.basic(call.headers)?.id).to.equal(CLIENT.clientId);
    // the rotated refresh token was kept: the next refresh uses it
    const second = JSON.parse((await browser.request(`${app.url}/provider-token/x`)).body) as {
      token: string;
    };
    expect(second.token).to.equal(`x-access-${n}`);
    expect(last('/2/oauth2/token').form.get('refresh_token')).to.equal(`x-refresh-${n - 1}`);
    expect(first.token).to.not.equal(second.token);
  });

  it('revokes the refresh token at /2/oauth2/revoke on sign-out', async () => {
    const browser = new Browser();
    await signIn(browser);
    const out = await browser.request(`${app.url}/auth/logout`, {
      method: 'POST',
      headers: { accept: 'application/json', origin: app.url },
    });
    expect(out.status).to.equal(200);
    const revoke = last('/2/oauth2/revoke');
    expect(revoke.method).to.equal('POST');
    expect(revoke.form.get('token')).to.equal(`x-refresh-${n}`);
    expect(revoke.form.get('token_type_hint')).to.equal('refresh_token');
    expect(fake.basic(revoke.headers)).to.deep.equal({
      id: CLIENT.clientId,
      secret: CLIENT.clientSecret,
    });
  });
});
