import type { Store } from './types.js';

interface Entry {
  value: string;
  expires: number;
}

/** Options for {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** How often expired entries are swept, in ms. @default 60000 */
  sweepInterval?: number;
}

/**
 * A {@link Store} in this process's memory: for development, tests and single-instance apps
 * that accept losing sessions on restart. Operations are atomic because Node runs them on one
 * thread.
 *
 * @example
 * ```ts
 * const auth = new Portcullis({ secret, users, store: new MemoryStore() });
 * ```
 */
export class MemoryStore implements Store {
  private readonly map = new Map<string, Entry>();
  private readonly sets = new Map<string, { members: Set<string>; expires: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(options: MemoryStoreOptions = {}) {
    this.timer = setInterval(() => this.sweep(), options.sweepInterval ?? 60_000);
    this.timer.unref();
  }

  /** Marks this store as in-process, so no timeout race is needed around its calls. */
  readonly local = true;

  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.read(key));
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    this.map.set(key, { value, expires: Date.now() + ttlMs });
    return Promise.resolve();
  }

  add(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.read(key) !== undefined) return Promise.resolve(false);
    this.map.set(key, { value, expires: Date.now() + ttlMs });
    return Promise.resolve(true);
  }

  take(key: string): Promise<string | undefined> {
    const value = this.read(key);
    this.map.delete(key);
    return Promise.resolve(value);
  }

  delete(key: string): Promise<void> {
    this.map.delete(key);
    this.sets.delete(key);
    return Promise.resolve();
  }

  increment(key: string, ttlMs: number): Promise<number> {
    const current = this.read(key);
    const next = (current === undefined ? 0 : Number(current)) + 1;
    const expires = current === undefined ? Date.now() + ttlMs : this.map.get(key)!.expires;
    this.map.set(key, { value: String(next), expires });
    return Promise.resolve(next);
  }

  addMember(key: string, member: string, ttlMs: number): Promise<void> {
    const set = this.liveSet(key);
    const expires = Date.now() + ttlMs;
    if (set) {
      set.members.add(member);
      set.expires = expires;
    } else this.sets.set(key, { members: new Set([member]), expires });
    return Promise.resolve();
  }

  removeMembers(key: string, members: readonly string[]): Promise<void> {
    const set = this.liveSet(key);
    if (set) {
      for (const m of members) set.members.delete(m);
      if (set.members.size === 0) this.sets.delete(key);
    }
    return Promise.resolve();
  }

  members(key: string): Promise<string[]> {
    return Promise.resolve([...(this.liveSet(key)?.members ?? [])]);
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    this.map.clear();
    this.sets.clear();
    return Promise.resolve();
  }

  /** How many live entries there are (for tests and diagnostics). */
  get size(): number {
    this.sweep();
    return this.map.size + this.sets.size;
  }

  private read(key: string): string | undefined {
    const entry = this.map.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= Date.now()) {
      this.map.delete(key);
      return undefined;
    }
    return entry.value;
  }

  private liveSet(key: string): { members: Set<string>; expires: number } | undefined {
    const set = this.sets.get(key);
    if (set && set.expires <= Date.now()) {
      this.sets.delete(key);
      return undefined;
    }
    return set;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.map) if (entry.expires <= now) this.map.delete(key);
    for (const [key, set] of this.sets) if (set.expires <= now) this.sets.delete(key);
  }
}
