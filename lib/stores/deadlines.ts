import { AuthError, isAuthError, storeUnavailable } from '../errors.js';
import { isUniqueViolation } from './types.js';
import type { Store } from './types.js';

interface Pending {
  at: number;
  reject: (err: unknown) => void;
}

/** A store's rejection as the request's answer: a taken email/account is 409, anything else 503. */
function failure(err: unknown): AuthError {
  if (isAuthError(err)) return err;
  if (isUniqueViolation(err)) return new AuthError('account_exists', { cause: err });
  return storeUnavailable(err);
}

/**
 * Fail-closed deadlines for calls that may hang (a remote store, an app's loader): a call with
 * no answer within `timeoutMs` is rejected with 503 `store_unavailable`. One sweeping timer
 * serves every pending call (no timer per call on the request path); a call is rejected between
 * `timeoutMs` and 1.25 × `timeoutMs` after it started.
 */
export class Deadlines {
  private readonly pending = new Set<Pending>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  /**
   * `work`'s result, failing closed: a thrown error or a rejection becomes 503, an `AuthError`
   * passes, and a {@link UniqueViolation} (a concurrent sign-up won) becomes 409 `account_exists`.
   */
  run<T>(work: () => T | PromiseLike<T>): T | Promise<T> {
    let result: T | PromiseLike<T>;
    try {
      result = work();
    } catch (err) {
      return Promise.reject(failure(err));
    }
    if (!isThenable(result)) return result;
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { at: Date.now(), reject };
      this.pending.add(entry);
      this.arm();
      result.then(
        (value) => {
          this.pending.delete(entry);
          resolve(value);
        },
        (err: unknown) => {
          this.pending.delete(entry);
          reject(failure(err));
        },
      );
    });
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), Math.max(5, Math.floor(this.timeoutMs / 4)));
    this.timer.unref();
  }

  private sweep(): void {
    const now = Date.now();
    for (const entry of this.pending) {
      if (now - entry.at >= this.timeoutMs) {
        this.pending.delete(entry);
        entry.reject(storeUnavailable(new Error(`no answer within ${this.timeoutMs} ms`)));
      }
    }
    if (this.pending.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * Wraps a {@link Store} so that every call fails closed within `timeoutMs` (503
 * `store_unavailable`). An in-process store (`local: true`) answers at once and is used as is;
 * the request path maps its rare errors to 503 where it calls it.
 */
export function guardStore(store: Store, deadlines: Deadlines): Store {
  if (store.local === true) return store;
  const wrap =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      Promise.resolve(deadlines.run(() => fn.apply(store, args)));
  return {
    get: wrap(store.get),
    set: wrap(store.set),
    add: wrap(store.add),
    take: wrap(store.take),
    delete: wrap(store.delete),
    increment: wrap(store.increment),
    addMember: wrap(store.addMember),
    removeMembers: wrap(store.removeMembers),
    members: wrap(store.members),
    revisions: store.revisions,
    ...(store.rateLimiter ? { rateLimiter: store.rateLimiter.bind(store) } : {}),
    close: () => store.close(),
  };
}
