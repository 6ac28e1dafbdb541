import { expect } from 'chai';
import Database from 'better-sqlite3';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Browser } from '../support/browser.js';
import {
  ORIGIN,
  outboxCode,
  outboxLinks,
  pathOf,
  startDemo,
  type TestDemo,
  type Visitor,
} from './support.js';

const PASSWORD = 'a long and unusual passphrase';

/** Registers `email`, confirms it from the outbox, and signs in with the password. */
async function registered(demo: TestDemo, email: string): Promise<Visitor> {
  const v = demo.visitor();
  expect((await v.form('/register', { email, password: PASSWORD })).status).to.equal(200);
  const [link] = outboxLinks((await v.page('/dev/outbox')).text, email);
  const token = new URL(link!).searchParams.get('token')!;
  expect((await v.form('/auth/email/verify', { token })).headers.location).to.equal(
    '/login?verified=1',
  );
  const login = await v.form('/auth/password/login', { email, password: PASSWORD });
  expect(login.status, login.text).to.equal(303);
  return v;
}

/** Signs in with a mailed code (a new address makes a new account). */
async function byCode(demo: TestDemo, email: string, v = demo.visitor()): Promise<Visitor> {
  await v.form('/login/code', { email, returnTo: '/dashboard' });
  const code = outboxCode((await v.page('/dev/outbox')).text, email)!;
  const done = await v.form('/login/code/verify', { email, code, returnTo: '/dashboard' });
  expect(done.status, done.text).to.equal(303);
  return v;
}

/** Goes through Demo ID (the local oidc-provider) as `choice`; returns the app's last answer. */
async function demoId(v: Visitor, choice: { account: string } | { cancel: string }) {
  const start = await v.page('/auth/demo-id/login?returnTo=%2Fdashboard');
  expect(start.status).to.equal(302);
  const idp = new Browser();
  const chooser = await idp.follow(start.headers.location!);
  expect(chooser.status).to.equal(200);
  expect(chooser.body).to.include('Demo ID').and.include('Ada Lovelace');
  const back = await idp.request(chooser.url, { form: choice });
  const callback = await idp.follow(back.location!, (next) => next.href.startsWith(ORIGIN));
  return v.page(pathOf(callback.location!.href));
}

/** A demo of its own for one group of tests (its own data file, so its own rate limits). */
function withDemo(): () => TestDemo {
  let demo: TestDemo | undefined;
  before(async () => {
    demo = await startDemo();
  });
  after(() => demo?.close());
  return () => demo!;
}

