import { expect } from 'chai';
import { type OAuthApp, startApp } from '../support/oauth-app.js';
import { Browser } from '../support/browser.js';
import { type Inbox, startInbox } from '../support/smtp.js';

/** The raw entries of a MemoryStore, to check what it keeps. */
function storeDump(app: OAuthApp): string {
  const map = (app.store as unknown as { map: Map<string, { value: string }> }).map;
  return JSON.stringify([...map].map(([k, v]) => [k, v.value]));
}

describe('magic links (POST /auth/magic, GET and POST /auth/magic/callback)', function () {
  this.timeout(20000);
  let inbox: Inbox;
  let app: OAuthApp;
  before(async () => {
    inbox = await startInbox();
    app = await startApp(() => [], { mailer: inbox.mailer, email: { appName: 'Test App' } });
  });
  after(async () => {
    await app?.close();
    await inbox?.close();
  });

  const json = (browser: Browser, path: string, body: Record<string, unknown>, origin = app.url) =>
    browser.request(`${app.url}${path}`, {
      json: body,
      headers: { accept: 'application/json', origin },
    });

  async function requestLink(browser: Browser, email: string, returnTo?: string): Promise<URL> {
    const sent = await browser.request(`${app.url}/auth/magic`, {
      form: { email, ...(returnTo ? { returnTo } : {}) },
      headers: { origin: app.url },
    });
    expect(sent.status, sent.body).to.equal(303);
    return inbox.link(await inbox.next(email.trim().toLowerCase()));
  }

  it('mails a link through SMTP; the confirm page POSTs it; the user is created, email verified', async () => {
    const browser = new Browser();
    const link = await requestLink(browser, 'ada@example.com', '/welcome');
    expect(link.pathname).to.equal('/auth/magic/callback');
    const page = await browser.request(link);
    expect(page.status).to.equal(200);
    expect(page.headers.get('referrer-policy')).to.equal('strict-origin');
    expect(page.body).to.contain('<form method="post" action="/auth/magic/callback">');
    const token = link.searchParams.get('token')!;
    const done = await browser.request(`${app.url}/auth/magic/callback`, {
      form: { token },
      headers: { origin: app.url },
    });
    expect(done.status).to.equal(303);
    expect(done.location!.pathname).to.equal('/welcome');
    const me = JSON.parse((await browser.request(`${app.url}/me`)).body) as {
      user: Record<string, unknown>;
    };
    expect(me.user).to.include({ email: 'ada@example.com', emailVerified: true });
  });

  it('sends plain-text and HTML parts with the app name', async () => {
    await requestLink(new Browser(), 'parts@example.com');
    const mail = inbox.messages.at(-1)!;
    expect(mail.subject).to.equal('Sign in to Test App');
    expect(mail.text).to.contain('/auth/magic/callback?token=');
    expect(mail.text).to.contain('expires in 10 minutes'); // the default (ASVS 5.0 V6.5.5)
    expect(mail.html).to.be.a('string').and.contain('<a href=');
  });

  describe('security case 31: used twice, or twice at the same moment; a GET never consumes it', () => {
    it('signs in once; the second use is 400 link_invalid', async () => {
      const token = (await requestLink(new Browser(), 'twice@example.com')).searchParams.get(
        'token',
      )!;
      expect((await json(new Browser(), '/auth/magic/callback', { token })).status).to.equal(200);
      const again = await json(new Browser(), '/auth/magic/callback', { token });
      expect(again.status).to.equal(400);
      expect(JSON.parse(again.body).error.code).to.equal('link_invalid');
    });

    it('lets exactly one of ten concurrent uses sign in', async () => {
      const token = (await requestLink(new Browser(), 'race@example.com')).searchParams.get(
        'token',
      )!;
      const results = await Promise.all(
        Array.from({ length: 10 }, () => json(new Browser(), '/auth/magic/callback', { token })),
      );
      expect(results.filter((r) => r.status === 200)).to.have.length(1);
      expect(results.filter((r) => r.status === 400)).to.have.length(9);
    });

    it('survives any number of GETs (mail scanners) and still signs in once', async () => {
      const link = await requestLink(new Browser(), 'scanned@example.com');
      for (let i = 0; i < 3; i++) expect((await new Browser().request(link)).status).to.equal(200);
      expect(
        (
          await json(new Browser(), '/auth/magic/callback', {
            token: link.searchParams.get('token'),
          })
        ).status,
      ).to.equal(200);
    });
  });

  describe('security case 32: expired, truncated or altered links; stored hashed', () => {
    it('refuses truncated and altered tokens, on the page and on the POST', async () => {
      const token = (await requestLink(new Browser(), 'altered@example.com')).searchParams.get(
        'token',
      )!;
      const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
      for (const bad of [token.slice(0, -1), flipped, `${token}A`, '', 'x'.repeat(5000)]) {
        const page = await new Browser().request(
          `${app.url}/auth/magic/callback?token=${encodeURIComponent(bad)}`,
        );
        expect(page.status, bad).to.equal(400);
        const res = await json(new Browser(), '/auth/magic/callback', { token: bad });
        expect(res.status, bad).to.equal(400);
        expect(JSON.parse(res.body).error.code).to.equal('link_invalid');
      }
      expect((await json(new Browser(), '/auth/magic/callback', { token })).status).to.equal(200);
    });

    it('refuses an expired link', async () => {
      const short = await startApp(() => [], {
        mailer: inbox.mailer,
        email: { magicLinkTtl: '1s' },
      });
      try {
        const browser = new Browser();
        await browser.request(`${short.url}/auth/magic`, {
          form: { email: 'late@example.com' },
          headers: { origin: short.url },
        });
        const token = inbox.link(await inbox.next('late@example.com')).searchParams.get('token')!;
        await new Promise((r) => setTimeout(r, 1200));
        const res = await browser.request(`${short.url}/auth/magic/callback`, {
          json: { token },
          headers: { accept: 'application/json', origin: short.url },
        });
        expect(res.status).to.equal(400);
      } finally {
        await short.close();
      }
    });

    it('keeps neither the token nor anything that opens it in the Store', async () => {
      const token = (await requestLink(new Browser(), 'hashed@example.com')).searchParams.get(
        'token',
      )!;
      expect(storeDump(app)).not.to.contain(token);
      expect(storeDump(app)).to.contain('hashed@example.com'); // the record is there, keyed by an HMAC
    });
  });

  describe('security case 20 (part): login CSRF', () => {
    it('refuses a cross-site POST to /auth/magic and to /auth/magic/callback', async () => {
      const token = (await requestLink(new Browser(), 'csrf@example.com')).searchParams.get(
        'token',
      )!;
      for (const [path, body] of [
        ['/auth/magic', { email: 'csrf@example.com' }],
        ['/auth/magic/callback', { token }],
      ] as const) {
        const res = await json(new Browser(), path, body, 'https://evil.example');
        expect(res.status, path).to.equal(403);
        expect(JSON.parse(res.body).error.code).to.equal('csrf_failed');
      }
      expect((await json(new Browser(), '/auth/magic/callback', { token })).status).to.equal(200); // not spent
    });
  });

  describe('security case 34: email normalization and bad addresses', () => {
    it('normalizes case and spaces', async () => {
      await requestLink(new Browser(), '  Mixed.Case@Example.COM ');
      expect(inbox.messages.at(-1)!.to).to.satisfy(
        (to: { text: string }) => to.text === 'mixed.case@example.com',
      );
    });

    it('answers 400 email_invalid for CRLF, over-long, non-string and malformed addresses', async () => {
      for (const email of [
        'a@b.com\r\nBcc: x@evil.example',
        `${'a'.repeat(250)}@b.com`,
        42,
        ['a@b.com'],
        'no-at',
        'a@b',
        '<a@b.com>',
      ]) {
        const res = await json(new Browser(), '/auth/magic', { email });
        expect(res.status, String(email)).to.equal(400);
        expect(JSON.parse(res.body).error.code).to.equal('email_invalid');
      }
    });
  });

  it('security case 35 (part): with createUsers off, answers known and unknown addresses alike and mails only the known', async () => {
    const closed = await startApp(() => [], {
      mailer: inbox.mailer,
      email: { createUsers: false },
    });
    try {
      await closed.users.create({ email: 'member@example.com', emailVerified: true });
      const ask = (email: string) =>
        new Browser().request(`${closed.url}/auth/magic`, {
          json: { email },
          headers: { accept: 'application/json', origin: closed.url },
        });
      const known = await ask('member@example.com');
      const unknown = await ask('stranger@example.com');
      expect([known.status, known.body]).to.deep.equal([unknown.status, unknown.body]);
      await inbox.next('member@example.com');
      await new Promise((r) => setTimeout(r, 300));
      expect(inbox.messages.some((m) => m.text?.includes('stranger@example.com'))).to.equal(false);
      expect(await closed.users.findByEmail('stranger@example.com')).to.equal(undefined);
    } finally {
      await closed.close();
    }
  });

  it('falls back to the default destination for a returnTo that leaves the origin', async () => {
    const browser = new Browser();
    const token = (
      await requestLink(browser, 'redirect@example.com', 'https://evil.example/')
    ).searchParams.get('token')!;
    const done = await browser.request(`${app.url}/auth/magic/callback`, {
      form: { token },
      headers: { origin: app.url },
    });
    expect(done.location!.href).to.equal(`${app.url}/`);
  });
});
