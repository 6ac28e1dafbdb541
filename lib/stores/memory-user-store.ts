import { randomUUID } from 'node:crypto';
import { UniqueViolation } from './types.js';
import type { BaseUser, LinkedAccount, UserStore } from './types.js';
import type { Passkey, PasskeyPatch } from './passkey.js';

/**
 * A {@link UserStore} in memory, for development and tests. Emails are unique
 * (case-insensitively); ids are UUIDs unless given.
 *
 * @example
 * ```ts
 * const users = new MemoryUserStore<{ id: string; email: string; roles?: string[] }>();
 * const alice = await users.create({ email: 'alice@example.com', roles: ['admin'] });
 * ```
 */
export class MemoryUserStore<User extends BaseUser = BaseUser> implements UserStore<User> {
  private readonly byId = new Map<string, User>();
  private readonly idByEmail = new Map<string, string>();
  private readonly idByAccount = new Map<string, string>();
  private readonly accounts = new Map<string, LinkedAccount[]>();
  private readonly passkeys = new Map<string, Passkey>();

  /** Marks this store as in-process, so no timeout race is needed around its calls. */
  readonly local = true;

  findById(id: string): Promise<User | undefined> {
    return Promise.resolve(this.byId.get(id));
  }

  findByEmail(email: string): Promise<User | undefined> {
    const id = this.idByEmail.get(email.toLowerCase());
    return Promise.resolve(id === undefined ? undefined : this.byId.get(id));
  }

  create(data: Omit<User, 'id'> & { id?: string }): Promise<User> {
    const id = data.id ?? randomUUID();
    if (this.byId.has(id)) return Promise.reject(new UniqueViolation('id'));
    const email = data.email?.toLowerCase();
    if (email !== undefined && this.idByEmail.has(email)) {
      return Promise.reject(new UniqueViolation('email'));
    }
    const user = { ...data, id } as User;
    this.byId.set(id, user);
    if (email !== undefined) this.idByEmail.set(email, id);
    return Promise.resolve(user);
  }

  update(id: string, patch: Partial<Omit<User, 'id'>>): Promise<User | undefined> {
    const user = this.byId.get(id);
    if (!user) return Promise.resolve(undefined);
    const updated = { ...user, ...patch, id } as User;
    const before = user.email?.toLowerCase();
    const after = updated.email?.toLowerCase();
    if (after !== before) {
      if (after !== undefined && this.idByEmail.has(after)) {
        return Promise.reject(new UniqueViolation('email'));
      }
      if (before !== undefined) this.idByEmail.delete(before);
      if (after !== undefined) this.idByEmail.set(after, id);
    }
    this.byId.set(id, updated);
    return Promise.resolve(updated);
  }

  delete(id: string): Promise<void> {
    const email = this.byId.get(id)?.email?.toLowerCase();
    if (email !== undefined) this.idByEmail.delete(email);
    for (const a of this.accounts.get(id) ?? [])
      this.idByAccount.delete(accountKey(a.provider, a.subject));
    this.accounts.delete(id);
    for (const p of [...this.passkeys.values()]) if (p.userId === id) this.passkeys.delete(p.id);
    this.byId.delete(id);
    return Promise.resolve();
  }

  findByAccount(provider: string, subject: string): Promise<User | undefined> {
    const id = this.idByAccount.get(accountKey(provider, subject));
    return Promise.resolve(id === undefined ? undefined : this.byId.get(id));
  }

  linkAccount(userId: string, account: LinkedAccount): Promise<void> {
    if (!this.byId.has(userId))
      return Promise.reject(new Error(`MemoryUserStore: no user ${userId}`));
    const key = accountKey(account.provider, account.subject);
    const owner = this.idByAccount.get(key);
    if (owner !== undefined && owner !== userId) {
      return Promise.reject(new UniqueViolation('account'));
    }
    const list = (this.accounts.get(userId) ?? []).filter((a) => a.provider !== account.provider);
    for (const a of this.accounts.get(userId) ?? []) {
      if (a.provider === account.provider)
        this.idByAccount.delete(accountKey(a.provider, a.subject));
    }
    list.push({ ...account });
    this.accounts.set(userId, list);
    this.idByAccount.set(key, userId);
    return Promise.resolve();
  }

  unlinkAccount(userId: string, provider: string): Promise<void> {
    const list = this.accounts.get(userId) ?? [];
    for (const a of list)
      if (a.provider === provider) this.idByAccount.delete(accountKey(a.provider, a.subject));
    this.accounts.set(
      userId,
      list.filter((a) => a.provider !== provider),
    );
    return Promise.resolve();
  }

  accountsOf(userId: string): Promise<LinkedAccount[]> {
    return Promise.resolve((this.accounts.get(userId) ?? []).map((a) => ({ ...a })));
  }

  passkeysOf(userId: string): Promise<Passkey[]> {
    const mine = [...this.passkeys.values()].filter((p) => p.userId === userId);
    return Promise.resolve(mine.map(copyPasskey));
  }

  findPasskey(credentialId: string): Promise<Passkey | undefined> {
    const p = this.passkeys.get(credentialId);
    return Promise.resolve(p && copyPasskey(p));
  }

  savePasskey(userId: string, passkey: Passkey): Promise<void> {
    if (!this.byId.has(userId))
      return Promise.reject(new Error(`MemoryUserStore: no user ${userId}`));
    if (this.passkeys.has(passkey.id)) return Promise.reject(new UniqueViolation('passkey'));
    this.passkeys.set(passkey.id, copyPasskey({ ...passkey, userId }));
    return Promise.resolve();
  }

  updatePasskey(
    userId: string,
    credentialId: string,
    patch: PasskeyPatch,
  ): Promise<Passkey | undefined> {
    const p = this.passkeys.get(credentialId);
    if (!p || p.userId !== userId) return Promise.resolve(undefined);
    const updated = copyPasskey({ ...p, ...patch, id: p.id, userId });
    this.passkeys.set(p.id, updated);
    return Promise.resolve(copyPasskey(updated));
  }

  deletePasskey(userId: string, credentialId: string): Promise<boolean> {
    const p = this.passkeys.get(credentialId);
    if (!p || p.userId !== userId) return Promise.resolve(false);
    this.passkeys.delete(credentialId);
    return Promise.resolve(true);
  }
}

function copyPasskey(p: Passkey): Passkey {
  return { ...p, transports: p.transports && [...p.transports] };
}

function accountKey(provider: string, subject: string): string {
  return `${provider}\u0000${subject}`;
}
