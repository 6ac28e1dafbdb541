import type { Context } from 'koa';
import { createHash } from 'node:crypto';
import type { Core } from '../core.js';
import { AuthError, badRequest, isAuthError, providerError } from '../errors.js';
import { appOrigin } from '../http/csrf.js';
import { safeReturnTo } from '../http/return-to.js';
import { signInOf } from '../session/sign-in.js';
import { seal, unseal } from '../session/seal.js';
import type { BaseUser } from '../stores/types.js';
import { safeEqual } from '../util/encoding.js';
import { authorizationUrl, newFlowSecrets } from './client/authorization.js';
import { exchangeCode, refreshTokens } from './client/grants.js';
import { FlowCookies } from './flow.js';
import type { OAuth2Provider } from './provider.js';
import { resolveOAuthUser } from './users.js';

/** Where provider tokens live inside `ctx.session`. */
const TOKENS_KEY = '$pt';
/** Refresh a provider token this long before it expires. */
const EARLY_MS = 60_000;

/** A provider's token as kept in the encrypted session. */
export interface KeptToken {
  /** Access token. */
  a: string;
  /** Refresh token. */
  r?: string | undefined;
  /** Expires at (ms). */
  e?: number | undefined;
  /** What the provider needs again to refresh (VK's device_id). */
  k?: Record<string, string> | undefined;
}

interface Intent {
  r?: string | undefined;
  a?: string | undefined;
  e: number;
}

/** Options of `ctx.auth.oauth.loginUrl()`. */
export interface LoginUrlOptions {
  /** A same-origin path to land on after sign-in. */
  returnTo?: string;
  /** The app's own state, handed back to `onOAuthLogin` (at most 1 KB). */
  state?: string;
}

/**
 * Provider sign-in for one Portcullis instance: starts flows (flow cookie + provider URL),
 * finishes them (single-use state, code exchange, profile, the `onOAuthLogin` decision, a new
 * session with the provider's token sealed in it), hands out and refreshes provider tokens,
 * and revokes them on sign-out.
 */
export class OAuthService<User extends BaseUser> {
  private readonly byName = new Map<string, OAuth2Provider>();
  readonly flows: FlowCookies;
  private warming: Promise<void> | undefined;
  private warmed = false;

  constructor(private readonly core: Core<User>) {
    const { opts } = core;
    for (const p of opts.providers) {
      this.byName.set(p.name, p);
      // RFC 9700 §2.1.1: without PKCE a stolen code can be injected (state still stops CSRF)
      if (!p.pkce) {
        opts.logger.warn(
          { event: 'provider_without_pkce', provider: p.name },
          `portcullis: provider ${p.name} signs in without PKCE (the provider does not take it); see docs/oauth.md`,
        );
      }
    }
    const base = opts.session.cookieName.replace(/^__Host-/, '');
    this.flows = new FlowCookies(
      opts.ring,
      opts.production ? `__Host-${base}_flow` : `${base}_flow`,
      opts.session.secure,
      opts.oauth.flowMs,
    );
  }

  /** True when any provider is configured. */
  get enabled(): boolean {
    return this.byName.size > 0;
  }

  /** The provider with this route name. */
  provider(name: string): OAuth2Provider | undefined {
    return this.byName.get(name);
  }

  /** Discovers every OpenID Connect provider; rejects with what to fix when one fails. */
  async ready(): Promise<void> {
    const failures: string[] = [];
    await Promise.all(
      [...this.byName.values()].map((p) =>
        p.metadata().catch((err: unknown) => {
          failures.push(err instanceof Error ? err.message : String(err));
        }),
      ),
    );
    if (failures.length > 0) throw new Error(`Portcullis: ${failures.join('; ')}`);
  }

  /**
   * Starts discovery once, in the background of the first request; it is awaited by the
   * middleware until it settles. A failure is logged (the sign-in routes try again).
   */
  warm(): Promise<void> | undefined {
    if (this.warmed) return undefined;
    this.warming ??= this.ready()
      .catch((err: unknown) => {
        this.core.opts.logger.error(
          { event: 'provider_discovery_failed', reason: err instanceof Error ? err.message : '' },
          'portcullis: a sign-in provider could not be discovered',
        );
      })
      .finally(() => {
        this.warmed = true;
      });
    return this.warming;
  }

  /** The redirect URI for `p` in this request. */
  redirectUri(ctx: Context, p: OAuth2Provider): string {
    const { opts } = this.core;
    return p.redirectUri ?? `${appOrigin(ctx, opts.baseOrigin)}${opts.prefix}/${p.name}/callback`;
  }

  /** The URL of the sign-in route for `name`, carrying `returnTo` and app state sealed. */
  loginUrl(name: string, options: LoginUrlOptions = {}): string {
    if (!this.byName.has(name)) throw new TypeError(`Portcullis: no provider named ${name}`);
    if (
      options.state !== undefined &&
      (typeof options.state !== 'string' || options.state.length > 1024)
    ) {
      throw new TypeError('loginUrl(): state must be a string of at most 1024 characters');
    }
    const intent: Intent = {
      r: options.returnTo,
      a: options.state,
      e: Date.now() + this.core.opts.oauth.flowMs,
    };
    const sealed = seal(this.core.opts.ring, 'state', intent);
    return `${this.core.opts.prefix}/${name}/login?intent=${sealed}`;
  }

