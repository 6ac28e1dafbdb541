import type { Context } from 'koa';
import type { Keyring } from '../keys/keyring.js';
import { seal, unseal } from '../session/seal.js';
import type { FlowSecrets } from './client/authorization.js';

/** One sign-in in progress, sealed (AES-256-GCM, purpose `flow`) in a short-lived cookie. */
export interface Flow extends FlowSecrets {
  /** Provider name. */
  provider: string;
  /** The redirect URI sent to the provider (the code exchange must repeat it). */
  redirectUri: string;
  /** Where to land afterwards (a same-origin path). */
  returnTo: string;
  /** The app's own state, back to `onOAuthLogin`. */
  appState?: string | undefined;
  /** Expires at (ms). */
  expires: number;
}

/**
 * The flow cookie binds a sign-in to the browser that started it: state, PKCE verifier, nonce,
 * provider and destination, sealed, HttpOnly, for `flowMs` at most. Cleared by the callback,
 * whatever its outcome. For providers that answer with a cross-site POST (Apple's
 * `form_post`) it is `SameSite=None; Secure` over HTTPS, so that it survives that POST.
 */
export class FlowCookies {
  constructor(
    private readonly ring: Keyring,
    readonly name: string,
    private readonly secure: boolean,
    private readonly flowMs: number,
  ) {}

  /** Sets the cookie for `flow`. */
  write(ctx: Context, flow: Omit<Flow, 'expires'>, crossSitePost: boolean): void {
    const sealed = seal(this.ring, 'flow', { ...flow, expires: Date.now() + this.flowMs });
    const none = crossSitePost && (this.secure || ctx.secure);
    ctx.cookies.set(this.name, sealed, {
      httpOnly: true,
      path: '/',
      maxAge: this.flowMs,
      sameSite: none ? 'none' : 'lax',
      secure: this.secure || none,
      overwrite: true,
    });
  }

  /** The flow this browser started, if its cookie opens and has not expired. */
  read(ctx: Context): Flow | undefined {
    const sealed = ctx.cookies.get(this.name);
    if (!sealed) return undefined;
    const opened = unseal<Flow>(this.ring, 'flow', sealed);
    const flow = opened?.value;
    if (!flow || typeof flow !== 'object' || typeof flow.state !== 'string') return undefined;
    if (typeof flow.expires !== 'number' || flow.expires < Date.now()) return undefined;
    return flow;
  }

  /** Clears the cookie. */
  clear(ctx: Context): void {
    if (ctx.cookies.get(this.name) === undefined) return;
    ctx.cookies.set(this.name, '', {
      httpOnly: true,
      path: '/',
      expires: new Date(0),
      secure: this.secure,
      overwrite: true,
    });
  }
}
