/**
 * One soak client: a user with a password, looping sign in -> protected route -> token pair ->
 * a few refreshes -> token route -> sign out, over HTTP only. It remembers what it believes it
 * holds (its session cookie, its live refresh family) and everything it gave up, and now and then
 * replays a given-up credential or sends garbage, which must be refused.
 *
 * A 503 makes the client try the same step again later with the same credential. At the
 * deadline a client stops where it is, except in the middle of a step whose outcome it does not
 * know yet (a refresh, a revocation or a sign-out answered 503): that one is retried to a
 * definite answer first, so that what the client believes is what the server did.
 */
import { type Answer, type Call, type Http, applySetCookies, cookieHeader } from './http.js';
import type { Recorder } from './record.js';

export interface Family {
  /** Refresh tokens in the order received; the last is the newest. */
  tokens: string[];
  /** Why the client gave the family up, once it did. */
  ended?: 'revoked' | 'everywhere' | 'ambiguous' | 'reuse-drill' | 'refused';
}

export interface ClientSpec {
  index: number;
  userId: string;
  email: string;
  password: string;
}

/** Thrown at a checkpoint once the deadline has passed: the client stops where it is. */
class Stop extends Error {}

/** Thrown after a failure that leaves the client's state unknown: it starts over, signed out. */
class Restart extends Error {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const chance = (p: number) => Math.random() < p;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

/** Replaces one character in the middle of `s` by another of the same alphabet. */
export function tamper(s: string, from = Math.floor(s.length / 2)): string {
  const c = s[from]!;
  return s.slice(0, from) + (c === 'A' ? 'B' : 'A') + s.slice(from + 1);
}

export function randomToken(n: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}

export class SoakClient {
  readonly jar = new Map<string, string>();
  /** True while the client believes it holds a live session (its cookie in `jar`). */
  signedIn = false;
  /** The User-Agent of the sign-in that made the session it holds (seen in the session list). */
  device: string | undefined;
  /** The refresh family it believes live. */
  family: Family | undefined;
  /** Access tokens issued since this sign-in and not yet revoked. */
  access: string[] = [];
  /** Families it gave up (every token in them must be refused). */
  readonly ended: Family[] = [];
  readonly givenUpCookies: string[] = [];
  readonly givenUpAccess: string[] = [];
  /** User-Agents of sign-ins answered 503 (one may have left a session the client never got). */
  readonly signIns503 = new Set<string>();
  /** User-Agents of sign-ins it signed out of. */
  readonly signedOut = new Set<string>();
  /** User-Agents of sign-ins it dropped after a failure, not knowing whether they live. */
  readonly forgotten = new Set<string>();
  loops = 0;
  private attempts = 0;

  constructor(
    readonly spec: ClientSpec,
    private readonly http: Http,
    private readonly rec: Recorder,
    private readonly stopping: () => boolean,
  ) {}

  get cookie(): string | undefined {
    return cookieHeader(this.jar);
  }

  /** Loops until the deadline. */
  async run(): Promise<void> {
    // spread the start over the first second
    await sleep(Math.random() * 1000);
    for (;;) {
      try {
        this.checkpoint();
        await this.loop();
        this.loops++;
      } catch (err) {
        if (err instanceof Stop) return;
        // a failure (already recorded), or a network error (recorded as one): start over
        if (!(err instanceof Restart)) this.rec.count('client loops broken by a network error');
        this.forgetAll();
        await sleep(1000);
      }
    }
  }

  private async loop(): Promise<void> {
    await this.signIn();
    this.checkpoint();
    await this.me();
    this.checkpoint();
    await this.issue();
    const rotations = 2 + Math.floor(Math.random() * 3);
    for (let i = 0; i < rotations; i++) {
      this.checkpoint();
      if (!(await this.refresh())) await this.issue();
    }
    if (chance(0.1) && this.family && this.family.tokens.length >= 2) {
      this.checkpoint();
      await this.reuseDrill();
      this.checkpoint();
      await this.issue();
    }
    this.checkpoint();
    await this.data();
    if (chance(0.3)) {
      this.checkpoint();
      await this.replay();
    }
    if (chance(0.15)) {
      this.checkpoint();
      await this.garbage();
    }
    this.checkpoint();
    await this.signOut(chance(0.25));
  }

  private checkpoint(): void {
    if (this.stopping()) throw new Stop();
  }

