/**
 * The authorization request and its response: fresh secrets per flow (state, PKCE S256
 * verifier, nonce), the provider URL the browser is sent to, and the callback checked against
 * the flow's state and the provider's issuer (RFC 9207 `iss`), its errors mapped to our codes.
 */
import * as oauth from 'oauth4webapi';
import { AuthError, providerError } from '../../errors.js';
import type { ProviderProtocol } from './protocol.js';

/** The secrets of one sign-in flow, kept in the sealed flow cookie. */
export interface FlowSecrets {
  state: string;
  verifier?: string | undefined;
  nonce?: string | undefined;
}

/** Fresh secrets for a flow: state always, a PKCE verifier and a nonce where they apply. */
export function newFlowSecrets(p: ProviderProtocol): FlowSecrets {
  return {
    state: oauth.generateRandomState(),
    ...(p.pkce ? { verifier: oauth.generateRandomCodeVerifier() } : {}),
    ...(p.oidc && p.nonce ? { nonce: oauth.generateRandomNonce() } : {}),
  };
}

/** The provider URL the browser is sent to. */
export async function authorizationUrl(
  p: ProviderProtocol,
  redirectUri: string,
  flow: FlowSecrets,
): Promise<string> {
  const as = await p.metadata();
  if (!as.authorization_endpoint) throw providerError(undefined, 'no authorization endpoint');
  const url = new URL(as.authorization_endpoint);
  const q = url.searchParams;
  q.set('response_type', 'code');
  q.set('client_id', p.clientId);
  q.set('redirect_uri', redirectUri);
  if (p.scopes.length > 0) q.set('scope', p.scopes.join(' '));
  q.set('state', flow.state);
  if (flow.verifier !== undefined) {
    q.set('code_challenge', await oauth.calculatePKCECodeChallenge(flow.verifier));
    q.set('code_challenge_method', 'S256');
  }
  if (flow.nonce !== undefined) q.set('nonce', flow.nonce);
  if (p.responseMode !== 'query') q.set('response_mode', p.responseMode);
  for (const [k, v] of Object.entries(p.authorizationParams())) q.set(k, v);
  return url.href;
}

/**
 * The authorization response, validated against the flow's state (and the provider's issuer
 * when it checks one): the parameters for the code exchange, or an AuthError
 * (`access_denied`, `state_mismatch`, else `provider_error`).
 */
export function validateAuthorizationResponse(
  p: ProviderProtocol,
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  callback: URLSearchParams,
  state: string,
): URLSearchParams {
  const params = new URLSearchParams(callback);
  if (!p.checksIssuer) params.delete('iss');
  try {
    return oauth.validateAuthResponse(as, client, params, state);
  } catch (err) {
    throw authorizationError(p, err);
  }
}

function authorizationError(p: ProviderProtocol, err: unknown): AuthError {
  if (err instanceof oauth.AuthorizationResponseError) {
    return err.error === 'access_denied' || p.deniedErrors.includes(err.error)
      ? new AuthError('access_denied', { cause: err })
      : providerError(err, 'the provider answered the sign-in with an error');
  }
  if (err instanceof oauth.OperationProcessingError && /"state"/.test(err.message)) {
    return new AuthError('state_mismatch', { cause: err });
  }
  if (err instanceof TypeError && /duplicat/i.test(err.message)) {
    return new AuthError('state_mismatch', { cause: err });
  }
  return providerError(err, 'the provider answered the sign-in wrongly');
}
