/** A signed-in user as a provider describes them, in one shape for every provider. */
export interface Profile {
  /** The provider's stable id for the user (its `sub`, or the API's user id as a string). */
  id: string;
  /** The user's email, if the provider shared one. */
  email: string | undefined;
  /** True only when the provider says it has verified that the user owns `email`. */
  emailVerified: boolean;
  /** A display name, if any. */
  name: string | undefined;
  /** An avatar URL, if any. */
  picture: string | undefined;
  /** What the provider sent, as it sent it. */
  raw: Record<string, unknown>;
}

/** What a provider's token endpoint answered, after validation. */
export interface ProviderTokens {
  /** The provider's access token (never shown to the browser). */
  accessToken: string;
  /** `bearer` (lower case), as the token endpoint said. */
  tokenType: string;
  /** The refresh token, when the provider issued one. */
  refreshToken?: string | undefined;
  /** When the access token expires (ms since the epoch), when the provider said. */
  expiresAt?: number | undefined;
  /** The scopes granted, when the provider said. */
  scope?: string | undefined;
  /** The ID token (OpenID Connect), validated. */
  idToken?: string | undefined;
  /** The ID token's claims, validated (OpenID Connect). */
  claims?: Record<string, unknown> | undefined;
  /** The token response as the provider sent it (after the provider's own normalization). */
  raw: Record<string, unknown>;
}

/** What `profile()` may need besides the tokens. */
export interface ProfileContext {
  /** Form or query fields of the callback (Apple's `user` JSON arrives here). */
  callback: URLSearchParams;
}
