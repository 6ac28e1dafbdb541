import type { AuthErrorCode } from 'portcullis';

/** What the demo's pages say for an error code, in plain words. */
const MESSAGES: Partial<Record<AuthErrorCode, string>> = {
  credentials_invalid: 'Wrong email or password.',
  email_unverified: 'Confirm your email first: follow the link in the mail we sent you.',
  link_invalid: 'That link is invalid, has expired or was already used. Ask for a new one.',
  code_invalid: 'That code is wrong or has expired.',
  email_invalid: 'That email address does not look right.',
  password_weak:
    'That password is too short or too common. Use at least 8 characters, hard to guess.',
  passkey_invalid: 'The passkey could not be verified.',
  rate_limited: 'Too many attempts. Wait a few minutes and try again.',
  access_denied: 'You cancelled the sign-in at the provider.',
  account_exists:
    'An account with this email already exists. Sign in to it first, then link this provider from your account page.',
  state_mismatch: 'That sign-in expired or was started in another browser. Try again.',
  provider_error: 'The provider did not answer properly. Try again.',
  login_refused: 'This sign-in was refused.',
  last_sign_in_method: 'This is your only way to sign in: add another before removing it.',
  change_in_progress: 'Another change to how you sign in is under way. Try again in a moment.',
  csrf_failed: 'That form was sent from another site, so it was refused.',
  invalid_request: 'That request was malformed.',
  mail_unavailable: 'Mail cannot be sent right now. Try again later.',
  store_unavailable: 'Sign-in is unavailable for a moment. Try again.',
  login_required: 'Sign in first.',
  reauthentication_required:
    'For your safety, sign in again before changing how you sign in or signing out other devices.',
};

/** The demo's message for a known error code; undefined for anything else (never echoed). */
export function messageFor(code: unknown): string | undefined {
  return typeof code === 'string' && Object.hasOwn(MESSAGES, code)
    ? MESSAGES[code as AuthErrorCode]
    : undefined;
}
