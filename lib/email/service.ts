import type { Core } from '../core.js';
import type { BaseUser } from '../stores/types.js';
import { Passwords } from '../passwords/service.js';
import { MagicLinks } from './magic.js';
import type { Mailer } from './mailer.js';
import { EmailCodes } from './otp.js';
import type { EmailSettings } from './options.js';
import { Outbox } from './outbox.js';
import type { PasswordSettings } from '../passwords/options.js';

/** The email-based sign-in methods of one Portcullis instance, sharing one outbox. */
export class EmailCore<User extends BaseUser> {
  readonly outbox: Outbox<User>;
  readonly magic: MagicLinks<User>;
  readonly otp: EmailCodes<User>;
  readonly password: Passwords<User>;

  constructor(
    core: Core<User>,
    mailer: Mailer,
    settings: { email: EmailSettings; password: PasswordSettings },
  ) {
    this.outbox = new Outbox(core, mailer, settings.email);
    this.magic = new MagicLinks(core, this.outbox);
    this.otp = new EmailCodes(core, this.outbox);
    this.password = new Passwords(core, this.outbox, settings.password);
  }

  /** Waits up to `email.closeTimeout` for queued mail to be sent, then gives up on the rest. */
  close(): Promise<void> {
    return this.outbox.close();
  }
}
