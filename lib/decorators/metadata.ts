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

/** The routes recorded on a controller class. */
export function routesOf(ctor: ControllerClass): readonly RouteRecord[] {
  return Reflect.getOwnMetadata(ROUTES, ctor) ?? [];
}

/** The prefix recorded by `@Controller`, or undefined when the class is not a controller. */
export function prefixOf(ctor: ControllerClass): string | undefined {
  return Reflect.getOwnMetadata(CONTROLLER, ctor);
}
