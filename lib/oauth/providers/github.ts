import { OAuth2Provider, type ProviderOptions } from '../provider.js';
import type { Profile, ProviderTokens } from '../types.js';

const SITE = 'https://github.com';
const API = 'https://api.github.com';
const API_HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };

interface GitHubUser {
  id: number;
  login: string;
  name: string | null;
  email: string | null;
  avatar_url?: string;
}
interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

/** Options of {@link GitHub}. */
export interface GitHubOptions extends Omit<ProviderOptions, 'name'> {
  /** The route name. @default 'github' */
  name?: string;
  /** GitHub Enterprise Server's URL (`https://ghe.example.com`). @default github.com */
  enterpriseUrl?: string;
}

/**
 * Sign in with GitHub (OAuth Apps and GitHub Apps).
 * Quirks: errors come back as 200 + `error`; the email and whether it is verified come only
 * from `/user/emails` (the primary one), as `/user.email` is the public one or null.
 *
 * @example
 * ```ts
 * new GitHub({ clientId: process.env.GITHUB_ID!, clientSecret: process.env.GITHUB_SECRET! })
 * ```
 */
export class GitHub extends OAuth2Provider {
  private readonly api: string;

  constructor(options: GitHubOptions) {
    const site = options.enterpriseUrl?.replace(/\/$/, '') ?? SITE;
    super({
      scopes: ['read:user', 'user:email'],
      clientAuth: 'client_secret_post',
      ...options,
      name: options.name ?? 'github',
      authorizationEndpoint: `${site}/login/oauth/authorize`,
      tokenEndpoint: `${site}/login/oauth/access_token`,
    });
    this.api = options.enterpriseUrl ? `${site}/api/v3` : API;
  }

  override async profile(tokens: ProviderTokens): Promise<Profile> {
    const user = await this.fetchJson<GitHubUser>(`${this.api}/user`, tokens, {
      headers: API_HEADERS,
    });
    const emails = await this.fetchJson<GitHubEmail[]>(`${this.api}/user/emails`, tokens, {
      headers: API_HEADERS,
    }).catch(() => [] as GitHubEmail[]);
    const primary = Array.isArray(emails) ? emails.find((e) => e.primary) : undefined;
    return {
      id: String(user.id),
      email: primary?.email ?? user.email ?? undefined,
      emailVerified: primary?.verified === true,
      name: user.name ?? user.login,
      picture: user.avatar_url,
      raw: user as unknown as Record<string, unknown>,
    };
  }

  /** GitHub has no RFC 7009 endpoint: `DELETE /applications/{client_id}/token` with the app's credentials. */
  override async revoke(token: string): Promise<boolean> {
    const secret = this.options.clientSecret;
    if (!secret) return false;
    const basic = Buffer.from(`${this.clientId}:${secret}`).toString('base64');
    const res = await this.request(`${this.api}/applications/${this.clientId}/token`, undefined, {
      method: 'DELETE',
      headers: {
        ...API_HEADERS,
        authorization: `Basic ${basic}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ access_token: token }),
    });
    return res.status === 204;
  }
}
