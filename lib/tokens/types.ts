/** The two token types a route can require. */
export type TokenType = 'access' | 'refresh';

/** What `issue()` and `rotate()` return; the shape of an OAuth 2 token response. */
export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn: number;
  /** The granted scopes, space-separated, when there are any. */
  scope?: string;
}

/** Options for issuing tokens. */
export interface IssueOptions {
  /** Scopes to grant. @default [] */
  scopes?: readonly string[];
  /** Access-token lifetime in seconds, overriding `tokens.accessTokenTtl`. */
  expiresIn?: number;
}

/** A token that verified, and whose it is. */
export interface VerifiedToken {
  type: TokenType;
  userId: string;
  scopes: readonly string[];
  /** When it expires, in ms since the epoch. */
  expiresAt: number;
}
