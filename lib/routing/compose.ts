import type { Middleware } from 'koa';

/** Runs `a`, then `b` when `a` calls next (a two-step koa-compose, without the dependency). */
export function chain(a: Middleware, b: Middleware): Middleware {
  return (ctx, next) => a(ctx, () => b(ctx, next));
}
