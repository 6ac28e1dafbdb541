import type { Context } from 'koa';
import type { Core } from '../core.js';
import { badRequest } from '../errors.js';
import { signInOf } from '../session/sign-in.js';
import { seal, unseal } from '../session/seal.js';
import type { BaseUser } from '../stores/types.js';
import { randomToken, safeEqual } from '../util/encoding.js';
import { normalizeEmail } from './address.js';
import type { Outbox } from './outbox.js';
import { putBackOnFailure, randomDigits, stampOf, storeKey } from '../stores/single-use.js';
import { generationOf, userWithProvenEmail } from './users.js';
import { BrowserBinding } from '../accounts/browser.js';

interface OtpRecord {
  /** The address. */
  e: string;
  /** HMAC of the code under the `otp` key and this flow. */
  h: string;
  /** The user's sign-out generation when it was sent (see `Stamped`). */
  g: number;
  k?: 1;
}

interface OtpCookie {
  /** Flow id. */
  f: string;
  /** Expires at (ms). */
  x: number;
}

/**
 * Email one-time codes: 6 digits for `otpTtl` (10 minutes), at most `otpAttempts` (5) tries,
 * then the code is dead. The code is bound to the browser that asked for it: a sealed cookie
 * names the flow, and the Store keeps only an HMAC of the code under the `otp` key.
 */
export class EmailCodes<User extends BaseUser> {
  private readonly browser: BrowserBinding<User>;

  constructor(
    private readonly core: Core<User>,
    private readonly email: Outbox<User>,
  ) {
    this.browser = new BrowserBinding(core);
  }

  /** The cookie that binds a code to this browser. */
  get cookieName(): string {
    const base = this.core.opts.session.cookieName.replace(/^__Host-/, '');
    return this.core.opts.production ? `__Host-${base}_otp` : `${base}_otp`;
  }

  /** Mails a code to `address` (when it may sign in) and binds it to this browser. */
  async send(ctx: Context, address: unknown): Promise<void> {
    const { core, email } = this;
    const to = normalizeEmail(address);
    await email.limits.consume(ctx, 'send', to);
    const { otpMs, createUsers } = email.settings;
    const flow = randomToken(18);
    const expires = Date.now() + otpMs;
    ctx.cookies.set(
      this.cookieName,
      seal(core.opts.ring, 'otp', { f: flow, x: expires } satisfies OtpCookie),
      {
        httpOnly: true,
        sameSite: 'lax',
        path: '/',
        maxAge: otpMs,
        secure: core.opts.session.secure,
        overwrite: true,
      },
    );
    const { users } = core.opts;
    const known = users.findByEmail ? await core.bounded(() => users.findByEmail!(to)) : undefined;
    if (!createUsers && !known) return; // the same answer, no mail
    const code = randomDigits(6);
    const record: OtpRecord = {
      e: to,
      h: this.hash(flow, code),
      g: await generationOf(core, known),
    };
    await core.bounded(() => core.store.set(this.key(flow), JSON.stringify(record), otpMs));
    await email.deliver(to, 'otp', { code, minutes: Math.round(otpMs / 60_000) });
    core.events.emit('code_sent', { email: to });
  }

  /**
   * Checks a code for `address` from the browser that asked for it, and signs the owner in.
   * 400 `code_invalid` for a wrong, expired, spent or foreign code; after `otpAttempts` wrong
   * tries the code is dead.
   */
  async verify(ctx: Context, address: unknown, code: unknown): Promise<User> {
    const { core, email } = this;
    const to = normalizeEmail(address);
    await email.limits.consume(ctx, 'verify', to);
    if (typeof code !== 'string' || !/^\d{6}$/.test(code.trim())) throw badRequest('code_invalid');
    const sealed = ctx.cookies.get(this.cookieName);
    const opened = sealed ? unseal<OtpCookie>(core.opts.ring, 'otp', sealed)?.value : undefined;
    if (!opened || typeof opened.f !== 'string' || !(opened.x > Date.now()))
      throw badRequest('code_invalid');
    const key = this.key(opened.f);
    const raw = await core.bounded(() => core.store.get(key));
    if (raw === undefined) throw badRequest('code_invalid');
    const record = JSON.parse(raw) as OtpRecord;
    const tries = await core.bounded(() =>
      core.store.increment(`${key}:tries`, email.settings.otpMs),
    );
    if (tries > email.settings.otpAttempts) {
      await core.bounded(() => core.store.delete(key));
      throw badRequest('code_invalid', { message: 'Too many wrong codes; ask for a new one.' });
    }
    const match = safeEqual(record.h, this.hash(opened.f, code.trim())) && record.e === to;
    if (!match) {
      core.events.emit('login_failed', { method: 'email_code', code: 'code_invalid' });
      throw badRequest('code_invalid');
    }
    const taken = await core.bounded(() => core.store.take(key));
    if (taken === undefined) throw badRequest('code_invalid');
    // put back (the tries count kept) if a back-end fails from here on: the same code works once it is back
    const putBack = JSON.stringify({ ...record, x: opened.x });
    const user = await putBackOnFailure(core.store, key, putBack, async (passed) => {
      // a code is bound to the browser that asked for it: its guest may be upgraded or merged
      const auth = signInOf<User>(ctx);
      const found = await userWithProvenEmail(core, to, {
        issued: stampOf(record),
        passed,
        here: (user) => this.browser.setUp(ctx, user, auth.user),
        guest: auth.user,
        create: email.settings.createUsers,
        invalid: 'code_invalid',
      });
      if (!found) throw badRequest('code_invalid');
      await auth.login(found, 'email_code');
      return found;
    });
    ctx.cookies.set(this.cookieName, '', {
      path: '/',
      expires: new Date(0),
      secure: core.opts.session.secure,
      overwrite: true,
    });
    await email.limits.reset('verify', to).catch(() => undefined);
    return user;
  }

  private key(flow: string): string {
    return storeKey(this.core.opts.ring, 'otp', flow);
  }

  private hash(flow: string, code: string): string {
    return storeKey(this.core.opts.ring, 'otp', `${flow}:${code}`);
  }
}
