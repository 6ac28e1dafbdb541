import type { Context } from 'koa';
import { createOrUpgrade } from '../accounts/guests.js';
import type { Core } from '../core.js';
import { AuthError, badRequest, isAuthError, unauthorized } from '../errors.js';
import { appOrigin } from '../http/csrf.js';
import { signInOf } from '../session/sign-in.js';
import type { BaseUser } from '../stores/types.js';
import { randomToken } from '../util/encoding.js';
import { normalizeEmail } from '../email/address.js';
import { isCommonPassword } from './common.js';
import {
  type Expiring,
  expiring,
  isTokenShape,
  putBackOnFailure,
  type Stamped,
  stampOf,
  storeKey,
} from '../stores/single-use.js';
import type { Outbox } from '../email/outbox.js';
import { BrowserBinding } from '../accounts/browser.js';
import { claimProvenEmail } from '../accounts/email-proof.js';
import { Generations } from '../tokens/generations.js';
import { safeEqual } from '../util/encoding.js';

/** The field on the app's user that holds the password hash (never shown by `/auth/me`). */
type WithHash = BaseUser & { passwordHash?: string };

/** A reset link's record: the user, the asking browser, and its stamp. */
interface ResetRecord extends Stamped {
  u: string;
  b: string;
}

/** A verification link's record: the user, the address, and its stamp. */
interface VerifyRecord extends Stamped {
  u: string;
  e: string;
}

/**
 * Email + password accounts: register (a verification mail; a taken address gets a mail
 * saying so instead of a second account), sign-in, change, reset by mailed single-use link,
 * email verification. argon2id hashes, re-hashed at sign-in when the parameters change; no
 * user enumeration (the same answers, and a dummy hash for unknown users).
 */
export class Passwords<User extends BaseUser> {
  private dummy: Promise<string> | undefined;
  private readonly browser: BrowserBinding<User>;

  constructor(
    private readonly core: Core<User>,
    private readonly email: Outbox<User>,
  ) {
    this.browser = new BrowserBinding(core);
  }

  private get settings() {
    return this.core.opts.password;
  }

  /** Creates an account (or mails the owner of a taken address); the same answer either way. */
  async register(ctx: Context, address: unknown, password: unknown): Promise<void> {
    const { core, email } = this;
    const to = normalizeEmail(address);
    const pw = await this.acceptable(password);
    await email.limits.consume(ctx, 'send', to);
    const users = this.users();
    const taken = () => {
      this.browser.registered(ctx, randomToken(16)); // the same cookie as a new account
      return email.deliver(to, 'accountExists', {
        link: `${appOrigin(ctx, core.opts.baseOrigin)}${core.opts.loginPath}`,
      });
    };
    const existing = await core.bounded(() => users.findByEmail!(to));
    if (existing) {
      await this.hasher().hash(pw); // the same work as a new account
      return taken();
    }
    const passwordHash = await this.hasher().hash(pw);
    const data = { email: to, emailVerified: false, passwordHash } as unknown as Omit<User, 'id'>;
    const guest = signInOf<User>(ctx).user;
    let user: User;
    try {
      if (guest?.anonymous === true && this.settings.requireVerifiedEmail && users.update) {
        // A guest keeps its id but stays a guest until the address is verified: its browser
        // sees the same whether the address was free or taken (and cannot sign in unverified).
        const pending = await core.bounded(() => users.update!(guest.id, data));
        user = pending ?? (await createOrUpgrade(core, undefined, data));
      } else user = await createOrUpgrade(core, guest, data);
    } catch (err) {
      // a concurrent sign-up with this address won the unique constraint: the same answer
      if (isAuthError(err) && err.code === 'account_exists') return taken();
      throw err;
    }
    // this browser set the password: proving the address here keeps it (see claimProvenEmail)
    this.browser.registered(ctx, user.id);
    core.events.emit('registered', { userId: user.id });
    await this.sendVerification(ctx, user.id, to);
    if (!this.settings.requireVerifiedEmail) await signInOf<User>(ctx).login(user, 'password');
  }

  /** Signs in with email and password; 401 `credentials_invalid` for an unknown user or a wrong password alike. */
  async login(ctx: Context, address: unknown, password: unknown): Promise<User> {
    const { core, email } = this;
    const to = normalizeEmail(address);
    const pw = await this.received(password);
    await email.limits.consume(ctx, 'login', to);
    const users = this.users();
    const user = (await core.bounded(() => users.findByEmail!(to))) as
      (User & WithHash) | undefined;
    const hashed =
      typeof user?.passwordHash === 'string' ? user.passwordHash : await this.dummyHash();
    const ok =
      (await this.hasher().verify(hashed, pw)) &&
      user !== undefined &&
      hashed === user.passwordHash;
    if (!ok || !user) {
      core.events.emit('login_failed', { method: 'password', code: 'credentials_invalid' });
      throw unauthorized('credentials_invalid');
    }
    if (this.settings.requireVerifiedEmail && user.emailVerified !== true) {
      throw new AuthError('email_unverified');
    }
    if (this.hasher().needsRehash(hashed)) await this.setHash(user.id, pw);
    await email.limits.reset('login', to);
    await signInOf<User>(ctx).login(user, 'password');
    return user;
  }

