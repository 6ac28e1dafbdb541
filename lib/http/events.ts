/** The audit events of refused requests (see `AuthEvents`). */
export interface RefusalEvents {
  /**
   * Portcullis refused a request that presented something (4xx): a bearer token refused
   * (`token_invalid`, `token_expired`, `token_revoked`), a role or scope missing (`forbidden`,
   * `insufficient_scope`), a cross-site post (`csrf_failed`), a limit reached (`rate_limited`),
   * a spent or forged link or code, wrong credentials. Not for a request that simply carried no
   * credentials (`login_required`, `token_missing`). `userId` when someone is signed in.
   */
  request_refused: { code: string; status: number; method: string; path: string; userId?: string };
}
