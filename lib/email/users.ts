import { claimProvenEmail } from '../accounts/email-proof.js';
import { createOrUpgrade } from '../accounts/guests.js';
import type { Core } from '../core.js';
import { AuthError, badRequest } from '../errors.js';
import type { BaseUser } from '../stores/types.js';
import { Generations } from '../tokens/generations.js';

/** How a mailed link or code that proved an address was issued, and where it is completed. */
export interface Proof<User extends BaseUser> {
  /** The user's sign-out generation when the link or code was mailed (see `stampOf`). */
  issued: number | undefined;
  /** Called once the link or code passed that check, before anything is written. */
  passed: () => void;
  /** True when completed in the browser that set the account up (see `claimProvenEmail`). */
  here: (user: User) => boolean;
  /** The guest to upgrade when the address has no account (only the asking browser's). */
  guest: User | undefined;
  /** May a new user be created for the address? */
  create: boolean;
  /** The code to refuse a link or code that outlived the user's credentials. */
  invalid: 'link_invalid' | 'code_invalid';
}

/**
 * The user who proved they own `email` (by a link or a code): the account that holds the
 * address, claimed by the rules of `claimProvenEmail`; or, when `create` allows it, a new one
 * with the email verified (the asking browser's guest upgraded in place). Undefined when there
 * is none and none may be created. A link or code mailed before the account's last sign-out
 * everywhere, password change or reset is refused.
 */
export async function userWithProvenEmail<User extends BaseUser>(
  core: Core<User>,
  email: string,
  proof: Proof<User>,
): Promise<User | undefined> {
  const { users } = core.opts;
  if (!users.findByEmail) {
    throw new AuthError('misconfigured', {
      message: 'Email sign-in needs a UserStore with findByEmail.',
    });
  }
  const found = await core.bounded(() => users.findByEmail!(email));
  if (found) {
    const { issued } = proof;
    if (
      issued !== undefined &&
      !Generations.alive(issued, await core.generations.current(found.id))
    ) {
      throw badRequest(proof.invalid);
    }
    proof.passed();
    return claimProvenEmail(core, found, email, proof.here(found));
  }
  if (!proof.create) return undefined;
  const data = { email, emailVerified: true } as unknown as Omit<User, 'id'>;
  return createOrUpgrade(core, proof.guest, data);
}

/** The sign-out generation of the user who holds `email` now (0 when nobody does). */
export async function generationOf<User extends BaseUser>(
  core: Core<User>,
  user: User | undefined,
): Promise<number> {
  return user ? core.generations.current(user.id) : 0;
}
