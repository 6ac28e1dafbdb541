import { isAuthError, storeUnavailable } from '../errors.js';
import type { Store } from './types.js';

/**
 * Runs `work` and fails closed: a rejection, or no answer within `timeoutMs`, becomes 503
 * `store_unavailable` (the original failure kept as `cause` for the logs). An `AuthError`
 * thrown by `work` (an app's loader refusing a token) passes through unchanged.
 */
export async function withTimeout<T>(work: () => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work(), deadline]);
  } catch (err) {
    if (isAuthError(err)) throw err;
    throw storeUnavailable(err);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `work` and maps any failure (thrown or rejected) to `store_unavailable`. */
export async function failClosed<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isAuthError(err)) throw err;
    throw storeUnavailable(err);
  }
}

/**
 * Wraps a {@link Store} so that every call fails closed: within `timeoutMs` for a remote store,
 * with errors mapped for an in-process one (`local: true`, which answers at once and needs no
 * timer on the per-request path).
 */
export function guardStore(store: Store, timeoutMs: number): Store {
  const local = store.local === true;
  const wrap =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      const work = (): Promise<R> => fn.apply(store, args);
      return local ? failClosed(work) : withTimeout(work, timeoutMs);
    };
  return {
    get: wrap(store.get),
    set: wrap(store.set),
    add: wrap(store.add),
    take: wrap(store.take),
    delete: wrap(store.delete),
    increment: wrap(store.increment),
    close: () => store.close(),
  };
}
