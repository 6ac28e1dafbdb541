import { expect } from 'chai';
import { NotMigratedError } from '../../lib/stores/sql/records.js';
import { rejection } from './user-store-suite.js';
import type { Backend, FullUserStore } from './user-store-suite.js';

/** A SQL store, with its migrate(). */
export type SqlStore = FullUserStore & { migrate(): Promise<number[]> };

/** The schema or SQL-specific tests ask a SQL back-end for: raw rows, fresh unmigrated stores. */
export interface SqlBackend extends Backend {
  /** Two stores on one new, unmigrated database (two connections). */
  fresh(): Promise<[SqlStore, SqlStore]>;
  /** The users row of `id` as the database has it (booleans as booleans, JSON parsed). */
  row(store: FullUserStore, id: string): Promise<Record<string, unknown>>;
}

/** What the SQL stores add to the contract: migrations, and how a user maps onto columns. */
export function sqlSuite(backend: SqlBackend): void {
  afterEach(() => backend.closeAll());

  it('migrate() applies version 1 once: a second call applies nothing', async () => {
    const [store] = await backend.fresh();
    expect(await store.migrate()).to.deep.equal([1]);
    expect(await store.migrate()).to.deep.equal([]);
    expect((await store.create({ email: 'm@example.com' })).email).to.equal('m@example.com');
  });

  it('two concurrent migrate() calls on a fresh database both succeed, once', async () => {
    const [a, b] = await backend.fresh();
    const results = await Promise.all([a.migrate(), b.migrate()]);
    expect(results.flat()).to.deep.equal([1]);
    expect(await b.findById('x')).to.equal(undefined);
  });

  it('says to run migrate() when the tables do not exist', async () => {
    const [store] = await backend.fresh();
    const err = await rejection(store.findByEmail('a@example.com'));
    expect(err).to.be.instanceOf(NotMigratedError);
    expect(err.message)
      .to.match(/migrate\(\)/)
      .and.match(/npx portcullis migrate --db/);
    expect(await rejection(store.create({}))).to.be.instanceOf(NotMigratedError);
  });

  it('keeps id, email, emailVerified, anonymous, roles, passwordHash in columns, the rest in data', async () => {
    const users = await backend.open();
    const u = await users.create({
      email: 'Row@Example.com',
      emailVerified: true,
      roles: ['admin'],
      passwordHash: 'h',
      plan: 'pro',
      prefs: { theme: 'dark', sizes: [1] },
      visits: undefined,
    });
    const row = await backend.row(users, u.id);
    expect(row).to.deep.include({
      id: u.id,
      email: 'Row@Example.com',
      email_verified: true,
      anonymous: null,
      roles: ['admin'],
      password_hash: 'h',
      data: { plan: 'pro', prefs: { theme: 'dark', sizes: [1] } },
    });
    expect(row.created_at).to.be.a('string').and.not.equal('');
  });

  it('returns no key (and no null) for a field the user does not have', async () => {
    const users = await backend.open();
    const u = await users.create({ email: undefined, plan: 'free' });
    expect(u).to.deep.equal({ id: u.id, plan: 'free' });
    expect(await users.findById(u.id)).to.deep.equal({ id: u.id, plan: 'free' });
    expect(await users.update(u.id, { plan: undefined })).to.deep.equal({ id: u.id });
  });
}
