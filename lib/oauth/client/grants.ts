/**
 * The token endpoint: the authorization-code grant that finishes a sign-in (with the PKCE
 * verifier) and the refresh-token grant, each answer validated; for OpenID Connect the ID
 * token's claims (`iss`, `aud`, `azp`, `exp`, `iat`, `nonce`) and its signature against the
 * provider's JWKS.
 */
import * as oauth from 'oauth4webapi';
import type { ProviderTokens } from '../types.js';
import { type FlowSecrets, validateAuthorizationResponse } from './authorization.js';
import { checkIssuedAt, issuerFor } from './id-token.js';
import type { ProviderProtocol } from './protocol.js';
import { httpOptions, tokenCall } from './transport.js';

/**
 * Finishes a flow: validates the authorization response against the flow's state (and the
 * provider's issuer), exchanges the code (with the PKCE verifier) and validates what comes
 * back; for OpenID Connect the ID token's claims (`iss`, `aud`, `azp`, `exp`, `iat`, `nonce`)
 * and its signature against the provider's JWKS.
 */
export async function exchangeCode(
  p: ProviderProtocol,
  callback: URLSearchParams,
  flow: FlowSecrets,
  redirectUri: string,
): Promise<ProviderTokens> {
  const as = await p.metadata();
  const client: oauth.Client = { client_id: p.clientId };
  const validated = validateAuthorizationResponse(p, as, client, callback, flow.state);
  return tokenCall(p, async () => {
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      await p.clientAuthentication(),
      validated,
      redirectUri,
      flow.verifier ?? oauth.nopkce,
      { ...httpOptions(p, true), additionalParameters: p.tokenRequestParams(callback) },
    );
    const checked = p.oidc ? issuerFor(p, as, response) : as;
    const body = await oauth.processAuthorizationCodeResponse(checked, client, response, {
      ...(p.oidc
        ? {
            expectedNonce: p.nonce ? (flow.nonce ?? '') : oauth.expectNoNonce,
            requireIdToken: true,
          }
        : {}),
    });
    if (p.oidc) {
      await oauth.validateApplicationLevelSignature(checked, response, httpOptions(p));
      checkIssuedAt(oauth.getValidatedIdTokenClaims(body));
    }
    return tokensOf(body);
  });
}

/** Uses a refresh token; the new response is validated as at sign-in (without a nonce). */
export async function refreshTokens(
  p: ProviderProtocol,
  refreshToken: string,
  kept: Record<string, string> | undefined,
): Promise<ProviderTokens> {
  const as = await p.metadata();
  const client: oauth.Client = { client_id: p.clientId };
  return tokenCall(p, async () => {
    const response = await oauth.refreshTokenGrantRequest(
      as,
      client,
      await p.clientAuthentication(),
      refreshToken,
      { ...httpOptions(p, true), additionalParameters: p.refreshRequestParams(kept) },
    );
    const checked = p.oidc ? issuerFor(p, as, response) : as;
    const body = await oauth.processRefreshTokenResponse(checked, client, response);
    if (p.oidc && body.id_token !== undefined) {
      await oauth.validateApplicationLevelSignature(checked, response, httpOptions(p));
      checkIssuedAt(oauth.getValidatedIdTokenClaims(body));
    }
    return tokensOf(body);
  });
}

function tokensOf(body: oauth.TokenEndpointResponse): ProviderTokens {
  const claims = oauth.getValidatedIdTokenClaims(body);
  return {
    accessToken: body.access_token,
    tokenType: body.token_type,
    refreshToken: body.refresh_token,
    expiresAt:
      typeof body.expires_in === 'number' ? Date.now() + body.expires_in * 1000 : undefined,
    scope: body.scope,
    idToken: body.id_token,
    claims: claims as Record<string, unknown> | undefined,
    raw: body as Record<string, unknown>,
  };
}