describe('demo app', function () {
  this.timeout(20_000);

  describe('pages', () => {
    const demo = withDemo();
    it('shows a visitor the home page with the ways in', async () => {
      const res = await demo().visitor().page('/');
      expect(res.status).to.equal(200);
      expect(res.text).to.include('<h1>Authentication for Koa</h1>');
      expect(res.text).to.include('You are not signed in');
      expect(res.text).to.include('href="/register"').and.include('href="/dev/outbox"');
    });

    it('lists every sign-in method on the sign-in page, GitHub and Google only when on', async () => {
      const res = await demo().visitor().page('/login?returnTo=%2Faccount');
      expect(res.text).to.include('action="/auth/password/login"');
      expect(res.text).to.include('action="/auth/magic"').and.include('action="/login/code"');
      expect(res.text).to.include('data-passkey="signin"');
      expect(res.text).to.include('<script src="/auth/passkeys/client.js"></script>');
      expect(res.text).to.include('href="/auth/demo-id/login?returnTo=%2Faccount"');
      expect(res.text).to.include('action="/auth/anonymous" data-fetch="POST"');
      expect(res.text).to.include('name="returnTo" value="/account"');
      expect(res.text).not.to.include('GitHub').and.not.to.include('Google');
    });

    it('never reflects an unknown error code or a foreign returnTo on the sign-in page', async () => {
      const res = await demo().visitor().page('/login?error=<b>x</b>&returnTo=https://evil.test/');
      expect(res.text).to.include('Sign-in failed.').and.not.to.include('<b>x</b>');
      expect(res.text).not.to.include('evil.test');
      expect(res.text).to.include('name="returnTo" value="/dashboard"');
    });

    it('sends a visitor of the dashboard to the sign-in page with returnTo', async () => {
      const res = await demo().visitor().page('/dashboard');
      expect(res.status).to.equal(302);
      expect(res.headers.location).to.equal('/login?returnTo=%2Fdashboard');
    });

    it('answers an unknown page with an HTML 404', async () => {
      const res = await demo().visitor().page('/nowhere');
      expect(res.status).to.equal(404);
      expect(res.text).to.include('<h1>Not found</h1>');
    });
  });

  describe('email and password', () => {
    const demo = withDemo();
    it('registers, confirms the address from the outbox, signs in and out', async () => {
      const v = await registered(demo(), 'reg@example.com');
      const dash = await v.page('/dashboard');
      expect(dash.status).to.equal(200);
      expect(dash.text).to.include('reg@example.com').and.include('verified');
      const out = await v.form('/auth/logout', { returnTo: '/' });
      expect(out.status).to.equal(302);
      expect(out.headers.location).to.equal('/');
      expect((await v.page('/dashboard')).status).to.equal(302);
    });

    it('shows a wrong password as an error on the sign-in page', async () => {
      const v = await registered(demo(), 'wrong@example.com');
      const res = await v.form('/auth/password/login', {
        email: 'wrong@example.com',
        password: 'not the password',
      });
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.equal('/login?error=credentials_invalid');
      const page = await v.page(res.headers.location);
      expect(page.text).to.match(/role="alert">Wrong email or password\./);
    });

    it('refuses the password of an address not confirmed yet, saying why', async () => {
      const v = demo().visitor();
      await v.form('/register', { email: 'unconfirmed@example.com', password: PASSWORD });
      const res = await v.form('/auth/password/login', {
        email: 'unconfirmed@example.com',
        password: PASSWORD,
      });
      expect(res.headers.location).to.equal('/login?error=email_unverified');
      expect((await v.page(res.headers.location)).text).to.include('Confirm your email first');
    });

    it('refuses a common password on the register page, keeping the address', async () => {
      const res = await demo().visitor().form('/register', {
        email: 'weak@example.com',
        password: 'password123',
      });
      expect(res.status).to.equal(400);
      expect(res.text).to.include('too short or too common');
      expect(res.text).to.include('value="weak@example.com"');
    });

    it('adds a password to an account that had none, from the account page', async () => {
      const v = await byCode(demo(), 'nopass@example.com');
      expect((await v.page('/account')).text).to.include('Add a password');
      const res = await v.form('/account/password', { newPassword: PASSWORD });
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.equal('/account?done=password');
      const page = await v.page(res.headers.location);
      expect(page.text).to.include('Your password is saved').and.include('Change password');
      const again = await v.form('/account/password', {
        currentPassword: 'wrong',
        newPassword: 'another fine passphrase',
      });
      expect(again.status).to.equal(401);
      expect(again.text).to.include('Wrong email or password.');
    });
  });

  describe('magic links', () => {
    const demo = withDemo();
    it('mails a link; opening it asks to confirm; the POST signs in and lands on returnTo', async () => {
      const v = demo().visitor();
      const sent = await v.form('/auth/magic', {
        email: 'magic@example.com',
        returnTo: '/account',
      });
      expect(sent.status).to.equal(303);
      expect(sent.headers.location).to.equal('/login?sent=link');
      expect((await v.page('/login?sent=link')).text).to.include('We mailed you a sign-in link');
      const [link] = outboxLinks((await v.page('/dev/outbox')).text, 'magic@example.com');
      expect(link).to.match(/^http:\/\/localhost:3999\/auth\/magic\/callback\?token=/);
      const confirm = await v.page(pathOf(link!));
      expect(confirm.status).to.equal(200);
      expect(confirm.text).to.include('Continue signing in');
      expect((await v.page('/dashboard')).status).to.equal(302); // a GET never spends the link
      const token = new URL(link!).searchParams.get('token')!;
      const done = await v.form('/auth/magic/callback', { token });
      expect(done.status).to.equal(303);
      expect(done.headers.location).to.equal('/account');
      expect((await v.page('/account')).text).to.include('magic@example.com');
    });

    it('refuses a link used before: the sign-in page says so', async () => {
      const v = demo().visitor();
      await v.form('/auth/magic', { email: 'twice@example.com' });
      const [link] = outboxLinks((await v.page('/dev/outbox')).text, 'twice@example.com');
      const token = new URL(link!).searchParams.get('token')!;
      expect((await v.form('/auth/magic/callback', { token })).status).to.equal(303);
      const other = demo().visitor();
      const reused = await other.form('/auth/magic/callback', { token });
      expect(reused.headers.location).to.equal('/login?error=link_invalid');
      expect((await other.page(reused.headers.location)).text).to.include(
        'That link is invalid, has expired or was already used',
      );
      expect((await other.page('/dashboard')).status).to.equal(302);
    });
  });

  describe('password resets', () => {
    const demo = withDemo();

    it('mails a reset link whose page sets a new password and signs in', async () => {
      await registered(demo(), 'reset@example.com');
      const v = demo().visitor();
      const asked = await v.form('/auth/password/reset/request', { email: 'reset@example.com' });
      expect(asked.headers.location).to.equal('/login?sent=reset');
      const [link] = outboxLinks((await v.page('/dev/outbox')).text, 'reset@example.com');
      const form = await v.page(pathOf(link!));
      expect(form.text).to.include('<h1>Choose a new password</h1>').and.include('name="password"');
      const token = new URL(link!).searchParams.get('token')!;
      const done = await v.form('/auth/password/reset', {
        token,
        password: 'a brand new passphrase',
      });
      expect(done.status).to.equal(303);
      expect(done.headers.location).to.equal('/dashboard');
      expect((await v.page('/dashboard')).text).to.include('reset@example.com');
    });
  });

  describe('email codes', () => {
    const demo = withDemo();
    it('mails a code, asks for it on the same page, and signs in with it', async () => {
      const v = demo().visitor();
      const asked = await v.form('/login/code', {
        email: 'code@example.com',
        returnTo: '/dashboard',
      });
      expect(asked.status).to.equal(200);
      expect(asked.text).to.include('<h1>Enter your code</h1>').and.include('code@example.com');
      const outbox = (await v.page('/dev/outbox')).text;
      const code = outboxCode(outbox, 'code@example.com');
      expect(code).to.match(/^\d{6}$/);
      const wrong = await v.form('/login/code/verify', {
        email: 'code@example.com',
        code: code === '000000' ? '111111' : '000000',
      });
      expect(wrong.status).to.equal(400);
      expect(wrong.text).to.include('That code is wrong or has expired.');
      expect(wrong.text).to.include('<h1>Enter your code</h1>');
      const right = await v.form('/login/code/verify', {
        email: 'code@example.com',
        code: code!,
        returnTo: '/dashboard',
      });
      expect(right.status).to.equal(303);
      expect(right.headers.location).to.equal('/dashboard');
      expect((await v.page('/dashboard')).text).to.include('code@example.com');
    });

    it('refuses a code typed in another browser', async () => {
      const v = demo().visitor();
      await v.form('/login/code', { email: 'bound@example.com' });
      const code = outboxCode((await v.page('/dev/outbox')).text, 'bound@example.com')!;
      const elsewhere = await demo()
        .visitor()
        .form('/login/code/verify', { email: 'bound@example.com', code });
      expect(elsewhere.status).to.equal(400);
      expect(elsewhere.text).to.include('That code is wrong or has expired.');
    });

    it('shows a malformed address as an error on the sign-in page', async () => {
      const res = await demo().visitor().form('/login/code', { email: 'not-an-address' });
      expect(res.status).to.equal(400);
      expect(res.text).to.include('<h1>Sign in</h1>').and.include('does not look right');
    });
  });

  describe('Demo ID (a local OpenID provider)', () => {
    const demo = withDemo();
    it('signs in through the OIDC class and lands on the dashboard as a new, verified user', async () => {
      const v = demo().visitor();
      const done = await demoId(v, { account: 'grace' });
      expect(done.status).to.equal(302);
      expect(done.headers.location).to.equal('/dashboard');
      const dash = await v.page('/dashboard');
      expect(dash.text).to.include('Grace Hopper').and.include('grace@example.com');
      expect(dash.text).to.include('verified');
      const account = await v.page('/account');
      expect(account.text).to.match(/<th>Demo ID<\/th><td>linked as grace@example.com<\/td>/);
    });

    it('links Demo ID to an account with the same verified email', async () => {
      const v = await registered(demo(), 'ada@example.com');
      const before = await v.page('/dashboard');
      const id = /<code>([\w-]+)<\/code>/.exec(before.text)![1];
      const out = await v.form('/auth/logout', { returnTo: '/' });
      expect(out.status).to.equal(302);
      await demoId(v, { account: 'ada' });
      const after = await v.page('/dashboard');
      expect(after.text).to.include(`<code>${id}</code>`);
      const account = await v.page('/account');
      expect(account.text).to.match(/<th>Demo ID<\/th><td>linked as ada@example.com<\/td>/);
      expect(account.text).to.match(/<th>Password<\/th><td>set<\/td>/);
    });

    it('comes back to the sign-in page saying so when the user cancels at Demo ID', async () => {
      const v = demo().visitor();
      const done = await demoId(v, { cancel: '1' });
      expect(done.headers.location).to.equal('/login?error=access_denied');
      expect((await v.page(done.headers.location)).text).to.include('You cancelled the sign-in');
    });

    it('unlinks Demo ID from the account page while another way in remains', async () => {
      const v = demo().visitor();
      await demoId(v, { account: 'grace' });
      const res = await v.json('delete', '/auth/accounts/demo-id');
      expect(res.status).to.equal(200);
      expect((await v.page('/account')).text).to.include('Link Demo ID');
    });
  });

  describe('guests', () => {
    const demo = withDemo();
    it('continues as a guest on the dashboard, and upgrades in place with an email code', async () => {
      const v = demo().visitor();
      const guest = await v.json('post', '/auth/anonymous', {});
      expect(guest.status).to.equal(200);
      expect(guest.body.user.anonymous).to.equal(true);
      const dash = await v.page('/dashboard');
      expect(dash.status).to.equal(200);
      expect(dash.text).to.include('You are browsing as a <strong>guest</strong>');
      expect(dash.text).to.include(`<code>${guest.body.user.id}</code>`);
      expect((await v.page('/account')).headers.location).to.equal('/login?returnTo=%2Faccount');
      await byCode(demo(), 'upgraded@example.com', v);
      const after = await v.page('/dashboard');
      expect(after.text).to.include(`<code>${guest.body.user.id}</code>`);
      expect(after.text).to.include('upgraded@example.com').and.include('registered');
      expect(after.text).not.to.include('<span class="badge">guest</span>');
    });
  });

  describe('account: sessions', () => {
    const demo = withDemo();
    it('lists the sessions of every device and revokes another one', async () => {
      const a = await registered(demo(), 'two@example.com');
      const b = demo().visitor();
      await b.form('/auth/password/login', { email: 'two@example.com', password: PASSWORD });
      const page = await a.page('/account');
      expect(page.text).to.include('this browser');
      const ids = [
        ...page.text.matchAll(/action="\/auth\/sessions\/([^"]+)" data-fetch="DELETE"/g),
      ];
      expect(ids).to.have.length(1);
      const revoked = await a.json('delete', `/auth/sessions/${ids[0]![1]}`);
      expect(revoked.status).to.equal(200);
      expect((await b.page('/dashboard')).status).to.equal(302);
      expect((await a.page('/dashboard')).status).to.equal(200);
    });

    it('signs out every other session at once', async () => {
      const a = await registered(demo(), 'three@example.com');
      const others = [demo().visitor(), demo().visitor()];
      for (const o of others)
        await o.form('/auth/password/login', { email: 'three@example.com', password: PASSWORD });
      expect((await a.page('/account')).text).to.include('Sign out all other sessions');
      const res = await a.json('post', '/auth/sessions/revoke-others', {});
      expect(res.body).to.deep.equal({ ok: true, ended: 2 });
      for (const o of others) expect((await o.page('/dashboard')).status).to.equal(302);
    });
  });

  describe('API tokens and the API', () => {
    const demo = withDemo();
    async function tokenPage(v: Visitor, scopes: string[]) {
      const res = await v.form('/account/tokens', { label: 'CI', scope: scopes });
      expect(res.status).to.equal(200);
      const access = /id="access-token">([^<]+)</.exec(res.text)![1]!;
      const refresh = /id="refresh-token">([^<]+)</.exec(res.text)![1]!;
      return { res, access, refresh };
    }

    it('creates a token shown once with copy buttons and the curl lines, and the API takes it', async () => {
      const v = await byCode(demo(), 'api@example.com');
      const { res, access, refresh } = await tokenPage(v, ['reports:read']);
      expect(res.text).to.include('data-copy="access-token"').and.include('data-copy="curl-me"');
      expect(res.text).to.include(
        `curl -H &#39;Authorization: Bearer ${access}&#39; ${ORIGIN}/api/me`,
      );
      expect(res.text).to.include(
        `curl -X POST -H &#39;Authorization: Bearer ${refresh}&#39; ${ORIGIN}/api/refresh`,
      );
      const me = await v.agent.get('/api/me').set('Authorization', `Bearer ${access}`);
      expect(me.status).to.equal(200);
      expect(me.body).to.include({ email: 'api@example.com', guest: false });
      expect(me.body.scopes).to.deep.equal(['reports:read']);
      const reports = await demo()
        .visitor()
        .agent.get('/api/reports')
        .set('Authorization', `Bearer ${access}`);
      expect(reports.status).to.equal(200);
      expect(reports.body.owner).to.equal('api@example.com');
      expect((await v.page('/account')).text).to.match(
        /<td>CI<\/td><td><code>reports:read<\/code><\/td>/,
      );
    });

    it('refuses a token without the route scope with 403 insufficient_scope', async () => {
      const v = await byCode(demo(), 'scope@example.com');
      const { access } = await tokenPage(v, ['reports:read']);
      const res = await demo()
        .visitor()
        .agent.post('/api/reports')
        .set('Authorization', `Bearer ${access}`)
        .send({ title: 'Q3' });
      expect(res.status).to.equal(403);
      expect(res.body.error.code).to.equal('insufficient_scope');
      expect(res.headers['www-authenticate']).to.include('scope="reports:write"');
    });

    it('refuses an unknown token, a missing one and a refresh token with 401 JSON', async () => {
      const api = demo().visitor().agent;
      const unknown = await api.get('/api/me').set('Authorization', 'Bearer not-a-real-token');
      expect(unknown.status).to.equal(401);
      expect(unknown.body.error.code).to.equal('token_invalid');
      expect(unknown.headers['www-authenticate']).to.include('error="invalid_token"');
      const missing = await api.get('/api/me');
      expect(missing.status).to.equal(401);
      expect(missing.body.error.code).to.equal('token_missing');
      const v = await byCode(demo(), 'types@example.com');
      const { refresh } = await tokenPage(v, []);
      const wrongType = await api.get('/api/me').set('Authorization', `Bearer ${refresh}`);
      expect(wrongType.status).to.equal(401);
    });

    it('rotates the refresh token at /api/refresh, and a spent one revokes the family', async () => {
      const v = await byCode(demo(), 'rotate@example.com');
      const { refresh } = await tokenPage(v, ['reports:read', 'reports:write']);
      const api = demo().visitor().agent;
      const next = await api.post('/api/refresh').set('Authorization', `Bearer ${refresh}`);
      expect(next.status).to.equal(200);
      expect(next.body).to.include({ tokenType: 'Bearer', scope: 'reports:read reports:write' });
      const created = await api
        .post('/api/reports')
        .set('Authorization', `Bearer ${next.body.accessToken}`)
        .send({ title: 'Q3' });
      expect(created.status).to.equal(201);
      expect(created.body.title).to.equal('Q3');
      // the successor used, so the reuse grace (docs/tokens.md) does not apply
      const head = await api
        .post('/api/refresh')
        .set('Authorization', `Bearer ${next.body.refreshToken}`);
      expect(head.status).to.equal(200);
      const replay = await api.post('/api/refresh').set('Authorization', `Bearer ${refresh}`);
      expect(replay.status).to.equal(401);
      expect(replay.body.error.code).to.equal('token_revoked');
      const after = await api
        .post('/api/refresh')
        .set('Authorization', `Bearer ${head.body.refreshToken}`);
      expect(after.status).to.equal(401);
    });

    it('revokes a token from the account page: its refresh family and its access token', async () => {
      const v = await byCode(demo(), 'revoke@example.com');
      const { access, refresh } = await tokenPage(v, []);
      const account = await v.page('/account');
      const id = /action="\/account\/tokens\/([\w-]+)\/revoke"/.exec(account.text)![1];
      const res = await v.form(`/account/tokens/${id}/revoke`);
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.equal('/account?done=token-revoked');
      const api = demo().visitor().agent;
      const me = await api.get('/api/me').set('Authorization', `Bearer ${access}`);
      expect(me.status).to.equal(401);
      expect(me.body.error.code).to.equal('token_revoked');
      const rotated = await api.post('/api/refresh').set('Authorization', `Bearer ${refresh}`);
      expect(rotated.status).to.equal(401);
      expect((await v.page('/account?done=token-revoked')).text).to.include('revoked');
      expect((await v.form(`/account/tokens/${id}/revoke`)).status).to.equal(404);
    });

    it('refuses a token form posted from another site, on an HTML error page', async () => {
      const v = await byCode(demo(), 'csrf@example.com');
      const res = await v.agent
        .post('/account/tokens')
        .type('form')
        .set('Accept', 'text/html')
        .set('Origin', 'http://evil.test')
        .send('label=x');
      expect(res.status).to.equal(403);
      expect(res.text).to.include('<h1>Something went wrong</h1>').and.include('csrf_failed');
    });
  });

  describe('passkeys (the ceremony itself is in the browser test)', () => {
    const demo = withDemo();
    it('serves the browser helper and sign-in options for the localhost RP ID', async () => {
      const v = demo().visitor();
      const script = await v.agent.get('/auth/passkeys/client.js');
      expect(script.status).to.equal(200);
      expect(script.text).to.include('signInWithPasskey');
      const options = await v.json('post', '/auth/passkeys/login/options', {});
      expect(options.status).to.equal(200);
      expect(options.body.rpId).to.equal('localhost');
    });
  });

  describe('the outbox', () => {
    const demo = withDemo();
    it('lists mails newest first, with links clickable and codes visible', async () => {
      const v = demo().visitor();
      await v.form('/auth/magic', { email: 'order@example.com' });
      await v.form('/login/code', { email: 'order@example.com' });
      const html = (await v.page('/dev/outbox')).text;
      const first = html.indexOf('data-to="order@example.com"');
      expect(html.slice(first, first + 300)).to.include('sign-in code');
      expect(outboxCode(html, 'order@example.com')).to.match(/^\d{6}$/);
      expect(html.indexOf('Sign in to Portcullis demo', first)).to.be.greaterThan(first);
    });
  });
});

