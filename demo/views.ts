import type { DemoUser } from './types.js';

/** Escapes text for HTML (element content and quoted attributes). */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** What every page needs besides its own body. */
export interface Frame {
  /** The signed-in user (or guest), for the navigation. */
  user: DemoUser | undefined;
  /** Whether the development outbox is on (a link in the navigation). */
  outbox: boolean;
}

/** Options of one page. */
export interface PageOptions {
  /** Loads `/auth/passkeys/client.js` (window.Portcullis) for the passkey buttons. */
  passkeys?: boolean;
  /** The page's referrer policy. @default 'same-origin' */
  referrer?: 'same-origin' | 'strict-origin';
}

/** The page frame: server-rendered HTML, one CSS block, one small script; no build step. */
export function page(frame: Frame, title: string, body: string, options: PageOptions = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="${options.referrer ?? 'same-origin'}">
<title>${esc(title)} · Portcullis demo</title>
<style>${CSS}</style>
${options.passkeys ? '<script src="/auth/passkeys/client.js"></script>' : ''}
<script>${SCRIPT}</script>
</head>
<body>
<header>
  <a class="brand" href="/">Portcullis <span>demo</span></a>
  <nav>${nav(frame)}</nav>
</header>
<main>
<h1>${esc(title)}</h1>
${body}
</main>
<footer>Portcullis: authentication for Koa. This demo uses only the public API (<code>import … from 'portcullis'</code>).</footer>
</body>
</html>`;
}

/** A name to greet a user by. */
export function displayName(user: DemoUser): string {
  if (user.anonymous) return 'Guest';
  return user.name ?? user.email ?? user.id;
}

/** A message box: `error` (role=alert), `ok` or `info`. */
export function notice(kind: 'error' | 'ok' | 'info', html: string): string {
  const role = kind === 'error' ? ' role="alert"' : ' role="status"';
  return `<p class="notice ${kind}"${role}>${html}</p>`;
}

/** An ISO time as `2026-05-01 09:30 UTC`. */
export function when(iso: string | null | undefined): string {
  if (!iso) return 'never';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? esc(iso)
    : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A POST form that is one button (sign out, revoke, ...). */
export function buttonForm(
  action: string,
  label: string,
  fields: Record<string, string> = {},
  cls = 'secondary',
): string {
  const hidden = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('');
  return `<form class="inline" method="post" action="${esc(action)}">${hidden}<button class="${cls}">${esc(label)}</button></form>`;
}

/**
 * A button that calls one of Portcullis's JSON routes (`DELETE /auth/sessions/:id`, ...) with
 * fetch, then reloads (or goes to `then`); a refusal shows the route's error message.
 */
export function fetchForm(
  method: 'POST' | 'PATCH' | 'DELETE',
  action: string,
  inner: string,
  then?: string,
): string {
  const go = then ? ` data-then="${esc(then)}"` : '';
  return `<form class="inline" method="post" action="${esc(action)}" data-fetch="${method}"${go}>${inner}<span class="out" data-out></span></form>`;
}

function nav(frame: Frame): string {
  const { user } = frame;
  const links: string[] = ['<a href="/">Home</a>'];
  if (user) {
    links.push('<a href="/dashboard">Dashboard</a>');
    if (!user.anonymous) links.push('<a href="/account">Account</a>');
  }
  if (frame.outbox) links.push('<a href="/dev/outbox">Outbox</a>');
  if (user) {
    links.push(`<span class="who">${esc(displayName(user))}</span>`);
    links.push(buttonForm('/auth/logout', 'Sign out', { returnTo: '/' }, 'link'));
  } else {
    links.push('<a href="/login">Sign in</a>', '<a href="/register">Register</a>');
  }
  return links.join(' ');
}

const CSS = `
  :root { --ink: #1d2433; --muted: #5d6b82; --line: #d8dee9; --brand: #2f5fb3; --bg: #f6f8fb; }
  * { box-sizing: border-box; }
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: var(--ink); background: var(--bg); }
  header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; justify-content: space-between; align-items: center;
    padding: .75rem 1.25rem; background: #fff; border-bottom: 1px solid var(--line); }
  header nav { display: flex; flex-wrap: wrap; gap: .25rem .9rem; align-items: center; }
  .brand { font-weight: 700; font-size: 1.15rem; text-decoration: none; color: var(--ink); }
  .brand span { color: var(--brand); font-weight: 400; }
  .who { color: var(--muted); }
  main { max-width: 52rem; margin: 1.5rem auto; padding: 0 1rem; }
  h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
  h2 { font-size: 1.15rem; margin: 0 0 .5rem; }
  h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; margin: 0 0 1rem; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr)); gap: 1rem; }
  .grid section { margin: 0; }
  a { color: var(--brand); }
  label { display: block; margin: .4rem 0; }
  label.check { display: inline-block; margin-right: 1rem; }
  main input.inline { display: inline-block; width: 12rem; }
  input[type=email], input[type=password], input[type=text], input[inputmode=numeric] {
    font: inherit; width: 100%; max-width: 22rem; padding: .4rem .5rem; border: 1px solid var(--line); border-radius: 4px; display: block; }
  button, .button { font: inherit; padding: .4rem .9rem; border: 1px solid var(--brand); background: var(--brand);
    color: #fff; border-radius: 4px; cursor: pointer; text-decoration: none; display: inline-block; margin: .25rem .25rem .25rem 0; }
  button.secondary, .button.secondary { background: #fff; color: var(--brand); }
  button.danger { background: #fff; color: #a23b3b; border-color: #a23b3b; }
  button.link { background: none; border: none; color: var(--brand); padding: 0; margin: 0; text-decoration: underline; }
  form.inline { display: inline; }
  table { width: 100%; border-collapse: collapse; font-size: .92rem; }
  th, td { text-align: left; padding: .35rem .4rem; border-bottom: 1px solid var(--line); vertical-align: top; }
  pre, code { font-family: ui-monospace, monospace; }
  pre { background: #f3f5f9; padding: .75rem; overflow-x: auto; border-radius: 4px; font-size: .85rem; white-space: pre-wrap; word-break: break-all; }
  .muted { color: var(--muted); }
  .badge { display: inline-block; font-size: .75rem; padding: 0 .4rem; border-radius: 999px; background: #e6edf9; color: var(--brand); }
  .notice { padding: .6rem .8rem; border-radius: 6px; border: 1px solid; }
  .notice.error { background: #fbeeee; border-color: #e5b5b5; color: #7d2626; }
  .notice.ok { background: #edf7ef; border-color: #b6dcbf; color: #1f5a2c; }
  .notice.info { background: #eef3fb; border-color: #c3d3ee; }
  .out { color: #a23b3b; margin-left: .5rem; }
  .mail { border-top: 1px solid var(--line); padding: .75rem 0; }
  .mail:first-of-type { border-top: none; }
  .code { font-size: 1.3rem; letter-spacing: .15em; background: #fff6d6; padding: 0 .3rem; }
  footer { max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: var(--muted); font-size: .85rem; }
`;

/**
 * The page script: forms marked `data-fetch` call Portcullis's JSON routes; `data-copy`
 * buttons copy a block's text; `data-passkey` buttons run the passkey ceremonies through
 * `/auth/passkeys/client.js`.
 */
const SCRIPT = `
function show(el, text) { if (el) el.textContent = text; else alert(text); }
async function failure(res) {
  const body = await res.json().catch(() => ({}));
  return (body.error && body.error.message) || 'Failed (' + res.status + ')';
}
document.addEventListener('submit', async (event) => {
  const form = event.target;
  if (form.matches('[data-passkey-form]')) {
    event.preventDefault();
    return form.querySelector('[data-passkey]').click();
  }
  const method = form.dataset.fetch;
  if (!method) return;
  event.preventDefault();
  const fields = Object.fromEntries(new FormData(form));
  const res = await fetch(form.action, {
    method,
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: method === 'DELETE' ? undefined : JSON.stringify(fields),
  });
  if (!res.ok) return show(form.querySelector('[data-out]'), await failure(res));
  if (form.dataset.then) location.href = form.dataset.then; else location.reload();
});
document.addEventListener('click', async (event) => {
  const button = event.target.closest('[data-copy], [data-passkey]');
  if (!button) return;
  if (button.dataset.copy) {
    const text = document.getElementById(button.dataset.copy).textContent;
    await navigator.clipboard.writeText(text).then(() => (button.textContent = 'Copied'), () => (button.textContent = 'Select and copy'));
    return;
  }
  const out = button.parentElement.querySelector('[data-out]');
  show(out, '');
  try {
    if (button.dataset.passkey === 'register') {
      const name = button.form ? button.form.elements.name.value : undefined;
      await window.Portcullis.registerPasskey(name ? { name } : {});
      location.reload();
    } else {
      await window.Portcullis.signInWithPasskey();
      location.href = button.dataset.then || '/dashboard';
    }
  } catch (err) {
    show(out, err && err.name === 'NotAllowedError' ? 'Cancelled.' : (err && err.message) || String(err));
  }
});
window.addEventListener('DOMContentLoaded', () => {
  if (window.Portcullis && !window.Portcullis.browserSupportsPasskeys()) {
    for (const el of document.querySelectorAll('[data-passkey]')) { el.disabled = true; el.title = 'This browser has no passkeys'; }
  }
});
`;
