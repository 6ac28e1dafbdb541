import { expect } from 'chai';
import { MemoryStore, MemoryUserStore } from '../../lib/index.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('MemoryStore', () => {
  let store: MemoryStore;
  beforeEach(() => {
    store = new MemoryStore();
  });
  afterEach(() => store.close());

  it('gets what was set, until its TTL passes', async () => {
    await store.set('k', 'v', 40);
    expect(await store.get('k')).to.equal('v');
    await wait(60);
    expect(await store.get('k')).to.equal(undefined);
  });

  it('add() sets only when absent', async () => {
    expect(await store.add('k', '1', 1000)).to.equal(true);
    expect(await store.add('k', '2', 1000)).to.equal(false);
    expect(await store.get('k')).to.equal('1');
  });

  it('take() gives the value to exactly one of 50 concurrent takers', async () => {
    await store.set('once', 'prize', 1000);
    const results = await Promise.all(Array.from({ length: 50 }, () => store.take('once')));
    expect(results.filter((r) => r === 'prize')).to.have.length(1);
    expect(await store.get('once')).to.equal(undefined);
  });

  it('increment() counts from 1 and keeps the first TTL', async () => {
    expect(await store.increment('c', 40)).to.equal(1);
    expect(await store.increment('c', 10_000)).to.equal(2);
    await wait(60);
    expect(await store.increment('c', 1000)).to.equal(1);
  });

  it('delete() removes, and a missing key is not an error', async () => {
    await store.set('k', 'v', 1000);
    await store.delete('k');
    await store.delete('never');
    expect(await store.get('k')).to.equal(undefined);
    expect(store.size).to.equal(0);
  });
});

describe('MemoryUserStore', () => {
  it('creates, finds (email case-insensitively), updates and deletes users', async () => {
    const users = new MemoryUserStore<{ id: string; email: string; name?: string }>();
    const u = await users.create({ email: 'Ann@Example.com' });
    expect(u.id).to.match(/^[0-9a-f-]{36}$/);
    expect((await users.findByEmail('ann@example.com'))?.id).to.equal(u.id);
    expect((await users.update(u.id, { name: 'Ann' }))?.name).to.equal('Ann');
    await users.delete(u.id);
    expect(await users.findById(u.id)).to.equal(undefined);
    expect(await users.update(u.id, { name: 'x' })).to.equal(undefined);
  });

  it('refuses a second user with the same email or id', async () => {
    const users = new MemoryUserStore<{ id: string; email: string }>();
    await users.create({ id: 'u1', email: 'a@example.com' });
    let err: unknown;
    try {
      await users.create({ email: 'A@example.com' });
    } catch (e) {
      err = e;
    }
    expect(err).to.include({ name: 'UniqueViolation', field: 'email' });
    err = undefined;
    try {
      await users.create({ id: 'u1', email: 'b@example.com' });
    } catch (e) {
      err = e;
    }
    expect(err).to.include({ name: 'UniqueViolation', field: 'id' });
  });
});
