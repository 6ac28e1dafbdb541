import { expect } from 'chai';
import type { BaseUser, Passkey, UniqueField, UserStore } from '../../lib/index.js';

/** The app user of these tests: the Portcullis fields, a password hash and fields of the app. */
export type TestUser = BaseUser & {
  passwordHash?: string;
  plan?: string;
  nickname?: string | null;
  prefs?: { theme: string; sizes: number[] };
  visits?: number;
};

/** A UserStore with every optional method. */
export type FullUserStore = Required<Omit<UserStore<TestUser>, 'local' | 'close'>> & {
  close?(): Promise<void>;
};

/** How the conformance suite gets stores of one back-end. */
export interface Backend {
  /** SQL stores drop absent fields; the memory store keeps a key whose value is undefined. */
  readonly sql: boolean;
  /** A new, empty, migrated store. */
  open(): Promise<FullUserStore>;
  /** Another store (another connection) on the data of `store`; the memory store is its own. */
  twin(store: FullUserStore): Promise<FullUserStore>;
  /** Closes every store `open` and `twin` made. */
  closeAll(): Promise<void>;
}

/** The rejection of `promise` (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** Asserts a UniqueViolation for `field`. */
export function expectUnique(err: unknown, field: UniqueField): void {
  expect(err).to.be.instanceOf(Error);
  expect(err).to.include({ name: 'UniqueViolation', field });
}

/** The value as JSON would carry it: undefined keys dropped (the memory store keeps them). */
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export const passkey = (id: string, userId: string, extra: Partial<Passkey> = {}): Passkey => ({
  id,
  userId,
  publicKey: 'pQECAyYgASFYIA',
  counter: 0,
  userHandle: 'aGFuZGxl',
  transports: ['internal', 'hybrid'],
  name: 'Passkey',
  deviceType: 'multiDevice',
  backedUp: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});

