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
    return Promise.resolve();
  }

  increment(key: string, ttlMs: number): Promise<number> {
    const current = this.read(key);
    const next = (current === undefined ? 0 : Number(current)) + 1;
    const expires = current === undefined ? Date.now() + ttlMs : this.map.get(key)!.expires;
    this.map.set(key, { value: String(next), expires });
    return Promise.resolve(next);
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    this.map.clear();
    return Promise.resolve();
  }

  /** How many live entries there are (for tests and diagnostics). */
  get size(): number {
    this.sweep();
    return this.map.size;
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

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.map) if (entry.expires <= now) this.map.delete(key);
  }
}
