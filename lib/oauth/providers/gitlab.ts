import { userinfo } from '../client/api.js';
import { OIDCProvider } from '../oidc.js';
import { type ProviderOptions, standardProfile } from '../provider.js';
import type { Profile, ProviderTokens } from '../types.js';

const GITLAB_COM = 'https://gitlab.com';

/** Options of {@link GitLab}. */
export interface GitLabOptions extends Omit<ProviderOptions, 'name'> {
  /** The route name. @default 'gitlab' */
  name?: string;
  /**
   * A self-managed GitLab's URL, which is its issuer (`https://gitlab.example.com`, or with a
   * relative URL root `https://example.com/gitlab`). @default 'https://gitlab.com'
   */
  baseUrl?: string;
}

/**
 * Sign in with GitLab (gitlab.com or self-managed) through OpenID Connect: endpoints from
 * discovery, the ID token validated, the profile from UserInfo, refresh, and RFC 7009
 * revocation (`/oauth/revoke`) at sign-out.
 *
 * @example
 * ```ts
 * new GitLab({ clientId: process.env.GITLAB_ID!, clientSecret: process.env.GITLAB_SECRET! })
 * new GitLab({ name: 'corp-gitlab', baseUrl: 'https://git.corp.example', clientId, clientSecret })
 * ```
 */
export class GitLab extends OIDCProvider {
  constructor(options: GitLabOptions) {
    const { baseUrl, ...rest } = options;
    super({
      scopes: ['openid', 'profile', 'email'],
      ...rest,
      name: options.name ?? 'gitlab',
      issuer: baseUrl?.replace(/\/+$/, '') ?? GITLAB_COM,
    });
  }

  /**
   * The ID token's claims merged with UserInfo (whose `sub` must be the ID token's).
   * GitLab puts most profile claims only in UserInfo (gitlab#388176), so UserInfo wins, and an
   * email is only as verified as the `email_verified` that came with it from the same source.
   */
  override async profile(tokens: ProviderTokens): Promise<Profile> {
    const meta = await this.metadata();
    const claims = tokens.claims ?? {};
    const info = meta.userinfo_endpoint ? await userinfo(this, meta, tokens) : {};
    const profile = standardProfile({ ...claims, ...info });
    const verified = (typeof info.email === 'string' ? info : claims).email_verified === true;
    return { ...profile, emailVerified: profile.email !== undefined && verified };
  }
}
