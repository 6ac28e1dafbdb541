import { randomUUID } from 'node:crypto';
import type { BaseUser, UserStore } from './types.js';

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

  /** Marks this store as in-process, so no timeout race is needed around its calls. */
  readonly local = true;

  findById(id: string): Promise<User | undefined> {
    return Promise.resolve(this.byId.get(id));
  }

  findByEmail(email: string): Promise<User | undefined> {
    const wanted = email.toLowerCase();
    for (const user of this.byId.values()) {
      if (user.email?.toLowerCase() === wanted) return Promise.resolve(user);
    }
    return Promise.resolve(undefined);
  }

  async create(data: Omit<User, 'id'> & { id?: string }): Promise<User> {
    const id = data.id ?? randomUUID();
    if (this.byId.has(id)) throw new Error(`MemoryUserStore: a user with id ${id} exists`);
    if (data.email !== undefined && (await this.findByEmail(data.email))) {
      throw new Error('MemoryUserStore: a user with this email exists');
    }
    const user = { ...data, id } as User;
    this.byId.set(id, user);
    return user;
  }

  update(id: string, patch: Partial<Omit<User, 'id'>>): Promise<User | undefined> {
    const user = this.byId.get(id);
    if (!user) return Promise.resolve(undefined);
    const updated = { ...user, ...patch, id } as User;
    this.byId.set(id, updated);
    return Promise.resolve(updated);
  }

  delete(id: string): Promise<void> {
    this.byId.delete(id);
    return Promise.resolve();
  }
}
