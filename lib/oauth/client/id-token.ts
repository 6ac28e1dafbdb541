/**
 * ID-token checks beyond oauth4webapi's: the issuer a provider's token must carry (read from
 * the token's claims before they are verified) and the token's freshness (`iat`).
 */
import { decodeJwt } from 'jose';
import type * as oauth from 'oauth4webapi';
import { providerError } from '../../errors.js';
import type { ProviderProtocol } from './protocol.js';

/** An ID token must be fresh: issued no earlier than the flow could have started, and not in the future. */
const MAX_ID_TOKEN_AGE_S = 15 * 60;
const CLOCK_SKEW_S = 60;

/** The unverified claims of the ID token in a normalized token response, by response. */
const peeked = new WeakMap<Response, Record<string, unknown>>();

/** Notes the (not yet verified) claims of `idToken`, the ID token `response` carries. */
export function peekIdToken(response: Response, idToken: string): void {
  try {
    peeked.set(response, decodeJwt(idToken));
  } catch {
    // not a JWT: oauth4webapi refuses it
  }
}

/** Refuses an ID token issued in the future or before the flow could have started. */
export function checkIssuedAt(claims: oauth.IDToken | undefined): void {
  const now = Date.now() / 1000;
  const iat = claims?.iat;
  if (
    typeof iat !== 'number' ||
    iat > now + CLOCK_SKEW_S ||
    iat < now - MAX_ID_TOKEN_AGE_S - CLOCK_SKEW_S
  ) {
    throw providerError(undefined, 'the ID token was not issued for this sign-in (iat)');
  }
}

/**
 * The server metadata to validate an ID token against: the provider may name the issuer the
 * token must carry (Google's legacy `accounts.google.com`, Entra's `{tenantid}` template).
 */
export function issuerFor(
  p: ProviderProtocol,
  as: oauth.AuthorizationServer,
  response: Response,
): oauth.AuthorizationServer {
  const claims = peeked.get(response);
  if (claims === undefined) return as; // no ID token in this answer: nothing to check
  const issuer = p.expectedIssuer(claims, as.issuer);
  return issuer === as.issuer ? as : { ...as, issuer };
}