/** The UserStore contract, as MemoryUserStore keeps it, for one back-end. */
export function userStoreConformance(backend: Backend): void {
  let users: FullUserStore;
  beforeEach(async () => {
    users = await backend.open();
  });
  afterEach(() => backend.closeAll());

  describe('create() / findById() / findByEmail()', () => {
    it('assigns a UUID, and returns the columns and the app fields as given', async () => {
      const data = {
        email: 'Alice@Example.com',
        emailVerified: false,
        roles: ['admin', 'editor'],
        passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
        plan: 'pro',
        nickname: null,
        prefs: { theme: 'dark', sizes: [1, 2.5] },
        visits: 0,
      };
      const alice = await users.create(data);
      expect(alice.id).to.match(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(alice).to.deep.equal({ ...data, id: alice.id });
      expect(await users.findById(alice.id)).to.deep.equal(alice);
      expect(await users.findById('nobody')).to.equal(undefined);
    });

    it('finds by email case-insensitively', async () => {
      const bob = await users.create({ email: 'Bob@Example.com' });
      expect((await users.findByEmail('bob@example.com'))?.id).to.equal(bob.id);
      expect((await users.findByEmail('BOB@EXAMPLE.COM'))?.id).to.equal(bob.id);
      expect(await users.findByEmail('bob@example.org')).to.equal(undefined);
    });

    it('keeps a given id, and refuses a taken one with UniqueViolation id', async () => {
      const carol = await users.create({ id: 'user-1', email: 'carol@example.com' });
      expect(carol.id).to.equal('user-1');
      expectUnique(await rejection(users.create({ id: 'user-1', plan: 'x' })), 'id');
      expect(plain(await users.findById('user-1'))).to.deep.equal({
        id: 'user-1',
        email: 'carol@example.com',
      });
    });

    it('refuses an email taken in another case with UniqueViolation email', async () => {
      const dan = await users.create({ email: 'dan@example.com' });
      expectUnique(await rejection(users.create({ email: 'DAN@example.COM' })), 'email');
      expect((await users.findByEmail('Dan@Example.com'))?.id).to.equal(dan.id);
    });

    it('allows any number of users without an email (guests)', async () => {
      const a = await users.create({ anonymous: true });
      const b = await users.create({ anonymous: true });
      expect(a.id).to.not.equal(b.id);
      expect(plain(await users.findById(b.id))).to.deep.equal({ id: b.id, anonymous: true });
    });

    it('of 50 concurrent sign-ups with one email (two connections), exactly one wins', async () => {
      const other = await backend.twin(users);
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 ? users : other).create({
            email: i % 3 ? 'race@example.com' : 'RACE@example.com',
          }),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).to.have.length(1);
      expect(lost).to.have.length(49);
      for (const r of lost) expectUnique(r.reason, 'email');
      expect((await users.findByEmail('race@example.com'))?.id).to.equal(won[0]!.value.id);
    });
  });

  describe('update()', () => {
    it('merges a patch into the app fields and the columns, and returns the user', async () => {
      const erin = await users.create({ email: 'erin@example.com', plan: 'free', visits: 1 });
      const updated = await users.update(erin.id, {
        emailVerified: true,
        roles: ['admin'],
        passwordHash: 'hash-1',
        visits: 2,
        prefs: { theme: 'light', sizes: [] },
      });
      const expected = {
        id: erin.id,
        email: 'erin@example.com',
        emailVerified: true,
        roles: ['admin'],
        passwordHash: 'hash-1',
        plan: 'free',
        visits: 2,
        prefs: { theme: 'light', sizes: [] },
      };
      expect(plain(updated)).to.deep.equal(expected);
      expect(plain(await users.findById(erin.id))).to.deep.equal(expected);
    });

    it('removes a field set to undefined (a column or an app field)', async () => {
      const fay = await users.create({ email: 'fay@example.com', plan: 'pro', passwordHash: 'h' });
      await users.update(fay.id, { plan: undefined, passwordHash: undefined, nickname: 'F' });
      const found = await users.findById(fay.id);
      expect(plain(found)).to.deep.equal({ id: fay.id, email: 'fay@example.com', nickname: 'F' });
      expect(found?.plan).to.equal(undefined);
      expect(found?.passwordHash).to.equal(undefined);
    });

    it('changes the email, refusing one taken in another case', async () => {
      const gus = await users.create({ email: 'gus@example.com' });
      await users.create({ email: 'hal@example.com' });
      expectUnique(await rejection(users.update(gus.id, { email: 'HAL@example.com' })), 'email');
      expect((await users.findById(gus.id))?.email).to.equal('gus@example.com');
      expect((await users.update(gus.id, { email: 'Gus@Example.com' }))?.email).to.equal(
        'Gus@Example.com',
      );
      await users.update(gus.id, { email: 'gus2@example.com' });
      expect(await users.findByEmail('gus@example.com')).to.equal(undefined);
      expect((await users.findByEmail('GUS2@example.com'))?.id).to.equal(gus.id);
    });

    it('returns undefined for an unknown id, and never changes the id', async () => {
      expect(await users.update('nobody', { plan: 'pro' })).to.equal(undefined);
      expect(await users.findById('nobody')).to.equal(undefined);
      const ida = await users.create({ email: 'ida@example.com' });
      const patch = { id: 'other', plan: 'pro' } as Partial<Omit<TestUser, 'id'>>;
      expect((await users.update(ida.id, patch))?.id).to.equal(ida.id);
      expect(await users.findById('other')).to.equal(undefined);
    });
  });

  describe('linked accounts', () => {
    it('links, finds by account, lists, and unlinks', async () => {
      const jo = await users.create({ email: 'jo@example.com' });
      await users.linkAccount(jo.id, { provider: 'github', subject: '42', email: 'jo@gh.example' });
      await users.linkAccount(jo.id, { provider: 'google', subject: 'g-1' });
      expect((await users.findByAccount('github', '42'))?.id).to.equal(jo.id);
      expect(await users.findByAccount('github', '43')).to.equal(undefined);
      expect(await users.findByAccount('google', '42')).to.equal(undefined);
      const sorted = async () =>
        plain(await users.accountsOf(jo.id)).sort((a, b) => a.provider.localeCompare(b.provider));
      expect(await sorted()).to.deep.equal([
        { provider: 'github', subject: '42', email: 'jo@gh.example' },
        { provider: 'google', subject: 'g-1' },
      ]);
      await users.unlinkAccount(jo.id, 'github');
      expect(await users.findByAccount('github', '42')).to.equal(undefined);
      expect(await sorted()).to.deep.equal([{ provider: 'google', subject: 'g-1' }]);
      await users.unlinkAccount(jo.id, 'github'); // nothing to unlink: not an error
      expect(await users.accountsOf('nobody')).to.deep.equal([]);
    });

    it('is idempotent, and a new account of the same provider replaces the old one', async () => {
      const kim = await users.create({ email: 'kim@example.com' });
      await users.linkAccount(kim.id, { provider: 'github', subject: '1' });
      await users.linkAccount(kim.id, { provider: 'github', subject: '1' });
      expect(plain(await users.accountsOf(kim.id))).to.deep.equal([
        { provider: 'github', subject: '1' },
      ]);
      await users.linkAccount(kim.id, { provider: 'github', subject: '2', email: 'k@gh' });
      expect(plain(await users.accountsOf(kim.id))).to.deep.equal([
        { provider: 'github', subject: '2', email: 'k@gh' },
      ]);
      expect(await users.findByAccount('github', '1')).to.equal(undefined);
    });

    it("refuses another user's account with UniqueViolation account, changing nothing", async () => {
      const lea = await users.create({ email: 'lea@example.com' });
      const max = await users.create({ email: 'max@example.com' });
      await users.linkAccount(lea.id, { provider: 'github', subject: '7' });
      await users.linkAccount(max.id, { provider: 'github', subject: '8' });
      const taken = { provider: 'github', subject: '7' };
      expectUnique(await rejection(users.linkAccount(max.id, taken)), 'account');
      expect((await users.findByAccount('github', '7'))?.id).to.equal(lea.id);
      expect(plain(await users.accountsOf(max.id))).to.deep.equal([
        { provider: 'github', subject: '8' },
      ]);
    });

    it('of two users linking one account at once, exactly one gets it', async () => {
      const other = await backend.twin(users);
      const [a, b] = await Promise.all([users.create({}), users.create({})]);
      const account = { provider: 'gitlab', subject: 'same' };
      const results = await Promise.allSettled([
        users.linkAccount(a.id, account),
        other.linkAccount(b.id, account),
      ]);
      const lost = results.filter((r) => r.status === 'rejected');
      expect(lost).to.have.length(1);
      expectUnique(lost[0]!.reason, 'account');
      const owner = await users.findByAccount('gitlab', 'same');
      expect(owner?.id).to.equal(results[0].status === 'fulfilled' ? a.id : b.id);
    });

    it('rejects an unknown user with a plain Error', async () => {
      const err = await rejection(users.linkAccount('ghost', { provider: 'github', subject: '9' }));
      expect(err.name).to.equal('Error');
      expect(err.message).to.match(/no user ghost/);
      expect(await users.findByAccount('github', '9')).to.equal(undefined);
    });
  });

  describe('passkeys', () => {
    it('saves, finds by credential id, and lists per user', async () => {
      const a = await users.create({ email: 'pa@example.com' });
      const b = await users.create({ email: 'pb@example.com' });
      await users.savePasskey(a.id, passkey('cred-a1', a.id));
      await users.savePasskey(a.id, passkey('cred-a2', 'ignored', { counter: 4294967295 }));
      await users.savePasskey(b.id, passkey('cred-b1', b.id, { lastUsedAt: undefined }));
      expect(await users.findPasskey('cred-a1')).to.deep.equal(passkey('cred-a1', a.id));
      expect(await users.findPasskey('cred-a2')).to.deep.include({
        userId: a.id,
        counter: 4294967295,
      });
      expect(await users.findPasskey('cred-none')).to.equal(undefined);
      expect((await users.passkeysOf(a.id)).map((p) => p.id)).to.deep.equal(['cred-a1', 'cred-a2']);
      expect(await users.passkeysOf('nobody')).to.deep.equal([]);
    });

    it('keeps a passkey without transports or lastUsedAt as such', async () => {
      const a = await users.create({});
      await users.savePasskey(a.id, passkey('cred-1', a.id, { transports: undefined }));
      const found = (await users.findPasskey('cred-1'))!;
      expect(found.transports).to.equal(undefined);
      expect(found.lastUsedAt).to.equal(undefined);
      expect(plain(found)).to.deep.equal(plain(passkey('cred-1', a.id, { transports: undefined })));
    });

    it('refuses a taken credential id with UniqueViolation passkey, and an unknown user', async () => {
      const a = await users.create({});
      const b = await users.create({});
      await users.savePasskey(a.id, passkey('cred-1', a.id));
      expectUnique(await rejection(users.savePasskey(b.id, passkey('cred-1', b.id))), 'passkey');
      const err = await rejection(users.savePasskey('ghost', passkey('cred-2', 'ghost')));
      expect(err.name).to.equal('Error');
      expect(err.message).to.match(/no user ghost/);
      expect((await users.findPasskey('cred-1'))?.userId).to.equal(a.id);
      expect(await users.findPasskey('cred-2')).to.equal(undefined);
    });

    it("updates and deletes only the owner's passkey", async () => {
      const a = await users.create({});
      const b = await users.create({});
      await users.savePasskey(a.id, passkey('cred-1', a.id));
      expect(await users.updatePasskey(b.id, 'cred-1', { name: 'Stolen' })).to.equal(undefined);
      expect(await users.deletePasskey(b.id, 'cred-1')).to.equal(false);
      const patch = {
        counter: 7,
        name: 'Phone',
        backedUp: false,
        lastUsedAt: '2026-02-03T04:05:06.789Z',
      };
      const updated = await users.updatePasskey(a.id, 'cred-1', patch);
      expect(updated).to.deep.equal(passkey('cred-1', a.id, patch));
      expect(await users.findPasskey('cred-1')).to.deep.equal(updated);
      expect(await users.updatePasskey(a.id, 'cred-none', { counter: 1 })).to.equal(undefined);
      expect(await users.deletePasskey(a.id, 'cred-1')).to.equal(true);
      expect(await users.deletePasskey(a.id, 'cred-1')).to.equal(false);
      expect(await users.findPasskey('cred-1')).to.equal(undefined);
    });

    it('hands out copies', async () => {
      const a = await users.create({});
      await users.savePasskey(a.id, passkey('cred-1', a.id));
      const found = (await users.findPasskey('cred-1'))!;
      found.counter = 99;
      found.transports!.push('usb');
      (await users.passkeysOf(a.id))[0]!.transports!.push('nfc');
      expect(await users.findPasskey('cred-1')).to.deep.equal(passkey('cred-1', a.id));
    });
  });

  describe('delete()', () => {
    it('deletes the user with their accounts and passkeys, and frees the email', async () => {
      const nia = await users.create({ email: 'nia@example.com' });
      const oli = await users.create({ email: 'oli@example.com' });
      await users.linkAccount(nia.id, { provider: 'github', subject: '5' });
      await users.savePasskey(nia.id, passkey('cred-n', nia.id));
      await users.linkAccount(oli.id, { provider: 'github', subject: '6' });
      await users.savePasskey(oli.id, passkey('cred-o', oli.id));
      await users.delete(nia.id);
      expect(await users.findById(nia.id)).to.equal(undefined);
      expect(await users.findByEmail('nia@example.com')).to.equal(undefined);
      expect(await users.findByAccount('github', '5')).to.equal(undefined);
      expect(await users.accountsOf(nia.id)).to.deep.equal([]);
      expect(await users.findPasskey('cred-n')).to.equal(undefined);
      expect(await users.passkeysOf(nia.id)).to.deep.equal([]);
      expect((await users.findByAccount('github', '6'))?.id).to.equal(oli.id);
      expect((await users.findPasskey('cred-o'))?.userId).to.equal(oli.id);
      const again = await users.create({ email: 'NIA@example.com' });
      await users.linkAccount(again.id, { provider: 'github', subject: '5' });
      expect((await users.findByAccount('github', '5'))?.id).to.equal(again.id);
      await users.delete('nobody'); // not an error
    });
  });
}
