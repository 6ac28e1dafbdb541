/**
 * The checks at the end of the soak, with Redis up and every client stopped, over HTTP only:
 * the sessions the clients hold against the server's session list, each refresh family's state,
 * and a sample of what the clients gave up.
 */
import type { SoakClient } from './client.js';
import { type Answer, type Call, type Http, applySetCookies, cookieHeader } from './http.js';
import type { Recorder } from './record.js';

/** Where the listed-but-not-held sessions came from, by the User-Agent they were signed in with. */
export interface SessionTally {
  believed: number;
  listed: number;
  matched: number;
  usersMismatched: number;
  /** Listed, not held: by cause. */
  extra: Map<string, number>;
  /** Held, not listed. */
  missing: number;
}

export interface FamilyTally {
  liveFamilies: number;
  liveTokens: number;
  reuseChecked: number;
  endedFamilies: number;
  endedTokens: number;
}

/** Runs `work` over `items`, `width` at a time. */
export async function inPool<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

/**
 * Sends a call, trying again (a few times) after a 503: Redis is up, so each 503 fails a check.
 * A request without an answer (recorded as a failure) reads as status 0.
 */
async function send(http: Http, call: Call): Promise<Answer> {
  const once = () =>
    http.call(call).catch((): Answer => ({
      status: 0,
      code: undefined,
      body: {},
      setCookies: [],
      sentAt: 0,
      at: 0,
    }));
  let answer = await once();
  for (let i = 0; i < 5 && answer.status === 503; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    answer = await once();
  }
  return answer;
}

/** Every session a client holds still answers 200 on the protected route. */
export async function heldSessionsWork(c: SoakClient, http: Http, rec: Recorder): Promise<void> {
  if (!c.signedIn) return;
  const a = await send(http, { method: 'GET', path: '/api/me', step: 'end-me', cookie: c.cookie });
  rec.exercise('live-sessions-match');
  if (a.status !== 200 || (a.body as { id?: unknown }).id !== c.spec.userId)
    rec.fail('live-sessions-match', `c${c.spec.index} held session answers ${a.status}`);
}

/**
 * Signs in as the client's user (User-Agent `soak-checker`), reads `GET /auth/sessions`, and
 * compares the other sessions listed with the one the client holds (if any); then signs out.
 */
export async function sessionsListed(
  c: SoakClient,
  http: Http,
  rec: Recorder,
  tally: SessionTally,
): Promise<void> {
  const { email, password, index } = c.spec;
  const userAgent = `soak-checker/c${index}`;
  const signIn = await send(http, {
    method: 'POST',
    path: '/auth/password/login',
    step: 'end-signin',
    userAgent,
    json: { email, password },
  });
  if (signIn.status !== 200) {
    rec.fail('live-sessions-match', `c${index} checker sign-in answered ${signIn.status}`);
    return;
  }
  const cookie = cookieHeader(applySetCookies(new Map(), signIn.setCookies));
  const list = await send(http, {
    method: 'GET',
    path: '/auth/sessions',
    step: 'end-sessions',
    cookie,
    userAgent,
  });
  await send(http, { method: 'POST', path: '/auth/logout', step: 'end-logout', cookie, userAgent });
  const sessions = (list.body as { sessions?: Array<{ current: boolean; device: string }> })
    .sessions;
  if (list.status !== 200 || !Array.isArray(sessions)) {
    rec.fail('live-sessions-match', `c${index} session list answered ${list.status}`);
    return;
  }
  rec.exercise('live-sessions-match');
  if (sessions.filter((s) => s.current).length !== 1)
    rec.fail('live-sessions-match', `c${index} the checker's own session is not listed once`);
  const others = sessions.filter((s) => !s.current).map((s) => s.device);
  const held = c.signedIn ? 1 : 0;
  tally.believed += held;
  tally.listed += others.length;
  let mismatched = false;
  if (c.signedIn && c.device !== undefined && others.includes(c.device)) tally.matched++;
  else if (c.signedIn) {
    tally.missing++;
    mismatched = true;
    rec.fail('live-sessions-match', `c${index} holds session ${c.device} but it is not listed`);
  }
  for (const device of others) {
    if (c.signedIn && device === c.device) continue;
    mismatched = true;
    const cause = c.signIns503.has(device)
      ? 'from a sign-in answered 503'
      : c.signedOut.has(device)
        ? 'signed out, yet listed'
        : c.forgotten.has(device)
          ? 'dropped by its client after a failure'
          : device.startsWith('soak-checker')
            ? "a checker's session"
            : 'of unknown origin';
    tally.extra.set(cause, (tally.extra.get(cause) ?? 0) + 1);
    rec.fail(
      'live-sessions-match',
      `c${index} lists a session it does not hold (${device}: ${cause})`,
    );
  }
  if (mismatched) tally.usersMismatched++;
}

