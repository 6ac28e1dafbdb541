/**
 * Mail goes out off the request path (lib/email/queue.ts): a request never waits for the mailer,
 * so a known and an unknown address answer alike however slow the mailer is (no user
 * enumeration by response time); failed sends are retried, then reported by `mail_failed`.
 */
import { expect } from 'chai';
import request from 'supertest';
import {
  type Mail,
  type Mailer,
  MemoryUserStore,
  Portcullis,
  type PortcullisOptions,
} from '../../lib/index.js';
import { fastHasher } from '../support/fuzz.js';
import { type TestApp, type TestUser, makeApp, secretA } from '../support/app.js';

const users = new MemoryUserStore<TestUser>();
import { type Running, listen } from '../support/server.js';

/** A mailer whose sends hang until the test releases them (or fail, as told). */
class GateMailer implements Mailer {
  /** Every mail handed to send(), delivered or not. */
  readonly calls: Mail[] = [];
  /** The mails whose send resolved. */
  readonly sent: Mail[] = [];
  /** Sends not settled yet. */
  pending = 0;
  /** How many of the next sends reject. */
  failures = 0;
  private open!: () => void;
  private gate = new Promise<void>((resolve) => (this.open = resolve));

  constructor(private hold = true) {}

  send(mail: Mail): Promise<void> {
    this.calls.push(mail);
    if (this.failures > 0) {
      this.failures--;
      return Promise.reject(new Error(`550 refused: ${mail.text}`));
    }
    this.pending++;
    const wait = this.hold ? this.gate : Promise.resolve();
    return wait.then(() => {
      this.pending--;
      this.sent.push(mail);
    });
  }

  release(): void {
    this.hold = false;
    this.open();
  }
}

/** A mailer that never answers. */
const hungMailer: Mailer & { calls: number } = {
  calls: 0,
  send() {
    hungMailer.calls++;
    return new Promise<void>(() => undefined);
  },
};

/** Polls until `check` is true (fails after `ms`). */
async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

type Failed = { email: string; template: string; reason: string };

interface Rig {
  t: TestApp;
  server: Running;
  failed: Failed[];
  post(path: string, body: Record<string, unknown>): Promise<request.Response>;
}

async function rig(mailer: Mailer, options: Partial<PortcullisOptions<TestUser>> = {}) {
  const t = await makeApp({
    mailer,
    rateLimits: false,
    password: { hasher: fastHasher },
    ...options,
    email: { createUsers: false, retryDelay: 0.01, ...options.email },
  });
  const failed: Failed[] = [];
  t.auth.on('mail_failed', (e) => failed.push(e as unknown as Failed));
  const server = await listen(t.app);
  const post = (path: string, body: Record<string, unknown>) =>
    request(server.url)
      .post(path)
      .set({ Origin: server.url, Accept: 'application/json' })
      .send(body);
  return { t, server, failed, post } satisfies Rig;
}

/** The four requests that mail a known address and must answer the same for an unknown one. */
const FLOWS = [
  { name: 'magic link', path: '/auth/magic', body: {}, mail: /\/auth\/magic\/callback\?token=/ },
  { name: 'email code', path: '/auth/otp', body: {}, mail: /sign-in code is \d{6}/ },
  {
    name: 'password reset',
    path: '/auth/password/reset/request',
    body: {},
    mail: /\/auth\/password\/reset\?token=/,
  },
  {
    name: 'registration',
    path: '/auth/password/register',
    body: { password: 'correct-horse-battery' },
    mail: /\/login/,
  },
];

