import { expect } from 'chai';
import Koa from 'koa';
import {
  type AuthContext,
  Controller,
  Get,
  LoginRequired,
  MemoryMailer,
  MemoryUserStore,
  OptionalAuth,
  type OptionalAuthContext,
  Portcullis,
} from '../../lib/index.js';
import { secretA } from '../support/app.js';
import type { OAuthUser } from '../support/oauth-app.js';
import { Browser } from '../support/browser.js';
import { listen, type Running } from '../support/server.js';
import { ISSUER, rig } from '../support/oauth-rig.js';

type User = OAuthUser & { anonymous?: boolean };

@Controller()
class PagesController {
  @Get('/members')
  @LoginRequired
  members(ctx: AuthContext<User>) {
    return { id: ctx.state.user.id };
  }

  @Get('/cart')
  @LoginRequired({ allowAnonymous: true })
  cart(ctx: AuthContext<User>) {
    return { id: ctx.state.user.id, guest: ctx.state.user.anonymous === true };
  }

  @Get('/home')
  @OptionalAuth()
  home(ctx: OptionalAuthContext<User>) {
    return { id: ctx.state.user?.id ?? null };
  }
}

describe('anonymous users (ctx.auth.signInAnonymously(), POST /auth/anonymous)', function () {
  this.timeout(20000);
  let server: Running;
  let url = '';
  const users = new MemoryUserStore<User>();
  const mailer = new MemoryMailer();
  const linked: Array<{ anonymous: string; user: string }> = [];
  before(async () => {
    const auth = new Portcullis<User>({
      secret: secretA,
      users,
      mailer,
      onLinkAccount: ({ anonymous, user }) =>
        void linked.push({ anonymous: anonymous.id, user: user.id }),
      rateLimits: { guest: { perIp: { points: 8, duration: 60 } } },
    });
    const app = new Koa();
    app.use(auth.middleware());
    app.use(auth.routes());
    app.use(auth.controllers([PagesController]));
    server = await listen(app);
    url = server.url;
  });
  after(async () => server?.close());

  const post = (b: Browser, path: string, json: unknown = {}) =>
    b.request(`${url}${path}`, { json, headers: { accept: 'application/json', origin: url } });
  const get = async (b: Browser, path: string) => {
    const res = await b.request(`${url}${path}`, { headers: { accept: 'application/json' } });
    return {
      status: res.status,
      body: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {},
    };
  };
  async function guest(b: Browser): Promise<string> {
    const res = await post(b, '/auth/anonymous');
    expect(res.status, res.body).to.equal(200);
    const user = JSON.parse(res.body).user as { id: string; anonymous: boolean };
    expect(user.anonymous).to.equal(true);
    return user.id;
  }
  async function magicSignIn(b: Browser, email: string): Promise<void> {
    expect((await post(b, '/auth/magic', { email })).status).to.equal(202);
    const token = /token=([A-Za-z0-9_-]+)/.exec(mailer.last(email)!.text)![1];
    expect((await post(b, '/auth/magic/callback', { token })).status).to.equal(200);
  }

  it('creates a guest with a session; @OptionalAuth sees it', async () => {
    const b = new Browser();
    const id = await guest(b);
    expect((await get(b, '/home')).body).to.deep.equal({ id });
  });

  it('security case 40: a guest does not pass @LoginRequired unless the route allows guests', async () => {
    const b = new Browser();
    const id = await guest(b);
    const members = await get(b, '/members');
    expect(members.status).to.equal(401);
    expect((members.body.error as { code: string }).code).to.equal('login_required');
    expect((await get(b, '/cart')).body).to.deep.equal({ id, guest: true });
  });

  it('keeps the guest id when the guest signs up (a new account by magic link)', async () => {
    const b = new Browser();
    const id = await guest(b);
    await magicSignIn(b, 'new-from-guest@example.com');
    expect((await get(b, '/members')).body).to.deep.equal({ id });
    const user = await users.findById(id);
    expect(user).to.include({
      email: 'new-from-guest@example.com',
      emailVerified: true,
      anonymous: false,
    });
  });

  it('hands the guest to onLinkAccount and deletes it when the sign-in is an existing account', async () => {
    const owner = await users.create({ email: 'owner@example.com', emailVerified: true });
    const b = new Browser();
    const id = await guest(b);
    await magicSignIn(b, 'owner@example.com');
    expect((await get(b, '/members')).body).to.deep.equal({ id: owner.id });
    expect(linked).to.deep.include({ anonymous: id, user: owner.id });
    expect(await users.findById(id)).to.equal(undefined);
  });

  it('answers the signed-in user instead of making a second guest', async () => {
    const b = new Browser();
    const id = await guest(b);
    expect(JSON.parse((await post(b, '/auth/anonymous')).body).user.id).to.equal(id);
  });

  it('limits guest creation per IP with 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++)
      statuses.push((await post(new Browser(), '/auth/anonymous')).status);
    expect(statuses).to.include(429);
    expect(statuses.indexOf(429)).to.be.at.most(8);
  });

  it('refuses a cross-site POST /auth/anonymous', async () => {
    const res = await new Browser().request(`${url}/auth/anonymous`, {
      json: {},
      headers: { accept: 'application/json', origin: 'https://evil.example' },
    });
    expect(res.status).to.equal(403);
  });
});

