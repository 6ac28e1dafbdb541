/**
 * A stand-in for a provider's servers, on 127.0.0.1: the provider class keeps its real https
 * endpoints (`https://github.com/login/oauth/access_token`, ...) and reaches this server
 * through the `fetch` option, which sends each call for one of `hosts` here with the path and
 * query intact (the original host in `x-original-host`). Tests add the provider's documented
 * routes on `router`, answer in its documented shapes (quirks included), and play the
 * provider's authorization page with `authorize()`.
 */
import Router from '@koa/router';
import { createHash, randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import Koa from 'koa';
import type { ProviderFetch } from '../../lib/providers.js';
import { listen } from './server.js';

export interface Recorded {
  method: string;
  host: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  form: URLSearchParams;
}

export interface IssuedCode {
  code: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string;
  challenge: string | undefined;
  challengeMethod: string | undefined;
  nonce: string | undefined;
  params: URLSearchParams;
}

export interface Fake {
  url: string;
  router: Router;
  /** Every call the provider class made, in order. */
  requests: Recorded[];
  /** The `fetch` to give the provider class. */
  fetch: ProviderFetch;
  /** Plays the provider's authorization page: checks the request and returns the callback URL. */
  authorize(authorizationUrl: string | URL, extra?: Record<string, string>): URL;
  /** The code's grant, once: checks the PKCE verifier (when a challenge was sent) and redirect URI. */
  redeem(
    code: string,
    verifier: string | undefined,
    redirectUri: string | undefined,
  ): IssuedCode | undefined;
  /** `redeem()` with the token request's `code`, `code_verifier` and `redirect_uri` (if sent). */
  redeemForm(form: URLSearchParams): IssuedCode | undefined;
  /** Parses `Authorization: Basic`. */
  basic(headers: Recorded['headers']): { id: string; secret: string } | undefined;
  /** Signs an ID token (RS256, kid `fake-1`). */
  idToken(claims: JWTPayload, header?: Record<string, unknown>): Promise<string>;
  /** The JWKS to serve at the provider's `jwks_uri`. */
  jwks(): Promise<{ keys: unknown[] }>;
  /** Serves `jwks()` at `GET path`. */
  serveJwks(path: string): void;
  close(): Promise<void>;
}

export async function startFake(hosts: string[]): Promise<Fake> {
  const app = new Koa();
  const router = new Router();
  const requests: Recorded[] = [];
  const codes = new Map<string, IssuedCode>();
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  app.use(async (ctx, next) => {
    const chunks: Buffer[] = [];
    for await (const c of ctx.req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const rec: Recorded = {
      method: ctx.method,
      host: String(ctx.get('x-original-host')),
      path: ctx.path,
      query: new URLSearchParams(ctx.querystring),
      headers: ctx.headers,
      body,
      form: ctx.is('application/x-www-form-urlencoded')
        ? new URLSearchParams(body)
        : new URLSearchParams(),
    };
    requests.push(rec);
    (ctx.state as { rec: Recorded }).rec = rec;
    await next();
  });
  app.use(router.routes());
  const running = await listen(app);
  const fetchVia: ProviderFetch = (url, init) => {
    const u = new URL(url);
    if (!hosts.includes(u.host))
      return Promise.reject(new Error(`fake: unexpected host ${u.host}`));
    const headers = new Headers(init.headers);
    headers.set('x-original-host', u.host);
    return fetch(`${running.url}${u.pathname}${u.search}`, { ...init, headers });
  };
  const fake: Fake = {
    url: running.url,
    router,
    requests,
    fetch: fetchVia,
    authorize(authorizationUrl, extra = {}) {
      const u = new URL(authorizationUrl);
      const q = u.searchParams;
      const redirectUri = q.get('redirect_uri');
      if (!redirectUri) throw new Error('fake authorize: no redirect_uri');
      const code = `code-${randomBytes(12).toString('hex')}`;
      codes.set(code, {
        code,
        clientId: q.get('client_id') ?? '',
        redirectUri,
        scope: q.get('scope') ?? '',
        state: q.get('state') ?? '',
        challenge: q.get('code_challenge') ?? undefined,
        challengeMethod: q.get('code_challenge_method') ?? undefined,
        nonce: q.get('nonce') ?? undefined,
        params: q,
      });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      if (q.get('state') !== null) back.searchParams.set('state', q.get('state')!);
      for (const [k, v] of Object.entries(extra)) back.searchParams.set(k, v);
      return back;
    },
    redeem(code, verifier, redirectUri) {
      const issued = codes.get(code);
      if (!issued) return undefined;
      codes.delete(code);
      if (redirectUri !== undefined && redirectUri !== issued.redirectUri) return undefined;
      if (issued.challenge !== undefined) {
        if (verifier === undefined) return undefined;
        const expected =
          issued.challengeMethod === 'plain'
            ? verifier
            : createHash('sha256').update(verifier).digest('base64url');
        if (expected !== issued.challenge) return undefined;
      }
      return issued;
    },
    redeemForm(form) {
      return fake.redeem(
        form.get('code') ?? '',
        form.get('code_verifier') ?? undefined,
        form.get('redirect_uri') ?? undefined,
      );
    },
    basic(headers) {
      const h = headers.authorization;
      if (typeof h !== 'string' || !h.startsWith('Basic ')) return undefined;
      const [id, secret] = Buffer.from(h.slice(6), 'base64').toString('utf8').split(':');
      return { id: decodeURIComponent(id ?? ''), secret: decodeURIComponent(secret ?? '') };
    },
    async idToken(claims, header = {}) {
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'fake-1', ...header })
        .sign(privateKey);
    },
    async jwks() {
      return {
        keys: [{ ...(await exportJWK(publicKey)), kid: 'fake-1', alg: 'RS256', use: 'sig' }],
      };
    },
    serveJwks(path) {
      router.get(path, async (ctx) => {
        ctx.body = await fake.jwks();
      });
    },
    close: () => running.close(),
  };
  return fake;
}
