/**
 * A scriptable OpenID Connect provider for the attack cases (21-30): the generic `OIDC` class
 * talks to a local fake at `https://id.example.test` (through the provider's `fetch`), whose
 * discovery document, ID tokens, UserInfo and token-endpoint behaviour each test can bend, and
 * whose endpoints can each be made to hang, answer slowly, drop the connection or answer
 * garbage (`script.faults`, for the provider fault-injection cases).
 */
import type { RouterContext } from '@koa/router';
import { expect } from 'chai';
import { generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import type { ServerResponse } from 'node:http';
import { OIDC } from '../../lib/providers.js';
import { type OAuthApp, startApp } from './oauth-app.js';
import { Browser, type Step } from './browser.js';
import { expectSignInFailed } from './oauth-expect.js';
import { type Fake, type IssuedCode, startFake } from './oauth-fake.js';
import type { PortcullisOptions } from '../../lib/index.js';
import type { OAuthUser } from './oauth-app.js';

export const ISSUER = 'https://id.example.test';
export const CLIENT_ID = 'sec-client';
export const CLIENT_SECRET = 'sec-client-secret-0123456789';

export interface Script {
  /** Changes the ID token claims (after the defaults are filled in). */
  claims?: (claims: JWTPayload, issued: IssuedCode) => JWTPayload;
  /** Replaces the ID token entirely. */
  idToken?: (claims: JWTPayload) => Promise<string>;
  /** Replaces the whole token-endpoint answer. */
  token?: 'redirect' | 'html' | '500' | 'hang' | 'empty';
  /** The access token to hand out. */
  accessToken?: string;
  /** `sub` at UserInfo. */
  userinfoSub?: string;
  /** Extra UserInfo claims. */
  userinfo?: Record<string, unknown>;
  /** The discovery document's issuer. */
  discoveryIssuer?: string;
  /** `expires_in` of the access tokens handed out (3600 unless set). */
  expiresIn?: number;
  /** Refuse every refresh grant with 400 `invalid_grant`. */
  refuseRefresh?: boolean;
  /** A fault per endpoint (applied to every request to it while set). */
  faults?: Partial<Record<Endpoint, Fault>>;
}

/** The provider endpoints the stand-in serves. */
export type Endpoint = 'discovery' | 'token' | 'jwks' | 'userinfo' | 'revoke';

/** The path of each endpoint on the stand-in (to count its hits in `fake.requests`). */
export const ENDPOINT_PATHS: Record<Endpoint, string> = {
  discovery: '/.well-known/openid-configuration',
  token: '/token',
  jwks: '/jwks',
  userinfo: '/userinfo',
  revoke: '/revoke',
};

/**
 * What a faulty endpoint does:
 * - `hang`: reads the request, never answers (the connection stays open);
 * - `delay`: answers correctly after `ms` (nothing, if the client gave up first);
 * - `trickle`: sends the status line and headers at once, then the correct body one byte every
 *   `everyMs` (a body that is still arriving long after any sane timeout);
 * - `drop-mid`: sends the headers (with the full Content-Length) and half the correct body,
 *   then destroys the socket;
 * - `drop-early`: destroys the socket before sending a byte;
 * - `status`: answers `status` with a gateway's HTML page;
 * - `garbage`: answers 200 `application/json` with a body that is not JSON.
 */
export type Fault =
  | { kind: 'hang' }
  | { kind: 'delay'; ms: number }
  | { kind: 'trickle'; everyMs: number }
  | { kind: 'drop-mid' }
  | { kind: 'drop-early' }
  | { kind: 'status'; status: number }
  | { kind: 'garbage' };

export interface Rig {
  fake: Fake;
  app: OAuthApp;
  script: Script;
  /** Tokens the fake handed out (to look for them where they must not be). */
  handedOut: string[];
  /** ID tokens the fake handed out. */
  idTokens: string[];
  /** Hits on the URL a redirecting token endpoint points to (must stay 0). */
  redirectHits: number;
  /**
   * Every write the current app made to its UserStore (`users.create`, `users.linkAccount`,
   * ...) and its Store (`store.add <key>`, ...), in order; emptied by `restart()`.
   */
  writes: string[];
  /** Starts a sign-in in `browser`; returns the provider authorization URL. */
  start(browser: Browser, query?: string): Promise<URL>;
  /** Starts a sign-in for `sub` and plays the provider: returns the callback URL, not requested. */
  callbackFor(browser: Browser, sub?: string, query?: string): Promise<URL>;
  /** The full flow for `sub`; returns the callback step. */
  signIn(browser: Browser, sub?: string, query?: string): Promise<Step>;
  /**
   * Replaces the app with a new one (new port, same secret, new providers that have discovered
   * nothing and cached no JWKS, empty stores), as after a restart.
   */
  restart(): Promise<void>;
  close(): Promise<void>;
}

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
const foreignKeys = new WeakMap<Rig, PrivateKey>();

export async function rig(
  options: Partial<PortcullisOptions<OAuthUser>> = {},
  timeout = 1500,
): Promise<Rig> {
  const fake = await startFake(['id.example.test']);
  const { privateKey: foreignKey } = await generateKeyPair('RS256');
  const boot = async (): Promise<OAuthApp> => {
    const app = await startApp(
      () =>
        ['corp', 'other'].map(
          (name) =>
            new OIDC({
              name,
              issuer: ISSUER,
              clientId: CLIENT_ID,
              clientSecret: CLIENT_SECRET,
              fetch: fake.fetch,
              timeout,
            }),
        ),
      options,
    );
    recordWrites(app, state.writes);
    return app;
  };
  const state: Rig = {
    fake,
    app: undefined as unknown as OAuthApp,
    script: {},
    handedOut: [],
    idTokens: [],
    redirectHits: 0,
    writes: [],
    start: async (browser, query = '') => {
      const step = await browser.request(`${state.app.url}/auth/corp/login${query}`);
      expect(step.status).to.equal(302);
      return step.location!;
    },
    callbackFor: async (browser, sub = 'user-1', query = '') => {
      nextSub = sub;
      return fake.authorize(await state.start(browser, query), { iss: ISSUER });
    },
    signIn: async (browser, sub = 'user-1', query = '') =>
      browser.request(await state.callbackFor(browser, sub, query)),
    restart: async () => {
      await state.app.close();
      state.writes.length = 0;
      state.app = await boot();
    },
    close: async () => {
      await state.app?.close();
      await fake.close();
    },
  };
  let nextSub = 'user-1';
  const subs = new Map<string, string>();
  const refreshSubs = new Map<string, string>();
  /** Serves `endpoint` with `answer`, unless the script gives it a fault. */
  const serve =
    (endpoint: Endpoint, answer: (ctx: RouterContext) => unknown) =>
    async (ctx: RouterContext): Promise<void> => {
      const fault = state.script.faults?.[endpoint];
      if (fault) await inject(ctx, fault, () => answer(ctx));
      else await answer(ctx);
    };
  fake.router.get(
    ENDPOINT_PATHS.discovery,
    serve('discovery', (ctx) => {
      ctx.body = {
        issuer: state.script.discoveryIssuer ?? ISSUER,
        authorization_endpoint: `${ISSUER}/authorize`,
        token_endpoint: `${ISSUER}/token`,
        userinfo_endpoint: `${ISSUER}/userinfo`,
        jwks_uri: `${ISSUER}/jwks`,
        revocation_endpoint: `${ISSUER}/revoke`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        authorization_response_iss_parameter_supported: true,
      };
    }),
  );
  fake.router.get(
    ENDPOINT_PATHS.jwks,
    serve('jwks', async (ctx) => {
      ctx.body = await fake.jwks();
    }),
  );
  fake.router.get('/elsewhere', (ctx) => {
    state.redirectHits++;
    ctx.body = { access_token: 'from-a-redirect', token_type: 'bearer' };
  });
  fake.router.post(
    ENDPOINT_PATHS.token,
    serve('token', async (ctx): Promise<void> => {
      const s = state.script;
      if (s.token === 'redirect') return ctx.redirect(`${ISSUER}/elsewhere`);
      if (s.token === 'html') {
        ctx.type = 'html';
        ctx.body = '<html><body>Sign in again</body></html>';
        return;
      }
      if (s.token === '500') {
        ctx.status = 500;
        ctx.body = { error: 'server_error' };
        return;
      }
      if (s.token === 'hang') return new Promise(() => undefined);
      if (s.token === 'empty') {
        ctx.status = 200;
        ctx.type = 'json';
        ctx.body = '';
        return;
      }
      const { form } = ctx.state.rec;
      const basic = fake.basic(ctx.state.rec.headers);
      const client = basic?.id === CLIENT_ID && basic.secret === CLIENT_SECRET;
      if (form.get('grant_type') === 'refresh_token') {
        const sub =
          client && !s.refuseRefresh ? refreshSubs.get(form.get('refresh_token') ?? '') : undefined;
        if (sub === undefined) {
          ctx.status = 400;
          ctx.body = { error: 'invalid_grant' };
          return;
        }
        // a new access token; no new refresh token (the client keeps the one it has)
        const accessToken = `at-${Math.random().toString(36).slice(2)}-${'r'.repeat(20)}`;
        state.handedOut.push(accessToken);
        subs.set(accessToken, sub);
        ctx.body = {
          access_token: accessToken,
          token_type: 'Bearer',
          expires_in: s.expiresIn ?? 3600,
        };
        return;
      }
      const issued = client
        ? fake.redeem(
            form.get('code') ?? '',
            form.get('code_verifier') ?? undefined,
            form.get('redirect_uri') ?? undefined,
          )
        : undefined;
      if (!issued) {
        ctx.status = 400;
        ctx.body = { error: 'invalid_grant' };
        return;
      }
      const now = Math.floor(Date.now() / 1000);
      let claims: JWTPayload = {
        iss: ISSUER,
        aud: CLIENT_ID,
        sub: nextSub,
        iat: now,
        exp: now + 600,
        nonce: issued.nonce,
      };
      if (s.claims) claims = s.claims(claims, issued);
      const idToken = s.idToken ? await s.idToken(claims) : await fake.idToken(claims);
      const accessToken =
        s.accessToken ?? `at-${Math.random().toString(36).slice(2)}-${'x'.repeat(20)}`;
      const refreshToken = `rt-${Math.random().toString(36).slice(2)}-${'y'.repeat(20)}`;
      state.handedOut.push(accessToken, refreshToken);
      state.idTokens.push(idToken);
      subs.set(accessToken, String(claims.sub));
      refreshSubs.set(refreshToken, String(claims.sub));
      ctx.body = {
        access_token: accessToken,
        refresh_token: refreshToken,
        token_type: 'Bearer',
        expires_in: s.expiresIn ?? 3600,
        id_token: idToken,
      };
    }),
  );
  fake.router.get(
    ENDPOINT_PATHS.userinfo,
    serve('userinfo', (ctx) => {
      const token = String(ctx.get('authorization')).replace(/^Bearer /, '');
      const sub = subs.get(token);
      if (!sub) return void (ctx.status = 401);
      ctx.body = {
        sub: state.script.userinfoSub ?? sub,
        email: `${sub}@example.com`,
        email_verified: true,
        name: `Name of ${sub}`,
        ...state.script.userinfo,
      };
    }),
  );
  fake.router.post(
    ENDPOINT_PATHS.revoke,
    serve('revoke', (ctx) => {
      ctx.status = 200;
    }),
  );
  state.app = await boot();
  foreignKeys.set(state, foreignKey);
  return state;
}

/** Not JSON, though labelled so. */
const GARBAGE = '\u0000\u001f\u008b<<not json>> {"access_token": ';

/** Applies `fault` to one request; `answer` fills in the correct answer (status and body). */
async function inject(ctx: RouterContext, fault: Fault, answer: () => unknown): Promise<void> {
  const { res } = ctx;
  const socket = ctx.req.socket;
  switch (fault.kind) {
    case 'hang':
      ctx.respond = false; // Koa leaves the response open: nothing is ever sent
      return;
    case 'drop-early':
      ctx.respond = false;
      socket.destroy();
      return;
    case 'delay':
      if (await pause(res, fault.ms)) await answer();
      else ctx.respond = false; // the client gave up first
      return;
    case 'status':
      ctx.status = fault.status;
      ctx.type = 'html';
      ctx.body = `<html><body><h1>${fault.status} Service Temporarily Unavailable</h1></body></html>`;
      return;
    case 'garbage':
      ctx.status = 200;
      ctx.type = 'json';
      ctx.body = GARBAGE;
      return;
    case 'drop-mid':
    case 'trickle': {
      await answer();
      const text =
        ctx.body === undefined || ctx.body === null
          ? ''
          : typeof ctx.body === 'string'
            ? ctx.body
            : JSON.stringify(ctx.body);
      // an empty answer (revocation) is padded, so that there is a body to cut
      const body = Buffer.from(text === '' ? '{}'.padEnd(16) : text);
      ctx.respond = false;
      res.writeHead(ctx.status, {
        'content-type': 'application/json',
        'content-length': String(body.length),
      });
      if (fault.kind === 'drop-mid') {
        res.write(body.subarray(0, Math.ceil(body.length / 2)), () => socket.destroy());
        return;
      }
      let sent = 1;
      res.write(body.subarray(0, 1));
      const timer = setInterval(() => {
        if (sent < body.length) res.write(body.subarray(sent, ++sent));
        else {
          clearInterval(timer);
          res.end();
        }
      }, fault.everyMs);
      res.once('close', () => clearInterval(timer));
      return;
    }
  }
}

/** Waits `ms`; false (at once) if the response was closed first (the client went away). */
function pause(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const gone = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', gone);
      resolve(true);
    }, ms);
    res.once('close', gone);
  });
}

