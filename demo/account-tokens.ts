import { type AuthContext, Controller, type IssuedTokens, LoginRequired, Post } from 'portcullis';
import type { ApiToken } from './api-tokens.js';
import { field, frameOf } from './forms.js';
import type { DemoUser, Site } from './types.js';
import { buttonForm, esc, notice, page, when } from './views.js';

type Ctx = AuthContext<DemoUser>;

/** The scopes a token may carry, and what each opens. */
export const SCOPES: ReadonlyArray<{ name: string; opens: string }> = [
  { name: 'reports:read', opens: 'GET /api/reports' },
  { name: 'reports:write', opens: 'POST /api/reports' },
];

/** Creates API tokens (shown once) and revokes them, from the account page. */
@Controller('/account/tokens')
@LoginRequired
export class TokensController {
  constructor(private readonly site: Site) {}

  /** Issues an access + refresh pair with the scopes ticked, and shows it once. */
  @Post('/')
  async create(ctx: Ctx): Promise<string> {
    const body = ctx.request.body as Record<string, unknown> | undefined;
    const ticked = ([] as unknown[]).concat(body?.scope ?? []);
    const scopes = SCOPES.map((s) => s.name).filter((s) => ticked.includes(s));
    const label = field(ctx, 'label').trim().slice(0, 60) || 'API token';
    const tokens = await ctx.auth.tokens.issue(ctx.state.user, { scopes });
    this.site.apiTokens.add(ctx.state.user.id, label, scopes, tokens);
    return page(
      frameOf(ctx, this.site),
      'Your new API token',
      shownOnce(this.site.origin, label, tokens),
    );
  }

  /** Revokes the token's refresh family and its first access token. */
  @Post('/:id/revoke')
  async revoke(ctx: Ctx): Promise<string | undefined> {
    const pair = this.site.apiTokens.take(ctx.state.user.id, String(ctx.params.id));
    if (!pair) {
      ctx.status = 404;
      return page(
        frameOf(ctx, this.site),
        'No such token',
        notice('error', 'That token is not yours or is already revoked.'),
      );
    }
    await ctx.auth.tokens.revoke(pair.refreshToken);
    await ctx.auth.tokens.revoke(pair.accessToken);
    ctx.status = 303;
    ctx.redirect('/account?done=token-revoked');
    return undefined;
  }
}

/** The account page's list of API tokens and the form that makes one. */
export function tokensSection(site: Site, tokens: ApiToken[]): string {
  const rows = tokens
    .map(
      (
        t,
      ) => `<tr><td>${esc(t.label)}</td><td>${t.scopes.map((s) => `<code>${esc(s)}</code>`).join(' ') || '<span class="muted">none</span>'}</td>
      <td>${when(t.createdAt)}</td>
      <td>${t.revokedAt ? `revoked ${when(t.revokedAt)}` : buttonForm(`/account/tokens/${encodeURIComponent(t.id)}/revoke`, 'Revoke', {}, 'danger')}</td></tr>`,
    )
    .join('');
  const boxes = SCOPES.map(
    (s) =>
      `<label class="check"><input type="checkbox" name="scope" value="${esc(s.name)}" checked> <code>${esc(s.name)}</code> <span class="muted">(${esc(s.opens)})</span></label>`,
  ).join('');
  return `<section id="api-tokens"><h2>API tokens</h2>
  ${tokens.length ? `<table><tr><th>Label</th><th>Scopes</th><th>Created</th><th></th></tr>${rows}</table>` : '<p class="muted">No API tokens yet.</p>'}
  <form method="post" action="/account/tokens">
    <label>Label <input type="text" name="label" value="My script" maxlength="60"></label>
    <p>${boxes}</p>
    <button>Create an API token</button>
  </form>
  <p class="muted">An access token (1 hour) and a refresh token (30 days) for <code>${esc(site.origin)}/api</code>.</p>
</section>`;
}

function shownOnce(origin: string, label: string, tokens: IssuedTokens): string {
  const block = (id: string, text: string) =>
    `<pre id="${id}">${esc(text)}</pre><button type="button" class="secondary" data-copy="${id}">Copy</button>`;
  const bearer = (token: string) => `-H 'Authorization: Bearer ${token}'`;
  return `${notice('info', `<strong>${esc(label)}</strong>: copy these now. They are shown once; the demo keeps only a sealed copy, to revoke them.`)}
<section><h2>Access token</h2><p class="muted">Expires in ${tokens.expiresIn / 60} minutes. Scopes: ${esc(tokens.scope ?? 'none')}.</p>
${block('access-token', tokens.accessToken)}</section>
<section><h2>Refresh token</h2><p class="muted">Trades for a new pair, once; the family ends after 30 days.</p>
${block('refresh-token', tokens.refreshToken)}</section>
<section id="curl"><h2>Call the API</h2>
<p>Who am I (<code>@TokenRequired('access')</code>):</p>
${block('curl-me', `curl ${bearer(tokens.accessToken)} ${origin}/api/me`)}
<p>Reports (<code>@TokenRequired('access', { scopes: ['reports:read'] })</code>; 403 without the scope):</p>
${block('curl-reports', `curl ${bearer(tokens.accessToken)} ${origin}/api/reports`)}
<p>A new pair for the refresh token (<code>@TokenRequired('refresh')</code>; the old one is spent):</p>
${block('curl-refresh', `curl -X POST ${bearer(tokens.refreshToken)} ${origin}/api/refresh`)}
</section>
<p><a href="/account#api-tokens">Back to your account</a></p>`;
}