describe('demo app options', function () {
  this.timeout(20_000);

  it('has no outbox when it is off (production)', async () => {
    const demo = await startDemo({ outbox: false });
    try {
      const v = demo.visitor();
      expect((await v.page('/dev/outbox')).status).to.equal(404);
      expect((await v.page('/')).text).not.to.include('/dev/outbox');
    } finally {
      await demo.close();
    }
  });

  it('sends pages asked for at another host to baseUrl (passkeys need localhost)', async () => {
    const demo = await startDemo({ redirectToBaseUrl: true });
    try {
      const res = await demo.visitor().page('/login?returnTo=%2Faccount');
      expect(res.status).to.equal(302);
      expect(res.headers.location).to.equal(`${ORIGIN}/login?returnTo=%2Faccount`);
    } finally {
      await demo.close();
    }
  });

  it('shows GitHub and Google buttons when their client id and secret are given', async () => {
    const demo = await startDemo({
      github: { clientId: 'gh-id', clientSecret: 'gh-secret' },
    });
    try {
      const html = (await demo.visitor().page('/login')).text;
      expect(html).to.include('href="/auth/github/login?returnTo=%2Fdashboard"');
      expect(html).to.include('Sign in with GitHub').and.not.include('Google');
      const start = await demo.visitor().page('/auth/github/login');
      expect(start.headers.location).to.match(/^https:\/\/github\.com\/login\/oauth\/authorize\?/);
    } finally {
      await demo.close();
    }
  });
});

