import { expect } from 'chai';

/** The public entry points, as an app imports them (the package's `exports`). */
describe('portcullis, portcullis/stores, portcullis/testing', () => {
  it('keeps the store back-ends out of the root, in portcullis/stores', async () => {
    const root = (await import('portcullis')) as Record<string, unknown>;
    const stores = (await import('portcullis/stores')) as Record<string, unknown>;
    for (const name of ['RedisStore', 'SqliteStore', 'SqliteUserStore', 'PostgresUserStore']) {
      expect(root[name], `portcullis exports ${name}`).to.equal(undefined);
      expect(stores[name], `portcullis/stores lacks ${name}`).to.be.a('function');
    }
    // what an app needs on day one stays at the root
    for (const name of ['Portcullis', 'MemoryStore', 'MemoryUserStore', 'AuthError']) {
      expect(root[name], `portcullis lacks ${name}`).to.be.a('function');
    }
  });

  it('exports RequestAuth as a type only, and the test kit from portcullis/testing', async () => {
    const root = (await import('portcullis')) as Record<string, unknown>;
    expect(root.RequestAuth).to.equal(undefined);
    const testing = (await import('portcullis/testing')) as Record<string, unknown>;
    expect(testing.MemoryMailer).to.be.a('function');
  });
});