  /**
   * Sends `make()` until the answer is not 503 (waiting between tries, and now and then
   * replaying something given up meanwhile). When `mustResolve` is false the client may give up
   * at the deadline (the step changed nothing it believes).
   */
  private async untilDefinite(
    make: () => Call,
    mustResolve: boolean,
  ): Promise<{ answer: Answer; had503: boolean }> {
    let had503 = false;
    for (;;) {
      const answer = await this.http.call(make());
      if (answer.status !== 503) return { answer, had503 };
      had503 = true;
      if (!mustResolve) this.checkpoint();
      // Redis is likely down: the moment a store check failing open would let something through
      if (chance(0.5)) await (chance(0.7) ? this.replay() : this.garbage());
      await sleep(200 + Math.random() * 300);
    }
  }

  /** Records an answer the step did not expect. */
  private unexpected(what: string, a: Answer): void {
    this.rec.fail('expected-statuses', `c${this.spec.index} ${what}: ${a.status} ${a.code ?? ''}`);
  }

  /** A 2xx must name this client's user. */
  private sameUser(what: string, id: unknown): void {
    this.rec.exercise('right-user');
    if (id !== this.spec.userId)
      this.rec.fail('right-user', `c${this.spec.index} ${what} answered for ${String(id)}`);
  }

  /** POST /auth/password/login: each try is a new sign-in attempt with its own User-Agent. */
  private async signIn(): Promise<void> {
    const { email, password, index } = this.spec;
    let ua = '';
    const { answer } = await this.untilDefinite(() => {
      if (ua) this.signIns503.add(ua); // the previous try was answered 503
      ua = `soak/c${index}/s${++this.attempts}`;
      return {
        method: 'POST',
        path: '/auth/password/login',
        step: 'signin',
        userAgent: ua,
        json: { email, password },
      };
    }, false).catch((err: unknown) => {
      if (err instanceof Stop) this.signIns503.add(ua); // gave up at the deadline after a 503
      throw err;
    });
    if (answer.status !== 200) {
      this.unexpected('sign-in', answer);
      throw new Restart();
    }
    this.sameUser('sign-in', (answer.body as { user?: { id?: unknown } }).user?.id);
    applySetCookies(this.jar, answer.setCookies);
    if (!this.cookie) this.unexpected('sign-in set no cookie', answer);
    this.signedIn = true;
    this.device = ua;
    this.access = [];
  }

  /** GET /api/me with the session cookie. */
  private async me(): Promise<void> {
    const cookie = this.cookie;
    const { answer } = await this.untilDefinite(
      () => ({ method: 'GET', path: '/api/me', step: 'me', cookie }),
      false,
    );
    this.rec.exercise('believed-credentials-work');
    if (answer.status === 200) this.sameUser('me', (answer.body as { id?: unknown }).id);
    else this.refusedSession('me', answer);
  }

  /** POST /api/tokens: a new refresh family for the signed-in user. */
  private async issue(): Promise<void> {
    const cookie = this.cookie;
    const { answer } = await this.untilDefinite(
      () => ({ method: 'POST', path: '/api/tokens', step: 'issue', cookie }),
      false,
    );
    this.rec.exercise('believed-credentials-work');
    if (answer.status !== 200) return this.refusedSession('issue', answer);
    const body = answer.body as { accessToken?: string; refreshToken?: string };
    if (!body.accessToken || !body.refreshToken) return this.unexpected('issue body', answer);
    this.family = { tokens: [body.refreshToken] };
    this.access.push(body.accessToken);
  }

  /** POST /auth/token/refresh with the newest refresh token; false when the family is dead. */
  private async refresh(): Promise<boolean> {
    const family = this.family;
    if (!family) return false;
    const token = family.tokens.at(-1)!;
    const { answer, had503 } = await this.untilDefinite(
      () => ({ method: 'POST', path: '/auth/token/refresh', step: 'refresh', bearer: token }),
      true,
    );
    if (answer.status === 200) {
      const body = answer.body as { accessToken?: string; refreshToken?: string };
      if (!body.accessToken || !body.refreshToken) {
        this.unexpected('refresh body', answer);
        return false;
      }
      family.tokens.push(body.refreshToken);
      this.access.push(body.accessToken);
      this.rec.exercise('believed-credentials-work');
      return true;
    }
    if (answer.status === 401 && had503) {
      // the spend reached Redis but its answer was lost: the retry is reuse, the family is dead
      this.rec.count('refresh families killed by an ambiguous retry');
      this.endFamily('ambiguous');
      return false;
    }
    this.rec.exercise('believed-credentials-work');
    if (answer.status === 401) {
      this.rec.fail(
        'believed-credentials-work',
        `c${this.spec.index} live refresh token refused: ${answer.code ?? ''}`,
      );
      this.endFamily('refused');
    } else this.unexpected('refresh', answer);
    return false;
  }

