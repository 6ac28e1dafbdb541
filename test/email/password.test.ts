import { expect } from 'chai';
import { Argon2Hasher, type PasswordHasher } from '../../lib/passwords/hasher.js';
import { type OAuthApp, startApp } from '../support/oauth-app.js';
import { Browser, type Step } from '../support/browser.js';
import { type Inbox, startInbox } from '../support/smtp.js';

/** The default hasher, counting its calls (to assert the work, not a timing). */
class CountingHasher implements PasswordHasher {
  hashes = 0;
  verifies = 0;
  constructor(private readonly inner: PasswordHasher = new Argon2Hasher()) {}
  hash(pw: string) {
    this.hashes++;
    return this.inner.hash(pw);
  }
  verify(h: string, pw: string) {
    this.verifies++;
    return this.inner.verify(h, pw);
  }
  needsRehash(h: string) {
    return this.inner.needsRehash(h);
  }
}

const PW = 'correct-horse-battery';

describe('email + password (ctx.auth.password and /auth/password/*)', function () {
  this.timeout(30000);
  let inbox: Inbox;
  let app: OAuthApp;
  const hasher = new CountingHasher();
  const events: Array<Record<string, unknown>> = [];
  before(async () => {
    inbox = await startInbox();
    app = await startApp(() => [], {
      mailer: inbox.mailer,
      password: { hasher },
      rateLimits: {
        login: { perAccount: { points: 50, duration: 60 }, perIp: { points: 500, duration: 60 } },
        send: { perIp: { points: 100, duration: 60 } },
      },
    });
    for (const name of [
      'login',
      'login_failed',
      'registered',
      'password_changed',
      'password_reset',
      'password_reset_requested',
      'email_verified',
      'logout',
    ] as const) {
      app.auth.on(name, (e) => events.push(e as unknown as Record<string, unknown>));
    }
  });
  after(async () => {
    await app?.close();
    await inbox?.close();
  });

  const post = (
    browser: Browser,
    path: string,
    json: Record<string, unknown>,
    headers: Record<string, string> = {},
  ) =>
    browser.request(`${app.url}${path}`, {
      json,
      headers: { accept: 'application/json', origin: app.url, ...headers },
    });
  const code = (step: Step) => (JSON.parse(step.body) as { error?: { code: string } }).error?.code;

  /** Registers and follows the verification mail; returns the browser, signed out. */
  async function registered(email: string, password = PW): Promise<void> {
    const b = new Browser();
    expect((await post(b, '/auth/password/register', { email, password })).status).to.equal(202);
    const link = inbox.link(await inbox.next(email));
    expect(link.pathname).to.equal('/auth/email/verify');
    const page = await b.request(link);
    expect(page.status).to.equal(200);
    expect(page.headers.get('referrer-policy')).to.equal('strict-origin');
    expect(
      (await post(b, '/auth/email/verify', { token: link.searchParams.get('token') })).status,
    ).to.equal(200);
  }

  async function signedIn(email: string, password = PW): Promise<Browser> {
    const b = new Browser();
    const res = await post(b, '/auth/password/login', { email, password });
    expect(res.status, res.body).to.equal(200);
    return b;
  }

  it('registers, verifies the email through the mailed link, and signs in', async () => {
    await registered('pat@example.com');
    const b = await signedIn('Pat@Example.com');
    const res = await b.request(`${app.url}/auth/me`, { headers: { accept: 'application/json' } });
    const me = JSON.parse(res.body) as { user: Record<string, unknown> };
    expect(me.user).to.include({ email: 'pat@example.com', emailVerified: true });
    expect(me.user).not.to.have.property('passwordHash');
    expect(
      String((await app.users.findByEmail('pat@example.com'))?.['passwordHash' as never]),
    ).to.match(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('refuses a password sign-in before the email is verified: 403 email_unverified', async () => {
    const b = new Browser();
    await post(b, '/auth/password/register', { email: 'early@example.com', password: PW });
    await inbox.next('early@example.com');
    const res = await post(b, '/auth/password/login', { email: 'early@example.com', password: PW });
    expect(res.status).to.equal(403);
    expect(code(res)).to.equal('email_unverified');
  });

  describe('security case 35: no user enumeration', () => {
    it('answers an unknown user and a wrong password alike, and runs the hasher for both', async () => {
      await registered('known@example.com');
      const before = hasher.verifies;
      const unknown = await post(new Browser(), '/auth/password/login', {
        email: 'nobody@example.com',
        password: PW,
      });
      const wrong = await post(new Browser(), '/auth/password/login', {
        email: 'known@example.com',
        password: `${PW}x`,
      });
      expect(unknown.status).to.equal(401);
      expect([wrong.status, wrong.body]).to.deep.equal([unknown.status, unknown.body]);
      expect(code(unknown)).to.equal('credentials_invalid');
      expect(hasher.verifies - before).to.equal(2);
    });

    it('answers registering a taken address like a new one, mails the owner, and creates nothing', async () => {
      await registered('taken@example.com');
      const hashesBefore = hasher.hashes;
      const again = await post(new Browser(), '/auth/password/register', {
        email: 'taken@example.com',
        password: 'another-good-passphrase',
      });
      const fresh = await post(new Browser(), '/auth/password/register', {
        email: 'fresh@example.com',
        password: 'another-good-passphrase',
      });
      expect([again.status, again.body]).to.deep.equal([fresh.status, fresh.body]);
      expect(hasher.hashes - hashesBefore).to.equal(2);
      const notice = await inbox.next('taken@example.com');
      expect(notice.text).to.contain('already has one');
      await inbox.next('fresh@example.com');
    });

    it('five concurrent sign-ups with one address: one account, the same answer to all', async () => {
      const tries = await Promise.all(
        [1, 2, 3, 4, 5].map(() =>
          post(new Browser(), '/auth/password/register', {
            email: 'race@example.com',
            password: 'another-good-passphrase',
          }),
        ),
      );
      expect(tries.map((t) => t.status)).to.deep.equal([202, 202, 202, 202, 202]);
      expect(new Set(tries.map((t) => t.body)).size).to.equal(1);
      const mails = await Promise.all([1, 2, 3, 4, 5].map(() => inbox.next('race@example.com')));
      const notices = mails.filter((m) => (m.text ?? '').includes('already has one'));
      expect(notices).to.have.length(mails.length - 1);
      expect((await app.users.findByEmail('race@example.com'))?.email).to.equal('race@example.com');
    });

    it('answers reset requests for known and unknown addresses alike', async () => {
      await registered('reset-known@example.com');
      const known = await post(new Browser(), '/auth/password/reset/request', {
        email: 'reset-known@example.com',
      });
      const unknown = await post(new Browser(), '/auth/password/reset/request', {
        email: 'reset-nobody@example.com',
      });
      expect([known.status, known.body]).to.deep.equal([unknown.status, unknown.body]);
      await inbox.next('reset-known@example.com');
    });
  });

  describe('reset by mailed link (cases 7 and 31)', () => {
    it('sets the new password through the form, ends every other session, and signs in', async () => {
      await registered('forgot@example.com');
      const other = await signedIn('forgot@example.com');
      await post(new Browser(), '/auth/password/reset/request', { email: 'forgot@example.com' });
      const link = inbox.link(await inbox.next('forgot@example.com'));
      const b = new Browser();
      const form = await b.request(link);
      expect(form.status).to.equal(200);
      expect(form.headers.get('referrer-policy')).to.equal('strict-origin');
      expect(form.body).to.contain('name="password"');
      const token = link.searchParams.get('token')!;
      const done = await b.request(`${app.url}/auth/password/reset`, {
        form: { token, password: 'a-brand-new-passphrase' },
        headers: { origin: app.url },
      });
      expect(done.status).to.equal(303);
      expect((await b.request(`${app.url}/me`)).status).to.equal(200);
      expect((await other.request(`${app.url}/me`)).status).to.equal(401);
      expect(
        (
          await post(new Browser(), '/auth/password/login', {
            email: 'forgot@example.com',
            password: PW,
          })
        ).status,
      ).to.equal(401);
      await signedIn('forgot@example.com', 'a-brand-new-passphrase');
      const again = await post(new Browser(), '/auth/password/reset', {
        token,
        password: 'yet-another-passphrase',
      });
      expect(again.status).to.equal(400);
      expect(code(again)).to.equal('link_invalid');
    });
  });

  describe('change (case 7, password-change part)', () => {
    it('needs the current password, ends other sessions and tokens, keeps this one', async () => {
      await registered('changer@example.com');
      const other = await signedIn('changer@example.com');
      const user = (await app.users.findByEmail('changer@example.com'))!;
      const { accessToken } = await app.auth.tokens.issue(user);
      const b = await signedIn('changer@example.com');
      const wrong = await post(b, '/auth/password/change', {
        currentPassword: 'not-it-at-all',
        newPassword: 'a-changed-passphrase',
      });
      expect(wrong.status).to.equal(401);
      const ok = await post(b, '/auth/password/change', {
        currentPassword: PW,
        newPassword: 'a-changed-passphrase',
      });
      expect(ok.status, ok.body).to.equal(200);
      expect((await b.request(`${app.url}/me`)).status).to.equal(200);
      expect((await other.request(`${app.url}/me`)).status).to.equal(401);
      const api = await fetch(`${app.url}/auth/me`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(api.status).to.equal(401);
      expect(
        (
          await post(new Browser(), '/auth/password/change', {
            currentPassword: PW,
            newPassword: 'x-y-z-w-v-u-t',
          })
        ).status,
      ).to.equal(401);
    });
  });

  describe('security case 36: checked as received; very long passwords', () => {
    it('does not truncate: a password differing after 72 characters does not sign in', async () => {
      const long = `${'a1b2c3d4'.repeat(10)}-first`;
      await registered('long@example.com', long);
      await signedIn('long@example.com', long);
      const res = await post(new Browser(), '/auth/password/login', {
        email: 'long@example.com',
        password: `${'a1b2c3d4'.repeat(10)}-other`,
      });
      expect(res.status).to.equal(401);
    });

    it('answers 413 for a password over the limit, before any hashing', async () => {
      const before = [hasher.hashes, hasher.verifies];
      for (const path of ['/auth/password/login', '/auth/password/register']) {
        const res = await post(new Browser(), path, {
          email: 'huge@example.com',
          password: 'x'.repeat(129),
        });
        expect(res.status, path).to.equal(413);
        expect(code(res)).to.equal('payload_too_large');
      }
      expect([hasher.hashes, hasher.verifies]).to.deep.equal(before);
    });
  });

  describe('security case 38: weak and very common passwords', () => {
    it('refuses them at registration and at change', async () => {
      for (const password of ['password123', 'qwertyuiop', 'Password1', 'short7!']) {
        const res = await post(new Browser(), '/auth/password/register', {
          email: 'weak@example.com',
          password,
        });
        expect(res.status, password).to.equal(400);
        expect(code(res)).to.equal('password_weak');
      }
      await registered('weakchange@example.com');
      const b = await signedIn('weakchange@example.com');
      const res = await post(b, '/auth/password/change', {
        currentPassword: PW,
        newPassword: 'iloveyou123',
      });
      expect(code(res)).to.equal('password_weak');
    });
  });

  it('re-hashes with new argon2 parameters at the next sign-in', async () => {
    const weak = await startApp(() => [], {
      mailer: inbox.mailer,
      password: {
        argon2: { memoryCost: 8192, timeCost: 2, parallelism: 1 },
        requireVerifiedEmail: false,
      },
    });
    try {
      const b = new Browser();
      await b.request(`${weak.url}/auth/password/register`, {
        json: { email: 'rehash@example.com', password: PW },
        headers: { accept: 'application/json', origin: weak.url },
      });
      await inbox.next('rehash@example.com');
      const hashOf = async () =>
        String((await weak.users.findByEmail('rehash@example.com'))?.['passwordHash' as never]);
      expect(await hashOf()).to.contain('m=8192');
      // the app raises its parameters: same users, a new Portcullis with the defaults
      const raised = await startApp(() => [], {
        mailer: inbox.mailer,
        users: weak.users,
        password: { requireVerifiedEmail: false },
      });
      try {
        const res = await new Browser().request(`${raised.url}/auth/password/login`, {
          json: { email: 'rehash@example.com', password: PW },
          headers: { accept: 'application/json', origin: raised.url },
        });
        expect(res.status).to.equal(200);
        expect(await hashOf()).to.contain('m=19456');
      } finally {
        await raised.close();
      }
    } finally {
      await weak.close();
    }
  });

  describe('security case 37: brute-force limits', () => {
    it('limits per account with 429 and Retry-After, and lifts the limit when the window passes', async () => {
      const limited = await startApp(() => [], {
        mailer: inbox.mailer,
        password: { requireVerifiedEmail: false },
        rateLimits: { login: { perAccount: { points: 3, duration: 1 } } },
      });
      try {
        const login = (password: string) =>
          new Browser().request(`${limited.url}/auth/password/login`, {
            json: { email: 'victim@example.com', password },
            headers: { accept: 'application/json', origin: limited.url },
          });
        await new Browser().request(`${limited.url}/auth/password/register`, {
          json: { email: 'victim@example.com', password: PW },
          headers: { accept: 'application/json', origin: limited.url },
        });
        for (let i = 0; i < 3; i++) expect((await login('wrong-guess-123')).status).to.equal(401);
        const blocked = await login(PW);
        expect(blocked.status).to.equal(429);
        expect(Number(blocked.headers.get('retry-after'))).to.be.within(1, 2);
        await new Promise((r) => setTimeout(r, 1100));
        expect((await login(PW)).status).to.equal(200); // slowed down, never locked for good
      } finally {
        await limited.close();
      }
    });

    it('counts per IP, and a spoofed X-Forwarded-For does not make a new IP (app.proxy is off)', async () => {
      const limited = await startApp(() => [], {
        mailer: inbox.mailer,
        rateLimits: { login: { perIp: { points: 3, duration: 60 } } },
      });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) {
          const res = await new Browser().request(`${limited.url}/auth/password/login`, {
            json: { email: `user${i}@example.com`, password: 'whatever-guess' },
            headers: {
              accept: 'application/json',
              origin: limited.url,
              'x-forwarded-for': `203.0.113.${i}`,
            },
          });
          statuses.push(res.status);
        }
        expect(statuses).to.deep.equal([401, 401, 401, 429, 429]);
      } finally {
        await limited.close();
      }
    });
  });

  it('security case 44: no password, link token or hash in any event or log', async () => {
    const secret = 'a-very-secret-passphrase';
    await registered('audit@example.com', secret);
    await signedIn('audit@example.com', secret);
    await post(new Browser(), '/auth/password/login', {
      email: 'audit@example.com',
      password: `${secret}!`,
    });
    await post(new Browser(), '/auth/password/reset/request', { email: 'audit@example.com' });
    const token = inbox.link(await inbox.next('audit@example.com')).searchParams.get('token')!;
    const seen = JSON.stringify(events) + JSON.stringify(app.logger.records);
    expect(seen).not.to.contain(secret);
    expect(seen).not.to.contain(token);
    expect(seen).not.to.contain('$argon2id');
    expect(events.map((e) => e.type)).to.include.members([
      'registered',
      'email_verified',
      'login',
      'login_failed',
      'password_reset_requested',
    ]);
  });

  it('security case 20 (part): refuses cross-site POSTs to every password route', async () => {
    for (const path of [
      '/auth/password/register',
      '/auth/password/login',
      '/auth/password/reset/request',
      '/auth/password/reset',
      '/auth/email/verify',
    ]) {
      const res = await post(
        new Browser(),
        path,
        { email: 'x@example.com', password: PW },
        { origin: 'https://evil.example' },
      );
      expect(res.status, path).to.equal(403);
      expect(code(res)).to.equal('csrf_failed');
    }
  });
});
