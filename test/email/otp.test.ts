import { expect } from 'chai';
import { type OAuthApp, startApp } from '../support/oauth-app.js';
import { Browser } from '../support/browser.js';
import { type Inbox, startInbox } from '../support/smtp.js';

describe('email codes (POST /auth/otp, POST /auth/otp/verify)', function () {
  this.timeout(20000);
  let inbox: Inbox;
  let app: OAuthApp;
  before(async () => {
    inbox = await startInbox();
    app = await startApp(() => [], {
      mailer: inbox.mailer,
      rateLimits: { verify: { perAccount: { points: 50, duration: 60 } } },
    });
  });
  after(async () => {
    await app?.close();
    await inbox?.close();
  });

  const post = (browser: Browser, path: string, json: Record<string, unknown>, origin = app.url) =>
    browser.request(`${app.url}${path}`, { json, headers: { accept: 'application/json', origin } });

  async function askCode(browser: Browser, email: string): Promise<string> {
    const sent = await post(browser, '/auth/otp', { email });
    expect(sent.status, sent.body).to.equal(202);
    const mail = await inbox.next(email);
    const code = /\b(\d{6})\b/.exec(mail.text ?? '')?.[1];
    expect(code, mail.text).to.be.a('string');
    return code!;
  }

  it('mails a 6-digit code through SMTP; typing it signs in (the user created, email verified)', async () => {
    const browser = new Browser();
    const code = await askCode(browser, 'otp-user@example.com');
    const res = await post(browser, '/auth/otp/verify', { email: 'OTP-User@example.com ', code });
    expect(res.status, res.body).to.equal(200);
    expect(JSON.parse(res.body).user).to.include({
      email: 'otp-user@example.com',
      emailVerified: true,
    });
    expect((await browser.request(`${app.url}/me`)).status).to.equal(200);
  });

  it('works as a form post too, landing on the default destination', async () => {
    const browser = new Browser();
    const code = await askCode(browser, 'otp-form@example.com');
    const res = await browser.request(`${app.url}/auth/otp/verify`, {
      form: { email: 'otp-form@example.com', code },
      headers: { origin: app.url },
    });
    expect(res.status).to.equal(303);
    expect(res.location!.pathname).to.equal('/');
  });

  describe('security case 33: attempts, single use, bound to the browser that asked', () => {
    it('kills the code after 5 wrong tries: the right one fails afterwards', async () => {
      const browser = new Browser();
      const code = await askCode(browser, 'otp-brute@example.com');
      const wrong = code === '000000' ? '111111' : '000000';
      for (let i = 0; i < 5; i++) {
        const res = await post(browser, '/auth/otp/verify', {
          email: 'otp-brute@example.com',
          code: wrong,
        });
        expect(res.status).to.equal(400);
        expect(JSON.parse(res.body).error.code).to.equal('code_invalid');
      }
      const late = await post(browser, '/auth/otp/verify', {
        email: 'otp-brute@example.com',
        code,
      });
      expect(late.status).to.equal(400);
      expect((await browser.request(`${app.url}/me`)).status).to.equal(401);
    });

    it('refuses the right code from another browser (no flow cookie)', async () => {
      const code = await askCode(new Browser(), 'otp-bound@example.com');
      const other = new Browser();
      const res = await post(other, '/auth/otp/verify', { email: 'otp-bound@example.com', code });
      expect(res.status).to.equal(400);
      expect(JSON.parse(res.body).error.code).to.equal('code_invalid');
    });

    it('refuses a code used twice, and a code for another address', async () => {
      const browser = new Browser();
      const code = await askCode(browser, 'otp-once@example.com');
      const jar = new Map(browser.cookies(app.url));
      expect(
        (await post(browser, '/auth/otp/verify', { email: 'otp-once@example.com', code })).status,
      ).to.equal(200);
      const replay = new Browser();
      for (const [k, v] of jar) replay.cookies(app.url).set(k, v);
      expect(
        (await post(replay, '/auth/otp/verify', { email: 'otp-once@example.com', code })).status,
      ).to.equal(400);
      const other = new Browser();
      const code2 = await askCode(other, 'otp-mine@example.com');
      expect(
        (await post(other, '/auth/otp/verify', { email: 'otp-someone@example.com', code: code2 }))
          .status,
      ).to.equal(400);
    });

    it('refuses malformed codes without counting them as sign-ins', async () => {
      const browser = new Browser();
      await askCode(browser, 'otp-shape@example.com');
      for (const code of ['12345', '1234567', 'abcdef', 123456, ['123456'], '']) {
        const res = await post(browser, '/auth/otp/verify', {
          email: 'otp-shape@example.com',
          code,
        });
        expect(res.status, String(code)).to.equal(400);
      }
    });
  });

  it('security case 20 (part): refuses cross-site POSTs to /auth/otp and /auth/otp/verify', async () => {
    for (const path of ['/auth/otp', '/auth/otp/verify']) {
      const res = await post(
        new Browser(),
        path,
        { email: 'x@example.com', code: '123456' },
        'https://evil.example',
      );
      expect(res.status, path).to.equal(403);
      expect(JSON.parse(res.body).error.code).to.equal('csrf_failed');
    }
  });

  it('security case 37 (part): limits codes sent per account with 429 and Retry-After', async () => {
    const limited = await startApp(() => [], {
      mailer: inbox.mailer,
      rateLimits: { send: { perAccount: { points: 2, duration: 60 } } },
    });
    try {
      const send = () =>
        new Browser().request(`${limited.url}/auth/otp`, {
          json: { email: 'flood@example.com' },
          headers: { accept: 'application/json', origin: limited.url },
        });
      expect((await send()).status).to.equal(202);
      expect((await send()).status).to.equal(202);
      const third = await send();
      expect(third.status).to.equal(429);
      expect(JSON.parse(third.body).error.code).to.equal('rate_limited');
      expect(Number(third.headers.get('retry-after'))).to.be.within(1, 60);
    } finally {
      await limited.close();
    }
  });
});
