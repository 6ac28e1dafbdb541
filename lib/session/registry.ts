import { createHmac } from 'node:crypto';
import type { Keyring } from '../keys/keyring.js';
import { bumpRevision, revisionOf } from '../stores/revision.js';
import type { RevisionFeed, Store } from '../stores/types.js';
import type { SessionSettings } from './options.js';
import type { SessionInfo, SignInRecord } from './types.js';

/** A session's record in the Store (`sess:<id>`), under short names as stored. */
interface RegistryRecord {
  /** User id. */
  u: string;
  /** The user's sign-out generation when the session started. */
  g: number;
  /** Signed in at (ms). */
  c: number;
  /** The device (User-Agent, at most 200 characters) that signed in. */
  d?: string;
}

const MAX_LISTED = 50;

/**
 * The sessions as the Store knows them: one record per sign-in (`sess:<id>`), so a sign-out
 * kills the cookie even if it is replayed; when each was last seen (`seen:<id>`); and each
 * user's index of session ids (`usess:<user>`), for the list of devices.
 */
export class SessionRegistry {
  private readonly revision: RevisionFeed | undefined;

  constructor(
    private readonly ring: Keyring,
    private readonly store: Store,
    private readonly cfg: SessionSettings,
  ) {
    this.revision = revisionOf(store);
  }

  /** The store's current revision, or undefined when the store is remote. */
  revisionNow(): number | undefined {
    return this.revision?.current();
  }

  /** Checks the registry; returns the sign-out generation the session was issued under, or undefined when it is dead. */
  async registered(auth: SignInRecord): Promise<number | undefined> {
    const raw = await this.store.get(`sess:${auth.id}`);
    if (raw === undefined) return undefined;
    const rec = JSON.parse(raw) as RegistryRecord;
    return rec.u === auth.userId && rec.c === auth.signedInAt ? rec.g : undefined;
  }

  /** Records when a session was last seen (at most once per `touchInterval`), for the session list. */
  async seen(auth: SignInRecord, now: number): Promise<void> {
    await this.store.set(`seen:${auth.id}`, String(now), this.cfg.absoluteMs);
  }

  /**
   * The user's live sessions, newest first; `current` marks this request's. `generation` is the
   * user's current sign-out generation: a session issued under an older one ended with a sign-out
   * everywhere (or a password change), even while its record lasts.
   */
  async list(
    userId: string,
    current: SignInRecord | undefined,
    generation: number,
  ): Promise<SessionInfo[]> {
    const ids = await this.idsOf(userId);
    const out: Array<SessionInfo & { at: number }> = [];
    const live: string[] = [];
    for (const sid of ids) {
      const raw = await this.store.get(`sess:${sid}`);
      if (raw === undefined) continue;
      const rec = JSON.parse(raw) as RegistryRecord;
      if (rec.u !== userId || rec.g < generation) continue;
      live.push(sid);
      const seen = Number((await this.store.get(`seen:${sid}`)) ?? rec.c);
      const isCurrent = current?.id === sid;
      out.push({
        id: this.publicId(sid),
        current: isCurrent,
        device: rec.d ?? '',
        createdAt: new Date(rec.c).toISOString(),
        lastSeenAt: new Date(isCurrent ? Math.max(seen, current.lastSeenAt) : seen).toISOString(),
        at: rec.c,
      });
    }
    const dead = ids.filter((sid) => !live.includes(sid));
    if (dead.length > 0) await this.store.removeMembers(`usess:${userId}`, dead);
    return out.sort((a, b) => b.at - a.at).map(({ at: _at, ...info }) => info);
  }

  /** Ends the user's session with public id `id` (false when there is none); `except` is never ended. */
  async revokeById(userId: string, id: string, except?: SignInRecord): Promise<boolean> {
    for (const sid of await this.idsOf(userId)) {
      if (this.publicId(sid) === id && sid !== except?.id) {
        await this.store.delete(`sess:${sid}`);
        bumpRevision(this.store);
        return true;
      }
    }
    return false;
  }

  /** Ends every session of the user but `keep`; returns how many were live (`generation`: as in `list`). */
  async revokeOthers(
    userId: string,
    keep: SignInRecord | undefined,
    generation: number,
  ): Promise<number> {
    let n = 0;
    // the ids read once: a sign-in landing meanwhile stays listed (and signed in)
    const ended = (await this.idsOf(userId)).filter((sid) => sid !== keep?.id);
    for (const sid of ended) {
      const raw = await this.store.get(`sess:${sid}`);
      if (raw !== undefined && (JSON.parse(raw) as RegistryRecord).g >= generation) n++;
      await this.store.delete(`sess:${sid}`);
    }
    bumpRevision(this.store);
    await this.store.removeMembers(`usess:${userId}`, ended);
    return n;
  }

  /** Writes the session's record: it is live from now on (`device`: the User-Agent, if any). */
  async register(auth: SignInRecord, generation: number, device?: string): Promise<void> {
    const rec: RegistryRecord = {
      u: auth.userId,
      g: generation,
      c: auth.signedInAt,
      ...(device ? { d: device } : {}),
    };
    await this.store.set(`sess:${auth.id}`, JSON.stringify(rec), this.cfg.absoluteMs);
  }

  /** Lists a registered session in its user's index (then sweeps the index when it is due). */
  async index(auth: SignInRecord): Promise<void> {
    await this.store.addMember(`usess:${auth.userId}`, auth.id, this.cfg.absoluteMs);
    await this.sweep(auth.userId);
  }

  /** Ends a session: its record deleted, so its cookie is dead even if replayed. */
  async revoke(auth: SignInRecord): Promise<void> {
    await this.store.delete(`sess:${auth.id}`);
    bumpRevision(this.store);
  }

  /** Deletes a session's record without waiting (a sign-in whose writes failed). */
  forget(auth: SignInRecord): void {
    this.store.delete(`sess:${auth.id}`).catch(() => undefined);
  }

  private publicId(sid: string): string {
    return createHmac('sha256', this.ring.current('session').key)
      .update(`public:${sid}`)
      .digest('base64url')
      .slice(0, 16);
  }

  /** The user's session ids in the index (a set in the Store: concurrent sign-ins all land). */
  private async idsOf(userId: string): Promise<string[]> {
    return this.store.members(`usess:${userId}`);
  }

  /**
   * Drops the dead entries of the user's index when it reaches `MAX_LISTED` entries and then
   * each power of two past it, so a user with thousands of live sessions (a script signing in
   * in a loop) costs a few reads per sign-in, not thousands.
   */
  private async sweep(userId: string): Promise<void> {
    const key = `usess:${userId}`;
    const ids = await this.idsOf(userId);
    const n = ids.length;
    if (n <= MAX_LISTED || (n !== MAX_LISTED + 1 && (n & (n - 1)) !== 0)) return;
    const dead: string[] = [];
    for (const id of ids) if ((await this.store.get(`sess:${id}`)) === undefined) dead.push(id);
    if (dead.length > 0) await this.store.removeMembers(key, dead);
  }
}
