/**
 * The provider tokens kept in the encrypted session after a provider sign-in: written at
 * sign-in, handed out (refreshed first when about to expire), and revoked at sign-out.
 */
import type { Context } from 'koa';
import type { Core } from '../core.js';
import { AuthError, isAuthError } from '../errors.js';
import type { BaseUser } from '../stores/types.js';
import { refreshTokens } from './client/grants.js';
import type { OAuth2Provider } from './provider.js';
import type { ProviderTokens } from './types.js';

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

/** The provider tokens of the sessions of one Portcullis instance. */
export class KeptTokens<User extends BaseUser> {
  constructor(
    private readonly core: Core<User>,
    private readonly byName: ReadonlyMap<string, OAuth2Provider>,
  ) {}

  /** After a provider sign-in: the session keeps that provider's token (and only that one). */
  keep(ctx: Context, p: OAuth2Provider, tokens: ProviderTokens, callback: URLSearchParams): void {
    const kept: KeptToken = {
      a: tokens.accessToken,
      r: tokens.refreshToken,
      e: tokens.expiresAt,
      k: p.keepForRefresh(callback),
    };
    const session = ctx.session as Record<string, unknown>;
    session[TOKENS_KEY] = { [p.name]: kept };
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
    if (this.byName.size === 0 || !ctx.session) return undefined;
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

/** True when the provider refused a refresh token (invalid_grant): forget it, do not fail. */
function isRefusedGrant(err: unknown): boolean {
  if (!(err instanceof AuthError) || err.code !== 'provider_error') return false;
  const cause = err.cause as { error?: unknown } | undefined;
  return cause?.error === 'invalid_grant';
}
