import type { Context } from 'koa';
import { escapeHtml } from '../http/html.js';
import { signInOf } from '../session/sign-in.js';
import type { MagicLinkView } from './magic.js';

/** Who this browser is signed in as, for the confirm page: an address, a guest, or nobody. */
export function signedInAs(
  ctx: Context,
): { email?: string | undefined; guest: boolean } | undefined {
  const user = signInOf(ctx).user;
  return user ? { email: user.email, guest: user.anonymous === true } : undefined;
}

/**
 * The page behind a magic link: it names the address it signs in to. Opened in a browser that
 * did not ask for the link and is signed in (someone may have sent the link to sign this
 * browser into their own account: login CSRF), it says that it switches accounts, and a guest
 * here is left as it is, not merged.
 */
export function magicConfirmPage(
  action: string,
  token: string,
  view: MagicLinkView,
  current: { email?: string | undefined; guest: boolean } | undefined,
): string {
  const to = escapeHtml(view.email);
  const switching = !view.here && current !== undefined && current.email !== view.email;
  const who = current?.guest
    ? 'as a guest'
    : `as ${escapeHtml(current?.email ?? 'another account')}`;
  const warning = switching
    ? `<p role="alert"><strong>This browser is signed in ${who}.</strong> This link was not asked for in this browser: continuing signs this browser in to ${to} instead${current?.guest ? ', and what you did as a guest stays with the guest' : ''}. If you did not ask for this link, close this page.</p>\n`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="referrer" content="strict-origin"><title>Sign in</title></head>
<body><main><h1>Sign in as ${to}</h1>
${warning}<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit">${switching ? `Switch to ${to}` : 'Continue signing in'}</button>
</form></main></body></html>
`;
}
