import 'reflect-metadata';
import {
  CONTROLLER,
  type ControllerClass,
  type HttpMethod,
  ROUTES,
  type RouteRecord,
} from './metadata.js';

/** A method decorator: the legacy (`experimentalDecorators`) shape. */
export type RouteDecorator = (
  target: object,
  propertyKey: string | symbol,
  descriptor: PropertyDescriptor,
) => void;

/**
 * Marks a class as a controller whose routes live under `prefix`.
 *
 * @example
 * ```ts
 * @Controller('/api')
 * class ApiController {
 *   @Get('/ping') ping() { return { ok: true }; }
 * }
 * app.use(auth.controllers([ApiController]));
 * ```
 */
export function Controller(prefix = ''): (target: ControllerClass) => void {
  if (typeof prefix !== 'string' || (prefix !== '' && !prefix.startsWith('/'))) {
    throw new TypeError(`@Controller: prefix must start with '/', got ${JSON.stringify(prefix)}`);
  }
  return (target) => {
    Reflect.defineMetadata(CONTROLLER, prefix.replace(/\/+$/, ''), target);
  };
}

function route(method: HttpMethod) {
  return (path = '/'): RouteDecorator => {
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new TypeError(
        `@${method[0]!.toUpperCase()}${method.slice(1)}: path must start with '/', got ${JSON.stringify(path)}`,
      );
    }
    return (target, propertyKey) => {
      if (typeof target === 'function') {
        throw new TypeError(
          `@${method}: cannot bind static method ${String(propertyKey)}; use an instance method`,
        );
      }
      const ctor = target.constructor;
      const list: RouteRecord[] = Reflect.getOwnMetadata(ROUTES, ctor) ?? [];
      Reflect.defineMetadata(ROUTES, [...list, { method, path, handler: propertyKey }], ctor);
    };
  };
}

/** Binds a method to `GET <prefix><path>` (and HEAD). @example `@Get('/profile')` */
export const Get = route('get');
/** Binds a method to `POST <prefix><path>`. @example `@Post('/items')` */
export const Post = route('post');
/** Binds a method to `PUT <prefix><path>`. @example `@Put('/items/:id')` */
export const Put = route('put');
/** Binds a method to `PATCH <prefix><path>`. @example `@Patch('/items/:id')` */
export const Patch = route('patch');
/** Binds a method to `DELETE <prefix><path>`. @example `@Delete('/items/:id')` */
export const Delete = route('delete');
