import { unauthorized } from '../errors.js';
import type { AuthEventBus } from '../events.js';
import type { Keyring } from '../keys/keyring.js';
import type { RevisionFeed, Store } from '../stores/types.js';
import { randomToken } from '../util/encoding.js';
import { type AccessClaims, type AccessTokenConfig, scopesOf, signAccessToken } from './access.js';
import { Generations } from './generations.js';
import { Hs256Verifier } from './hs256.js';
import { BoundedCache } from '../util/bounded-cache.js';
import { bumpRevision, revisionOf } from '../stores/revision.js';
import {
  looksLikeRefreshToken,
  makeRefreshToken,
  parseRefreshToken,
  type RefreshToken,
} from './refresh-format.js';

/** A family record outlives its last token a little, so a late token reads "expired", not "revoked". */
const FAMILY_GRACE_MS = 60_000;

/** The two token types a route can require. */
export type TokenType = 'access' | 'refresh';

/** What `issue()` and `rotate()` return; the shape of an OAuth 2 token response. */
export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn: number;
  /** The granted scopes, space-separated, when there are any. */
  scope?: string;
}

/** Options for issuing tokens. */
export interface IssueOptions {
  /** Scopes to grant. @default [] */
  scopes?: readonly string[];
  /** Access-token lifetime in seconds, overriding `tokens.accessTokenTtl`. */
  expiresIn?: number;
}

/** A cached verified access token: its claims, scopes, and the store revision it was last found live at. */
interface VerifiedAccess {
  /** The token this entry is for (the cache is keyed by its tail). */
  readonly of: string;
  claims: AccessClaims;
  scopes: readonly string[];
  live: number | undefined;
}

/** A token that verified, and whose it is. */
export interface VerifiedToken {
  type: TokenType;
  userId: string;
  scopes: readonly string[];
  /** When it expires, in ms since the epoch. */
  expiresAt: number;
}

interface Family {
  /** user id */
  u: string;
  /** generation at issue */
  g: number;
  /** scopes */
  s: string[];
  /** absolute expiry (ms) */
  e: number;
  /** revoked */
  r?: 1;
  /** access-token lifetime (s) asked for at issue, kept for every rotation */
  a?: number;
}

/** Issues, verifies, rotates and revokes our access and refresh tokens. */
export class TokenService {
  constructor(
    private readonly ring: Keyring,
    private readonly store: Store,
    private readonly access: AccessTokenConfig,
    private readonly refreshTtlMs: number,
    private readonly generations: Generations,
    private readonly events: AuthEventBus,
    cacheSize = 20_000,
    /** A refresh token unused for this long is expired (RFC 9700 §4.14.2); its family with it. */
    private readonly refreshIdleMs = Number.POSITIVE_INFINITY,
  ) {
    this.hs256 = new Hs256Verifier(ring, access);
    this.verified = new BoundedCache(cacheSize);
    this.revision = revisionOf(store);
  }

  private readonly hs256: Hs256Verifier;
  /** Access tokens whose signature and claims checked out, by the whole token; expiry is re-checked at every use. */
  private readonly verified: BoundedCache<VerifiedAccess>;
  /** The store's revocation feed (see stores/revision.ts); undefined when it has none. */
  private readonly revision: RevisionFeed | undefined;

  /** Starts a refresh family and issues its first refresh token with an access token. */
  async issue(user: { id: string }, options: IssueOptions = {}): Promise<IssuedTokens> {
    const scopes = normalizeScopes(options.scopes);
    const gen = await this.generations.current(user.id);
    const familyId = randomToken(16);
    const family: Family = { u: user.id, g: gen, s: scopes, e: Date.now() + this.refreshTtlMs };
    if (options.expiresIn !== undefined) family.a = checkLifetime(options.expiresIn);
    try {
      await this.store.set(
        `rtf:${familyId}`,
        JSON.stringify(family),
        this.refreshTtlMs + FAMILY_GRACE_MS,
      );
    } catch (err) {
      this.forget([`rtf:${familyId}`]); // written, perhaps, with the answer lost
      throw err;
    }
    const refresh = await this.storeNext(family, familyId, [`rtf:${familyId}`]);
    const tokens = await this.sign(family, refresh);
    this.events.emit('token_issued', { userId: user.id, scopes });
    return tokens;
  }