async function probe(http: Http, token: string): Promise<Answer> {
  return send(http, {
    method: 'GET',
    path: '/api/refresh-probe',
    step: 'end-probe',
    bearer: token,
  });
}

/**
 * Refresh families, probed without spending (`@TokenRequired('refresh')`): in the family the
 * client believes live, exactly the newest token verifies; then each older one is refused (and,
 * being reuse, kills the family), after which the newest must be refused too. In every family
 * the client gave up, no token verifies.
 */
export async function familiesInOneState(
  c: SoakClient,
  http: Http,
  rec: Recorder,
  tally: FamilyTally,
  endedPerClient: number,
): Promise<void> {
  const index = c.spec.index;
  const live = c.family;
  if (live) {
    tally.liveFamilies++;
    rec.exercise('one-state-per-family');
    const newest = live.tokens.at(-1)!;
    const first = await probe(http, newest);
    tally.liveTokens++;
    if (first.status !== 200 || (first.body as { id?: unknown }).id !== c.spec.userId)
      rec.fail(
        'one-state-per-family',
        `c${index} newest token of its live family: ${first.status}`,
      );
    const older = live.tokens.slice(0, -1);
    for (const token of older) {
      const a = await probe(http, token);
      tally.liveTokens++;
      if (a.status !== 401)
        rec.fail('one-state-per-family', `c${index} spent token of its live family: ${a.status}`);
    }
    if (older.length > 0) {
      tally.reuseChecked++;
      rec.exercise('reuse-detection');
      const after = await probe(http, newest);
      if (after.status !== 401)
        rec.fail('reuse-detection', `c${index} newest token after reuse: ${after.status}`);
    }
  }
  for (const family of c.ended.slice(-endedPerClient)) {
    tally.endedFamilies++;
    rec.exercise('one-state-per-family');
    for (const token of family.tokens) {
      const a = await probe(http, token);
      tally.endedTokens++;
      if (a.status !== 401)
        rec.fail(
          'one-state-per-family',
          `c${index} token of a family given up (${family.ended ?? '?'}) answers ${a.status}`,
        );
    }
  }
}

/** The last few cookies and access tokens a client gave up are refused. */
export async function givenUpRefused(
  c: SoakClient,
  http: Http,
  rec: Recorder,
  perClient: number,
): Promise<number> {
  let n = 0;
  const check = async (call: Call) => {
    const a = await send(http, call);
    n++;
    rec.exercise('nothing-let-through');
    if (a.status >= 200 && a.status < 300)
      rec.fail(
        'nothing-let-through',
        `c${c.spec.index} given-up credential on ${call.path}: ${a.status}`,
      );
  };
  for (const cookie of c.givenUpCookies.slice(-perClient))
    await check({ method: 'GET', path: '/api/me', step: 'end-replay', cookie });
  for (const bearer of c.givenUpAccess.slice(-perClient))
    await check({ method: 'GET', path: '/api/data', step: 'end-replay', bearer });
  return n;
}