/** `node dist/demo/server.js` (this build's copy) on free ports; resolves once it printed everything. */
async function runServer(
  dataDir: string,
): Promise<{ out: string; stop(): Promise<number | null> }> {
  const serverJs = fileURLToPath(new URL('../../demo/server.js', import.meta.url));
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [serverJs], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: '0',
      DEMO_IDP_PORT: '0',
      DEMO_DATA_DIR: dataDir,
      PORTCULLIS_SECRET: '',
      GITHUB_CLIENT_ID: '',
      GOOGLE_CLIENT_ID: '',
    },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += String(d)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += String(d);
      if (/^Data: .*\n/m.test(out)) resolve();
    });
    void exited.then((code) => reject(new Error(`the demo exited with ${code}: ${err}`)));
  });
  return {
    out,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('npm run demo (node dist/demo/server.js)', function () {
  this.timeout(20_000);
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'portcullis-demo-run-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints its URL and providers, serves the home page, and makes its secret and database', async () => {
    const run = await runServer(dataDir);
    try {
      const url = /^Portcullis demo on (http:\/\/localhost:(\d+))$/m.exec(run.out);
      expect(url, run.out).to.not.equal(null);
      expect(run.out).to.match(
        /^Providers on: Demo ID \(http:\/\/127\.0\.0\.1:\d+\); off: GitHub .*, Google /m,
      );
      expect(run.out).to.include('Sign-in methods on: password, magic link, email code, passkeys');
      const home = await fetch(`${url![1]}/`);
      expect(home.status).to.equal(200);
      expect(await home.text()).to.include('<h1>Authentication for Koa</h1>');
      const byIp = await fetch(`http://127.0.0.1:${url![2]}/login`, { redirect: 'manual' });
      expect(byIp.status).to.equal(302);
      expect(byIp.headers.get('location')).to.equal(`${url![1]}/login`);
    } finally {
      expect(await run.stop()).to.equal(0);
    }
    const secretFile = join(dataDir, 'secret');
    expect(statSync(secretFile).mode & 0o777).to.equal(0o600);
    expect(readFileSync(secretFile, 'utf8').trim()).to.match(/^[A-Za-z0-9_-]{43}$/);
    const db = new Database(join(dataDir, 'portcullis.db'), { readonly: true });
    try {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .pluck()
        .all() as string[];
      expect(tables).to.include.members(['portcullis_users', 'portcullis_kv', 'demo_api_tokens']);
    } finally {
      db.close();
    }
  });

  it('keeps the secret it made on the first run', async () => {
    const secret = readFileSync(join(dataDir, 'secret'), 'utf8');
    const run = await runServer(dataDir);
    expect(await run.stop()).to.equal(0);
    expect(readFileSync(join(dataDir, 'secret'), 'utf8')).to.equal(secret);
  });
});
