/**
 * The HTML pages of provider sign-in, in our words only (nothing a provider or a query string
 * said is shown unescaped): the confirm page of a cross-site start, the error page, and the
 * plain sign-in page for apps without their own.
 */
import type { Context } from 'koa';
import type { AuthErrorCode } from '../errors.js';
import { escapeHtml } from '../http/html.js';
import type { OAuth2Provider } from './provider.js';

const LABELS: Record<string, string> = {
  github: 'GitHub',
  gitlab: 'GitLab',
  huggingface: 'Hugging Face',
  linkedin: 'LinkedIn',
  vk: 'VK',
  x: 'X',
};

const PAGE_CODES = new Set<AuthErrorCode>([
  'state_mismatch',
  'link_invalid',
  'email_unverified',
  'credentials_invalid',
  'password_weak',
  'code_invalid',
  'email_invalid',
  'rate_limited',
  'mail_unavailable',
  'access_denied',
  'login_refused',
  'account_exists',
  'provider_error',
  'store_unavailable',
  'invalid_request',
  'payload_too_large',
  'csrf_failed',
  'login_required',
  'last_sign_in_method',
  'reauthentication_required',
]);

/** A code we know; anything else (never reflected) is `invalid_request`. */
export function knownCode(value: unknown): AuthErrorCode {
  return typeof value === 'string' && PAGE_CODES.has(value as AuthErrorCode)
    ? (value as AuthErrorCode)
    : 'invalid_request';
}

/** The page a cross-site start of a provider sign-in lands on: one button, to the same URL. */
export function confirmProviderPage(ctx: Context, p: OAuth2Provider): string {
  const label = LABELS[p.name] ?? p.name[0]!.toUpperCase() + p.name.slice(1);
  const hidden = [...new URLSearchParams(ctx.querystring)]
    .filter(([k]) => k === 'returnTo' || k === 'intent')
    .map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v)}">`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="referrer" content="strict-origin"><title>Sign in</title></head>
<body><main><h1>Sign in with ${escapeHtml(label)}?</h1>
<p>Another site sent you here to sign in to this one.</p>
<form method="get" action="${escapeHtml(ctx.path)}">
${hidden}
<button type="submit">Continue with ${escapeHtml(label)}</button>
</form></main></body></html>
`;
}

/** The page of `GET /error`: the message of a known code, the code, a link to try again. */
export function errorPage(message: string, code: string, loginPath: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sign-in failed</title></head>
<body><main><h1>Sign-in failed</h1><p>${escapeHtml(message)}</p>
<p><code>${escapeHtml(code)}</code></p><p><a href="${escapeHtml(loginPath)}">Try again</a></p></main></body></html>
`;
}

/**
 * The plain sign-in page: a link per provider (keeping `returnTo`), and the message of a
 * known error when there is one.
 */
export function loginPage(
  providers: readonly OAuth2Provider[],
  prefix: string,
  returnTo: string,
  errorMessage: string | undefined,
): string {
  const links = providers
    .map((p) => {
      const href = `${prefix}/${p.name}/login?returnTo=${encodeURIComponent(returnTo)}`;
      const label = LABELS[p.name] ?? p.name[0]!.toUpperCase() + p.name.slice(1);
      return `<li><a href="${escapeHtml(href)}">Sign in with ${escapeHtml(label)}</a></li>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sign in</title></head>
<body><main><h1>Sign in</h1>${errorMessage !== undefined ? `<p role="alert">${escapeHtml(errorMessage)}</p>` : ''}
<ul>
${links}
</ul></main></body></html>
`;
}
