import type { Core } from '../core.js';
import { AuthError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import type { RateLimits } from '../ratelimit/limiter.js';
import type { BaseUser } from '../stores/types.js';
import { MagicLinks } from './magic.js';
import type { Mailer } from './mailer.js';
import { EmailCodes } from './otp.js';
import { Passwords } from './password.js';
import type { TemplateData, Templates } from './templates.js';

/**
 * The email-based sign-in methods of one Portcullis instance, sharing its mailer, templates
 * and rate limits.
 */
export class EmailCore<User extends BaseUser> {
  readonly limits: RateLimits;
  readonly magic: MagicLinks<User>;
  readonly otp: EmailCodes<User>;
  readonly password: Passwords<User>;
  readonly settings: ResolvedOptions<User>['email'];

  constructor(
    readonly core: Core<User>,
    readonly mailer: Mailer,
  ) {
    this.settings = core.opts.email;
    this.limits = core.limits;
    this.magic = new MagicLinks(core, this);
    this.otp = new EmailCodes(core, this);
    this.password = new Passwords(core, this);
  }

  /** Renders `template` for `to` and sends it; a mailer that fails answers 503 `mail_unavailable`. */
  async deliver(
    to: string,
    template: keyof Templates,
    data: Omit<TemplateData, 'appName' | 'email'>,
  ): Promise<void> {
    const mail = this.settings.templates[template]({
      appName: this.settings.appName,
      email: to,
      ...data,
    });
    try {
      await this.core.guarded(() => this.mailer.send({ to, ...mail }));
    } catch (err) {
      throw new AuthError('mail_unavailable', { cause: err });
    }
  }
}
