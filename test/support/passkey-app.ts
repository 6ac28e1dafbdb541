import Koa from 'koa';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import {
  type AuthEventName,
  MemoryStore,
  MemoryUserStore,
  type PasskeyInfo,
  Portcullis,
  type PortcullisOptions,
} from '../../lib/index.js';
import { MemoryLogger, secretA } from './app.js';
import { Browser, type Step } from './browser.js';
import { listen } from './server.js';
import { SoftAuthenticator, type Twist } from './authenticator.js';

export interface PasskeyUser {
  id: string;
  email?: string;
  anonymous?: boolean;
}

export interface PasskeyApp {
  /** `http://localhost:<port>` (the server listens on 127.0.0.1; WebAuthn refuses an IP as RP ID). */
  url: string;
  auth: Portcullis<PasskeyUser>;
  users: MemoryUserStore<PasskeyUser>;
  store: MemoryStore;
  alice: PasskeyUser;
  bob: PasskeyUser;
  /** Every audit event, in order (`type` plus its fields). */
  events: Array<{ type: string } & Record<string, unknown>>;
  close(): Promise<void>;
}

const RECORDED: AuthEventName[] = ['login', 'login_failed', 'passkey_added', 'passkey_removed'];

/**
 * A Koa app with Portcullis on a MemoryUserStore (alice and bob exist), listening on 127.0.0.1
 * and addressed as `http://localhost:<port>`. Routes besides `/auth/*`: `POST /test/login/:id`
 * (signs the user in, a stand-in for any other sign-in method), `GET /me` (the user or 401),
 * `GET /test/passkeys` (the names from `ctx.auth.passkeys.list()`),
 * `GET /` (a page with the client script and three buttons, for the browser test).
 */
export async function startPasskeyApp(
  options: Partial<PortcullisOptions<PasskeyUser>> = {},
): Promise<PasskeyApp> {
  const users = new MemoryUserStore<PasskeyUser>();
  const store = new MemoryStore();
  const alice = await users.create({ email: 'alice@example.com' });
  const bob = await users.create({ email: 'bob@example.com' });
  const auth = new Portcullis<PasskeyUser>({
    secret: secretA,
    users,
    store,
    logger: new MemoryLogger(),
    ...options,
  });
  const events: PasskeyApp['events'] = [];
  for (const name of RECORDED) auth.on(name, (e) => events.push({ ...e }));
  const app = new Koa();
  app.use(auth.middleware());
  app.use(auth.routes());
  app.use(async (ctx, next) => {
    const m = /^\/test\/login\/([\w-]+)$/.exec(ctx.path);
    if (m && ctx.method === 'POST') {
      const user = await users.findById(m[1]!);
      if (!user) return void (ctx.status = 404);
      await ctx.login(user);
      ctx.body = { ok: true };
      return;
    }
    if (ctx.path === '/me' && ctx.method === 'GET') {
      if (!ctx.state.user) return void (ctx.status = 401);
      ctx.body = { user: ctx.state.user };
      return;
    }
    if (ctx.path === '/test/passkeys' && ctx.method === 'GET') {
      ctx.body = { names: (await ctx.auth.passkeys.list()).map((p: PasskeyInfo) => p.name) };
      return;
    }
    if (ctx.path === '/' && ctx.method === 'GET') {
      ctx.type = 'html';
      ctx.body = PAGE;
      return;
    }
    return next();
  });
  const running = await listen(app);
  return {
    url: running.url.replace('127.0.0.1', 'localhost'),
    auth,
    users,
    store,
    alice,
    bob,
    events,
    close: () => running.close(),
  };
}

/** The page of the browser test: the client script and a button per step. */
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Passkeys</title>
<script src="/auth/passkeys/client.js"></script></head>
<body>
<button id="register" onclick="show(Portcullis.registerPasskey({ name: 'Test laptop' }))">Add a passkey</button>
<button id="signout" onclick="show(fetch('/auth/logout', { method: 'POST' }).then((r) => r.json()))">Sign out</button>
<button id="signin" onclick="show(Portcullis.signInWithPasskey())">Sign in with a passkey</button>
<pre id="out"></pre>
<script>
function show(promise) {
  var out = document.getElementById('out');
  out.textContent = '';
  promise.then(function (v) { out.textContent = 'ok ' + JSON.stringify(v); },
    function (e) { out.textContent = 'error ' + (e.code || e.name) + ' ' + e.message; });
}
</script>
</body></html>
`;

/** JSON requests from a page of `app` (same Origin), with `browser`'s cookies. */
export function client(app: PasskeyApp, browser = new Browser()) {
  const call = async (method: string, path: string, json?: unknown, origin = app.url) =>
    browser.request(`${app.url}${path}`, {
      method,
      ...(json !== undefined ? { json } : {}),
      headers: { accept: 'application/json', origin },
    });
  return {
    browser,
    post: (path: string, json: unknown = {}, origin?: string) => call('POST', path, json, origin),
    patch: (path: string, json: unknown) => call('PATCH', path, json),
    del: (path: string) => call('DELETE', path),
    get: (path: string) => call('GET', path),
    /** Signs `user` in through the test route. */
    async signIn(user: PasskeyUser): Promise<void> {
      const res = await call('POST', `/test/login/${user.id}`);
      if (res.status !== 200) throw new Error(`sign-in failed: ${res.status}`);
    },
    /** True when `GET /me` answers 200. */
    async signedIn(): Promise<boolean> {
      return (await call('GET', '/me')).status === 200;
    },
    /** Registration options, then the authenticator's response (twisted), then verify. */
    async register(authn: SoftAuthenticator, twist: Twist = {}, name?: string): Promise<Step> {
      const options = await this.post('/auth/passkeys/register/options');
      if (options.status !== 200) throw new Error(`register/options: ${options.status}`);
      const json = JSON.parse(options.body) as PublicKeyCredentialCreationOptionsJSON;
      const response = authn.create(json, app.url, twist);
      return this.post('/auth/passkeys/register/verify', name ? { ...response, name } : response);
    },
    /** Sign-in options for this browser. */
    async loginOptions(): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const options = await this.post('/auth/passkeys/login/options');
      if (options.status !== 200) throw new Error(`login/options: ${options.status}`);
      return JSON.parse(options.body) as PublicKeyCredentialRequestOptionsJSON;
    },
    /** Sign-in options, then the authenticator's assertion (twisted), then verify. */
    async login(authn: SoftAuthenticator, twist: Twist = {}): Promise<Step> {
      const response = authn.get(await this.loginOptions(), app.url, twist);
      return this.post('/auth/passkeys/login/verify', response);
    },
  };
}

/** The error code of a JSON error answer. */
export function codeOf(step: Step): string | undefined {
  return (JSON.parse(step.body) as { error?: { code?: string } }).error?.code;
}