  /** GET /api/data with the newest access token. */
  private async data(): Promise<void> {
    const bearer = this.access.at(-1);
    if (!bearer) return;
    const { answer } = await this.untilDefinite(
      () => ({ method: 'GET', path: '/api/data', step: 'data', bearer }),
      false,
    );
    this.rec.exercise('believed-credentials-work');
    if (answer.status === 200) this.sameUser('data', (answer.body as { id?: unknown }).id);
    else if (answer.status === 401)
      this.rec.fail('believed-credentials-work', `c${this.spec.index} live access token refused`);
    else this.unexpected('data', answer);
  }

  /**
   * Presents a spent refresh token of the live family (reuse): it must be refused, and the newest
   * token of the family must then be dead too (checked without spending it).
   */
  private async reuseDrill(): Promise<void> {
    const family = this.family!;
    const old = pick(family.tokens.slice(0, -1));
    const newest = family.tokens.at(-1)!;
    const spent = await this.untilDefinite(
      () => ({ method: 'POST', path: '/auth/token/refresh', step: 'reuse', bearer: old }),
      true,
    );
    this.rec.exercise('nothing-let-through');
    if (spent.answer.status < 300)
      this.rec.fail('nothing-let-through', `c${this.spec.index} spent refresh token rotated`);
    else if (spent.answer.status !== 401) this.unexpected('reuse', spent.answer);
    const probe = await this.untilDefinite(
      () => ({ method: 'GET', path: '/api/refresh-probe', step: 'reuse', bearer: newest }),
      true,
    );
    this.rec.exercise('one-state-per-family');
    if (probe.answer.status < 300)
      this.rec.fail('one-state-per-family', `c${this.spec.index} family live after reuse`);
    else if (probe.answer.status !== 401) this.unexpected('reuse probe', probe.answer);
    this.rec.count('reuse drills during the run');
    this.endFamily('reuse-drill');
  }

  /** Replays something given up: it must be refused (401; 503 only in the outage window). */
  private async replay(): Promise<void> {
    const choices: Array<() => Call> = [];
    if (this.givenUpCookies.length > 0) {
      const cookie = pick(this.givenUpCookies);
      choices.push(() => ({ method: 'GET', path: '/api/me', step: 'replay', cookie }));
      choices.push(() => ({ method: 'POST', path: '/api/tokens', step: 'replay', cookie }));
    }
    if (this.ended.length > 0) {
      const bearer = pick(pick(this.ended).tokens);
      choices.push(() => ({ method: 'POST', path: '/auth/token/refresh', step: 'replay', bearer }));
      choices.push(() => ({ method: 'GET', path: '/api/refresh-probe', step: 'replay', bearer }));
    }
    if (this.givenUpAccess.length > 0) {
      const bearer = pick(this.givenUpAccess);
      choices.push(() => ({ method: 'GET', path: '/api/data', step: 'replay', bearer }));
      choices.push(() => ({ method: 'GET', path: '/auth/me', step: 'replay', bearer }));
    }
    if (choices.length === 0) return;
    await this.mustRefuse(pick(choices)(), 'given-up credential');
  }

  /** No credential, or garbage: 401. */
  private async garbage(): Promise<void> {
    const newestAccess = this.access.at(-1);
    const newestRefresh = this.family?.tokens.at(-1);
    const choices: Array<() => Call> = [
      () => ({ method: 'GET', path: '/api/me', step: 'garbage' }),
      () => ({ method: 'GET', path: '/api/data', step: 'garbage' }),
      () => ({ method: 'POST', path: '/auth/token/refresh', step: 'garbage' }),
      () => ({
        method: 'GET',
        path: '/api/me',
        step: 'garbage',
        cookie: `portcullis=${randomToken(8)}.${randomToken(120)}`,
      }),
      () => ({ method: 'GET', path: '/api/data', step: 'garbage', bearer: randomToken(40) }),
      () => ({
        method: 'POST',
        path: '/auth/token/refresh',
        step: 'garbage',
        bearer: `pcr_${randomToken(8)}.${randomToken(22)}.${Math.floor(Date.now() / 1000) + 3600}.${randomToken(43)}.${randomToken(43)}`,
      }),
    ];
    const cookie = this.jar.get('portcullis');
    if (cookie)
      choices.push(() => ({
        method: 'GET',
        path: '/api/me',
        step: 'garbage',
        cookie: `portcullis=${tamper(cookie)}`,
      }));
    if (newestAccess)
      choices.push(() => ({
        method: 'GET',
        path: '/api/data',
        step: 'garbage',
        bearer: tamper(newestAccess, newestAccess.length - 10),
      }));
    if (newestRefresh)
      choices.push(() => ({
        method: 'GET',
        path: '/api/refresh-probe',
        step: 'garbage',
        bearer: tamper(newestRefresh, newestRefresh.length - 10),
      }));
    await this.mustRefuse(pick(choices)(), 'garbage credential');
  }

