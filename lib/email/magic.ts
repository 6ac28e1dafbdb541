import type { Context } from 'koa';
import type { Core } from '../core.js';
import { badRequest } from '../errors.js';
import { appOrigin } from '../guards/csrf.js';
import { safeReturnTo } from '../http/return-to.js';
import { authOf } from '../request-auth.js';
import type { BaseUser } from '../stores/types.js';
import { randomToken } from '../util/encoding.js';
import { normalizeEmail } from './address.js';
import type { EmailCore } from './service.js';
import { type Expiring, expiring, isTokenShape, putBackOnFailure, storeKey } from './secrets.js';
import { userWithProvenEmail } from './users.js';

interface MagicRecord {
  /** The address the link was sent to. */
  e: string;
  /** Where to land. */
  r: string;
}

/**
 * Magic links: a random 256-bit token mailed as a link, stored only as an HMAC under the
 * `magic` key, for `magicLinkTtl` (10 minutes). Following the link (GET) shows a confirm page;
 * its POST takes the token atomically (of two concurrent uses exactly one signs in), so a mail
 * scanner that prefetches links never burns it.
 */
export class MagicLinks<User extends BaseUser> {
  constructor(
    private readonly core: Core<User>,
    private readonly email: EmailCore<User>,
  ) {}

  /** Mails a sign-in link to `address` (when it may sign in); answers the same either way. */
  async send(ctx: Context, address: unknown, options: { returnTo?: unknown } = {}): Promise<void> {
    const { core, email } = this;
    const to = normalizeEmail(address);
    await email.limits.consume(ctx, 'send', to);
    const { magicLinkMs, createUsers } = email.settings;
    if (!createUsers) {
      const { users } = core.opts;
      const known = users.findByEmail
        ? await core.guarded(() => users.findByEmail!(to))
        : undefined;
      if (!known) return; // nothing to sign in to: no mail, the same answer
    }
    const token = randomToken(32);
    const record: MagicRecord = {
      e: to,
      r: safeReturnTo(options.returnTo, core.opts.defaultReturnTo),
    };
    await core.guarded(() =>
      core.store.set(
        storeKey(core.opts.ring, 'magic', token),
        expiring(record, magicLinkMs),
        magicLinkMs,
      ),
    );
    const link = `${appOrigin(ctx, core.opts.baseOrigin)}${core.opts.prefix}/magic/callback?token=${token}`;
    await email.deliver(to, 'magicLink', { link, minutes: Math.round(magicLinkMs / 60_000) });
    core.events.emit('magic_link_sent', { email: to });
  }

  /** True when `token` is a live link (read only: the confirm page). */
  async isLive(token: unknown): Promise<boolean> {
    if (!isTokenShape(token)) return false;
    const { core } = this;
    const raw = await core.guarded(() => core.store.get(storeKey(core.opts.ring, 'magic', token)));
    return raw !== undefined;
  }

  /** Spends the link and signs its owner in; returns where to land. 400 `link_invalid` otherwise. */
  async consume(ctx: Context, token: unknown): Promise<string> {
    const { core } = this;
    if (!isTokenShape(token)) throw badRequest('link_invalid');
    await this.email.limits.consume(ctx, 'verify');
    const key = storeKey(core.opts.ring, 'magic', token);
    const raw = await core.guarded(() => core.store.take(key));
    if (raw === undefined) throw badRequest('link_invalid');
    const record = JSON.parse(raw) as Expiring<MagicRecord>;
    return putBackOnFailure(core.store, key, raw, async () => {
      const auth = authOf<User>(ctx);
      const { createUsers } = this.email.settings;
      const user = await userWithProvenEmail(core, record.e, createUsers, auth.sessionUser);
      if (!user) throw badRequest('link_invalid');
      await auth.login(user, 'magic_link');
      return record.r;
    });
  }
}
