import {
  type AuthContext,
  Controller,
  Get,
  LoginRequired,
  type PasskeyInfo,
  Post,
} from 'portcullis';
import { tokensSection } from './account-tokens.js';
import { attempt, field, frameOf } from './forms.js';
import type { DemoUser, Site } from './types.js';
import { buttonForm, esc, fetchForm, notice, page, when } from './views.js';

type Ctx = AuthContext<DemoUser>;

/** What `?done=` on the account page says. */
const DONE: Record<string, string> = {
  password: 'Your password is saved. Your other sessions were signed out.',
  'token-revoked': 'The API token is revoked.',
};

/**
 * The account page: sign-in methods (linked providers, password, email), passkeys, sessions
 * on every device, API tokens. Unlinking, passkey renames and removals, and session revocation
 * are Portcullis's JSON routes, called by the page's small script.
 */
@Controller('/account')
@LoginRequired
export class AccountController {
  constructor(private readonly site: Site) {}

  @Get('/')
  async index(ctx: Ctx): Promise<string> {
    const done = typeof ctx.query.done === 'string' ? DONE[ctx.query.done] : undefined;
    return this.render(ctx, done ? notice('ok', esc(done)) : '');
  }

  /** Adds a password to an account that has none, or changes it (the current one required). */
  @Post('/password')
  async password(ctx: Ctx): Promise<string | undefined> {
    const failed = await attempt(() =>
      ctx.auth.password.change(field(ctx, 'currentPassword'), field(ctx, 'newPassword')),
    );
    if (failed) {
      ctx.status = failed.status;
      return this.render(ctx, notice('error', esc(failed.message)));
    }
    ctx.status = 303;
    ctx.redirect('/account?done=password');
    return undefined;
  }

  private async render(ctx: Ctx, top: string): Promise<string> {
    const user = ctx.state.user;
    const [accounts, passkeys, sessions] = await Promise.all([
      this.site.users.accountsOf ? this.site.users.accountsOf(user.id) : [],
      ctx.auth.passkeys.list(),
      ctx.auth.sessions.list(),
    ]);
    const providers = this.site.providers.map((p) => {
      const linked = accounts.find((a) => a.provider === p.name);
      const action = linked
        ? fetchForm('DELETE', `/auth/accounts/${p.name}`, '<button class="danger">Unlink</button>')
        : `<a class="button secondary" href="/auth/${esc(p.name)}/login?returnTo=%2Faccount">Link ${esc(p.label)}</a>`;
      const what = linked
        ? `linked${linked.email ? ` as ${esc(linked.email)}` : ''}`
        : 'not linked';
      return `<tr><th>${esc(p.label)}</th><td>${what}</td><td>${action}</td></tr>`;
    });
    const hasPassword = typeof user.passwordHash === 'string';
    const email =
      user.email && user.emailVerified
        ? `magic links and codes reach ${esc(user.email)}`
        : 'no verified address';
    return page(
      frameOf(ctx, this.site),
      'Your account',
      `${top}
<section id="profile"><h2>Profile</h2>
  <p>${esc(user.email ?? 'no email')} · user id <code>${esc(user.id)}</code></p>
</section>
<section id="methods"><h2>Sign-in methods</h2>
  <table>${providers.join('')}
  <tr><th>Password</th><td>${hasPassword ? 'set' : 'not set'}</td><td></td></tr>
  <tr><th>Email</th><td>${email}</td><td></td></tr>
  <tr><th>Passkeys</th><td>${passkeys.length}</td><td></td></tr>
  </table>
  <h3>${hasPassword ? 'Change your password' : 'Add a password'}</h3>
  <form method="post" action="/account/password">
    ${hasPassword ? '<label>Current password <input type="password" name="currentPassword" autocomplete="current-password" required></label>' : ''}
    <label>${hasPassword ? 'New password' : 'Password'} <input type="password" name="newPassword" autocomplete="new-password" minlength="8" required></label>
    <button class="secondary">${hasPassword ? 'Change password' : 'Add password'}</button>
  </form>
</section>
${passkeysSection(passkeys)}
<section id="sessions"><h2>Sessions</h2>
  <table><tr><th>Device</th><th>Signed in</th><th>Last seen</th><th></th></tr>
  ${sessions
    .map(
      (s) =>
        `<tr><td title="${esc(s.device)}">${esc(deviceName(s.device))}</td><td>${when(s.createdAt)}</td><td>${when(s.lastSeenAt)}</td>
        <td>${s.current ? '<span class="badge">this browser</span>' : fetchForm('DELETE', `/auth/sessions/${encodeURIComponent(s.id)}`, '<button class="danger">Revoke</button>')}</td></tr>`,
    )
    .join('')}</table>
  ${sessions.length > 1 ? fetchForm('POST', '/auth/sessions/revoke-others', '<button class="secondary">Sign out all other sessions</button>') : ''}
  ${buttonForm('/auth/logout', 'Sign out everywhere', { everywhere: 'true', returnTo: '/' }, 'danger')}
  <p class="muted">"Everywhere" also ends every API token.</p>
</section>
${tokensSection(this.site, this.site.apiTokens.list(user.id))}`,
      { passkeys: true },
    );
  }
}

function passkeysSection(passkeys: PasskeyInfo[]): string {
  const rows = passkeys
    .map((p) => {
      const path = `/auth/passkeys/${encodeURIComponent(p.id)}`;
      const rename = fetchForm(
        'PATCH',
        path,
        `<input class="inline" type="text" name="name" value="${esc(p.name)}" maxlength="64" aria-label="Name" required> <button class="secondary">Rename</button>`,
      );
      return `<tr><td>${rename}</td><td>${when(p.createdAt)}</td><td>${when(p.lastUsedAt)}</td>
        <td>${fetchForm('DELETE', path, '<button class="danger">Remove</button>')}</td></tr>`;
    })
    .join('');
  return `<section id="passkeys"><h2>Passkeys</h2>
  ${passkeys.length ? `<table><tr><th>Name</th><th>Added</th><th>Last used</th><th></th></tr>${rows}</table>` : '<p class="muted">No passkeys yet.</p>'}
  <form data-passkey-form>
    <label>Name <input type="text" name="name" value="My passkey" maxlength="64" required></label>
    <button type="button" data-passkey="register">Add a passkey</button><span class="out" data-out></span>
  </form>
  <p class="muted">Then sign out and use "Sign in with a passkey": no email, no password.</p>
</section>`;
}

const BROWSERS: Array<[RegExp, string]> = [
  [/Edg\//, 'Edge'],
  [/Firefox\//, 'Firefox'],
  [/Chrome\//, 'Chrome'],
  [/Safari\//, 'Safari'],
  [/^curl\//, 'curl'],
];
const SYSTEMS: Array<[RegExp, string]> = [
  [/Windows/, 'Windows'],
  [/Android/, 'Android'],
  [/iPhone|iPad/, 'iOS'],
  [/Mac OS X/, 'macOS'],
  [/Linux/, 'Linux'],
];

/** "Chrome on Linux" from a User-Agent (a hint for people; the full string is the title). */
function deviceName(ua: string): string {
  const browser = BROWSERS.find(([re]) => re.test(ua))?.[1];
  const os = SYSTEMS.find(([re]) => re.test(ua))?.[1];
  if (!browser) return ua.slice(0, 40) || 'unknown device';
  return os ? `${browser} on ${os}` : browser;
}