  private async mustRefuse(call: Call, what: string): Promise<void> {
    const answer = await this.http.call(call);
    this.rec.exercise('nothing-let-through');
    if (answer.status >= 200 && answer.status < 300)
      this.rec.fail(
        'nothing-let-through',
        `c${this.spec.index} ${what} let through: ${call.method} ${call.path} ${answer.status}`,
      );
    else if (answer.status !== 401 && answer.status !== 503)
      this.unexpected(`${what} ${call.method} ${call.path}`, answer);
  }

  /**
   * Signs out: revokes the family and this sign-in's access tokens then `POST /auth/logout`, or
   * (`everywhere`) `POST /auth/logout { everywhere: true }`. Always finished, even past the deadline.
   */
  private async signOut(everywhere: boolean): Promise<void> {
    const cookie = this.cookie;
    if (everywhere) {
      const { answer, had503 } = await this.untilDefinite(
        () => ({
          method: 'POST',
          path: '/auth/logout',
          step: 'everywhere',
          cookie,
          json: { everywhere: true },
        }),
        true,
      );
      if (answer.status === 401 && had503) {
        // the first try landed (the cookie is dead now) but its answer was lost
        this.rec.count('sign-outs everywhere that landed before a 503');
        this.jar.clear();
      } else if (answer.status !== 200) this.refusedSession('everywhere', answer);
      applySetCookies(this.jar, answer.setCookies);
      this.givenUp('everywhere', cookie);
      return;
    }
    const tokens = [...(this.family ? [this.family.tokens.at(-1)!] : []), ...this.access];
    if (tokens.length > 0) {
      const { answer } = await this.untilDefinite(
        () => ({
          method: 'POST',
          path: '/api/tokens/revoke',
          step: 'revoke',
          cookie,
          json: { tokens },
        }),
        true,
      );
      if (answer.status !== 200) this.refusedSession('revoke', answer);
    }
    if (this.family) this.endFamily('revoked');
    this.givenUpAccess.push(...this.access);
    this.access = [];
    const { answer } = await this.untilDefinite(
      () => ({ method: 'POST', path: '/auth/logout', step: 'logout', cookie }),
      true,
    );
    if (answer.status !== 200) this.unexpected('logout', answer);
    applySetCookies(this.jar, answer.setCookies);
    this.givenUp('revoked', cookie);
  }

  /** After a confirmed sign-out: everything of this sign-in is given up. */
  private givenUp(why: 'everywhere' | 'revoked', cookie: string | undefined): void {
    if (this.jar.size > 0) {
      this.rec.fail('expected-statuses', `c${this.spec.index} sign-out did not clear the cookie`);
      this.jar.clear();
    }
    if (cookie) this.givenUpCookies.push(cookie);
    if (this.device) this.signedOut.add(this.device);
    if (this.family) this.endFamily(why);
    this.givenUpAccess.push(...this.access);
    this.access = [];
    this.signedIn = false;
    this.device = undefined;
  }

  private endFamily(why: NonNullable<Family['ended']>): void {
    if (!this.family) return;
    this.family.ended = why;
    this.ended.push(this.family);
    this.family = undefined;
  }

  /** A session the client holds was refused: a failure; the client starts over signed out. */
  private refusedSession(what: string, a: Answer): void {
    if (a.status === 401) {
      this.rec.fail(
        'believed-credentials-work',
        `c${this.spec.index} ${what}: live session refused (${a.code ?? ''})`,
      );
    } else this.unexpected(what, a);
    throw new Restart();
  }

  /** Drops what the client holds without calling it given up (its state is unknown). */
  private forgetAll(): void {
    if (this.device) this.forgotten.add(this.device);
    this.jar.clear();
    this.signedIn = false;
    this.device = undefined;
    this.family = undefined;
    this.access = [];
  }
}