  /**
   * The verified access token without any store read, when its signature and claims are cached
   * and nothing was revoked since it was last found live (in-process stores); else undefined,
   * and `verify()` does the full check. Throws like `verify()` for a bad or expired token.
   */
  knownLive(token: string, type: TokenType): VerifiedToken | undefined {
    if (type !== 'access' || this.revision === undefined || looksLikeRefreshToken(token))
      return undefined;
    const entry = this.checkAccess(token);
    const now = this.revision.current();
    if (now === undefined || entry.live !== now) return undefined;
    return {
      type,
      userId: entry.claims.sub,
      scopes: entry.scopes,
      expiresAt: entry.claims.exp * 1000,
    };
  }

  /** Verifies a token of the given type; throws a 401 `AuthError` when it does not pass. */
  async verify(token: string, type: TokenType): Promise<VerifiedToken> {
    if (type === 'refresh') {
      const { familyId, expiresAt, storageKey } = parseRefreshToken(this.ring, token);
      const family = await this.liveFamily(familyId);
      await this.check(await this.store.get(storageKey), familyId, family);
      return { type, userId: family.u, scopes: family.s, expiresAt };
    }
    if (looksLikeRefreshToken(token)) throw unauthorized('token_invalid');
    const entry = this.checkAccess(token);
    const { claims } = entry;
    const revision = this.revision?.current();
    if (revision === undefined || entry.live !== revision) {
      const gen = await this.generations.current(claims.sub);
      if (
        !Generations.alive(claims.gen, gen) ||
        (await this.store.get(`rat:${claims.jti}`)) !== undefined
      ) {
        throw unauthorized('token_revoked');
      }
      entry.live = revision;
    }
    return { type, userId: claims.sub, scopes: entry.scopes, expiresAt: claims.exp * 1000 };
  }

  /** True when `token` is ours (so the app's `tokenLoader` is not asked about it). */
  isOurs(token: string): boolean {
    return looksLikeRefreshToken(token) || this.hs256.namesOurKey(token);
  }

  /**
   * Spends a refresh token and issues the next pair in its family. A token already spent is
   * reuse: the whole family is revoked (its newest token too) and `token_reuse` is emitted.
   * Of concurrent rotations of one token, exactly one succeeds.
   */
  async rotate(refreshToken: string): Promise<IssuedTokens> {
    const { familyId, storageKey } = parseRefreshToken(this.ring, refreshToken);
    const family = await this.liveFamily(familyId);
    // The next token is stored before this one is spent, and the spend is the last write: a
    // store failing anywhere before it leaves this token working (the unsent next one is
    // removed), so the client's retry succeeds; once spent, nothing else can fail.
    const next = await this.storeNext(family, familyId);
    try {
      await this.check(await this.store.take(storageKey), familyId, family);
    } catch (err) {
      this.forget([next.storageKey]); // not spent, reused or expired: the next one is not sent
      throw err;
    }
    const tokens = await this.sign(family, next);
    this.events.emit('token_refreshed', { userId: family.u });
    return tokens;
  }

  /**
   * Revokes a token: a refresh token ends its whole family; an access token is refused from
   * now until it would have expired. Unknown or invalid tokens are ignored (RFC 7009).
   */
  async revoke(token: string): Promise<void> {
    if (looksLikeRefreshToken(token)) {
      let familyId: string;
      try {
        familyId = parseRefreshToken(this.ring, token).familyId;
      } catch {
        return;
      }
      const raw = await this.store.get(`rtf:${familyId}`);
      if (raw === undefined) return;
      const family = JSON.parse(raw) as Family;
      await this.revokeFamily(familyId, family);
      this.events.emit('token_revoked', { userId: family.u, tokenType: 'refresh' });
      return;
    }
    let claims: AccessClaims;
    try {
      claims = this.checkAccess(token).claims;
    } catch {
      return;
    }
    const ttl = claims.exp * 1000 - Date.now() + this.access.clockSkewSec * 1000;
    if (ttl > 0) await this.store.set(`rat:${claims.jti}`, '1', ttl);
    bumpRevision(this.store);
    this.events.emit('token_revoked', { userId: claims.sub, tokenType: 'access' });
  }

