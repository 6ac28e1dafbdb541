import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Loads an optional peer dependency (`ioredis`, `better-sqlite3`, `pg`) when a store that needs
 * it is constructed, so an app that never uses that store never needs it installed.
 */
export function loadPeer<T>(name: string, usedBy: string): T {
  try {
    return require(name) as T;
  } catch (err) {
    if ((err as { code?: string }).code === 'MODULE_NOT_FOUND') {
      throw new TypeError(`Portcullis: ${usedBy} needs the package ${name}: npm install ${name}`, {
        cause: err,
      });
    }
    throw err;
  }
}
