import type { Context } from 'koa';
import type { BrowserBinding } from '../accounts/browser.js';
import { claimProvenEmail } from '../accounts/email-proof.js';
import type { Core } from '../core.js';
import type { PasswordSettings } from './options.js';
import { normalizeEmail } from '../email/address.js';
import type { Outbox } from '../email/outbox.js';
import { badRequest } from '../errors.js';
import { appOrigin } from '../http/csrf.js';
import { signInOf } from '../session/sign-in.js';
import {
  type Expiring,
  expiring,
  isTokenShape,
  putBackOnFailure,
  type Stamped,
  storeKey,
} from '../stores/single-use.js';
import type { BaseUser } from '../stores/types.js';
import { randomToken, safeEqual } from '../util/encoding.js';
import { type PasswordHashes, passwordUsers } from './hashes.js';
import { issuedAlive, peekLink } from './links.js';
import { acceptable } from './rules.js';

/** A reset link's record: the user, the asking browser, and its stamp. */
interface ResetRecord extends Stamped {
  u: string;
  b: string;
}

/**
 * Password reset by mailed single-use link: only the user's newest link works, and none issued
 * before a sign-out everywhere; spending one sets the password and ends every session and token.
 */
export class PasswordResets<User extends BaseUser> {
  constructor(
    private readonly core: Core<User>,
    private readonly email: Outbox<User>,
    private readonly browser: BrowserBinding<User>,
    private readonly hashes: PasswordHashes<User>,
    private readonly settings: PasswordSettings,
  ) {}

  /** Mails a single-use reset link when the address has an account; the same answer either way. */
  async request(ctx: Context, address: unknown): Promise<void> {
    const { core, email } = this;
    const to = normalizeEmail(address);
    await email.limits.consume(ctx, 'send', to);
    const browser = this.browser.id(ctx); // set for every address alike: the same answer
    const user = await core.bounded(() => passwordUsers(core).findByEmail!(to));
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
      minutes: Math.round(resetMs / 60_000),
    });
    core.events.emit('password_reset_requested', { userId: user.id });
  }

  /** Spends a reset link: the new password is set, every session and token ends, the user signs in. */
  async reset(ctx: Context, token: unknown, password: unknown): Promise<User> {
    const { core } = this;
    if (!isTokenShape(token)) throw badRequest('link_invalid');
    const pw = await acceptable(password, this.settings);
    await this.email.limits.consume(ctx, 'verify');
    const key = storeKey(core.opts.ring, 'reset', token);
    const raw = await core.bounded(() => core.store.take(key));
    if (raw === undefined) throw badRequest('link_invalid');
    const record = JSON.parse(raw) as Expiring<ResetRecord>;
    return putBackOnFailure(core.store, key, raw, async (passed) => {
      if (!(await this.isCurrent(key, record))) throw badRequest('link_invalid');
      passed(); // what follows ends the user's sessions
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
      const user = await this.hashes.replace(owner.id, pw, { emailVerified: true });
      if (!user) throw badRequest('link_invalid');
      await core.bounded(() => core.store.delete(latestResetKey(record.u)));
      core.events.emit('password_reset', { userId: user.id });
      const asked = this.browser.read(ctx)?.b;
      const here =
        asked !== undefined && typeof record.b === 'string' && safeEqual(asked, record.b);
      await auth.login(user, 'password_reset', { mergeGuest: here });
      return user;
    });
  }

  /** True when a reset link is live (read only, for the page behind GET). */
  async isLive(token: unknown): Promise<boolean> {
    const link = await peekLink<User, ResetRecord>(this.core, 'reset', token);
    return link !== undefined && this.isCurrent(link.key, link.record);
  }

  /** True while a reset link is the user's newest and no sign-out everywhere came after it. */
  private async isCurrent(key: string, record: ResetRecord): Promise<boolean> {
    const { core } = this;
    if (typeof record.u !== 'string') return false;
    if (record.k === 1) return true; // a retry of a use that passed these checks (see Stamped)
    const latest = await core.bounded(() => core.store.get(latestResetKey(record.u)));
    if (latest === undefined || !safeEqual(latest, key)) return false;
    return issuedAlive(core, record.u, record);
  }
}

/** The Store key naming a user's newest reset link (older ones are void). */
function latestResetKey(userId: string): string {
  return `reset-latest:${userId}`;
}
