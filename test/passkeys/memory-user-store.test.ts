import { expect } from 'chai';
import { MemoryUserStore, type Passkey } from '../../lib/index.js';

describe('MemoryUserStore: passkey methods', () => {
  const passkey = (id: string, userId: string): Passkey => ({
    id,
    userId,
    publicKey: 'pQECAyYgASFYIA',
    counter: 0,
    userHandle: 'aGFuZGxl',
    transports: ['internal'],
    name: 'Passkey',
    deviceType: 'singleDevice',
    backedUp: false,
    createdAt: '2026-01-01T00:00:00.000Z',
  });

  it('saves, finds by credential id, and lists per user', async () => {
    const users = new MemoryUserStore();
    const a = await users.create({ email: 'a@example.com' });
    const b = await users.create({ email: 'b@example.com' });
    await users.savePasskey(a.id, passkey('cred-a1', a.id));
    await users.savePasskey(a.id, passkey('cred-a2', a.id));
    await users.savePasskey(b.id, passkey('cred-b1', b.id));
    expect((await users.findPasskey('cred-b1'))?.userId).to.equal(b.id);
    expect(await users.findPasskey('cred-none')).to.equal(undefined);
    expect((await users.passkeysOf(a.id)).map((p) => p.id)).to.deep.equal(['cred-a1', 'cred-a2']);
    expect(await users.passkeysOf('nobody')).to.deep.equal([]);
  });

  it('refuses a credential id that exists (whoever has it), and an unknown user', async () => {
    const users = new MemoryUserStore();
    const a = await users.create({ email: 'a@example.com' });
    const b = await users.create({ email: 'b@example.com' });
    await users.savePasskey(a.id, passkey('cred-1', a.id));
    let err: unknown;
    await users.savePasskey(b.id, passkey('cred-1', b.id)).catch((e: unknown) => (err = e));
    expect((err as { name?: string }).name).to.equal('UniqueViolation');
    err = undefined;
    await users.savePasskey('ghost', passkey('cred-2', 'ghost')).catch((e: unknown) => (err = e));
    expect(String(err)).to.match(/no user ghost/);
    expect((await users.findPasskey('cred-1'))?.userId).to.equal(a.id);
  });

  it("updates and deletes only the owner's passkey", async () => {
    const users = new MemoryUserStore();
    const a = await users.create({ email: 'a@example.com' });
    const b = await users.create({ email: 'b@example.com' });
    await users.savePasskey(a.id, passkey('cred-1', a.id));
    expect(await users.updatePasskey(b.id, 'cred-1', { name: 'Stolen' })).to.equal(undefined);
    expect(await users.deletePasskey(b.id, 'cred-1')).to.equal(false);
    const updated = await users.updatePasskey(a.id, 'cred-1', { counter: 7, name: 'Phone' });
    expect(updated).to.include({ id: 'cred-1', userId: a.id, counter: 7, name: 'Phone' });
    expect(await users.deletePasskey(a.id, 'cred-1')).to.equal(true);
    expect(await users.findPasskey('cred-1')).to.equal(undefined);
  });

  it('hands out copies, and deleting a user deletes their passkeys', async () => {
    const users = new MemoryUserStore();
    const a = await users.create({ email: 'a@example.com' });
    await users.savePasskey(a.id, passkey('cred-1', a.id));
    const found = (await users.findPasskey('cred-1'))!;
    found.counter = 99;
    found.transports!.push('usb');
    expect(await users.findPasskey('cred-1')).to.include({ counter: 0 });
    expect((await users.findPasskey('cred-1'))!.transports).to.deep.equal(['internal']);
    await users.delete(a.id);
    expect(await users.findPasskey('cred-1')).to.equal(undefined);
  });
});