  /** Signature and claims of an access token, through the cache of verified tokens. */
  private checkAccess(token: string): VerifiedAccess {
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
    if (cached.claims.exp <= nowSec - this.access.clockSkewSec) {
      this.verified.delete(BoundedCache.keyOf(token));
      throw unauthorized('token_expired');
    }
    return cached;
  }

  /**
   * Stores the family's next refresh token. When that write fails, `orphans` (records written
   * just before it for this token) are removed, without waiting: the request already fails.
   */
  private async storeNext(
    family: Family,
    familyId: string,
    orphans: readonly string[] = [],
  ): Promise<RefreshToken> {
    const refresh = makeRefreshToken(this.ring, familyId, family.e);
    try {
      // the record: the family and when this token was issued (for the idle timeout)
      const record = `${familyId}.${Date.now()}`;
      await this.store.set(refresh.storageKey, record, Math.max(1, family.e - Date.now()));
    } catch (err) {
      this.forget([refresh.storageKey, ...orphans]);
      throw err;
    }
    return refresh;
  }

  /** Deletes records a failed write left behind, best effort and without waiting. */
  private forget(keys: readonly string[]): void {
    for (const key of keys) this.store.delete(key).catch(() => undefined);
  }

  private async sign(family: Family, refresh: RefreshToken): Promise<IssuedTokens> {
    const access = await signAccessToken(this.ring, this.access, {
      sub: family.u,
      scopes: family.s,
      gen: family.g,
      ttlMs: family.a === undefined ? undefined : family.a * 1000,
    });
    const out: IssuedTokens = {
      accessToken: access.token,
      refreshToken: refresh.token,
      tokenType: 'Bearer',
      expiresIn: access.expiresIn,
    };
    if (family.s.length > 0) out.scope = family.s.join(' ');
    return out;
  }

  private async liveFamily(familyId: string): Promise<Family> {
    const raw = await this.store.get(`rtf:${familyId}`);
    if (raw === undefined) throw unauthorized('token_revoked');
    const family = JSON.parse(raw) as Family;
    if (family.e <= Date.now()) throw unauthorized('token_expired');
    if (family.r === 1) throw unauthorized('token_revoked');
    if (!Generations.alive(family.g, await this.generations.current(family.u))) {
      throw unauthorized('token_revoked');
    }
    return family;
  }

  /**
   * Checks a refresh token's stored record (`<family>.<issued ms>`): none, or another family's,
   * means the token was spent already (reuse: the family is revoked); one unused for longer
   * than the idle timeout is expired (and, spent or not, never rotates again).
   */
  private async check(record: string | undefined, familyId: string, family: Family): Promise<void> {
    const dot = record === undefined ? -1 : record.indexOf('.');
    if (dot < 0 || record!.slice(0, dot) !== familyId) await this.reuse(familyId, family);
    const issued = Number(record!.slice(dot + 1));
    if (!(Date.now() - issued <= this.refreshIdleMs)) throw unauthorized('token_expired');
  }

  /** A spent refresh token came back: revoke its whole family and say so. */
  private async reuse(familyId: string, family: Family): Promise<never> {
    await this.revokeFamily(familyId, family);
    this.events.emit('token_reuse', { userId: family.u });
    throw unauthorized('token_revoked');
  }

  private async revokeFamily(familyId: string, family: Family): Promise<void> {
    const ttl = family.e - Date.now();
    if (ttl > 0) {
      await this.store.set(
        `rtf:${familyId}`,
        JSON.stringify({ ...family, r: 1 }),
        ttl + FAMILY_GRACE_MS,
      );
    }
  }
}

function checkLifetime(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 31_536_000) {
    throw new TypeError('Portcullis: expiresIn must be a number of seconds from 1 to 31536000');
  }
  return seconds;
}

function normalizeScopes(scopes: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const s of scopes ?? []) {
    if (typeof s !== 'string' || !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s)) {
      throw new TypeError(`Portcullis: invalid scope ${JSON.stringify(s)} (RFC 6749 scope-token)`);
    }
    if (!out.includes(s)) out.push(s);
  }
  return out;
}