describe('a guest signing in with a provider, and linked sign-in methods (/auth/accounts)', function () {
  this.timeout(20000);

  it('upgrades the guest in place with a new provider account; lists and unlinks methods, never the last', async () => {
    const r = await rig({ mailer: new MemoryMailer() });
    try {
      const b = new Browser();
      const g = await b.request(`${r.app.url}/auth/anonymous`, {
        json: {},
        headers: { accept: 'application/json', origin: r.app.url },
      });
      const guestId = JSON.parse(g.body).user.id as string;
      await r.signIn(b, 'prov-user');
      const me = JSON.parse((await b.request(`${r.app.url}/me`)).body) as { user: User };
      expect(me.user.id).to.equal(guestId);
      expect(me.user.anonymous).to.equal(false);
      const accounts = async () =>
        JSON.parse(
          (
            await b.request(`${r.app.url}/auth/accounts`, {
              headers: { accept: 'application/json' },
            })
          ).body,
        ) as {
          methods: Array<{ type: string; provider?: string }>;
        };
      // a second provider account (another name at the same issuer) and the verified email
      const url = await b.request(`${r.app.url}/auth/other/login`);
      await b.request(r.fake.authorize(url.location!, { iss: ISSUER }));
      expect((await accounts()).methods.map((m) => m.provider ?? m.type)).to.deep.equal([
        'corp',
        'other',
        'email',
      ]);
      const del = (p: string) =>
        b.request(`${r.app.url}/auth/accounts/${p}`, {
          method: 'DELETE',
          headers: { accept: 'application/json', origin: r.app.url },
        });
      expect((await del('other')).status).to.equal(200);
      expect((await del('corp')).status).to.equal(200); // the verified email still signs in
      await r.app.users.update(guestId, { emailVerified: false });
      const u = await r.app.users.findById(guestId);
      await r.app.users.linkAccount(guestId, { provider: 'corp', subject: 'prov-user' });
      expect(u?.emailVerified).to.equal(false);
      const last = await del('corp');
      expect(last.status).to.equal(409);
      expect(JSON.parse(last.body).error.code).to.equal('last_sign_in_method');
      expect((await del('nope')).status).to.equal(404);
    } finally {
      await r.close();
    }
  });
});

describe('linking email + password to an account that signed up without one', function () {
  this.timeout(20000);
  it('adds a password without asking for a current one; the email then signs in with it', async () => {
    const mailer = new MemoryMailer();
    const users = new MemoryUserStore<User>();
    const auth = new Portcullis<User>({ secret: secretA, users, mailer });
    const app = new Koa();
    app.use(auth.middleware());
    app.use(auth.routes());
    const server = await listen(app);
    try {
      const b = new Browser();
      const post = (path: string, json: unknown, browser = b) =>
        browser.request(`${server.url}${path}`, {
          json,
          headers: { accept: 'application/json', origin: server.url },
        });
      await post('/auth/magic', { email: 'linker@example.com' });
      const token = /token=([A-Za-z0-9_-]+)/.exec(mailer.last('linker@example.com')!.text)![1];
      await post('/auth/magic/callback', { token });
      const set = await post('/auth/password/change', { newPassword: 'linked-passphrase-9' });
      expect(set.status, set.body).to.equal(200);
      const methods = JSON.parse(
        (
          await b.request(`${server.url}/auth/accounts`, {
            headers: { accept: 'application/json' },
          })
        ).body,
      ).methods as Array<{ type: string }>;
      expect(methods.map((m) => m.type)).to.deep.equal(['password', 'email']);
      const login = await post(
        '/auth/password/login',
        { email: 'linker@example.com', password: 'linked-passphrase-9' },
        new Browser(),
      );
      expect(login.status).to.equal(200);
      // now that it has one, changing it needs it
      const again = await post('/auth/password/change', { newPassword: 'another-passphrase-9' });
      expect(again.status).to.equal(400);
    } finally {
      await server.close();
    }
  });
});
