import 'reflect-metadata';
import type { LoginRequiredOptions, TokenRequiredOptions } from '../guards/guards.js';
import type { TokenType } from '../tokens/service.js';

/** Our own metadata keys: nothing here reads the compiler's `design:*` metadata. */
export const CONTROLLER = Symbol('portcullis:controller');
export const ROUTES = Symbol('portcullis:routes');
export const GUARDS = Symbol('portcullis:guards');

/** HTTP methods a route decorator can bind. */
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** One decorated handler. */
export interface RouteRecord {
  method: HttpMethod;
  path: string;
  handler: string | symbol;
}

/** What a guard decorator recorded. */
export type GuardSpec =
  | { kind: 'login'; options: LoginRequiredOptions }
  | { kind: 'token'; type: TokenType; options: TokenRequiredOptions }
  | { kind: 'optional' }
  | { kind: 'roles'; roles: readonly string[] }
  | { kind: 'scopes'; scopes: readonly string[] };

/** A class (any constructor). */
export type ControllerClass = abstract new (...args: never[]) => object;

/** Appends `spec` to the guards of a class (`key` undefined) or of one method. */
export function addGuard(target: object, key: string | symbol | undefined, spec: GuardSpec): void {
  const next = [...guardsOf(target, key), spec];
  if (key === undefined) Reflect.defineMetadata(GUARDS, next, target);
  else Reflect.defineMetadata(GUARDS, next, target, key);
}

/** The guards recorded on a class, or on one of its methods. */
export function guardsOf(target: object, key?: string | symbol): readonly GuardSpec[] {
  return (
    (key === undefined
      ? Reflect.getOwnMetadata(GUARDS, target)
      : Reflect.getOwnMetadata(GUARDS, target, key)) ?? []
  );
}

/** The class and its ancestors, most derived first. */
function lineage(ctor: ControllerClass): ControllerClass[] {
  const out: ControllerClass[] = [];
  for (
    let c: unknown = ctor;
    typeof c === 'function' && c !== Function.prototype;
    c = Object.getPrototypeOf(c)
  ) {
    out.push(c as ControllerClass);
  }
  return out;
}

/**
 * The class-level guards of a controller, inherited ones first: a subclass of a guarded
 * controller is guarded too, and its own authentication guard (last) overrides the parent's.
 */
export function classGuardsOf(ctor: ControllerClass): readonly GuardSpec[] {
  return lineage(ctor)
    .reverse()
    .flatMap((c) => guardsOf(c));
}

/** The guards of one method, from the nearest class in the hierarchy that declares them. */
export function methodGuardsOf(ctor: ControllerClass, key: string | symbol): readonly GuardSpec[] {
  return Reflect.getMetadata(GUARDS, ctor.prototype, key) ?? [];
}

/** The routes of a controller class, including inherited ones it does not redeclare. */
export function routesOf(ctor: ControllerClass): readonly RouteRecord[] {
  const seen = new Set<string>();
  const out: RouteRecord[] = [];
  for (const c of lineage(ctor)) {
    for (const r of (Reflect.getOwnMetadata(ROUTES, c) ?? []) as RouteRecord[]) {
      const id = `${r.method} ${r.path}`;
      if (!seen.has(id)) {
        seen.add(id);
        out.push(r);
      }
    }
  }
  return out;
}

/** The prefix recorded by `@Controller`, or undefined when the class is not a controller. */
export function prefixOf(ctor: ControllerClass): string | undefined {
  return Reflect.getOwnMetadata(CONTROLLER, ctor);
}
