import type { Context } from 'koa';
import type { BrowserBinding } from '../accounts/browser.js';
import { claimProvenEmail } from '../accounts/email-proof.js';
import type { Core } from '../core.js';
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
import { randomToken } from '../util/encoding.js';
import { issuedAlive, peekLink } from './links.js';

/** A verification link's record: the user, the address, and its stamp. */
interface VerifyRecord extends Stamped {
  u: string;
  e: string;
}

/**
 * Email verification by mailed single-use link: sent at registration, spent to mark the
 * address verified; void once a sign-out everywhere came after it.
 */
export class EmailVerification<User extends BaseUser> {
  constructor(
    private readonly core: Core<User>,
    private readonly email: Outbox<User>,
    private readonly browser: BrowserBinding<User>,
    /** How long a verification link works. */
    private readonly verifyMs: number,
  ) {}

  /** Mails a verification link for the user's address `to`. */
  async send(ctx: Context, userId: string, to: string): Promise<void> {
    const { core } = this;
    const { verifyMs } = this;
    const token = randomToken(32);
    const key = storeKey(core.opts.ring, 'verify', token);
    const record: VerifyRecord = { u: userId, e: to, g: await core.generations.current(userId) };
    await core.bounded(() => core.store.set(key, expiring(record, verifyMs), verifyMs));
    const link = `${appOrigin(ctx, core.opts.baseOrigin)}${core.opts.prefix}/email/verify?token=${token}`;
    await this.email.deliver(to, 'verifyEmail', {
      link,
      minutes: Math.round(verifyMs / 60_000),
    });
  }

  /** Spends a verification link: the address is marked verified. */
  async verify(ctx: Context, token: unknown): Promise<void> {
    const { core } = this;
    if (!isTokenShape(token)) throw badRequest('link_invalid');
    await this.email.limits.consume(ctx, 'verify');
    const key = storeKey(core.opts.ring, 'verify', token);
    const raw = await core.bounded(() => core.store.take(key));
    if (raw === undefined) throw badRequest('link_invalid');
    const record = JSON.parse(raw) as Expiring<VerifyRecord>;
    const { u, e } = record;
    const owner = await putBackOnFailure(core.store, key, raw, async (passed) => {
      const user = await core.findUser(u);
      if (!user || user.email?.toLowerCase() !== e) throw badRequest('link_invalid');
      if (!(await issuedAlive(core, u, record))) throw badRequest('link_invalid');
      passed(); // what follows may end the user's sessions
      // in the browser that registered, a guest becomes a full account in place and the
      // password stays; anywhere else, see claimProvenEmail
      const here = this.browser.setUp(ctx, user, signInOf<User>(ctx).user);
      return claimProvenEmail(core, user, e, here);
    });
    core.events.emit('email_verified', { userId: owner.id });
  }

  /** True when a verification link is live (read only, for the page behind GET). */
  async isLive(token: unknown): Promise<boolean> {
    const link = await peekLink<User, VerifyRecord>(this.core, 'verify', token);
    return link !== undefined && issuedAlive(this.core, link.record.u, link.record);
  }
}
