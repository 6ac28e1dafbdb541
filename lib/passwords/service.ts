import type { Context } from 'koa';
import { BrowserBinding } from '../accounts/browser.js';
import { createOrUpgrade } from '../accounts/guests.js';
import type { Core } from '../core.js';
import type { PasswordSettings } from './options.js';
import { normalizeEmail } from '../email/address.js';
import type { Outbox } from '../email/outbox.js';
import { AuthError, isAuthError, unauthorized } from '../errors.js';
import { appOrigin } from '../http/csrf.js';
import { signInOf } from '../session/sign-in.js';
import type { BaseUser } from '../stores/types.js';
import { randomToken } from '../util/encoding.js';
import { PasswordHashes, passwordUsers, type WithHash } from './hashes.js';
import type { LinkPurpose } from './links.js';
import { PasswordResets } from './reset.js';
import { acceptable, received } from './rules.js';
import { EmailVerification } from './verification.js';

/**
 * Email + password accounts: register (a verification mail; a taken address gets a mail
 * saying so instead of a second account), sign-in, change, reset by mailed single-use link,
 * email verification. argon2id hashes, re-hashed at sign-in when the parameters change; no
 * user enumeration (the same answers, and a dummy hash for unknown users).
 */
export class Passwords<User extends BaseUser> {
  private readonly browser: BrowserBinding<User>;
  private readonly hashes: PasswordHashes<User>;
  private readonly resets: PasswordResets<User>;
  private readonly verification: EmailVerification<User>;

  constructor(
    private readonly core: Core<User>,
    private readonly email: Outbox<User>,
    private readonly settings: PasswordSettings,
  ) {
    this.browser = new BrowserBinding(core);
    this.hashes = new PasswordHashes(core, settings.hasher);
    this.resets = new PasswordResets(core, email, this.browser, this.hashes, settings);
    this.verification = new EmailVerification(core, email, this.browser, settings.verifyMs);
  }

  /** Creates an account (or mails the owner of a taken address); the same answer either way. */
  async register(ctx: Context, address: unknown, password: unknown): Promise<void> {
    const { core, email } = this;
    const to = normalizeEmail(address);
    const pw = await acceptable(password, this.settings);
    await email.limits.consume(ctx, 'send', to);
    const users = passwordUsers(core);
    const taken = () => {
      this.browser.registered(ctx, randomToken(16)); // the same cookie as a new account
      return email.deliver(to, 'accountExists', {
        link: `${appOrigin(ctx, core.opts.baseOrigin)}${core.opts.loginPath}`,
      });
    };
    const existing = await core.bounded(() => users.findByEmail!(to));
    if (existing) {
      await this.hashes.hasher.hash(pw); // the same work as a new account
      return taken();
    }
    const passwordHash = await this.hashes.hasher.hash(pw);
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
    await this.verification.send(ctx, user.id, to);
    if (!this.settings.requireVerifiedEmail) await signInOf<User>(ctx).login(user, 'password');
  }

  /** Signs in with email and password; 401 `credentials_invalid` for an unknown user or a wrong password alike. */
  async login(ctx: Context, address: unknown, password: unknown): Promise<User> {
    const { core, email, hashes } = this;
    const to = normalizeEmail(address);
    const pw = await received(password, this.settings);
    await email.limits.consume(ctx, 'login', to);
    const users = passwordUsers(core);
    const user = (await core.bounded(() => users.findByEmail!(to))) as
      (User & WithHash) | undefined;
    const hashed =
      typeof user?.passwordHash === 'string' ? user.passwordHash : await hashes.dummyHash();
    const ok =
      (await hashes.hasher.verify(hashed, pw)) &&
      user !== undefined &&
      hashed === user.passwordHash;
    if (!ok || !user) {
      core.events.emit('login_failed', { method: 'password', code: 'credentials_invalid' });
      throw unauthorized('credentials_invalid');
    }
    if (this.settings.requireVerifiedEmail && user.emailVerified !== true) {
      throw new AuthError('email_unverified');
    }
    if (hashes.hasher.needsRehash(hashed)) await hashes.set(user.id, pw);
    await email.limits.reset('login', to);
    await signInOf<User>(ctx).login(user, 'password');
    return user;
  }

  /**
   * Changes the signed-in user's password (the current one required), or adds one to an
   * account that has none (linking email + password to it); every other session and token ends.
   */
  async change(ctx: Context, current: unknown, next: unknown): Promise<void> {
    const { core, hashes } = this;
    const auth = signInOf<User>(ctx);
    const user = auth.user as (User & WithHash) | undefined;
    if (!user || user.anonymous === true) throw unauthorized('login_required');
    await this.email.limits.consume(ctx, 'login', user.id);
    // a user without a password (signed up with a provider or a link) adds one: no current
    // password to check, so the sign-in must be recent instead
    const hasOne = typeof user.passwordHash === 'string';
    if (!hasOne) auth.requireRecent();
    const ok =
      !hasOne ||
      (await hashes.hasher.verify(user.passwordHash!, await received(current, this.settings)));
    if (!ok) {
      core.events.emit('login_failed', { method: 'password', code: 'credentials_invalid' });
      throw unauthorized('credentials_invalid');
    }
    const fresh = await acceptable(next, this.settings);
    await hashes.replace(user.id, fresh);
    core.events.emit('password_changed', { userId: user.id });
    await auth.login(user, 'password'); // this session lives on, with a new id
  }

  /** Mails a single-use reset link when the address has an account; the same answer either way. */
  requestReset(ctx: Context, address: unknown): Promise<void> {
    return this.resets.request(ctx, address);
  }

  /** Spends a reset link: the new password is set, every session and token ends, the user signs in. */
  reset(ctx: Context, token: unknown, password: unknown): Promise<User> {
    return this.resets.reset(ctx, token, password);
  }

  /** True when a reset or verification link is live (read only, for the pages behind GET). */
  isLive(purpose: LinkPurpose, token: unknown): Promise<boolean> {
    return purpose === 'reset' ? this.resets.isLive(token) : this.verification.isLive(token);
  }

  /** Spends a verification link: the address is marked verified. */
  verifyEmail(ctx: Context, token: unknown): Promise<void> {
    return this.verification.verify(ctx, token);
  }
}
