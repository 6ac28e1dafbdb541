import { unauthorized } from '../errors.js';
import type { Keyring } from '../keys/keyring.js';
import { BoundedCache } from '../util/bounded-cache.js';
import { type AccessClaims, type AccessTokenConfig, scopesOf } from './access.js';
import { Hs256Verifier } from './hs256.js';
import type { VerifiedToken } from './types.js';

/** A cached verified access token: its claims, scopes, and the store revision it was last found live at. */
export interface VerifiedAccess {
  /** The token this entry is for (the cache is keyed by its tail). */
  readonly of: string;
  claims: AccessClaims;
  scopes: readonly string[];
  live: number | undefined;
}

/**
 * Signature and claims of our access tokens, through a bounded cache of the tokens that
 * verified (expiry is re-checked at every use); revocation is the caller's to check.
 */
export class AccessCheck {
  private readonly hs256: Hs256Verifier;
  /** Access tokens whose signature and claims checked out, by the whole token. */
  private readonly verified: BoundedCache<VerifiedAccess>;

  constructor(
    ring: Keyring,
    private readonly cfg: AccessTokenConfig,
    cacheSize: number,
  ) {
    this.hs256 = new Hs256Verifier(ring, cfg);
    this.verified = new BoundedCache(cacheSize);
  }

  /** True when the token's header names one of our access-token keys. */
  namesOurKey(token: string): boolean {
    return this.hs256.namesOurKey(token);
  }

  /** The token's claims, or undefined when it does not verify. */
  claimsOf(token: string): AccessClaims | undefined {
    try {
      return this.check(token).claims;
    } catch {
      return undefined;
    }
  }

  /** The token's cache entry; throws 401 `token_invalid` or `token_expired`. */
  check(token: string): VerifiedAccess {
    const nowSec = Date.now() / 1000;
    const cached = this.verified.lookup(token);
    if (cached === undefined) {
      const claims = this.hs256.verify(token, nowSec);
      const entry: VerifiedAccess = {
        of: token,
        claims,
        scopes: scopesOf(claims),
        live: undefined,
      };
      this.verified.set(BoundedCache.keyOf(token), entry);
      return entry;
    }
    if (cached.claims.exp <= nowSec - this.cfg.clockSkewSec) {
      this.verified.delete(BoundedCache.keyOf(token));
      throw unauthorized('token_expired');
    }
    return cached;
  }
}

/** What `verify()` answers for an access token that passed. */
export function verifiedAccess(entry: VerifiedAccess): VerifiedToken {
  const { claims, scopes } = entry;
  return { type: 'access', userId: claims.sub, scopes, expiresAt: claims.exp * 1000 };
}
