import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import {
  MemoryStore,
  MemoryUserStore,
  type Passkey,
  Portcullis,
  type PortcullisOptions,
  type Store,
} from '../../lib/index.js';
import { MemoryLogger, secretA } from '../support/app.js';
import { sleep } from '../support/tokens.js';

interface User {
  id: string;
  email?: string;
}

/**
 * A MemoryUserStore that answers every call after `delayMs`, as a database does, and says it
 * is not local (so Portcullis races its calls against `storeTimeout`). `stallMs` > 0 blocks the
 * event loop that long inside `passkeysOf` (a GC pause, a busy instance).
 */
class SlowUserStore {
  readonly inner = new MemoryUserStore<User>();
  readonly local = false;
  stallMs = 0;
  constructor(private readonly delayMs = 20) {
    for (const name of Object.getOwnPropertyNames(MemoryUserStore.prototype)) {
      if (name === 'constructor') continue;
      const fn = (this.inner as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[
        name
      ]!;
      (this as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
        await sleep(this.delayMs);
        if (name === 'passkeysOf' && this.stallMs > 0) {
          const until = Date.now() + this.stallMs;
          while (Date.now() < until); // blocks, as a stalled instance does
        }
        return fn.apply(this.inner, args);
      };
    }
  }
}

/** A Store in front of a MemoryStore whose `add` can fail or hang, and whose `delete` can be lost. */
class FlakyStore implements Store {
  readonly inner = new MemoryStore();
  add_: 'ok' | 'fail' | 'hang' = 'ok';
  /** Deletes are acknowledged and dropped, as when the instance holding a lease dies. */
  loseDeletes = false;
  get = (k: string) => this.inner.get(k);
  set = (k: string, v: string, ttl: number) => this.inner.set(k, v, ttl);
  add = (k: string, v: string, ttl: number): Promise<boolean> => {
    if (this.add_ === 'hang') return new Promise(() => undefined);
    if (this.add_ === 'fail') return Promise.reject(new Error('ECONNREFUSED (password=hunter2)'));
    return this.inner.add(k, v, ttl);
  };
  take = (k: string) => this.inner.take(k);
  delete = (k: string) => (this.loseDeletes ? Promise.resolve() : this.inner.delete(k));
  increment = (k: string, ttl: number) => this.inner.increment(k, ttl);
  addMember = (k: string, m: string, ttl: number) => this.inner.addMember(k, m, ttl);
  removeMembers = (k: string, ms: readonly string[]) => this.inner.removeMembers(k, ms);
  members = (k: string) => this.inner.members(k);
  close = () => this.inner.close();
}

function passkey(userId: string, n: number): Passkey {
  return {
    id: `credential-${n}-${'A'.repeat(32)}`,
    userId,
    publicKey: 'AQID',
    counter: 0,
    userHandle: 'handle',
    name: `Key ${n}`,
    deviceType: 'singleDevice',
    backedUp: false,
    createdAt: new Date(Date.UTC(2026, 0, n)).toISOString(),
  };
}

/** An app on a slow UserStore; `ways` are the user's methods: `github`, `gitlab`, `key1`, `key2`. */
async function setup(ways: string[], options: Partial<PortcullisOptions<User>> = {}) {
  const users = new SlowUserStore();
  const user = await users.inner.create({ email: 'ada@example.com' });
  for (const way of ways) {
    if (way.startsWith('key')) await users.inner.savePasskey(user.id, passkey(user.id, +way[3]!));
    else await users.inner.linkAccount(user.id, { provider: way, subject: `${way}-1` });
  }
  const store = options.store ?? new MemoryStore();
  const auth = new Portcullis<User>({
    secret: secretA,
    users: users as unknown as MemoryUserStore<User>,
    logger: new MemoryLogger(),
    ...options,
    store,
  });
  const app = new Koa().use(auth.middleware()).use(auth.routes());
  const cookie = await auth.testing.sessionCookie(user);
  const server = app.callback();
  /** `DELETE` one way in (a provider's name, or `keyN`), from the app's own page. */
  const remove = (way: string) =>
    request(server)
      .delete(
        way.startsWith('key')
          ? `/auth/passkeys/${passkey(user.id, +way[3]!).id}`
          : `/auth/accounts/${way}`,
      )
      .set('Cookie', cookie)
      .set('Sec-Fetch-Site', 'same-origin')
      .set('Accept', 'application/json');
  const left = async (): Promise<string[]> => [
    ...(await users.inner.accountsOf(user.id)).map((a) => a.provider),
    ...(await users.inner.passkeysOf(user.id)).map((p) => `key${p.name.slice(4)}`),
  ];
  return { users, auth, remove, left };
}

describe('one change to a user\'s ways in at a time (the "ways in" lease)', function () {
  this.timeout(10_000);

  for (const ways of [
    ['github', 'key1'],
    ['key1', 'key2'],
    ['github', 'gitlab'],
  ]) {
    it(`of two concurrent removals of ${ways.join(' and ')}, the only ways in, one succeeds and one answers 409 change_in_progress`, async () => {
      const { remove, left } = await setup(ways);
      const answers = await Promise.all(ways.map((way) => remove(way)));
      const statuses = answers.map((res) => res.status).sort();
      expect(statuses, JSON.stringify(answers.map((r) => r.body))).to.deep.equal([200, 409]);
      const refused = answers.find((res) => res.status === 409)!;
      expect(refused.body.error.code).to.equal('change_in_progress');
      const kept = await left();
      expect(kept).to.have.length(1); // still one way in
      // tried again, the check runs on what is there now
      const again = await remove(kept[0]!);
      expect(again.status).to.equal(409);
      expect(again.body.error.code).to.equal('last_sign_in_method');
      expect(await left()).to.deep.equal(kept);
    });
  }

  it('lets the user go on once a lease left behind (its instance died) expires', async () => {
    const store = new FlakyStore();
    const { remove, left } = await setup(['github', 'gitlab', 'key1'], {
      store,
      storeTimeout: 100, // a lease lives 5 × storeTimeout: 500 ms
    });
    store.loseDeletes = true;
    expect((await remove('github')).status).to.equal(200);
    store.loseDeletes = false;
    const blocked = await remove('gitlab');
    expect(blocked.status).to.equal(409);
    expect(blocked.body.error.code).to.equal('change_in_progress');
    await sleep(600);
    expect((await remove('gitlab')).status).to.equal(200);
    expect(await left()).to.deep.equal(['key1']);
  });

  for (const mode of ['fail', 'hang'] as const) {
    it(`answers 503 store_unavailable and removes nothing when the Store ${mode === 'fail' ? 'rejects' : 'does not answer'} the lease`, async () => {
      const store = new FlakyStore();
      const { remove, left } = await setup(['github', 'key1', 'key2'], {
        store,
        storeTimeout: 100,
      });
      store.add_ = mode;
      for (const way of ['github', 'key1']) {
        const res = await remove(way);
        expect(res.status, way).to.equal(503);
        expect(res.body.error.code).to.equal('store_unavailable');
        expect(res.text).not.to.contain('hunter2');
      }
      expect(await left()).to.deep.equal(['github', 'key1', 'key2']);
    });
  }

  for (const way of ['github', 'key1']) {
    it(`answers 503 and keeps ${way} when the instance stalled so long the lease may have run out`, async () => {
      const { users, remove, left } = await setup(['github', 'key1', 'key2'], {
        storeTimeout: 100,
      });
      users.stallMs = 450; // the lease lives 500 ms; the removal itself may take 125 ms
      const res = await remove(way);
      expect(res.status).to.equal(503);
      expect(res.body.error.code).to.equal('store_unavailable');
      users.stallMs = 0;
      expect(await left()).to.deep.equal(['github', 'key1', 'key2']);
    });
  }
});
