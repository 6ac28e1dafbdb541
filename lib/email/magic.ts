import type { Context } from 'koa';
import type { Core } from '../core.js';
import { badRequest } from '../errors.js';
import { appOrigin } from '../http/csrf.js';
import { safeReturnTo } from '../http/return-to.js';
import { signInOf } from '../session/sign-in.js';
import type { BaseUser } from '../stores/types.js';
import { randomToken, safeEqual } from '../util/encoding.js';
import { normalizeEmail } from './address.js';
import type { Outbox } from './outbox.js';
import {
  type Expiring,
  expiring,
  isTokenShape,
  putBackOnFailure,
  stampOf,
  storeKey,
} from '../stores/single-use.js';
import { generationOf, userWithProvenEmail } from './users.js';
import { BrowserBinding } from '../accounts/browser.js';

interface MagicRecord {
  /** The address the link was sent to. */
  e: string;
  /** Where to land. */
  r: string;
  /** The browser that asked for the link. */
  b: string;
  /** The user's sign-out generation when it was sent (see `Stamped`). */
  g: number;
  k?: 1;
}

/** What the confirm page says about a live link. */
export interface MagicLinkView {
  /** The address the link signs in to. */
  email: string;
  /** True when this is the browser that asked for the link. */
  here: boolean;
}

/**
 * Magic links: a random 256-bit token mailed as a link, stored only as an HMAC under the
 * `magic` key, for `magicLinkTtl` (10 minutes). Following the link (GET) shows a confirm page;
 * its POST takes the token atomically (of two concurrent uses exactly one signs in), so a mail
 * scanner that prefetches links never burns it.
 */
export class MagicLinks<User extends BaseUser> {
  private readonly browser: BrowserBinding<User>;

  constructor(
    private readonly core: Core<User>,
    private readonly email: Outbox<User>,
  ) {
    this.browser = new BrowserBinding(core);
  }

  /** Mails a sign-in link to `address` (when it may sign in); answers the same either way. */
  async send(ctx: Context, address: unknown, options: { returnTo?: unknown } = {}): Promise<void> {
    const { core, email } = this;
    const to = normalizeEmail(address);
    await email.limits.consume(ctx, 'send', to);
    const browser = this.browser.id(ctx); // set for every address alike: the same answer
    const { magicLinkMs, createUsers } = email.settings;
    const { users } = core.opts;
    const known = users.findByEmail ? await core.bounded(() => users.findByEmail!(to)) : undefined;
    if (!createUsers && !known) return; // nothing to sign in to: no mail, the same answer
    const token = randomToken(32);
    const record: MagicRecord = {
      e: to,
      r: safeReturnTo(options.returnTo, core.opts.defaultReturnTo),
      b: browser,
      g: await generationOf(core, known),
    };
    await core.bounded(() =>
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

  /** What a live link signs in to, for the confirm page (read only); undefined when it is not live. */
  async peek(ctx: Context, token: unknown): Promise<MagicLinkView | undefined> {
    if (!isTokenShape(token)) return undefined;
    const { core } = this;
    const raw = await core.bounded(() => core.store.get(storeKey(core.opts.ring, 'magic', token)));
    if (raw === undefined) return undefined;
    const record = JSON.parse(raw) as Expiring<MagicRecord>;
    return { email: record.e, here: this.askedHere(ctx, record) };
  }

  /** Spends the link and signs its owner in; returns where to land. 400 `link_invalid` otherwise. */
  async consume(ctx: Context, token: unknown): Promise<string> {
    const { core } = this;
    if (!isTokenShape(token)) throw badRequest('link_invalid');
    await this.email.limits.consume(ctx, 'verify');
    const key = storeKey(core.opts.ring, 'magic', token);
    const raw = await core.bounded(() => core.store.take(key));
    if (raw === undefined) throw badRequest('link_invalid');
    const record = JSON.parse(raw) as Expiring<MagicRecord>;
    return putBackOnFailure(core.store, key, raw, async (passed) => {
      const auth = signInOf<User>(ctx);
      // a link completed in another browser (sent there by whoever asked for it: login CSRF)
      // signs that browser in, but never merges or upgrades its guest
      const here = this.askedHere(ctx, record);
      const user = await userWithProvenEmail(core, record.e, {
        issued: stampOf(record),
        passed,
        here: (found) => this.browser.setUp(ctx, found, auth.user),
        guest: here ? auth.user : undefined,
        create: this.email.settings.createUsers,
        invalid: 'link_invalid',
      });
      if (!user) throw badRequest('link_invalid');
      await auth.login(user, 'magic_link', { mergeGuest: here });
      return record.r;
    });
  }

  private askedHere(ctx: Context, record: MagicRecord): boolean {
    const mine = this.browser.read(ctx)?.b;
    return mine !== undefined && typeof record.b === 'string' && safeEqual(mine, record.b);
  }
}
