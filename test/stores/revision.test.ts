import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { MemoryStore, MemoryUserStore, Portcullis, type Store } from '../../lib/index.js';
import { MemoryLogger, secretA } from '../support/app.js';

/** A remote-looking store (no `local` flag) in front of a MemoryStore, that can be broken. */
class RemoteStore implements Store {
  broken = false;
  private readonly inner = new MemoryStore();
  private run<T>(work: () => Promise<T>): Promise<T> {
    return this.broken ? Promise.reject(new Error('connection lost')) : work();
  }
  get(k: string) {
    return this.run(() => this.inner.get(k));
  }
  set(k: string, v: string, t: number) {
    return this.run(() => this.inner.set(k, v, t));
  }
  add(k: string, v: string, t: number) {
    return this.run(() => this.inner.add(k, v, t));
  }
  take(k: string) {
    return this.run(() => this.inner.take(k));
  }
  delete(k: string) {
    return this.run(() => this.inner.delete(k));
  }
  increment(k: string, t: number) {
    return this.run(() => this.inner.increment(k, t));
  }
  addMember(k: string, m: string, t: number) {
    return this.run(() => this.inner.addMember(k, m, t));
  }
  removeMembers(k: string, ms: readonly string[]) {
    return this.run(() => this.inner.removeMembers(k, ms));
  }
  members(k: string) {
    return this.run(() => this.inner.members(k));
  }
  close() {
    return this.inner.close();
  }
}

async function twoInstances(store: Store) {
  const users = new MemoryUserStore<{ id: string; email: string }>();
  const alice = await users.create({ email: 'alice@example.com' });
  const apps = [0, 1].map(() => {
    const auth = new Portcullis({
      secret: secretA,
      users,
      store,
      logger: new MemoryLogger(),
      csrf: { allowMissingOrigin: true },
    });
    const app = new Koa();
    app.use(auth.middleware());
    app.use(async (ctx) => {
      if (ctx.path === '/logout') await ctx.logout();
      if (ctx.path === '/revoke') await auth.tokens.revoke(String(ctx.query.token));
      ctx.body = { user: (ctx.state.user as { email?: string } | undefined)?.email ?? null };
    });
    return { auth, app };
  });
  return { apps, alice };
}

describe('cached validations and revocation', () => {
  it('a sign-out through one Portcullis is honoured at once by another sharing the MemoryStore', async () => {
    const { apps, alice } = await twoInstances(new MemoryStore());
    const [a, b] = apps as [(typeof apps)[0], (typeof apps)[0]];
    const cookie = await a.auth.testing.sessionCookie(alice);
    expect((await request(b.app.callback()).get('/').set('Cookie', cookie)).body.user).to.equal(
      'alice@example.com',
    );
    await request(a.app.callback()).post('/logout').set('Cookie', cookie);
    expect((await request(b.app.callback()).get('/').set('Cookie', cookie)).body.user).to.equal(
      null,
    );
  });

  it('an access token revoked through one instance is refused at once by another', async () => {
    const { apps, alice } = await twoInstances(new MemoryStore());
    const [a, b] = apps as [(typeof apps)[0], (typeof apps)[0]];
    const { accessToken } = await a.auth.tokens.issue(alice);
    const bearer = `Bearer ${accessToken}`;
    expect(
      (await request(b.app.callback()).get('/').set('Authorization', bearer)).body.user,
    ).to.equal('alice@example.com');
    await request(a.app.callback()).get(`/revoke?token=${accessToken}`);
    expect(
      (await request(b.app.callback()).get('/').set('Authorization', bearer)).body.user,
    ).to.equal(null);
  });

  it('reads a remote store at every request, even after the same session passed', async () => {
    const store = new RemoteStore();
    const { apps, alice } = await twoInstances(store);
    const a = apps[0]!;
    const cookie = await a.auth.testing.sessionCookie(alice);
    const { accessToken } = await a.auth.tokens.issue(alice);
    expect((await request(a.app.callback()).get('/').set('Cookie', cookie)).body.user).to.equal(
      'alice@example.com',
    );
    expect(
      (await request(a.app.callback()).get('/').set('Authorization', `Bearer ${accessToken}`))
        .status,
    ).to.equal(200);
    store.broken = true;
    const session = await request(a.app.callback()).get('/').set('Cookie', cookie);
    expect(session.status).to.equal(503);
    expect(session.body.error.code).to.equal('store_unavailable');
    const bearer = await request(a.app.callback())
      .get('/')
      .set('Authorization', `Bearer ${accessToken}`);
    expect(bearer.status).to.equal(503);
  });
});
