import { providerError } from '../../errors.js';
import { OIDCProvider } from '../oidc.js';
import type { ProviderOptions } from '../provider.js';
import type { Profile, ProfileContext, ProviderTokens } from '../types.js';

/** Discovery reads `https://slack.com/.well-known/openid-configuration`. */
const ISSUER = 'https://slack.com';
/** Slack's Web API method that revokes a token (it has no RFC 7009 endpoint). */
const REVOKE = 'https://slack.com/api/auth.revoke';
/** The claim holding the 512 px avatar, used when `picture` is missing. */
const IMAGE_512 = 'https://slack.com/user_image_512';

/** Options of {@link Slack}. */
export interface SlackOptions extends Omit<ProviderOptions, 'name'> {
  /** The route name. @default 'slack' */
  name?: string;
}

/**
 * Sign in with Slack (OpenID Connect; authorize, `openid.connect.token` and
 * `openid.connect.userInfo` discovered from `https://slack.com`). The profile is the ID token's
 * claims merged with UserInfo: `sub` (the same as `https://slack.com/user_id`; the workspace is
 * `https://slack.com/team_id`, in `raw`), `email`, `email_verified`, `name`, `picture`.
 * Quirks:
 * - Web API answers carry `ok: true`; errors are HTTP 200 with `{ ok: false, error }`, which
 *   the core's `normalizeTokenResponse` turns into a token-endpoint error;
 * - `picture` may be absent: `https://slack.com/user_image_512` stands in;
 * - the secret goes in the form body, as `openid.connect.token` documents its arguments;
 * - redirect URIs must be https, even in development (Slack's app settings refuse others);
 * - refresh tokens come only with token rotation turned on for the app;
 * - UNCONFIRMED: PKCE is not in Slack's metadata; it is sent anyway (the default), as it
 *   costs nothing where it is ignored; `pkce: false` turns it off.
 *
 * @example
 * ```ts
 * new Slack({ clientId: process.env.SLACK_CLIENT_ID!, clientSecret: process.env.SLACK_CLIENT_SECRET! })
 * ```
 */
export class Slack extends OIDCProvider {
  constructor(options: SlackOptions) {
    super({
      scopes: ['openid', 'profile', 'email'],
      clientAuth: 'client_secret_post',
      ...options,
      name: options.name ?? 'slack',
      issuer: ISSUER,
    });
    if (!options.clientSecret) {
      throw new TypeError(
        `provider ${this.name}: clientSecret is required (from the Slack app's Basic Information page)`,
      );
    }
  }

  override async profile(tokens: ProviderTokens, context?: ProfileContext): Promise<Profile> {
    const profile = await super.profile(tokens, context);
    const image = profile.raw[IMAGE_512];
    return {
      ...profile,
      picture: profile.picture ?? (typeof image === 'string' ? image : undefined),
    };
  }

  /**
   * Revokes an access token with `auth.revoke` at sign-out (Slack documents it for "Sign in
   * with Slack" apps); a rotation refresh token is left alone (UNCONFIRMED that it takes one).
   */
  override async revoke(token: string, kind: 'access_token' | 'refresh_token'): Promise<boolean> {
    if (kind !== 'access_token') return false;
    const res = await this.fetchJson<{ ok?: unknown; revoked?: unknown; error?: unknown }>(
      REVOKE,
      { accessToken: token },
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      },
    );
    // 200 with ok: false is an error, as everywhere in Slack's Web API
    if (res.ok !== true) throw providerError(res, 'slack auth.revoke refused the token');
    return res.revoked === true;
  }
}
