import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { Keyring } from '../keys/keyring.js';
import type { Store } from '../stores/types.js';
import { parseRefreshToken, type RefreshToken } from './refresh-format.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The refresh-token reuse grace (`tokens.refreshReuseGrace`): for a short while after a refresh
 * token was rotated, that token presented again gets the same successor back, as long as the
 * successor is unused, so two tabs refreshing with one token converge on one family head
 * instead of the second being taken for reuse.
 *
 * A rotation claims the grace before it spends the token: an atomic `add` of
 * `rtn:<token hash>` (lifetime: the grace) holding the successor, sealed with AES-256-GCM under
 * a key derived from the token itself, so what the store holds never yields a refresh token.
 * Of concurrent rotations of one token, the one whose `add` lands names the successor for all.
 */
export class ReuseGrace {
  constructor(
    private readonly store: Store,
    private readonly ring: Keyring,
    /** The grace in ms; 0: off. */
    readonly ms: number,
  ) {}

  /** True when the grace is on. */
  get on(): boolean {
    return this.ms > 0;
  }

  /** The key of the grace record of the refresh token stored under `storageKey`. */
  keyOf(storageKey: string): string {
    return `rtn:${storageKey.slice(3)}`;
  }

  /** Names `next` the successor of `token`; true when this call did (always, when off). */
  claim(token: string, storageKey: string, next: RefreshToken): Promise<boolean> {
    if (!this.on) return Promise.resolve(true);
    return this.store.add(this.keyOf(storageKey), sealFor(token, next.token), this.ms);
  }

  /** The successor `token` was given less than the grace ago, while it is unused; else undefined. */
  async successor(token: string, storageKey: string): Promise<RefreshToken | undefined> {
    if (!this.on) return undefined;
    const sealed = await this.store.get(this.keyOf(storageKey));
    const next = sealed === undefined ? undefined : openFor(token, sealed);
    if (next === undefined) return undefined;
    let nextKey: string;
    try {
      nextKey = parseRefreshToken(this.ring, next).storageKey;
    } catch {
      return undefined; // its key retired or its family expired since
    }
    // unused: its record is still there (rotating it takes the record)
    return (await this.store.get(nextKey)) === undefined
      ? undefined
      : { token: next, storageKey: nextKey };
  }
}

/** The sealing key of `token`'s grace record: only someone holding the token can derive it. */
function keyFor(token: string): Buffer {
  return createHmac('sha256', token).update('portcullis refresh successor').digest();
}

function sealFor(token: string, value: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyFor(token), iv);
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

function openFor(token: string, sealed: string): string | undefined {
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length <= IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(token), raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    const body = raw.subarray(IV_BYTES, raw.length - TAG_BYTES);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