type Methods = Record<string, (...args: unknown[]) => unknown>;

/** Records every write `app` makes to its UserStore and its Store into `writes`. */
function recordWrites(app: OAuthApp, writes: string[]): void {
  const tap = (target: object, prefix: string, names: string[], withKey: boolean) => {
    const methods = target as Methods;
    for (const name of names) {
      const original = methods[name]!.bind(target);
      methods[name] = (...args: unknown[]) => {
        writes.push(withKey ? `${prefix}.${name} ${String(args[0])}` : `${prefix}.${name}`);
        return original(...args);
      };
    }
  };
  tap(app.users, 'users', ['create', 'update', 'delete', 'linkAccount', 'unlinkAccount'], false);
  tap(
    app.store,
    'store',
    ['set', 'add', 'take', 'delete', 'increment', 'addMember', 'removeMembers'],
    true,
  );
}

/** Signs claims with a key the provider's JWKS does not have (same kid). */
export async function foreignSigned(r: Rig, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'fake-1' })
    .sign(foreignKeys.get(r)!);
}

/** Asserts the step is the error redirect with `code`, and that the browser has no session. */
export async function expectFailed(
  r: Rig,
  browser: Browser,
  step: Step,
  code: string,
): Promise<void> {
  expect(step.status, step.body).to.equal(302);
  await expectSignInFailed(r.app.url, browser, step, code);
}

/** The flow cookie's Set-Cookie in a step clears it. */
export function clearsFlowCookie(step: Step): boolean {
  return step.setCookies.some(
    (c) => /^portcullis_flow=;/.test(c) && /expires=Thu, 01 Jan 1970/i.test(c),
  );
}