describe('the mail queue (mail off the request path)', function () {
  this.timeout(15000);
  const rigs: Rig[] = [];
  const make = async (mailer: Mailer, options: Partial<PortcullisOptions<TestUser>> = {}) => {
    const r = await rig(mailer, options);
    rigs.push(r);
    return r;
  };
  afterEach(async () => {
    for (const r of rigs.splice(0)) await r.server.close();
  });

  for (const flow of FLOWS) {
    it(`answers a ${flow.name} request for a known and an unknown address while the mailer hangs`, async () => {
      const mailer = new GateMailer();
      const { post, failed } = await make(mailer);
      const known = await post(flow.path, { ...flow.body, email: 'alice@example.com' });
      expect(known.status, known.text).to.equal(202);
      // the answer came while the mailer still holds the mail
      expect(mailer.calls.map((m) => m.to)).to.deep.equal(['alice@example.com']);
      expect(mailer.pending).to.equal(1);
      expect(mailer.sent).to.have.length(0);
      const unknown = await post(flow.path, { ...flow.body, email: 'nobody@example.com' });
      expect(unknown.status, unknown.text).to.equal(202);
      expect(unknown.body).to.deep.equal(known.body);
      mailer.release();
      await until(() => mailer.pending === 0 && mailer.sent.length >= 1);
      const toAlice = mailer.sent.filter((m) => m.to === 'alice@example.com');
      expect(toAlice).to.have.length(1);
      expect(toAlice[0]!.text).to.match(flow.mail);
      expect(failed).to.deep.equal([]);
    });
  }

  it('retries a failed send: a mailer that fails twice then succeeds delivers one mail, no mail_failed', async () => {
    const mailer = new GateMailer(false);
    mailer.failures = 2;
    const { post, failed, t } = await make(mailer);
    const res = await post('/auth/magic', { email: 'alice@example.com' });
    expect(res.status, res.text).to.equal(202);
    await until(() => mailer.sent.length === 1);
    expect(mailer.calls).to.have.length(3);
    expect(mailer.sent[0]!.text).to.match(/\/auth\/magic\/callback\?token=/);
    await new Promise((r) => setTimeout(r, 50));
    expect(failed).to.deep.equal([]);
    expect(t.logger.records.filter((r) => r.record.event === 'mail_failed')).to.have.length(0);
  });

  it('gives up after three failed tries: one mail_failed, with no link, token or text in it', async () => {
    const mailer = new GateMailer(false);
    mailer.failures = 100;
    const { post, failed, t } = await make(mailer);
    const res = await post('/auth/magic', { email: 'alice@example.com' });
    expect(res.status, res.text).to.equal(202);
    await until(() => failed.length > 0);
    await new Promise((r) => setTimeout(r, 100)); // no second report
    expect(mailer.calls).to.have.length(3);
    expect(mailer.sent).to.have.length(0);
    expect(failed).to.have.length(1);
    expect(failed[0]).to.include({
      email: 'alice@example.com',
      template: 'magicLink',
      reason: 'send_failed',
    });
    const token = /token=([A-Za-z0-9_-]+)/.exec(mailer.calls[0]!.text)![1]!;
    const logged = t.logger.records.filter((r) => r.record.event === 'mail_failed');
    expect(logged).to.have.length(1);
    for (const record of [failed[0], logged[0]]) {
      const text = JSON.stringify(record);
      expect(text).not.to.contain(token);
      expect(text).not.to.contain('/auth/magic/callback');
      expect(text).not.to.contain('550 refused');
    }
  });

  it('times out a send that never answers, retries it, then reports mail_failed (timeout)', async () => {
    hungMailer.calls = 0;
    const { post, failed } = await make(hungMailer, { email: { sendTimeout: 0.05 } });
    const res = await post('/auth/otp', { email: 'alice@example.com' });
    expect(res.status, res.text).to.equal(202);
    await until(() => failed.length > 0);
    expect(hungMailer.calls).to.equal(3);
    expect(failed).to.have.length(1);
    expect(failed[0]).to.include({ template: 'otp', reason: 'timeout' });
  });

  it('drops a mail when the queue is full, with mail_failed (queue_full) and the same answer', async () => {
    const mailer = new GateMailer();
    const { post, failed } = await make(mailer, { email: { createUsers: true, queueSize: 2 } });
    const to = Array.from({ length: 8 }, (_, i) => `user${i}@example.com`);
    for (const email of to) {
      const res = await post('/auth/magic', { email });
      expect(res.status, `${email}: ${res.text}`).to.equal(202);
    }
    // 4 sends in flight and 2 waiting: the last 2 are dropped
    expect(failed.map((f) => [f.email, f.reason])).to.deep.equal([
      ['user6@example.com', 'queue_full'],
      ['user7@example.com', 'queue_full'],
    ]);
    mailer.release();
    await until(() => mailer.sent.length === 6);
    expect(mailer.sent.map((m) => m.to).sort()).to.deep.equal(to.slice(0, 6).sort());
  });

  it('refuses a bad queue option at start', () => {
    const bad: Array<PortcullisOptions<TestUser>['email']> = [
      { queueSize: 0 },
      { queueSize: 1.5 },
      { sendTimeout: 0 },
      { retryDelay: 'soon' as never },
      { closeTimeout: -1 },
    ];
    for (const email of bad) {
      expect(() => new Portcullis({ secret: secretA, users, mailer: hungMailer, email })).to.throw(
        TypeError,
        /email\.(queueSize|sendTimeout|retryDelay|closeTimeout)/,
      );
    }
  });

  it('close() waits for queued mail to be sent', async () => {
    const mailer = new GateMailer();
    const { post, failed, t } = await make(mailer);
    expect((await post('/auth/magic', { email: 'alice@example.com' })).status).to.equal(202);
    expect((await post('/auth/otp', { email: 'bob@example.com' })).status).to.equal(202);
    setTimeout(() => mailer.release(), 200);
    const started = Date.now();
    await t.auth.close();
    expect(Date.now() - started).to.be.at.least(150);
    expect(mailer.sent.map((m) => m.to).sort()).to.deep.equal([
      'alice@example.com',
      'bob@example.com',
    ]);
    expect(failed).to.deep.equal([]);
  });

  it('close() gives up after closeTimeout on a mailer that hangs, with mail_failed (closed)', async () => {
    const { post, failed, t } = await make(hungMailer, {
      email: { closeTimeout: 0.3, sendTimeout: 60 },
    });
    expect((await post('/auth/magic', { email: 'alice@example.com' })).status).to.equal(202);
    const started = Date.now();
    await t.auth.close();
    const took = Date.now() - started;
    expect(took).to.be.within(250, 2000);
    expect(failed).to.have.length(1);
    expect(failed[0]).to.include({ email: 'alice@example.com', reason: 'closed' });
    // after close, a request still answers the same; its mail is reported, not sent
    const late = await post('/auth/magic', { email: 'bob@example.com' });
    expect(late.status).to.equal(202);
    expect(failed.map((f) => f.reason)).to.deep.equal(['closed', 'closed']);
  });
});
