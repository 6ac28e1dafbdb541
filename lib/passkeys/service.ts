import { createHmac } from 'node:crypto';
import {
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { Context } from 'koa';
import type { Core } from '../core.js';
import { AuthError, badRequest } from '../errors.js';
import { appOrigin, checkCsrf, isUnsafe } from '../http/csrf.js';
import { signInOf } from '../session/sign-in.js';
import type { SignInRecord } from '../session/types.js';
import type { BaseUser } from '../stores/types.js';
import { PasskeyChallenges } from './challenges.js';
import type { ResolvedPasskeyOptions } from './options.js';
import {
  CREDENTIAL_ID,
  METHODS,
  type PasskeyStore,
  badName,
  listPasskeys,
  nameOf,
  passkeyCall,
  removePasskey,
  renamePasskey,
} from './manage.js';
import { type Passkey, type PasskeyInfo, passkeyInfo } from '../stores/passkey.js';

/** `ctx.auth.passkeys`: register, sign in with, list, rename and remove passkeys. */
export interface RequestPasskeys<User extends BaseUser> {
  /** Options for `startRegistration()` in the browser (signed in; the challenge is bound to this session). */
  registrationOptions(): Promise<PublicKeyCredentialCreationOptionsJSON>;
  /** Verifies the browser's registration response and saves the passkey; 400 `passkey_invalid`. */
  register(response: unknown, options?: { name?: unknown }): Promise<PasskeyInfo>;
  /** Options for `startAuthentication()` (the challenge is bound to this browser by a cookie). */
  loginOptions(): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /** Verifies the browser's authentication response and signs its owner in; 400 `passkey_invalid`. */
  login(response: unknown): Promise<User>;
  /** The signed-in user's passkeys, oldest first. */
  list(): Promise<PasskeyInfo[]>;
  /** Renames one of the signed-in user's passkeys; undefined when they have no such passkey. */
  rename(id: unknown, name: unknown): Promise<PasskeyInfo | undefined>;
  /** Removes one (never the last way in: 409 `last_sign_in_method`; one change at a time: 409 `change_in_progress`); false when there is no such passkey. */
  remove(id: unknown): Promise<boolean>;
}

/**
 * Passkeys on `@simplewebauthn/server`, which does every WebAuthn check (challenge, origin,
 * RP ID, flags, signature, counter); this class keeps challenges single-use and bound, looks
 * credentials up by id, checks the user handle against the credential's owner, and stores
 * passkeys through the UserStore. Every failure of a ceremony is 400 `passkey_invalid`.
 */
export class PasskeyService<User extends BaseUser> {
  /** True when the UserStore has the passkey methods (the routes are mounted then). */
  readonly enabled: boolean;
  private readonly challenges: PasskeyChallenges<User>;

  constructor(
    private readonly core: Core<User>,
    private readonly settings: ResolvedPasskeyOptions,
  ) {
    const users = core.opts.users as unknown as Record<string, unknown>;
    this.enabled = METHODS.every((m) => typeof users[m] === 'function');
    if (settings.requested && !this.enabled) {
      throw new TypeError(
        `Portcullis: passkeys need a UserStore with ${METHODS.join(', ')} (MemoryUserStore has them)`,
      );
    }
    this.challenges = new PasskeyChallenges(core, settings);
  }

  /** The calls of `ctx.auth.passkeys` for one request. */
  forRequest(ctx: Context): RequestPasskeys<User> {
    const guard = (): void => {
      if (!this.enabled) {
        throw new AuthError('misconfigured', {
          message: `Passkeys need a UserStore with ${METHODS.join(', ')}.`,
        });
      }
      if (isUnsafe(ctx.method)) checkCsrf(ctx, this.core.opts);
    };
    const call =
      <A extends unknown[], R>(fn: (ctx: Context, ...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        guard();
        return fn.call(this, ctx, ...args);
      };
    return {
      registrationOptions: call(this.registrationOptions),
      register: call(this.register),
      loginOptions: call(this.loginOptions),
      login: call(this.login),
      list: call(this.list),
      rename: call(this.rename),
      remove: call(this.remove),
    };
  }

  private async registrationOptions(ctx: Context): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const { user, session } = this.signedIn(ctx);
    signInOf<User>(ctx).requireRecent();
    const rp = this.relyingParty(ctx);
    const existing = await this.run((u) => u.passkeysOf(user.id));
    const handle = this.userHandle(user.id);
    const options = await generateRegistrationOptions({
      rpName: rp.name,
      rpID: rp.id,
      userID: new Uint8Array(Buffer.from(handle, 'base64url')),
      userName: user.email ?? user.id,
      userDisplayName: user.email ?? '',
      timeout: this.settings.timeoutMs,
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports ?? [] })),
      authenticatorSelection: {
        residentKey: 'required',
        userVerification: this.settings.userVerification,
      },
    });
    await this.challenges.beginRegistration(session, user.id, options.challenge, handle);
    return options;
  }

  private async register(
    ctx: Context,
    response: unknown,
    options: { name?: unknown } = {},
  ): Promise<PasskeyInfo> {
    const { user, session } = this.signedIn(ctx);
    signInOf<User>(ctx).requireRecent();
    const name =
      options.name === undefined || options.name === '' ? 'Passkey' : nameOf(options.name);
    if (name === undefined) throw badName();
    if (!isCredential(response)) throw invalid('malformed registration response');
    const pending = await this.challenges.takeRegistration(session, user.id);
    if (!pending) throw invalid('no pending registration for this session');
    const rp = this.relyingParty(ctx);
    const result = await verifyRegistrationResponse({
      response: response as unknown as RegistrationResponseJSON,
      expectedChallenge: pending.challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserVerification: this.settings.userVerification === 'required',
    }).catch((err: unknown) => {
      throw invalid(err);
    });
    if (!result.verified) throw invalid('registration not verified');
    const info = result.registrationInfo;
    const { credential } = info;
    if (await this.run((u) => u.findPasskey(credential.id)))
      throw invalid('credential already registered');
    const passkey: Passkey = {
      id: credential.id,
      userId: user.id,
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      userHandle: pending.handle,
      transports: credential.transports ?? [],
      name,
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      createdAt: new Date().toISOString(),
    };
    await this.run((u) => u.savePasskey(user.id, passkey));
    this.core.events.emit('passkey_added', { userId: user.id, passkeyId: passkey.id });
    return passkeyInfo(passkey);
  }

  private async loginOptions(ctx: Context): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const options = await generateAuthenticationOptions({
      rpID: this.relyingParty(ctx).id,
      timeout: this.settings.timeoutMs,
      userVerification: this.settings.userVerification,
    });
    this.challenges.beginLogin(ctx, options.challenge);
    return options;
  }

  private async login(ctx: Context, response: unknown): Promise<User> {
    const { core } = this;
    // counted with password sign-ins per IP: each try costs a lookup and a signature check
    await core.limits.consume(ctx, 'login');
    try {
      if (!isCredential(response)) throw invalid('malformed authentication response');
      const challenge = await this.challenges.takeLogin(ctx);
      if (challenge === undefined) throw invalid('no live challenge for this browser');
      const passkey = await this.run((u) => u.findPasskey(response.id));
      if (!passkey) throw invalid('unknown credential');
      // A discoverable credential names its user: it must be the credential's owner.
      if (response.response.userHandle !== passkey.userHandle) throw invalid('user handle');
      const rp = this.relyingParty(ctx);
      const result = await verifyAuthenticationResponse({
        response: response as unknown as AuthenticationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: rp.origins,
        expectedRPID: rp.id,
        credential: {
          id: passkey.id,
          publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
          counter: passkey.counter,
          transports: passkey.transports ?? [],
        },
        requireUserVerification: this.settings.userVerification === 'required',
      }).catch((err: unknown) => {
        throw invalid(err);
      });
      if (!result.verified) throw invalid('signature');
      const { newCounter, credentialBackedUp } = result.authenticationInfo;
      const patch = {
        counter: newCounter,
        backedUp: credentialBackedUp,
        lastUsedAt: new Date().toISOString(),
      };
      await this.run((u) => u.updatePasskey(passkey.userId, passkey.id, patch));
      const user = await core.findUser(passkey.userId);
      if (!user) throw invalid('no such user');
      await signInOf<User>(ctx).login(user, 'passkey');
      return user;
    } catch (err) {
      if (err instanceof AuthError && err.code === 'passkey_invalid')
        core.events.emit('login_failed', { method: 'passkey', code: err.code });
      throw err;
    }
  }

  private async list(ctx: Context): Promise<PasskeyInfo[]> {
    return listPasskeys(this.core, this.signedIn(ctx).user);
  }

  private async rename(ctx: Context, id: unknown, name: unknown): Promise<PasskeyInfo | undefined> {
    return renamePasskey(this.core, this.signedIn(ctx).user, id, name);
  }

  private async remove(ctx: Context, id: unknown): Promise<boolean> {
    const { user } = this.signedIn(ctx);
    signInOf<User>(ctx).requireRecent();
    return removePasskey(this.core, user, id);
  }

  /** The signed-in (cookie session, not guest) user and their session; 401 otherwise. */
  private signedIn(ctx: Context): { user: User; session: SignInRecord } {
    const auth = signInOf<User>(ctx);
    const user = auth.user;
    if (!user || !auth.session || user.anonymous === true) {
      throw new AuthError('login_required');
    }
    return { user, session: auth.session };
  }

  /** RP ID, name and origins: from the options, or in development from this request. */
  private relyingParty(ctx: Context): { id: string; name: string; origins: string[] } {
    const passkeys = this.settings;
    const { baseOrigin } = this.core.opts;
    return {
      id: passkeys.rpId ?? ctx.hostname,
      name: passkeys.rpName ?? ctx.host,
      origins: passkeys.origins ?? [appOrigin(ctx, baseOrigin)],
    };
  }

  /** The WebAuthn user handle of `userId`: an HMAC, so it carries no personal data (base64url). */
  private userHandle(userId: string): string {
    const { key } = this.core.opts.ring.current('flow');
    return createHmac('sha256', key).update(`passkey-user:${userId}`).digest('base64url');
  }

  /** A UserStore call, failing closed (503) within `storeTimeout`. */
  private run<T>(work: (users: PasskeyStore<User>) => Promise<T>): Promise<T> {
    return passkeyCall(this.core, work);
  }
}

/** 400 `passkey_invalid`, keeping what failed as `cause` (for logs; never rendered). */
function invalid(cause: unknown): AuthError {
  return badRequest('passkey_invalid', {
    cause: typeof cause === 'string' ? new Error(cause) : cause,
  });
}

/** The shape every WebAuthn response shares; `@simplewebauthn/server` checks the rest. */
function isCredential(
  value: unknown,
): value is { id: string; response: { userHandle?: unknown } & Record<string, unknown> } {
  if (!value || typeof value !== 'object') return false;
  const v = value as { id?: unknown; response?: unknown };
  return (
    typeof v.id === 'string' &&
    CREDENTIAL_ID.test(v.id) &&
    !!v.response &&
    typeof v.response === 'object' &&
    !Array.isArray(v.response)
  );
}
