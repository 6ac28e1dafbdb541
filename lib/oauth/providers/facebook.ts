import { OAuth2Provider, type ProviderOptions } from '../provider.js';
import type { Profile, ProviderTokens } from '../types.js';

const DIALOG = 'https://www.facebook.com';
const GRAPH = 'https://graph.facebook.com';
const VERSION = /^v\d+\.\d+$/;

interface FacebookUser {
  id: string;
  name?: string;
  email?: string;
  picture?: { data?: { url?: string; width?: number; height?: number; is_silhouette?: boolean } };
}

/** Options of {@link Facebook}. */
export interface FacebookOptions extends Omit<ProviderOptions, 'name'> {
  /** The route name. @default 'facebook' */
  name?: string;
  /** The Graph API version in every URL (`v24.0`). @default 'v24.0' */
  apiVersion?: string;
}

/**
 * Sign in with Facebook (classic manual flow on the Graph API, not OpenID Connect).
 * Quirks: no PKCE (it exists only in an OIDC flow Facebook calls "in testing"); token errors
 * are nested objects; `/me` gives email and picture only when asked for them in `fields`.
 *
 * @example
 * ```ts
 * new Facebook({ clientId: process.env.FB_APP_ID!, clientSecret: process.env.FB_APP_SECRET! })
 * ```
 */
export class Facebook extends OAuth2Provider {
  private readonly graph: string;

  constructor(options: FacebookOptions) {
    const version = options.apiVersion ?? 'v24.0';
    if (!VERSION.test(version)) {
      throw new TypeError(`provider facebook: apiVersion ${JSON.stringify(version)}: use 'v24.0'`);
    }
    super({
      // space-separated as arctic and better-auth send them (commas also seen; UNCONFIRMED in docs)
      scopes: ['email', 'public_profile'],
      // documented as query/body parameters, never HTTP Basic
      clientAuth: 'client_secret_post',
      // the classic flow has no PKCE
      pkce: false,
      ...options,
      name: options.name ?? 'facebook',
      authorizationEndpoint: `${DIALOG}/${version}/dialog/oauth`,
      // documented as a GET with a query string; a POSTed form works (arctic, better-auth)
      tokenEndpoint: `${GRAPH}/${version}/oauth/access_token`,
    });
    this.graph = `${GRAPH}/${version}`;
  }

  /** Graph errors are `{ error: { message, type, code, fbtrace_id } }`: made an RFC 6749 error. */
  override normalizeTokenResponse(
    body: Record<string, unknown>,
    status: number,
  ): { body: Record<string, unknown>; status: number } {
    const nested = body.error;
    if (typeof nested !== 'object' || nested === null) {
      return super.normalizeTokenResponse(body, status);
    }
    const { message } = nested as { message?: unknown };
    return {
      body: {
        error: 'invalid_request',
        ...(typeof message === 'string' ? { error_description: message } : {}),
      },
      status: status >= 400 ? status : 400,
    };
  }

  override async profile(tokens: ProviderTokens): Promise<Profile> {
    // without `fields`, /me answers only id and name
    const user = await this.fetchJson<FacebookUser>(
      `${this.graph}/me?fields=id,name,email,picture`,
      tokens,
    );
    return {
      id: String(user.id),
      // absent for phone-only accounts, unconfirmed addresses or a declined permission
      email: user.email || undefined,
      // the Graph API says nothing about verification
      emailVerified: false,
      name: user.name || undefined,
      // nested: picture.data.url
      picture: user.picture?.data?.url || undefined,
      raw: user as unknown as Record<string, unknown>,
    };
  }
}
