import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import type { Core } from '../core.js';
import {
  type ControllerClass,
  type GuardSpec,
  classGuardsOf,
  guardsOf,
  methodGuardsOf,
  prefixOf,
  routesOf,
} from '../decorators/metadata.js';
import {
  loginGuard,
  optionalGuard,
  rolesGuard,
  scopesGuard,
  tokenGuard,
} from '../guards/guards.js';
import type { BaseUser } from '../stores/types.js';
import { chain } from './compose.js';

/** A controller: its class (constructed with no arguments) or an instance of it. */
export type ControllerLike = (new () => object) | object;

/** Options of `auth.controllers()`. */
export interface ControllersOptions {
  /** A path prefix for every controller in this call. */
  prefix?: string;
}

/**
 * Mounts decorated controllers on a `@koa/router` router. Metadata is read here, once; each
 * route gets a pre-composed guard chain, so no reflection runs per request.
 */
export function mountControllers<User extends BaseUser>(
  core: Core<User>,
  controllers: readonly ControllerLike[],
  options: ControllersOptions = {},
): Middleware {
  const router = new Router(options.prefix ? { prefix: options.prefix } : {});
  for (const item of controllers) {
    const [ctor, instance] =
      typeof item === 'function'
        ? [item as ControllerClass, new (item as new () => object)()]
        : [item.constructor as ControllerClass, item];
    const prefix = prefixOf(ctor);
    if (prefix === undefined)
      throw new TypeError(`auth.controllers(): ${ctor.name} has no @Controller() decorator`);
    if (guardsOf(ctor).filter(isAuthSpec).length > 1) {
      throw new TypeError(
        `auth.controllers(): ${ctor.name} has more than one of @LoginRequired, @TokenRequired, @OptionalAuth; keep one`,
      );
    }
    const classGuards = classGuardsOf(ctor);
    for (const route of routesOf(ctor)) {
      const methodGuards = methodGuardsOf(ctor, route.handler);
      if (methodGuards.filter(isAuthSpec).length > 1) {
        throw new TypeError(
          `auth.controllers(): ${ctor.name}.${String(route.handler)} has more than one of @LoginRequired, @TokenRequired, @OptionalAuth; keep one`,
        );
      }
      const method = (instance as Record<string | symbol, unknown>)[route.handler];
      if (typeof method !== 'function')
        throw new TypeError(
          `auth.controllers(): ${ctor.name}.${String(route.handler)} is not a method`,
        );
      const guards = guardChain(core, classGuards, methodGuards);
      const handler = async (ctx: Context, next: Next): Promise<void> => {
        const result: unknown = await (method as (ctx: Context, next: Next) => unknown).call(
          instance,
          ctx,
          next,
        );
        if (result !== undefined) ctx.body = result;
      };
      router[route.method](joinPath(prefix, route.path), ...guards, handler);
    }
  }
  return chain(
    router.routes() as unknown as Middleware,
    router.allowedMethods() as unknown as Middleware,
  );
}

/**
 * The guards of one route. The method's authentication guard (login, token, optional)
 * overrides the class's; roles and scopes from both apply together. Roles alone imply
 * `@LoginRequired`, scopes alone `@TokenRequired('access')`, so no guard ever lets an
 * anonymous request reach a route that names roles or scopes.
 */
export function guardChain<User extends BaseUser>(
  core: Core<User>,
  classGuards: readonly GuardSpec[],
  methodGuards: readonly GuardSpec[],
): Middleware[] {
  const auth = lastAuth(methodGuards) ?? lastAuth(classGuards);
  const all = [...classGuards, ...methodGuards];
  const roles = all.flatMap((g) => (g.kind === 'roles' ? g.roles : []));
  const scopes = all.flatMap((g) => (g.kind === 'scopes' ? g.scopes : []));
  const out: Middleware[] = [];
  const effective: GuardSpec | undefined =
    auth && !(auth.kind === 'optional' && (roles.length > 0 || scopes.length > 0))
      ? auth
      : scopes.length > 0
        ? { kind: 'token', type: 'access', options: {} }
        : roles.length > 0
          ? { kind: 'login', options: {} }
          : auth;
  if (effective?.kind === 'login') out.push(loginGuard(core, effective.options));
  else if (effective?.kind === 'token')
    out.push(tokenGuard(core, effective.type, effective.options));
  else if (effective?.kind === 'optional') out.push(optionalGuard());
  if (roles.length > 0) out.push(rolesGuard(core, roles));
  if (scopes.length > 0) out.push(scopesGuard<User>(scopes));
  return out;
}

function isAuthSpec(s: GuardSpec): boolean {
  return s.kind === 'login' || s.kind === 'token' || s.kind === 'optional';
}

function lastAuth(specs: readonly GuardSpec[]): GuardSpec | undefined {
  for (let i = specs.length - 1; i >= 0; i--) {
    const s = specs[i]!;
    if (s.kind === 'login' || s.kind === 'token' || s.kind === 'optional') return s;
  }
  return undefined;
}

function joinPath(prefix: string, path: string): string {
  if (path === '/') return prefix === '' ? '/' : prefix;
  return `${prefix}${path}`;
}