  /** Starts a sign-in: sets the flow cookie and returns the provider URL to redirect to. */
  async start(ctx: Context, p: OAuth2Provider): Promise<string> {
    const { opts } = this.core;
    let returnTo = ctx.query.returnTo;
    let appState: string | undefined;
    const intent = ctx.query.intent;
    if (intent !== undefined) {
      const opened =
        typeof intent === 'string' ? unseal<Intent>(opts.ring, 'state', intent) : undefined;
      if (!opened || typeof opened.value.e !== 'number' || opened.value.e < Date.now()) {
        throw badRequest('state_mismatch', {
          message: 'This sign-in link has expired; start again.',
        });
      }
      returnTo = opened.value.r;
      appState = typeof opened.value.a === 'string' ? opened.value.a : undefined;
    }
    const secrets = newFlowSecrets(p);
    const redirectUri = this.redirectUri(ctx, p);
    const url = await authorizationUrl(p, redirectUri, secrets);
    this.flows.write(
      ctx,
      {
        ...secrets,
        provider: p.name,
        redirectUri,
        returnTo: safeReturnTo(returnTo, opts.defaultReturnTo),
        appState,
      },
      p.responseMode === 'form_post',
    );
    ctx.set('Cache-Control', 'no-store');
    return url;
  }

  /**
   * Finishes a sign-in from the provider's callback; returns where to land. Every failure is
   * an AuthError (the route turns it into the error redirect); the flow cookie is cleared
   * whatever happens, and no session starts unless everything checked out.
   */
  async finish(ctx: Context, p: OAuth2Provider, callback: URLSearchParams): Promise<string> {
    const { core } = this;
    const flow = this.flows.read(ctx);
    this.flows.clear(ctx);
    const states = callback.getAll('state');
    if (
      !flow ||
      flow.provider !== p.name ||
      states.length !== 1 ||
      !safeEqual(states[0]!, flow.state)
    ) {
      throw badRequest('state_mismatch');
    }
    const firstUse = await core.bounded(() =>
      core.store.add(
        `oauth:state:${digest(flow.state)}`,
        '1',
        Math.max(1000, flow.expires - Date.now()),
      ),
    );
    if (!firstUse)
      throw badRequest('state_mismatch', { message: 'This sign-in was already used.' });
    const tokens = await exchangeCode(p, callback, flow, flow.redirectUri);
    let profile;
    try {
      profile = await p.profile(tokens, { callback });
    } catch (err) {
      throw isAuthError(err) ? err : providerError(err, `provider ${p.name}: unreadable profile`);
    }
    const auth = signInOf<User>(ctx);
    const user = await resolveOAuthUser(core, {
      provider: p.name,
      profile,
      tokens,
      ctx,
      state: flow.appState,
      currentUser: auth.user,
    });
    await auth.login(user, `oauth:${p.name}`);
    const kept: KeptToken = {
      a: tokens.accessToken,
      r: tokens.refreshToken,
      e: tokens.expiresAt,
      k: p.keepForRefresh(callback),
    };
    const session = ctx.session as Record<string, unknown>;
    session[TOKENS_KEY] = { [p.name]: kept };
    return flow.returnTo;
  }

  /**
   * The provider's access token kept in this request's session, refreshed first when it has
   * expired (or is about to) and a refresh token is there; undefined when the session holds
   * none for `name`, or the provider refused the refresh (the token is then forgotten).
   */
  async providerToken(ctx: Context, name: string): Promise<string | undefined> {
    const p = this.byName.get(name);
    if (!p) throw new TypeError(`Portcullis: no provider named ${name}`);
    const session = ctx.session as Record<string, unknown> | null;
    const all = session?.[TOKENS_KEY] as Record<string, KeptToken> | undefined;
    const kept = all?.[name];
    if (!session || !kept || typeof kept.a !== 'string') return undefined;
    if (kept.e === undefined || kept.e - EARLY_MS > Date.now()) return kept.a;
    if (!kept.r) return undefined;
    let next;
    try {
      next = await refreshTokens(p, kept.r, kept.k);
    } catch (err) {
      if (isRefusedGrant(err)) {
        const rest = { ...all };
        delete rest[name];
        session[TOKENS_KEY] = rest;
        return undefined;
      }
      throw err;
    }
    session[TOKENS_KEY] = {
      ...all,
      [name]: { a: next.accessToken, r: next.refreshToken ?? kept.r, e: next.expiresAt, k: kept.k },
    };
    return next.accessToken;
  }

  /** The provider tokens this session holds (read before the session is cleared). */
  keptTokens(ctx: Context): Record<string, KeptToken> | undefined {
    if (!this.enabled || !ctx.session) return undefined;
    return (ctx.session as Record<string, unknown>)[TOKENS_KEY] as
      Record<string, KeptToken> | undefined;
  }

  /**
   * On sign-out: revokes the provider tokens read with `keptTokens()`, where providers allow
   * it; failures are logged, never thrown.
   */
  async revokeKept(all: Record<string, KeptToken> | undefined): Promise<void> {
    if (!all) return;
    await Promise.all(
      Object.entries(all).map(async ([name, kept]) => {
        const p = this.byName.get(name);
        if (!p) return;
        try {
          // revoking the refresh token ends the grant where the provider supports it; where it
          // cannot (false), the access token is revoked instead
          const done = kept.r ? await p.revoke(kept.r, 'refresh_token') : false;
          if (!done) await p.revoke(kept.a, 'access_token');
        } catch (err) {
          this.core.opts.logger.warn(
            {
              event: 'provider_revoke_failed',
              provider: name,
              code: isAuthError(err) ? err.code : 'error',
            },
            'portcullis: a provider token could not be revoked at sign-out',
          );
        }
      }),
    );
  }
}

function digest(s: string): string {
  return createHash('sha256').update(s).digest('base64url');
}

/** True when the provider refused a refresh token (invalid_grant): forget it, do not fail. */
function isRefusedGrant(err: unknown): boolean {
  if (!(err instanceof AuthError) || err.code !== 'provider_error') return false;
  const cause = err.cause as { error?: unknown } | undefined;
  return cause?.error === 'invalid_grant';
}
