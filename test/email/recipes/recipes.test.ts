import bodyParser from '@koa/bodyparser';
import { expect } from 'chai';
import Koa from 'koa';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MemoryUserStore, Portcullis } from '../../../lib/index.js';
import { secretA } from '../../support/app.js';
import { Browser } from '../../support/browser.js';
import { listen, type Running } from '../../support/server.js';
import { type Inbox, startInbox } from '../../support/smtp.js';
import { EmailCodeController } from './email-code.js';
import { MagicLinkController } from './magic-link.js';
import { PasswordController } from './password.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

describe('docs recipes (magic links, codes, passwords): the email methods from your own controllers', function () {
  this.timeout(20000);
  let inbox: Inbox;
  let server: Running;
  let url = '';
  const users = new MemoryUserStore<{ id: string; email?: string; emailVerified?: boolean }>();
  before(async () => {
    inbox = await startInbox();
    const auth = new Portcullis({ secret: secretA, users, mailer: inbox.mailer });
    const app = new Koa();
    app.use(bodyParser());
    app.use(auth.middleware());
    app.use(auth.routes());
    app.use(auth.controllers([MagicLinkController, EmailCodeController, PasswordController]));
    server = await listen(app);
    url = server.url;
  });
  after(async () => {
    await server?.close();
    await inbox?.close();
  });
  const post = (b: Browser, path: string, json: unknown, origin = url) =>
    b.request(`${url}${path}`, { json, headers: { accept: 'application/json', origin } });

  it('MagicLinkController mails a link that signs in', async () => {
    const b = new Browser();
    expect(
      JSON.parse((await post(b, '/sign-in/link', { email: 'recipe-magic@example.com' })).body),
    ).to.deep.equal({ sent: true });
    const link = inbox.link(await inbox.next('recipe-magic@example.com'));
    const done = await post(b, '/auth/magic/callback', { token: link.searchParams.get('token') });
    expect(JSON.parse(done.body)).to.deep.equal({ ok: true, returnTo: '/dashboard' });
  });

  it('EmailCodeController mails a code; verifying it signs in', async () => {
    const b = new Browser();
    await post(b, '/sign-in/code', { email: 'recipe-code@example.com' });
    const code = /\b(\d{6})\b/.exec((await inbox.next('recipe-code@example.com')).text ?? '')![1];
    const res = await post(b, '/sign-in/code/verify', { email: 'recipe-code@example.com', code });
    expect(res.status).to.equal(200);
    expect(JSON.parse(res.body).id).to.be.a('string');
  });

  it('PasswordController registers, signs in after verification, changes the password', async () => {
    const b = new Browser();
    const pw = 'recipe-passphrase-1';
    expect(
      JSON.parse(
        (await post(b, '/account/register', { email: 'recipe-pw@example.com', password: pw })).body,
      ),
    ).to.deep.equal({ registered: true });
    const verify = inbox.link(await inbox.next('recipe-pw@example.com'));
    await post(b, '/auth/email/verify', { token: verify.searchParams.get('token') });
    expect(
      (await post(b, '/account/login', { email: 'recipe-pw@example.com', password: pw })).status,
    ).to.equal(200);
    const changed = await post(b, '/account/password', {
      password: pw,
      newPassword: 'recipe-passphrase-2',
    });
    expect(JSON.parse(changed.body)).to.deep.equal({ changed: true });
  });

  it("refuses login CSRF on the app's own routes too (the methods check the origin)", async () => {
    const res = await post(
      new Browser(),
      '/account/login',
      { email: 'x@example.com', password: 'whatever-1234' },
      'https://evil.example',
    );
    expect(res.status).to.equal(403);
    expect(JSON.parse(res.body).error.code).to.equal('csrf_failed');
  });

  it('is quoted verbatim in docs/magic-links.md, docs/email-codes.md and docs/passwords.md', () => {
    const pages: Array<[string, string]> = [
      ['magic-link.ts', 'magic-links.md'],
      ['email-code.ts', 'email-codes.md'],
      ['password.ts', 'passwords.md'],
    ];
    for (const [file, page] of pages) {
      const docs = readFileSync(`${root}docs/${page}`, 'utf8');
      expect(docs, page).to.contain(
        readFileSync(`${root}test/email/recipes/${file}`, 'utf8').trim(),
      );
    }
  });
});
