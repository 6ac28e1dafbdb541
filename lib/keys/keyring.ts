import { createHash, hkdfSync } from 'node:crypto';

/**
 * What a derived key is for. A key derived for one purpose never verifies another, so a token
 * or cookie made for one use cannot be replayed as another.
 */
export type KeyPurpose =
  | 'session'
  | 'access'
  | 'refresh'
  | 'magic'
  | 'state'
  | 'reset'
  | 'verify'
  | 'otp'
  | 'flow'
  | 'browser';

const PURPOSES: readonly KeyPurpose[] = [
  'session',
  'access',
  'refresh',
  'magic',
  'state',
  'reset',
  'verify',
  'otp',
  'flow',
  'browser',
];

/** The minimum secret length, in bytes. */
export const MIN_SECRET_BYTES = 32;

/** The command the start-up error suggests for making a secret. */
export const SECRET_HINT =
  "npx portcullis secret (or: node -e \"console.log(require('node:crypto').randomBytes(32).toString('base64url'))\")";

/** One derived key and the id of the root secret it came from. */
export interface DerivedKey {
  /** Identifies the root secret (not secret itself: a truncated hash). */
  readonly kid: string;
  /** 32 bytes derived with HKDF-SHA256 for one purpose. */
  readonly key: Buffer;
}

/**
 * Root secrets -> per-purpose keys, derived once at construction with HKDF-SHA256.
 * The first secret signs and seals; the others still verify and open (rotation).
 *
 * @example
 * ```ts
 * const ring = new Keyring([newSecret, oldSecret]);
 * const { kid, key } = ring.current('session');
 * ring.find('session', kid); // the same key
 * ```
 */
export class Keyring {
  private readonly byPurpose = new Map<KeyPurpose, DerivedKey[]>();
  private readonly index = new Map<string, Buffer>();

  constructor(secrets: readonly Uint8Array[]) {
    if (secrets.length === 0) throw new TypeError('Keyring: at least one secret is required');
    const kids = secrets.map(kidOf);
    if (new Set(kids).size !== kids.length)
      throw new TypeError('Portcullis: `keys` contains the same secret twice');
    for (const purpose of PURPOSES) {
      const keys = secrets.map((secret, i) => ({ kid: kids[i]!, key: derive(secret, purpose) }));
      this.byPurpose.set(purpose, keys);
      for (const k of keys) this.index.set(`${purpose}:${k.kid}`, k.key);
    }
  }

  /** The key that signs and seals now. */
  current(purpose: KeyPurpose): DerivedKey {
    return this.byPurpose.get(purpose)![0]!;
  }

  /** The key for `kid` (current or older), or undefined for an unknown or retired one. */
  find(purpose: KeyPurpose, kid: string): Buffer | undefined {
    return this.index.get(`${purpose}:${kid}`);
  }

  /** True when `kid` names the current secret. */
  isCurrent(kid: string): boolean {
    return this.byPurpose.get('session')![0]!.kid === kid;
  }
}

function derive(secret: Uint8Array, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'portcullis', `portcullis/v1/${purpose}`, 32));
}

function kidOf(secret: Uint8Array): string {
  const h = createHash('sha256').update('portcullis/v1/kid').update(secret).digest();
  return h.subarray(0, 6).toString('base64url');
}

/**
 * Validates the `secret` / `keys` options and turns them into byte arrays; the error says how
 * to make a good secret.
 */
export function secretsFrom(secret: unknown, keys: unknown): Uint8Array[] {
  if (secret !== undefined && keys !== undefined) {
    throw new TypeError('Portcullis: give either `secret` or `keys`, not both');
  }
  const list = keys !== undefined ? keys : secret === undefined ? [] : [secret];
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError(
      `Portcullis: a secret of at least ${MIN_SECRET_BYTES} bytes is required (option \`secret\`, or \`keys: [current, ...older]\`). Generate one with: ${SECRET_HINT}`,
    );
  }
  return list.map((s, i) => {
    const bytes =
      typeof s === 'string' ? Buffer.from(s, 'utf8') : s instanceof Uint8Array ? s : undefined;
    if (!bytes || bytes.length < MIN_SECRET_BYTES) {
      throw new TypeError(
        `Portcullis: ${keys !== undefined ? `keys[${i}]` : 'secret'} must be at least ${MIN_SECRET_BYTES} bytes. Generate one with: ${SECRET_HINT}`,
      );
    }
    return bytes;
  });
}
