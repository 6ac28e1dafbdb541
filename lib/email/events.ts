/** The audit events of magic links, email codes and the mail they send (see `AuthEvents`). */
export interface EmailEvents {
  /** A sign-in link was mailed. */
  magic_link_sent: { email: string };
  /** A sign-in code was mailed. */
  code_sent: { email: string };
  /**
   * A mail was given up on: `reason` is `send_failed` or `timeout` (every try failed),
   * `queue_full` (dropped) or `closed` (left at `auth.close()`). Never the mail's text or link.
   */
  mail_failed: {
    email: string;
    template: string;
    reason: 'send_failed' | 'timeout' | 'queue_full' | 'closed';
  };
}