  /**
   * Changes the signed-in user's password (the current one required), or adds one to an
   * account that has none (linking email + password to it); every other session and token ends.
   */
  async change(ctx: Context, current: unknown, next: unknown): Promise<void> {
    const { core } = this;
    const auth = signInOf<User>(ctx);
    const user = auth.user as (User & WithHash) | undefined;
    if (!user || user.anonymous === true) throw unauthorized('login_required');
    await this.email.limits.consume(ctx, 'login', user.id);
    // a user without a password (signed up with a provider or a link) adds one: no current
    // password to check, so the sign-in must be recent instead
    const hasOne = typeof user.passwordHash === 'string';
    if (!hasOne) auth.requireRecent();
    const ok =
      !hasOne || (await this.hasher().verify(user.passwordHash!, await this.received(current)));
    if (!ok) {
      core.events.emit('login_failed', { method: 'password', code: 'credentials_invalid' });
      throw unauthorized('credentials_invalid');
    }
    const fresh = await this.acceptable(next);
    await this.replaceHash(user.id, fresh);
    core.events.emit('password_changed', { userId: user.id });
    await auth.login(user, 'password'); // this session lives on, with a new id
  }

  /** Mails a single-use reset link when the address has an account; the same answer either way. */
  async requestReset(ctx: Context, address: unknown): Promise<void> {
    const { core, email } = this;
    const to = normalizeEmail(address);
    await email.limits.consume(ctx, 'send', to);
    const browser = this.browser.id(ctx); // set for every address alike: the same answer
    const user = await core.bounded(() => this.users().findByEmail!(to));
    const token = randomToken(32);
    const key = storeKey(core.opts.ring, 'reset', token);
    if (!user) return;
    const { resetMs } = this.settings;
    const record: ResetRecord = {
      u: user.id,
      g: await core.generations.current(user.id),
      b: browser,
    };
    await core.bounded(() => core.store.set(key, expiring(record, resetMs), resetMs));
    // the newest link is the only one that works: older ones are void
    await core.bounded(() => core.store.set(latestResetKey(user.id), key, resetMs));
    const link = `${appOrigin(ctx, core.opts.baseOrigin)}${core.opts.prefix}/password/reset?token=${token}`;
    await email.deliver(to, 'resetPassword', {
      link,
      minutes: Math.round(this.settings.resetMs / 60_000),
    });
    core.events.emit('password_reset_requested', { userId: user.id });
  }

  /** Spends a reset link: the new password is set, every session and token ends, the user signs in. */
  async reset(ctx: Context, token: unknown, password: unknown): Promise<User> {
    const { core } = this;
    if (!isTokenShape(token)) throw badRequest('link_invalid');
    const pw = await this.acceptable(password);
    await this.email.limits.consume(ctx, 'verify');
    const key = storeKey(core.opts.ring, 'reset', token);
    const raw = await core.bounded(() => core.store.take(key));
    if (raw === undefined) throw badRequest('link_invalid');
    const record = JSON.parse(raw) as Expiring<ResetRecord>;
    let putBack = raw;
    return putBackOnFailure(
      core.store,
      key,
      () => putBack,
      async () => {
        if (!(await this.resetIsCurrent(key, record))) throw badRequest('link_invalid');
        putBack = JSON.stringify({ ...record, k: 1 }); // what follows ends the user's sessions
        const auth = signInOf<User>(ctx);
        const found = await core.findUser(record.u);
        if (!found) throw badRequest('link_invalid');
        // the link proved the mailbox: the same rule as every other proof of an address
        const owner = found.email
          ? await claimProvenEmail(
              core,
              found,
              found.email,
              this.browser.setUp(ctx, found, auth.user),
            )
          : found;
        const user = await this.replaceHash(owner.id, pw, { emailVerified: true });
        if (!user) throw badRequest('link_invalid');
        await core.bounded(() => core.store.delete(latestResetKey(record.u)));
        core.events.emit('password_reset', { userId: user.id });
        const asked = this.browser.read(ctx)?.b;
        const here =
          asked !== undefined && typeof record.b === 'string' && safeEqual(asked, record.b);
        await auth.login(user, 'password_reset', { mergeGuest: here });
        return user;
      },
    );
  }

  /** True while a reset link is the user's newest and no sign-out everywhere came after it. */
  private async resetIsCurrent(key: string, record: ResetRecord): Promise<boolean> {
    const { core } = this;
    if (typeof record.u !== 'string') return false;
    if (record.k === 1) return true; // a retry of a use that passed these checks (see Stamped)
    const latest = await core.bounded(() => core.store.get(latestResetKey(record.u)));
    if (latest === undefined || !safeEqual(latest, key)) return false;
    return this.issuedAlive(record.u, record);
  }

  /** True when a stamped record outlives the user's credentials (see `Stamped`). */
  private async issuedAlive(userId: string, record: Partial<Stamped>): Promise<boolean> {
    const issued = stampOf(record);
    if (issued === undefined) return true;
    return Generations.alive(issued, await this.core.generations.current(userId));
  }

