import { unauthorized } from '../errors.js';
import type { AuthEventBus } from '../events.js';
import type { Keyring } from '../keys/keyring.js';
import type { RevisionFeed, Store } from '../stores/types.js';
import { randomToken } from '../util/encoding.js';
import { type AccessTokenConfig, signAccessToken } from './access.js';
import { AccessCheck, verifiedAccess } from './access-check.js';
import {
  type Family,
  FAMILY_GRACE_MS,
  checkLifetime,
  familyRevoked,
  normalizeScopes,
  revokedLifetime,
} from './family.js';
import { Generations } from './generations.js';
import { bumpRevision, revisionOf } from '../stores/revision.js';
import { ReuseGrace } from './reuse-grace.js';
import type { IssueOptions, IssuedTokens, TokenType, VerifiedToken } from './types.js';
import {
  looksLikeRefreshToken,
  makeRefreshToken,
  parseRefreshToken,
  type RefreshToken,
} from './refresh-format.js';

export type { IssueOptions, IssuedTokens, TokenType, VerifiedToken } from './types.js';

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
    /** A rotated refresh token presented again this soon gets the same successor (0: off). */
    reuseGraceMs = 0,
  ) {
    this.accessCheck = new AccessCheck(ring, access, cacheSize);
    this.revision = revisionOf(store);
    this.grace = new ReuseGrace(store, ring, reuseGraceMs);
  }

  private readonly accessCheck: AccessCheck;
  /** The store's revocation feed (see stores/revision.ts); undefined when it has none. */
  private readonly revision: RevisionFeed | undefined;
  private readonly grace: ReuseGrace;

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
    const tokens = await this.sign(family, familyId, refresh);
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
    const entry = this.accessCheck.check(token);
    const now = this.revision.current();
    return now !== undefined && entry.live === now ? verifiedAccess(entry) : undefined;
  }

  /** Verifies a token of the given type; throws a 401 `AuthError` when it does not pass. */
  async verify(token: string, type: TokenType): Promise<VerifiedToken> {
    if (type === 'refresh') {
      const { familyId, expiresAt, storageKey } = parseRefreshToken(this.ring, token);
      const family = await this.liveFamily(familyId);
      const record = await this.store.get(storageKey);
      if (record === undefined) await this.graceOrReuse(token, storageKey, familyId, family);
      else await this.check(record, familyId, family);
      return { type, userId: family.u, scopes: family.s, expiresAt };
    }
    if (looksLikeRefreshToken(token)) throw unauthorized('token_invalid');
    const entry = this.accessCheck.check(token);
    const { claims } = entry;
    const revision = this.revision?.current();
    if (revision === undefined || entry.live !== revision) {
      // in parallel: one round trip to a shared store (ioredis pipelines them)
      const [gen, revoked, family] = await Promise.all([
        this.generations.current(claims.sub),
        this.store.get(`rat:${claims.jti}`),
        claims.fam === undefined ? undefined : this.store.get(`rtf:${claims.fam}`),
      ]);
      if (!Generations.alive(claims.gen, gen) || revoked !== undefined || familyRevoked(family)) {
        throw unauthorized('token_revoked');
      }
      entry.live = revision;
    }
    return verifiedAccess(entry);
  }

  /** True when `token` is ours (so the app's `tokenLoader` is not asked about it). */
  isOurs(token: string): boolean {
    return looksLikeRefreshToken(token) || this.accessCheck.namesOurKey(token);
  }

  /**
   * Spends a refresh token and issues the next pair in its family. A token already spent is
   * reuse: the whole family is revoked (its newest token too) and `token_reuse` is emitted;
   * but inside the reuse grace, the token spent last, while its successor is unused, gets that
   * successor again (with a new access token). Of concurrent rotations of one token, all get
   * the same successor (grace off: exactly one succeeds).
   */
  async rotate(refreshToken: string): Promise<IssuedTokens> {
    const { familyId, storageKey } = parseRefreshToken(this.ring, refreshToken);
    const family = await this.liveFamily(familyId);
    // Spent already (read first: a grace is claimed only for a token seen unspent)?
    const next =
      this.grace.on && (await this.store.get(storageKey)) === undefined
        ? await this.graceOrReuse(refreshToken, storageKey, familyId, family)
        : await this.spend(refreshToken, storageKey, familyId, family);
    const tokens = await this.sign(family, familyId, next);
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
    const claims = this.accessCheck.claimsOf(token);
    if (claims === undefined) return;
    const ttl = claims.exp * 1000 - Date.now() + this.access.clockSkewSec * 1000;
    if (ttl > 0) await this.store.set(`rat:${claims.jti}`, '1', ttl);
    bumpRevision(this.store);
    this.events.emit('token_revoked', { userId: claims.sub, tokenType: 'access' });
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

  /**
   * Spends an unspent refresh token; its successor. The successor is stored before the spend,
   * and the spend is the last write: a store failing anywhere before it leaves this token
   * working (the unsent successor and its grace removed), so the client's retry succeeds.
   */
  private async spend(
    token: string,
    storageKey: string,
    familyId: string,
    family: Family,
  ): Promise<RefreshToken> {
    const next = await this.storeNext(family, familyId);
    let claimed = false;
    try {
      // Of concurrent rotations of this token, the first to name its successor names it for
      // all, and spends this token; the others send that one.
      claimed = await this.grace.claim(token, storageKey, next);
      const named = claimed ? undefined : await this.grace.successor(token, storageKey);
      if (named !== undefined) {
        this.forget([next.storageKey]);
        return named;
      }
      await this.check(await this.store.take(storageKey), familyId, family);
      return next;
    } catch (err) {
      // not spent, reused or expired: the next one is not sent
      const grace = claimed && this.grace.on ? [this.grace.keyOf(storageKey)] : [];
      this.forget([next.storageKey, ...grace]);
      throw err;
    }
  }

  private async sign(
    family: Family,
    familyId: string,
    refresh: RefreshToken,
  ): Promise<IssuedTokens> {
    const access = await signAccessToken(this.ring, this.access, {
      sub: family.u,
      scopes: family.s,
      gen: family.g,
      fam: familyId,
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

  /** A spent refresh token: its successor when inside the reuse grace and unused, else reuse. */
  private async graceOrReuse(
    token: string,
    storageKey: string,
    familyId: string,
    family: Family,
  ): Promise<RefreshToken> {
    const successor = await this.grace.successor(token, storageKey);
    return successor ?? this.reuse(familyId, family);
  }

  /** A spent refresh token came back: revoke its whole family and say so. */
  private async reuse(familyId: string, family: Family): Promise<never> {
    await this.revokeFamily(familyId, family);
    this.events.emit('token_reuse', { userId: family.u });
    throw unauthorized('token_revoked');
  }

  /** Marks the family revoked (its refresh and access tokens), and tells every instance. */
  private async revokeFamily(familyId: string, family: Family): Promise<void> {
    const ttl = revokedLifetime(family, this.access);
    await this.store.set(`rtf:${familyId}`, JSON.stringify({ ...family, r: 1 }), ttl);
    bumpRevision(this.store);
  }
}
