import { type Duration, toMs } from '../util/duration.js';

/** Passkeys (WebAuthn). On when the UserStore has the passkey methods. */
export interface PasskeyOptions {
  /** The site's name shown by the authenticator. @default baseUrl's host, else the request's */
  rpName?: string;
  /** The relying party id: the site's domain (or a parent domain of it). @default baseUrl's hostname, else (development) the request's */
  rpId?: string;
  /** Origins a passkey may be used from (`https://app.example.com`). @default [baseUrl's origin], else (development) the request's */
  origins?: string[];
  /** `required`: the authenticator must verify the user (PIN, biometrics); `preferred` accepts a bare touch. @default 'required' */
  userVerification?: 'required' | 'preferred';
  /** How long a ceremony (and its challenge) lasts. @default '5m' */
  timeout?: Duration;
}

/** The passkey options after defaults and validation. */
export interface ResolvedPasskeyOptions {
  /** Undefined: the request's host (development only; production always has `baseUrl`). */
  rpName: string | undefined;
  rpId: string | undefined;
  origins: string[] | undefined;
  userVerification: 'required' | 'preferred';
  timeoutMs: number;
  /** True when the app gave `passkeys`: then a UserStore without the passkey methods refuses to start. */
  requested: boolean;
}

/**
 * Resolves `passkeys` against the app's origin (undefined in development without `baseUrl`:
 * then each request's own origin is used). Throws a `TypeError` that says what to change.
 */
export function passkeyOptions(
  o: PasskeyOptions | undefined,
  baseOrigin: string | undefined,
): ResolvedPasskeyOptions {
  const base = baseOrigin === undefined ? undefined : new URL(baseOrigin);
  const rpId = o?.rpId ?? base?.hostname;
  if (rpId !== undefined && !/^[a-z0-9.-]+$/i.test(rpId)) {
    throw new TypeError(
      `Portcullis: passkeys.rpId must be a domain name (e.g. "example.com"), got ${JSON.stringify(rpId)}`,
    );
  }
  const origins =
    o?.origins?.map((u) => originOption(u, rpId)) ?? (base ? [base.origin] : undefined);
  if (origins !== undefined && origins.length === 0)
    throw new TypeError('Portcullis: passkeys.origins must name at least one origin');
  if (rpId !== undefined && origins === undefined) {
    throw new TypeError(
      'Portcullis: passkeys.rpId needs baseUrl or passkeys.origins (where passkeys are used from)',
    );
  }
  const uv = o?.userVerification ?? 'required';
  if (uv !== 'required' && uv !== 'preferred') {
    throw new TypeError("Portcullis: passkeys.userVerification must be 'required' or 'preferred'");
  }
  const timeoutMs = toMs(o?.timeout ?? '5m', 'passkeys.timeout');
  if (timeoutMs < 30_000 || timeoutMs > 600_000)
    throw new TypeError('Portcullis: passkeys.timeout must be from 30 seconds to 10 minutes');
  return {
    rpName: o?.rpName ?? base?.host,
    rpId,
    origins,
    userVerification: uv,
    timeoutMs,
    requested: o !== undefined,
  };
}

/** An http(s) origin whose host is `rpId` or below it. */
function originOption(url: string, rpId: string | undefined): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`Portcullis: passkeys.origins: ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new TypeError(`Portcullis: passkeys.origins: ${JSON.stringify(url)} is not http(s)`);
  const host = parsed.hostname;
  if (rpId !== undefined && host !== rpId && !host.endsWith(`.${rpId}`)) {
    throw new TypeError(
      `Portcullis: passkeys.origins: ${parsed.origin} is not on the RP ID ${rpId} (or below it)`,
    );
  }
  return parsed.origin;
}
