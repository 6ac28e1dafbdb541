// The few koa-passport calls the benchmark uses. Declared here rather than installing
// @types/koa-passport, which augments every Koa context with `login(user: any)` and would
// weaken the library's own type tests.
declare module 'koa-passport' {
  import type { Middleware } from 'koa';
  interface KoaPassport {
    serializeUser<U>(fn: (user: U, done: (err: unknown, id?: unknown) => void) => void): void;
    deserializeUser<U>(fn: (id: string, done: (err: unknown, user?: U) => void) => void): void;
    initialize(): Middleware;
    session(): Middleware;
  }
  const passport: KoaPassport;
  export default passport;
}
