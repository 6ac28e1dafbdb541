import { expect } from 'chai';
import request from 'supertest';
import { cookieHeader, makeApp, type TestApp } from '../support/app.js';

describe('ctx.auth.sessions and /auth/sessions (where a user is signed in)', () => {
  let t: TestApp;
  let server: ReturnType<TestApp['app']['callback']>;
  beforeEach(async () => {
    t = await makeApp();
    server = t.app.callback();
  });

  /** Signs alice in from a device; returns its Cookie header. */
  async function device(userAgent: string, id = t.alice.id): Promise<string> {
    const res = await request(server)
      .post(`/test/login/${id}`)
      .set('User-Agent', userAgent)
      .set('Sec-Fetch-Site', 'same-origin');
    expect(res.status).to.equal(200);
    return cookieHeader(res.headers['set-cookie'] as unknown as string[]);
  }
  const list = (cookie: string) =>
    request(server).get('/auth/sessions').set('Cookie', cookie).set('Accept', 'application/json');

  it('lists the sessions of the signed-in user, newest first, marking this one', async () => {
    const laptop = await device('Laptop Browser/1.0');
    await new Promise((r) => setTimeout(r, 5));
    const phone = await device('Phone Browser/2.0');
    await device('Bob Browser', t.bob.id);
    const res = await list(phone);
    expect(res.status).to.equal(200);
    const sessions = res.body.sessions as Array<Record<string, unknown>>;
    expect(sessions.map((s) => [s.device, s.current])).to.deep.equal([
      ['Phone Browser/2.0', true],
      ['Laptop Browser/1.0', false],
    ]);
    for (const s of sessions) {
      expect(s.id).to.match(/^[A-Za-z0-9_-]{16}$/);
      expect(Number.isNaN(Date.parse(String(s.createdAt)))).to.equal(false);
      expect(Date.parse(String(s.lastSeenAt))).to.be.at.least(Date.parse(String(s.createdAt)));
    }
    expect(JSON.stringify(res.body)).not.to.contain(laptop.split('=')[1]!.slice(0, 20));
  });

  it('leaves out, and does not count as ended, sessions a sign-out everywhere already ended', async () => {
    const laptop = await device('Laptop');
    await device('Phone');
    const out = await request(server)
      .post('/auth/logout')
      .set('Cookie', laptop)
      .set('Sec-Fetch-Site', 'same-origin')
      .send({ everywhere: true });
    expect(out.status).to.equal(200);
    await new Promise((r) => setTimeout(r, 5)); // a new sign-in after the sign-out's moment
    const tablet = await device('Tablet');
    const res = await list(tablet);
    expect(res.body.sessions.map((s: { device: string }) => s.device)).to.deep.equal(['Tablet']);
    const others = await request(server)
      .post('/auth/sessions/revoke-others')
      .set('Cookie', tablet)
      .set('Sec-Fetch-Site', 'same-origin');
    expect(others.body).to.deep.equal({ ok: true, ended: 0 });
  });

  it('revokes another session by id: its cookie no longer works at once', async () => {
    const laptop = await device('Laptop');
    const phone = await device('Phone');
    const sessions = (await list(phone)).body.sessions as Array<{ id: string; current: boolean }>;
    const other = sessions.find((s) => !s.current)!;
    const del = await request(server)
      .delete(`/auth/sessions/${other.id}`)
      .set('Cookie', phone)
      .set('Sec-Fetch-Site', 'same-origin');
    expect(del.status).to.equal(200);
    expect((await list(laptop)).status).to.equal(401);
    expect((await list(phone)).body.sessions).to.have.length(1);
  });

  it('will not revoke this session by id, nor a session of another user', async () => {
    const phone = await device('Phone');
    const bobs = await device('Bob', t.bob.id);
    const mine = ((await list(phone)).body.sessions as Array<{ id: string }>)[0]!.id;
    const bobId = ((await list(bobs)).body.sessions as Array<{ id: string }>)[0]!.id;
    for (const id of [mine, bobId, 'nope']) {
      const res = await request(server)
        .delete(`/auth/sessions/${id}`)
        .set('Cookie', phone)
        .set('Sec-Fetch-Site', 'same-origin');
      expect(res.status, id).to.equal(404);
    }
    expect((await list(bobs)).status).to.equal(200);
  });

  it('revokes every other session, keeping this one', async () => {
    const a = await device('A');
    const b = await device('B');
    const c = await device('C');
    const res = await request(server)
      .post('/auth/sessions/revoke-others')
      .set('Cookie', c)
      .set('Sec-Fetch-Site', 'same-origin');
    expect(res.body).to.deep.equal({ ok: true, ended: 2 });
    expect((await list(a)).status).to.equal(401);
    expect((await list(b)).status).to.equal(401);
    expect((await list(c)).body.sessions).to.have.length(1);
  });

  it('refuses a cross-site revocation (CSRF) and answers 401 without a session', async () => {
    const a = await device('A');
    const c = await device('C');
    const res = await request(server)
      .post('/auth/sessions/revoke-others')
      .set('Cookie', c)
      .set('Origin', 'https://evil.example');
    expect(res.status).to.equal(403);
    expect((await list(a)).status).to.equal(200);
    expect(
      (await request(server).get('/auth/sessions').set('Accept', 'application/json')).status,
    ).to.equal(401);
  });

  it('keeps the per-user index small: ended sessions are dropped as sign-ins pile up', async () => {
    const index = () => t.store.members(`usess:${t.alice.id}`);
    for (let i = 0; i < 60; i++) {
      const cookie = await device(`Script ${i}`);
      await request(server)
        .post('/test/logout')
        .set('Cookie', cookie)
        .set('Sec-Fetch-Site', 'same-origin');
    }
    // 60 sign-ins, each ended: the index was swept when it reached 51 entries
    expect((await index()).length).to.be.lessThan(15);
    const live = await device('Still here');
    expect((await list(live)).body.sessions).to.have.length(1);
  });

  it('forgets sessions that ended (sign-out) from the list', async () => {
    const a = await device('A');
    const b = await device('B');
    await request(server)
      .post('/test/logout')
      .set('Cookie', a)
      .set('Sec-Fetch-Site', 'same-origin');
    expect(((await list(b)).body.sessions as unknown[]).length).to.equal(1);
  });
});
