import { AuthError } from '../errors.js';

/**
 * Adds the RFC 6750 `WWW-Authenticate` challenge to a bearer failure: no `error` when no token
 * was sent, `invalid_request` for a malformed request, `invalid_token` for a bad token,
 * `insufficient_scope` (with the scopes needed) for a token that lacks them.
 */
export function withChallenge(err: AuthError, scheme: string): AuthError {
  let params = '';
  if (err.status === 400) params = ' error="invalid_request"';
  else if (err.code === 'insufficient_scope') {
    params = ` error="insufficient_scope"${err.scopes ? `, scope="${err.scopes.join(' ')}"` : ''}`;
  } else if (err.status === 401 && err.code !== 'token_missing') {
    params = ` error="invalid_token", error_description="${err.message.replace(/["\\]/g, '')}"`;
  }
  if (err.status < 500) err.headers['WWW-Authenticate'] = `${scheme}${params}`;
  return err;
}
