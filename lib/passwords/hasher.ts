import { hash, verify } from '@node-rs/argon2';

// Algorithm.Argon2id (a const enum, which verbatimModuleSyntax cannot import)
const ARGON2ID = 2;

/** Hashes and checks passwords. The default is argon2id; tests may wrap it to count calls. */
export interface PasswordHasher {
  /** A self-describing hash of `password` (algorithm and parameters included). */
  hash(password: string): Promise<string>;
  /** True when `password` matches `hashed`; false (never a throw) for a malformed hash. */
  verify(hashed: string, password: string): Promise<boolean>;
  /** True when `hashed` was made with other parameters than today's: re-hash at the next sign-in. */
  needsRehash(hashed: string): boolean;
}

/** argon2id parameters (memory in KiB). */
export interface Argon2Params {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP's first recommendation for argon2id: 19 MiB, 2 passes, 1 lane (about 15 ms here). */
export const ARGON2_DEFAULTS: Argon2Params = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

/**
 * argon2id through `@node-rs/argon2`. Hashes carry their parameters
 * (`$argon2id$v=19$m=19456,t=2,p=1$...`), so a change of parameters is detected per hash and
 * applied at that user's next sign-in.
 *
 * @example
 * ```ts
 * const hasher = new Argon2Hasher({ memoryCost: 65536, timeCost: 3, parallelism: 1 });
 * ```
 */
export class Argon2Hasher implements PasswordHasher {
  private readonly prefix: string;

  constructor(private readonly params: Argon2Params = ARGON2_DEFAULTS) {
    this.prefix = `$argon2id$v=19$m=${params.memoryCost},t=${params.timeCost},p=${params.parallelism}$`;
  }

  hash(password: string): Promise<string> {
    return hash(password, { algorithm: ARGON2ID, ...this.params });
  }

  async verify(hashed: string, password: string): Promise<boolean> {
    try {
      return await verify(hashed, password);
    } catch {
      return false;
    }
  }

  needsRehash(hashed: string): boolean {
    return !hashed.startsWith(this.prefix);
  }
}
