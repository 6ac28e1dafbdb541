/**
 * The provider sign-in flow: a sealed `loginUrl()` intent, the start (flow cookie + provider
 * URL) and the finish (single-use state, code exchange, profile, the `onOAuthLogin` decision,
 * a new session keeping the provider's token).
 */
import type { Context } from 'koa';
import { createHash } from 'node:crypto';
import type { Core } from '../core.js';
import { badRequest, isAuthError, providerError } from '../errors.js';
import { appOrigin } from '../http/csrf.js';
import { safeReturnTo } from '../http/return-to.js';
import { signInOf } from '../session/sign-in.js';
import { seal, unseal } from '../session/seal.js';
import type { BaseUser } from '../stores/types.js';
import { safeEqual } from '../util/encoding.js';
import { authorizationUrl, newFlowSecrets } from './client/authorization.js';
import { exchangeCode } from './client/grants.js';
import type { FlowCookies } from './flow.js';
import type { KeptTokens } from './kept-tokens.js';
import type { OAuth2Provider } from './provider.js';
import type { OnOAuthLogin } from './options.js';
import { resolveOAuthUser } from './users.js';

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

/** Starts and finishes provider sign-ins for one Portcullis instance. */
export class SignInFlow<User extends BaseUser> {
  constructor(
    private readonly core: Core<User>,
    private readonly flows: FlowCookies,
    private readonly tokens: KeptTokens<User>,
    private readonly onOAuthLogin: OnOAuthLogin<User> | undefined,
  ) {}

  /** The redirect URI for `p` in this request. */
  redirectUri(ctx: Context, p: OAuth2Provider): string {
    const { opts } = this.core;
    return p.redirectUri ?? `${appOrigin(ctx, opts.baseOrigin)}${opts.prefix}/${p.name}/callback`;
  }

  /** The URL of the sign-in route for `name`, carrying `returnTo` and app state sealed. */
  loginUrl(name: string, options: LoginUrlOptions): string {
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
    const user = await resolveOAuthUser(core, this.onOAuthLogin, {
      provider: p.name,
      profile,
      tokens,
      ctx,
      state: flow.appState,
      currentUser: auth.user,
    });
    await auth.login(user, `oauth:${p.name}`);
    this.tokens.keep(ctx, p, tokens, callback);
    return flow.returnTo;
  }
}

function digest(s: string): string {
  return createHash('sha256').update(s).digest('base64url');
}
