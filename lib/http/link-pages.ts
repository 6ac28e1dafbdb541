import type { Context } from 'koa';
import { escapeHtml } from './html.js';

/** A page reached from a mailed link: no caching, no Referer carrying the token onwards. */
export function linkPage(ctx: Context, live: boolean, html: string): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Referrer-Policy', 'strict-origin');
  ctx.status = live ? 200 : 400;
  ctx.type = 'html';
  ctx.body = html;
}

/** A page with one button that POSTs a mailed link's token (a GET never spends it). */
export function confirmPage(action: string, token: string, label = 'Continue signing in'): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="referrer" content="strict-origin"><title>Sign in</title></head>
<body><main><h1>Sign in</h1>
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit">${escapeHtml(label)}</button>
</form></main></body></html>
`;
}

/** The page of a link that is spent, expired or void. */
export function invalidPage(loginPath: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Link expired</title></head>
<body><main><h1>This link is invalid or has expired</h1>
<p><a href="${escapeHtml(loginPath)}">Ask for a new one</a></p></main></body></html>
`;
}
