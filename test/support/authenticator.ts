import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

/** One credential this authenticator holds (a resident key: it remembers its user handle). */
export interface SoftCredential {
  id: string;
  rpId: string;
  userHandle: string;
  privateKey: KeyObject;
  counter: number;
}

/** What a test may twist in one ceremony, to make a response the server must refuse. */
export interface Twist {
  /** The origin the "browser" reports in clientDataJSON. */
  origin?: string;
  /** The RP ID whose hash goes into authenticatorData (default: the options' RP ID). */
  rpId?: string;
  /** The challenge signed (default: the options'). */
  challenge?: string;
  /** The UV flag (default true). */
  uv?: boolean;
  /** The counter sent (default: the credential's last one + 1). */
  counter?: number;
  /** The credential id sent (default: the credential used; at registration, a new random one). */
  id?: string;
  /** The user handle sent (default: the credential's). */
  userHandle?: string;
}

const UP = 0x01;
const UV = 0x04;
const AT = 0x40;
const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

/**
 * A software WebAuthn authenticator for HTTP tests: P-256 keys from `node:crypto`, `none`
 * attestation, a counter per credential, resident keys. It only builds the bytes a browser
 * and an authenticator would send; every check is left to the server under test.
 */
export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  /** `navigator.credentials.create()`: a new credential for the options' user and RP. */
  create(
    options: PublicKeyCredentialCreationOptionsJSON,
    origin: string,
    twist: Twist = {},
  ): RegistrationResponseJSON {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const id = twist.id ?? b64u(randomBytes(32));
    const rpId = options.rp.id!;
    const credential: SoftCredential = {
      id,
      rpId,
      userHandle: options.user.id,
      privateKey,
      counter: 0,
    };
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
    const rawId = Buffer.from(id, 'base64url');
    const attested = Buffer.concat([
      Buffer.alloc(16), // AAGUID: none
      Buffer.from([rawId.length >> 8, rawId.length & 0xff]),
      rawId,
      Buffer.from(cose),
    ]);
    const authData = authenticatorData(twist.rpId ?? rpId, flags(twist) | AT, 0, attested);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', authData],
      ]),
    );
    this.credentials.push(credential);
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: clientData(
          'webauthn.create',
          twist.challenge ?? options.challenge,
          twist.origin ?? origin,
        ),
        attestationObject: b64u(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** `navigator.credentials.get()` with a discoverable credential (the last one made, by default). */
  get(
    options: PublicKeyCredentialRequestOptionsJSON,
    origin: string,
    twist: Twist = {},
    credential: SoftCredential | undefined = this.credentials.at(-1),
  ): AuthenticationResponseJSON {
    if (!credential) throw new Error('SoftAuthenticator: no credential');
    const counter = twist.counter ?? credential.counter + 1;
    credential.counter = counter;
    const authData = authenticatorData(
      twist.rpId ?? options.rpId ?? credential.rpId,
      flags(twist),
      counter,
    );
    const clientDataJSON = clientData(
      'webauthn.get',
      twist.challenge ?? options.challenge,
      twist.origin ?? origin,
    );
    const signed = Buffer.concat([
      authData,
      createHash('sha256').update(Buffer.from(clientDataJSON, 'base64url')).digest(),
    ]);
    const id = twist.id ?? credential.id;
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON,
        authenticatorData: b64u(authData),
        signature: b64u(sign('sha256', signed, credential.privateKey)),
        userHandle: twist.userHandle ?? credential.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}

function flags(twist: Twist): number {
  return UP | (twist.uv === false ? 0 : UV);
}

function authenticatorData(
  rpId: string,
  flagBits: number,
  counter: number,
  attested?: Buffer,
): Buffer {
  const count = Buffer.alloc(4);
  count.writeUInt32BE(counter);
  return Buffer.concat([
    createHash('sha256').update(rpId).digest(),
    Buffer.from([flagBits]),
    count,
    ...(attested ? [attested] : []),
  ]);
}

function clientData(type: string, challenge: string, origin: string): string {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false })).toString(
    'base64url',
  );
}
