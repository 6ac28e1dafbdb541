import { expect } from 'chai';
import request from 'supertest';
import { MemoryStore, type Store } from '../../lib/index.js';
import { makeApp } from '../support/app.js';

/** A Store in front of a MemoryStore that can be switched to hang or to fail. */
class FaultyStore implements Store {
  mode: 'ok' | 'hang' | 'fail' = 'ok';
  readonly inner = new MemoryStore();
  private run<T>(work: () => Promise<T>): Promise<T> {
    if (this.mode === 'hang') return new Promise<T>(() => undefined);
    if (this.mode === 'fail')
      return Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379 (password=hunter2)'));
    return work();
  }
  get(key: string) {
    return this.run(() => this.inner.get(key));
  }
  set(key: string, value: string, ttl: number) {
    return this.run(() => this.inner.set(key, value, ttl));
  }
  add(key: string, value: string, ttl: number) {
    return this.run(() => this.inner.add(key, value, ttl));
  }
  take(key: string) {
    return this.run(() => this.inner.take(key));
  }
  delete(key: string) {
    return this.run(() => this.inner.delete(key));
  }
  increment(key: string, ttl: number) {
    return this.run(() => this.inner.increment(key, ttl));
  }
  addMember(key: string, m: string, ttl: number) {
    return this.run(() => this.inner.addMember(key, m, ttl));
  }
  removeMembers(key: string, ms: readonly string[]) {
    return this.run(() => this.inner.removeMembers(key, ms));
  }
  members(key: string) {
    return this.run(() => this.inner.members(key));
  }
  close() {
    return this.inner.close();
  }
}

async function setup() {
  const store = new FaultyStore();
  const t = await makeApp({ store, storeTimeout: 100 });
  const cookie = await t.auth.testing.sessionCookie(t.alice);
  const tokens = await t.auth.tokens.issue(t.alice);
  return { t, store, cookie, tokens };
}

function expectUnavailable(res: request.Response): void {
  expect(res.status).to.equal(503);
  expect(res.body).to.deep.equal({
    error: { code: 'store_unavailable', message: 'Authentication is temporarily unavailable.' },
  });
  expect(res.text).not.to.match(/ECONNREFUSED|hunter2|at .*\.js/);
}

describe('a Store that fails (fail closed: 503 store_unavailable)', () => {
  for (const mode of ['hang', 'fail'] as const) {
    describe(`when it ${mode === 'hang' ? 'does not answer' : 'rejects'}`, () => {
      it('refuses a session request instead of letting it through as anonymous', async () => {
        const { t, store, cookie } = await setup();
        store.mode = mode;
        const res = await request(t.app.callback()).get('/').set('Cookie', cookie);
        expectUnavailable(res);
        expect(t.hits.count('home')).to.equal(0);
      });

      it('refuses an access-token request', async () => {
        const { t, store, tokens } = await setup();
        store.mode = mode;
        const res = await request(t.app.callback())
          .get('/api/profile')
          .set('Authorization', `Bearer ${tokens.accessToken}`);
        expectUnavailable(res);
        expect(t.hits.count('profile')).to.equal(0);
      });

      it('refuses a refresh rotation, and the token still works once the store is back', async () => {
        const { t, store, tokens } = await setup();
        store.mode = mode;
        const res = await request(t.app.callback())
          .post('/auth/token/refresh')
          .set('Authorization', `Bearer ${tokens.refreshToken}`);
        expectUnavailable(res);
        store.mode = 'ok';
        const again = await request(t.app.callback())
          .post('/auth/token/refresh')
          .set('Authorization', `Bearer ${tokens.refreshToken}`);
        expect(again.status).to.equal(200);
      });

      it('logs the failure for the operator without secrets', async () => {
        const { t, store, cookie } = await setup();
        store.mode = mode;
        await request(t.app.callback()).get('/dashboard').set('Cookie', cookie);
        const logged = JSON.stringify(t.logger.records);
        expect(t.logger.records.some((r) => r.record.code === 'store_unavailable')).to.equal(true);
        expect(logged).not.to.include(cookie.split('=')[1]);
      });
    });
  }

  it('leaves requests without credentials alone', async () => {
    const { t, store } = await setup();
    store.mode = 'fail';
    const res = await request(t.app.callback()).get('/');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ user: null });
  });
});
