import { OAuth2Provider, type ProviderOptions } from '../provider.js';
import type { Profile, ProviderTokens } from '../types.js';

const AUTHORIZATION = 'https://bitbucket.org/site/oauth2/authorize';
const TOKEN = 'https://bitbucket.org/site/oauth2/access_token';
const API = 'https://api.bitbucket.org/2.0';
const API_HOST = 'api.bitbucket.org';
const MAX_EMAIL_PAGES = 5;

interface BitbucketUser {
  account_id?: string;
  uuid?: string;
  display_name?: string;
  nickname?: string;
  username?: string;
  links?: { avatar?: { href?: string } };
}
interface BitbucketEmail {
  email: string;
  is_primary: boolean;
  is_confirmed: boolean;
}
interface EmailPage {
  values?: BitbucketEmail[];
  next?: string;
}

/** Options of {@link Bitbucket}. */
export interface BitbucketOptions extends Omit<ProviderOptions, 'name'> {
  /** The route name. @default 'bitbucket' */
  name?: string;
}

/**
 * Sign in with Bitbucket Cloud. The consumer needs the **Account: Read** and **Email**
 * permissions. No PKCE (not documented for Cloud), no revocation endpoint (none documented).
 *
 * @example
 * ```ts
 * new Bitbucket({ clientId: process.env.BITBUCKET_KEY!, clientSecret: process.env.BITBUCKET_SECRET! })
 * ```
 */
export class Bitbucket extends OAuth2Provider {
  constructor(options: BitbucketOptions) {
    super({
      // the consumer's permissions decide; whether `scope` is honoured is UNCONFIRMED
      scopes: ['account', 'email'],
      // the token endpoint takes the consumer's key and secret as HTTP Basic
      clientAuth: 'client_secret_basic',
      pkce: false,
      ...options,
      name: options.name ?? 'bitbucket',
      authorizationEndpoint: AUTHORIZATION,
      tokenEndpoint: TOKEN,
    });
  }

  /** Bitbucket names the granted scopes `scopes` (plural): read them as `scope`. */
  override normalizeTokenResponse(
    body: Record<string, unknown>,
    status: number,
  ): { body: Record<string, unknown>; status: number } {
    const scope = body.scope ?? body.scopes;
    return super.normalizeTokenResponse(scope === undefined ? body : { ...body, scope }, status);
  }

  /** The user from `GET /2.0/user`, with the primary address from `GET /2.0/user/emails`. */
  override async profile(tokens: ProviderTokens): Promise<Profile> {
    const user = await this.fetchJson<BitbucketUser>(`${API}/user`, tokens);
    // `account_id` is Atlassian's stable key; `uuid` ("{...}") is the fallback
    const id = user?.account_id || user?.uuid;
    if (typeof id !== 'string') throw new TypeError('Bitbucket sent a user without an id');
    const primary = await this.primaryEmail(tokens);
    return {
      id,
      email: primary?.email,
      emailVerified: primary?.is_confirmed === true,
      // `username` was removed for GDPR (2019) and may be absent
      name: user.display_name ?? user.nickname ?? user.username,
      picture: user.links?.avatar?.href,
      raw: user as unknown as Record<string, unknown>,
    };
  }

  /** The primary address; the list is paginated (`next`), followed on the API host for a few pages. */
  private async primaryEmail(tokens: ProviderTokens): Promise<BitbucketEmail | undefined> {
    let url: string | undefined = `${API}/user/emails`;
    for (let page = 0; url !== undefined && page < MAX_EMAIL_PAGES; page++) {
      // without the Email permission this answers 403: no email then
      const body = await this.fetchJson<EmailPage>(url, tokens).catch(() => undefined);
      const found = Array.isArray(body?.values)
        ? body.values.find((e) => e?.is_primary === true && typeof e.email === 'string')
        : undefined;
      if (found) return found;
      url = onApiHost(body?.next);
    }
    return undefined;
  }
}

/** `next` when it is an https URL on api.bitbucket.org (the access token goes nowhere else). */
function onApiHost(next: unknown): string | undefined {
  if (typeof next !== 'string') return undefined;
  try {
    const u = new URL(next);
    return u.protocol === 'https:' && u.host === API_HOST ? u.href : undefined;
  } catch {
    return undefined;
  }
}
