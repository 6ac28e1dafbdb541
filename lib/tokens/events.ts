/** The audit events of access and refresh tokens (see `AuthEvents`). */
export interface TokenEvents {
  /** Tokens were issued to a user. */
  token_issued: { userId: string; scopes: readonly string[] };
  /** A refresh token was rotated. */
  token_refreshed: { userId: string };
  /** A spent refresh token came back: its whole family was revoked. */
  token_reuse: { userId: string };
  /** A token or a refresh family was revoked on request. */
  token_revoked: { userId: string; tokenType: 'access' | 'refresh' };
}
