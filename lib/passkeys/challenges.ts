import type { Context } from 'koa';
import type { Core } from '../core.js';
import type { ResolvedPasskeyOptions } from './options.js';
import { storeKey } from '../stores/single-use.js';
import { seal, unseal } from '../session/seal.js';
import type { SignInRecord } from '../session/types.js';
import type { BaseUser } from '../stores/types.js';

/** A pending registration, kept in the Store under the session that asked. */
interface RegistrationRecord {
  /** The challenge (base64url). */
  c: string;
  /** The user who asked. */
  u: string;
  /** The user handle given to the authenticator (base64url). */
  h: string;
}

/** A pending sign-in, sealed in a cookie of the browser that asked. */
interface LoginCookie {
  /** Marks a passkey cookie (the `flow` key also seals provider sign-ins). */
  k: 'passkey';
  /** The challenge (base64url). */
  c: string;
  /** Expires at (ms). */
  x: number;
}

/**
 * WebAuthn challenges: random (from `@simplewebauthn/server`), short-lived (`passkeys.timeout`),
 * single use, and bound to who asked. A registration challenge lives in the Store under an HMAC
 * of the signed-in session's id (one pending per session; `take` spends it). A sign-in
 * challenge is sealed in an HttpOnly cookie of the browser that asked, and spent by an atomic
 * `add` of its HMAC to the Store, so a replayed cookie finds it spent.
 */
export class PasskeyChallenges<User extends BaseUser> {
  constructor(
    private readonly core: Core<User>,
    private readonly settings: ResolvedPasskeyOptions,
  ) {}

  /** The cookie that binds a sign-in challenge to this browser. */
  get cookieName(): string {
    const base = this.core.opts.session.cookieName.replace(/^__Host-/, '');
    return this.core.opts.production ? `__Host-${base}_passkey` : `${base}_passkey`;
  }

  /** Keeps `challenge` for a registration by `userId` in `session`, replacing any pending one. */
  async beginRegistration(
    session: SignInRecord,
    userId: string,
    challenge: string,
    handle: string,
  ): Promise<void> {
    const { core } = this;
    const record: RegistrationRecord = { c: challenge, u: userId, h: handle };
    const ttl = this.settings.timeoutMs;
    await core.bounded(() => core.store.set(this.regKey(session), JSON.stringify(record), ttl));
  }

  /** Spends the registration challenge of `session` (asked by `userId`); undefined when none. */
  async takeRegistration(
    session: SignInRecord,
    userId: string,
  ): Promise<{ challenge: string; handle: string } | undefined> {
    const { core } = this;
    const raw = await core.bounded(() => core.store.take(this.regKey(session)));
    if (raw === undefined) return undefined;
    const record = JSON.parse(raw) as RegistrationRecord;
    return record.u === userId ? { challenge: record.c, handle: record.h } : undefined;
  }

  /** Binds a sign-in `challenge` to this browser. */
  beginLogin(ctx: Context, challenge: string): void {
    const { opts } = this.core;
    const value: LoginCookie = {
      k: 'passkey',
      c: challenge,
      x: Date.now() + this.settings.timeoutMs,
    };
    ctx.cookies.set(this.cookieName, seal(opts.ring, 'flow', value), {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      maxAge: this.settings.timeoutMs,
      secure: opts.session.secure,
      overwrite: true,
    });
  }

  /**
   * Spends the sign-in challenge this browser holds (the cookie is cleared either way);
   * undefined when there is none, it expired, or it was spent already.
   */
  async takeLogin(ctx: Context): Promise<string | undefined> {
    const { core } = this;
    const sealed = ctx.cookies.get(this.cookieName);
    if (sealed === undefined) return undefined;
    ctx.cookies.set(this.cookieName, '', {
      path: '/',
      expires: new Date(0),
      secure: core.opts.session.secure,
      overwrite: true,
    });
    const opened = unseal<LoginCookie>(core.opts.ring, 'flow', sealed)?.value;
    if (opened?.k !== 'passkey' || typeof opened.c !== 'string') return undefined;
    const left = opened.x - Date.now();
    if (!(left > 0)) return undefined;
    const key = storeKey(core.opts.ring, 'flow', `passkey-spent:${opened.c}`);
    const fresh = await core.bounded(() => core.store.add(key, '1', left + 60_000));
    return fresh ? opened.c : undefined;
  }

  private regKey(session: SignInRecord): string {
    return storeKey(this.core.opts.ring, 'flow', `passkey-register:${session.id}`);
  }
}
