import type { Context } from 'koa';
import type { Core } from '../core.js';
import type { BaseUser } from '../stores/types.js';
import { Discovery } from './discovery.js';
import { FlowCookies } from './flow.js';
import { type KeptToken, KeptTokens } from './kept-tokens.js';
import type { OnOAuthLogin } from './options.js';
import type { OAuth2Provider } from './provider.js';
import { type LoginUrlOptions, SignInFlow } from './sign-in.js';

export type { KeptToken, LoginUrlOptions };

/** What provider sign-in is built from: the providers and the app's `onOAuthLogin`. */
export interface OAuthServiceSettings<User extends BaseUser> {
  providers: readonly OAuth2Provider[];
  onOAuthLogin: OnOAuthLogin<User> | undefined;
}

/**
 * Provider sign-in for one Portcullis instance: starts flows (flow cookie + provider URL),
 * finishes them (single-use state, code exchange, profile, the `onOAuthLogin` decision, a new
 * session with the provider's token sealed in it), hands out and refreshes provider tokens,
 * and revokes them on sign-out. The work is done by the sign-in flow (`sign-in.ts`), the kept
 * tokens (`kept-tokens.ts`) and discovery (`discovery.ts`).
 */
export class OAuthService<User extends BaseUser> {
  private readonly byName = new Map<string, OAuth2Provider>();
  readonly flows: FlowCookies;
  private readonly signIn: SignInFlow<User>;
  private readonly tokens: KeptTokens<User>;
  private readonly discovery: Discovery<User>;

  constructor(
    core: Core<User>,
    /** The configured providers, and the app's `onOAuthLogin`. */
    readonly settings: OAuthServiceSettings<User>,
  ) {
    const { opts } = core;
    for (const p of settings.providers) {
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
    this.tokens = new KeptTokens(core, this.byName);
    this.signIn = new SignInFlow(core, this.flows, this.tokens, settings.onOAuthLogin);
    this.discovery = new Discovery(core, this.byName);
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
  ready(): Promise<void> {
    return this.discovery.ready();
  }

  /**
   * Starts discovery once, in the background of the first request; it is awaited by the
   * middleware until it settles. A failure is logged (the sign-in routes try again).
   */
  warm(): Promise<void> | undefined {
    return this.discovery.warm();
  }

  /** The redirect URI for `p` in this request. */
  redirectUri(ctx: Context, p: OAuth2Provider): string {
    return this.signIn.redirectUri(ctx, p);
  }

  /** The URL of the sign-in route for `name`, carrying `returnTo` and app state sealed. */
  loginUrl(name: string, options: LoginUrlOptions = {}): string {
    if (!this.byName.has(name)) throw new TypeError(`Portcullis: no provider named ${name}`);
    return this.signIn.loginUrl(name, options);
  }

  /** Starts a sign-in: sets the flow cookie and returns the provider URL to redirect to. */
  start(ctx: Context, p: OAuth2Provider): Promise<string> {
    return this.signIn.start(ctx, p);
  }

  /**
   * Finishes a sign-in from the provider's callback; returns where to land (every failure an
   * AuthError; the flow cookie cleared whatever happens).
   */
  finish(ctx: Context, p: OAuth2Provider, callback: URLSearchParams): Promise<string> {
    return this.signIn.finish(ctx, p, callback);
  }

  /** The provider's access token kept in this session, refreshed first when about to expire. */
  providerToken(ctx: Context, name: string): Promise<string | undefined> {
    return this.tokens.providerToken(ctx, name);
  }

  /** The provider tokens this session holds (read before the session is cleared). */
  keptTokens(ctx: Context): Record<string, KeptToken> | undefined {
    return this.tokens.keptTokens(ctx);
  }

  /** On sign-out: revokes the tokens read with `keptTokens()`; failures are logged, never thrown. */
  revokeKept(all: Record<string, KeptToken> | undefined): Promise<void> {
    return this.tokens.revokeKept(all);
  }
}