  /** True when a reset or verification link is live (read only, for the pages behind GET). */
  async isLive(purpose: 'reset' | 'verify', token: unknown): Promise<boolean> {
    if (!isTokenShape(token)) return false;
    const { core } = this;
    const key = storeKey(core.opts.ring, purpose, token);
    const raw = await core.bounded(() => core.store.get(key));
    if (raw === undefined) return false;
    const record = JSON.parse(raw) as ResetRecord & VerifyRecord;
    return purpose === 'reset'
      ? this.resetIsCurrent(key, record)
      : this.issuedAlive(record.u, record);
  }

  /** Spends a verification link: the address is marked verified. */
  async verifyEmail(ctx: Context, token: unknown): Promise<void> {
    const { core } = this;
    if (!isTokenShape(token)) throw badRequest('link_invalid');
    await this.email.limits.consume(ctx, 'verify');
    const key = storeKey(core.opts.ring, 'verify', token);
    const raw = await core.bounded(() => core.store.take(key));
    if (raw === undefined) throw badRequest('link_invalid');
    const record = JSON.parse(raw) as Expiring<VerifyRecord>;
    const { u, e } = record;
    let putBack = raw;
    const owner = await putBackOnFailure(
      core.store,
      key,
      () => putBack,
      async () => {
        const user = await core.findUser(u);
        if (!user || user.email?.toLowerCase() !== e) throw badRequest('link_invalid');
        if (!(await this.issuedAlive(u, record))) throw badRequest('link_invalid');
        putBack = JSON.stringify({ ...record, k: 1 }); // what follows may end the user's sessions
        // in the browser that registered, a guest becomes a full account in place and the
        // password stays; anywhere else, see claimProvenEmail
        const here = this.browser.setUp(ctx, user, signInOf<User>(ctx).user);
        return claimProvenEmail(core, user, e, here);
      },
    );
    core.events.emit('email_verified', { userId: owner.id });
  }

  private async sendVerification(ctx: Context, userId: string, to: string): Promise<void> {
    const { core } = this;
    const token = randomToken(32);
    const key = storeKey(core.opts.ring, 'verify', token);
    const record: VerifyRecord = { u: userId, e: to, g: await core.generations.current(userId) };
    await core.bounded(() =>
      core.store.set(key, expiring(record, this.settings.verifyMs), this.settings.verifyMs),
    );
    const link = `${appOrigin(ctx, core.opts.baseOrigin)}${core.opts.prefix}/email/verify?token=${token}`;
    await this.email.deliver(to, 'verifyEmail', {
      link,
      minutes: Math.round(this.settings.verifyMs / 60_000),
    });
  }

  /**
   * Sets a new password and ends every session and token of the user. Everything is ended both
   * before the hash is written (a store failing after the write can never leave old sessions
   * alive with the new password in place) and after it (a session signed in with the old
   * password in between ends too).
   */
  private async replaceHash(
    userId: string,
    pw: string,
    extra: Record<string, unknown> = {},
  ): Promise<User | undefined> {
    await this.core.generations.bump(userId);
    const user = await this.setHash(userId, pw, extra);
    if (user) await this.core.generations.bump(userId);
    return user;
  }

  private async setHash(
    userId: string,
    pw: string,
    extra: Record<string, unknown> = {},
  ): Promise<User | undefined> {
    const passwordHash = await this.hasher().hash(pw);
    const patch = { ...extra, passwordHash } as unknown as Partial<Omit<User, 'id'>>;
    return this.core.bounded(() => this.users().update!(userId, patch));
  }

  /** A password as received: a string, not longer than `maxLength` (413 before any hashing). */
  private async received(password: unknown): Promise<string> {
    if (typeof password !== 'string' || password.length === 0) throw badRequest('invalid_request');
    if (password.length > this.settings.maxLength) {
      throw new AuthError('payload_too_large', {
        message: `Passwords have at most ${this.settings.maxLength} characters.`,
      });
    }
    return password;
  }

  /** A new password: as received, at least `minLength` characters, not a common one. */
  private async acceptable(password: unknown): Promise<string> {
    const pw = await this.received(password);
    const { minLength } = this.settings;
    if ([...pw].length < minLength) {
      throw badRequest('password_weak', { message: `Use at least ${minLength} characters.` });
    }
    if (await isCommonPassword(pw)) {
      throw badRequest('password_weak', {
        message: 'This password is too common; choose another.',
      });
    }
    return pw;
  }

  private hasher() {
    return this.settings.hasher;
  }

  /** A hash of a random password with today's parameters: unknown users cost the same work. */
  private dummyHash(): Promise<string> {
    this.dummy ??= this.hasher().hash(randomToken(16));
    return this.dummy;
  }

  private users() {
    const { users } = this.core.opts;
    if (!users.findByEmail || !users.create || !users.update) {
      throw new AuthError('misconfigured', {
        message: 'Password accounts need a UserStore with findByEmail, create and update.',
      });
    }
    return users;
  }
}

/** The Store key naming a user's newest reset link (older ones are void). */
function latestResetKey(userId: string): string {
  return `reset-latest:${userId}`;
}
