/**
 * A bounded map that forgets what has not been used for a while: two generations of at most
 * `max / 2` entries; a hit in the old generation moves the entry to the young one, and when the
 * young one is full the old one is dropped whole. Hits cost one or two `Map.get`s and never
 * re-order (V8 makes a `delete` + `set` of the same key in a large Map thousands of times
 * slower than a `get`). Keys are the exact strings they stand for (a whole sealed cookie, a
 * whole token), so no two values collide.
 *
 * @example
 * ```ts
 * const cache = new BoundedCache<number>(1000);
 * cache.set('token', 1);
 * cache.get('token'); // 1
 * ```
 */
export class BoundedCache<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  private readonly half: number;

  constructor(max: number) {
    this.half = Math.floor(max / 2);
  }

  get(key: string): V | undefined {
    const value = this.young.get(key);
    if (value !== undefined) return value;
    const aged = this.old.get(key);
    if (aged !== undefined) {
      this.old.delete(key);
      this.set(key, aged);
    }
    return aged;
  }

  set(key: string, value: V): void {
    if (this.half <= 0) return;
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }

  delete(key: string): void {
    this.young.delete(key);
    this.old.delete(key);
  }

  /** How many entries are held (at most `max`). */
  get size(): number {
    return this.young.size + this.old.size;
  }
}
