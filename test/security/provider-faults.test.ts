/**
 * Provider fault injection (hardening issue: "a provider that hangs, answers slowly, drops
 * connections or fails half-way: the request fails closed within the configured bound, nothing
 * half-written survives, and the next request after recovery succeeds").
 *
 * For each endpoint a sign-in touches (discovery, token, JWKS, UserInfo) and each fault of
 * `oauth-support.ts` (hang, too slow, a body too slow, a drop mid-response, a drop before any
 * byte, a 503, a body that is not JSON), the step that reaches the endpoint must answer the
 * documented `provider_error` (docs/oauth.md, docs/errors.md: a redirect to
 * `/auth/error?error=provider_error`, whose page answers 502) within the provider timeout plus a
 * margin, never a 500, with nothing internal or secret in the answer, with no user, link or
 * session written, and a fresh sign-in must work once the provider is back. The same faults at
 * the refresh of the provider token (`ctx.auth.providerToken()`) and at its revocation on
 * sign-out follow.
 */
import { expect } from 'chai';
import { Browser, type Step } from '../support/browser.js';
import {
  CLIENT_SECRET,
  type Endpoint,
  ENDPOINT_PATHS,
  type Fault,
  ISSUER,
  type Rig,
  rig,
} from '../support/oauth-rig.js';

/** The provider timeout configured for these tests (ms). */
const TIMEOUT = 300;
/** What the rest of a request may take around the provider call, on a slow machine. */
const MARGIN = 1200;
/** A failing step must answer within this. */
const BOUND = TIMEOUT + MARGIN;
/** A delay well within the timeout. */
const WITHIN = 100;

const FAULTS: ReadonlyArray<{ name: string; fault: Fault }> = [
  { name: 'hangs (accepts the connection, never answers)', fault: { kind: 'hang' } },
  {
    name: 'answers correctly, but only after the timeout',
    fault: { kind: 'delay', ms: TIMEOUT + 700 },
  },
  {
    name: 'sends its headers at once, then the body too slowly',
    fault: { kind: 'trickle', everyMs: 50 },
  },
  { name: 'drops the connection mid-response', fault: { kind: 'drop-mid' } },
  { name: 'drops the connection before any byte', fault: { kind: 'drop-early' } },
  { name: 'answers 503 with a gateway page', fault: { kind: 'status', status: 503 } },
  { name: 'answers 200 with a body that is not JSON', fault: { kind: 'garbage' } },
];

/** What must never be in an answer: stack frames, error classes, transport details. */
const INTERNALS =
  /\n\s+at\s|node:internal|\b[A-Z]\w*Error\b|ECONN|EPIPE|ETIMEDOUT|UND_ERR|terminated|other side closed|oauth4webapi|undici/;

const JSON_ACCEPT = { headers: { accept: 'application/json' } };

let seq = 0;
/** A provider subject no other test uses. */
const newSub = (tag: string) => `pf-${tag}-${++seq}`;

/** Runs `work`, returning its result and how long it took (ms). */
async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await work();
  return [value, performance.now() - started];
}

/** How many requests the stand-in has had at `endpoint`. */
function hits(r: Rig, endpoint: Endpoint): number {
  return r.fake.requests.filter((q) => q.path === ENDPOINT_PATHS[endpoint]).length;
}

/** Asserts no secret of the provider exchange, and nothing internal, is in any of `texts`. */
function expectNothingLeaked(r: Rig, texts: string[], extra: string[] = []): void {
  const secrets = [CLIENT_SECRET, ...r.handedOut, ...r.idTokens, ...extra];
  for (const text of texts) {
    for (const s of secrets) expect(text, 'a secret in an answer').not.to.contain(s);
    expect(text).not.to.match(INTERNALS);
    expect(text).not.to.contain(r.fake.url);
  }
}

/** Asserts no secret of the provider exchange is in the app's logs (error class names may be). */
function expectNoSecretInLogs(r: Rig, extra: string[] = []): void {
  const logs = JSON.stringify(r.app.logger.records);
  for (const s of [CLIENT_SECRET, ...r.handedOut, ...r.idTokens, ...extra]) {
    expect(logs, 'a secret in the logs').not.to.contain(s);
  }
}

/** Asserts the browser has no session: `/me` and `/auth/me` answer 401. */
async function expectSignedOut(r: Rig, browser: Browser): Promise<void> {
  expect((await browser.request(`${r.app.url}/me`, JSON_ACCEPT)).status).to.equal(401);
  expect((await browser.request(`${r.app.url}/auth/me`, JSON_ACCEPT)).status).to.equal(401);
}

/**
 * Asserts that `step` (which took `ms`) failed closed: a redirect to the error page with
 * `provider_error` within `bound`, whose page answers 502 (HTML and JSON); no cookie set but the
 * flow cookie's deletion; nothing secret or internal in the answers or the logs; no write but
 * the spent state (`store.add oauth:state:...`); no user for `sub`; still signed out.
 */
async function expectFailedClosed(
  r: Rig,
  browser: Browser,
  step: Step,
  ms: number,
  sub: string,
  options: { bound?: number; code?: string; logsFrom?: number } = {},
): Promise<void> {
  const { bound = BOUND, code, logsFrom = 0 } = options;
  expect(step.status, step.body).to.equal(302);
  expect(step.location!.pathname).to.equal('/auth/error');
  expect([...step.location!.searchParams]).to.deep.equal([['error', 'provider_error']]);
  expect(ms, 'answered within the bound').to.be.below(bound);
  expect(step.setCookies.filter((c) => !/^portcullis_flow=;/.test(c))).to.deep.equal([]);

  const page = await browser.request(step.location!);
  expect(page.status).to.equal(502);
  expect(page.body).to.contain('provider_error');
  const json = await browser.request(step.location!, JSON_ACCEPT);
  expect(JSON.parse(json.body)).to.deep.equal({
    error: { code: 'provider_error', message: 'The sign-in provider failed.' },
  });

  const logs = r.app.logger.records.slice(logsFrom);
  expect(logs.map((l) => [l.record.event, l.record.code])).to.deep.include([
    'oauth_failed',
    'provider_error',
  ]);
  expectNothingLeaked(
    r,
    [step.body, step.location!.href, JSON.stringify([...step.headers]), page.body, json.body],
    code === undefined ? [] : [code],
  );
  expectNoSecretInLogs(r, code === undefined ? [] : [code]);

  expect(r.writes.filter((w) => !w.startsWith('store.add oauth:state:'))).to.deep.equal([]);
  expect(await r.app.users.findByAccount('corp', sub)).to.equal(undefined);
  expect(await r.app.users.findByEmail(`${sub}@example.com`)).to.equal(undefined);
  await expectSignedOut(r, browser);
}

/**
 * Clears every fault and asserts a fresh sign-in (a new login and callback) for `sub` works and
 * creates exactly one user, linked to `sub`, whom the new session carries.
 */
async function expectRecovery(r: Rig, sub: string): Promise<void> {
  r.script.faults = {};
  r.writes.length = 0;
  const browser = new Browser();
  const done = await r.signIn(browser, sub);
  expect(done.status, done.body).to.equal(302);
  expect(done.location!.href).to.equal(`${r.app.url}/`);
  expect(r.writes.filter((w) => w === 'users.create')).to.have.length(1);
  expect(r.writes.filter((w) => w === 'users.linkAccount')).to.have.length(1);
  const user = await r.app.users.findByAccount('corp', sub);
  expect(user?.email).to.equal(`${sub}@example.com`);
  const me = await browser.request(`${r.app.url}/me`, JSON_ACCEPT);
  expect(me.status).to.equal(200);
  expect((JSON.parse(me.body) as { user: { id: string } }).user.id).to.equal(user!.id);
}

describe('provider faults: hang, slow, dropped, 5xx and garbage answers', function () {
  this.timeout(10000);
  let r: Rig;
  before(async () => {
    r = await rig({}, TIMEOUT);
  });
  after(async () => r.close());
  beforeEach(() => {
    r.script = {};
    r.writes.length = 0;
  });

  // The code exchange (token), the ID token's signature (JWKS, fetched once per discovered
  // provider and then cached by oauth4webapi: the app is restarted so that it is fetched) and
  // UserInfo are all called from the callback.
  const callbackEndpoints: ReadonlyArray<{ endpoint: Endpoint; cold: boolean }> = [
    { endpoint: 'token', cold: false },
    { endpoint: 'jwks', cold: true },
    { endpoint: 'userinfo', cold: false },
  ];
  for (const { endpoint, cold } of callbackEndpoints) {
    describe(`the ${endpoint} endpoint, at the callback`, () => {
      for (const { name, fault } of FAULTS) {
        it(`${name}: provider_error within the bound, nothing written, then a sign-in works`, async () => {
          if (cold) await r.restart();
          const sub = newSub(endpoint);
          const browser = new Browser();
          const back = await r.callbackFor(browser, sub);
          r.script.faults = { [endpoint]: fault };
          r.writes.length = 0;
          const logsFrom = r.app.logger.records.length;
          const before = hits(r, endpoint);
          const [step, ms] = await timed(() => browser.request(back));
          expect(hits(r, endpoint), 'the faulty endpoint was called').to.be.above(before);
          await expectFailedClosed(r, browser, step, ms, sub, {
            code: back.searchParams.get('code')!,
            logsFrom,
          });
          await expectRecovery(r, sub);
        });
      }

      it('answers slowly but within the timeout: the sign-in succeeds', async () => {
        if (cold) await r.restart();
        const sub = newSub(`${endpoint}-slow`);
        const browser = new Browser();
        const back = await r.callbackFor(browser, sub);
        r.script.faults = { [endpoint]: { kind: 'delay', ms: WITHIN } };
        const [step, ms] = await timed(() => browser.request(back));
        expect(step.location!.href).to.equal(`${r.app.url}/`);
        expect(ms, 'the delay was applied').to.be.at.least(WITHIN);
        expect(ms).to.be.below(BOUND);
        expect(r.writes.filter((w) => w === 'users.create')).to.have.length(1);
        expect((await browser.request(`${r.app.url}/me`)).status).to.equal(200);
      });
    });
  }

  // Discovery runs once per provider and is cached: it is reached at the sign-in's first step on
  // an instance that has not discovered the provider yet. The first request to such an instance
  // waits for discovery in the middleware (docs: "awaited by the middleware until it settles").
  describe('the discovery endpoint, at the login step of a fresh instance', () => {
    for (const { name, fault } of FAULTS) {
      it(`${name}: provider_error within the bound, no flow started, then a sign-in works`, async () => {
        await r.restart();
        r.script.faults = { discovery: fault };
        const browser = new Browser();
        const before = hits(r, 'discovery');
        // the first request, on any route, waits for discovery to settle, within the bound
        const [first, firstMs] = await timed(() => browser.request(`${r.app.url}/me`, JSON_ACCEPT));
        expect(first.status).to.equal(401);
        expect(firstMs).to.be.below(BOUND);
        const logsFrom = r.app.logger.records.length;
        const [step, ms] = await timed(() => browser.request(`${r.app.url}/auth/corp/login`));
        expect(hits(r, 'discovery') - before, 'discovery was tried again').to.be.at.least(3);
        expect(step.setCookies).to.deep.equal([]); // no flow cookie
        await expectFailedClosed(r, browser, step, ms, 'nobody', { logsFrom });
        expect(r.writes).to.deep.equal([]);
        await expectRecovery(r, newSub('discovery'));
      });
    }

    it('answers slowly but within the timeout: the sign-in succeeds', async () => {
      await r.restart();
      r.script.faults = { discovery: { kind: 'delay', ms: WITHIN } };
      const browser = new Browser();
      const [start, ms] = await timed(() => r.start(browser));
      expect(start.href.startsWith(`${ISSUER}/authorize?`)).to.equal(true);
      expect(ms, 'the delay was applied').to.be.at.least(WITHIN);
      expect(ms).to.be.below(BOUND);
      r.script.faults = {};
      expect((await r.signIn(browser, newSub('discovery-slow'))).location!.pathname).to.equal('/');
    });
  });

  // A callback that reaches an instance which has not discovered the provider (a restart, or
  // another instance behind the load balancer, between the login and the callback). It makes
  // two discovery calls (the middleware's warm-up, then the callback's own), each within the
  // timeout: the bound is twice the timeout.
  describe('the discovery endpoint, at a callback on a fresh instance', () => {
    /** Starts a flow, then hands its callback (and flow cookie) to a restarted app. */
    async function callbackAfterRestart(browser: Browser, sub: string, fault: Fault): Promise<URL> {
      const back = await r.callbackFor(browser, sub);
      const flow = browser.cookies(r.app.url).get('portcullis_flow')!;
      r.script.faults = { discovery: fault };
      await r.restart();
      browser.cookies(r.app.url).set('portcullis_flow', flow);
      return new URL(`${back.pathname}${back.search}`, r.app.url);
    }

    for (const { name, fault } of FAULTS) {
      it(`${name}: provider_error within twice the timeout plus the margin, nothing written, then a sign-in works`, async () => {
        const sub = newSub('cold');
        const browser = new Browser();
        const back = await callbackAfterRestart(browser, sub, fault);
        const before = hits(r, 'discovery');
        const [step, ms] = await timed(() => browser.request(back));
        expect(hits(r, 'discovery'), 'discovery was called').to.be.above(before);
        await expectFailedClosed(r, browser, step, ms, sub, {
          bound: 2 * TIMEOUT + MARGIN,
          code: back.searchParams.get('code')!,
        });
        await expectRecovery(r, sub);
      });
    }

    it('answers slowly but within the timeout: the callback signs in', async () => {
      const sub = newSub('cold-slow');
      const browser = new Browser();
      const back = await callbackAfterRestart(browser, sub, { kind: 'delay', ms: WITHIN });
      const [step, ms] = await timed(() => browser.request(back));
      expect(step.location!.href).to.equal(`${r.app.url}/`);
      expect(ms, 'the delay was applied').to.be.at.least(WITHIN);
      expect(ms).to.be.below(BOUND);
      expect(r.writes.filter((w) => w === 'users.create')).to.have.length(1);
      expect(await r.app.users.findByAccount('corp', sub)).not.to.equal(undefined);
    });
  });

  // docs/oauth.md: providerToken() refreshes a token expiring within a minute; it answers
  // undefined when the provider refused the refresh (invalid_grant); "A provider that fails
  // answers 502."
  describe('refreshing the provider token (ctx.auth.providerToken())', () => {
    /** Signs in with a token that must be refreshed at once; returns its refresh token. */
    async function signedIn(browser: Browser, sub: string): Promise<string> {
      r.script.expiresIn = 30;
      expect((await r.signIn(browser, sub)).location!.pathname).to.equal('/');
      return r.handedOut.at(-1)!;
    }
    const refreshes = () =>
      r.fake.requests.filter(
        (q) => q.path === '/token' && q.form.get('grant_type') === 'refresh_token',
      );

    for (const { name, fault } of FAULTS) {
      it(`${name}: 502 provider_error within the bound, still signed in, the refresh token kept`, async () => {
        const browser = new Browser();
        const sub = newSub('refresh');
        const refreshToken = await signedIn(browser, sub);
        const user = await r.app.users.findByAccount('corp', sub);
        r.script.faults = { token: fault };
        r.writes.length = 0;
        const before = refreshes().length;
        const [res, ms] = await timed(() =>
          browser.request(`${r.app.url}/provider-token/corp`, JSON_ACCEPT),
        );
        expect(refreshes().length, 'the refresh was tried').to.be.above(before);
        expect(res.status, res.body).to.equal(502);
        expect(JSON.parse(res.body)).to.deep.equal({
          error: { code: 'provider_error', message: 'The sign-in provider failed.' },
        });
        expect(ms).to.be.below(BOUND);
        // fails closed: not the expired token, nor anything else handed out
        expectNothingLeaked(r, [res.body, JSON.stringify([...res.headers])]);
        expect(res.setCookies.filter((c) => /^portcullis=;/.test(c))).to.deep.equal([]);
        expect(r.writes.filter((w) => w.startsWith('users.'))).to.deep.equal([]);
        const me = await browser.request(`${r.app.url}/me`, JSON_ACCEPT);
        expect(me.status).to.equal(200);
        expect((JSON.parse(me.body) as { user: { id: string } }).user.id).to.equal(user!.id);

        r.script.faults = {};
        const again = await browser.request(`${r.app.url}/provider-token/corp`, JSON_ACCEPT);
        expect(again.status).to.equal(200);
        const { token } = JSON.parse(again.body) as { token: string };
        expect(token).to.equal(r.handedOut.at(-1));
        expect(refreshes().at(-1)!.form.get('refresh_token')).to.equal(refreshToken);
      });
    }

    it('answers slowly but within the timeout: the token is refreshed', async () => {
      const browser = new Browser();
      await signedIn(browser, newSub('refresh-slow'));
      r.script.faults = { token: { kind: 'delay', ms: WITHIN } };
      const [res, ms] = await timed(() =>
        browser.request(`${r.app.url}/provider-token/corp`, JSON_ACCEPT),
      );
      expect(res.status).to.equal(200);
      expect((JSON.parse(res.body) as { token: string }).token).to.equal(r.handedOut.at(-1));
      expect(ms, 'the delay was applied').to.be.at.least(WITHIN);
      expect(ms).to.be.below(BOUND);
    });

    it('control: a refusal (400 invalid_grant) is no fault: null, the token forgotten, still signed in', async () => {
      const browser = new Browser();
      await signedIn(browser, newSub('refused'));
      r.script.refuseRefresh = true;
      const res = await browser.request(`${r.app.url}/provider-token/corp`, JSON_ACCEPT);
      expect(res.status).to.equal(200);
      expect(JSON.parse(res.body)).to.deep.equal({ token: null });
      expect((await browser.request(`${r.app.url}/me`)).status).to.equal(200);
      // forgotten: the next call does not ask the provider again
      const before = refreshes().length;
      r.script.refuseRefresh = false;
      const next = await browser.request(`${r.app.url}/provider-token/corp`, JSON_ACCEPT);
      expect(JSON.parse(next.body)).to.deep.equal({ token: null });
      expect(refreshes().length).to.equal(before);
    });
  });

  // docs/oauth.md: sign-out revokes the session's provider tokens "within the provider's
  // timeout; a failure is logged, never blocks the sign-out". RFC 7009 (2.2): the client
  // ignores the body of a 200, so a 200 status line is a revocation, whatever follows it (a
  // slow body, a cut body, a garbled body).
  describe('revoking the provider token at sign-out', () => {
    const revokeFailures = () =>
      r.app.logger.records.filter((l) => l.record.event === 'provider_revoke_failed');
    const logout = (browser: Browser) =>
      browser.request(`${r.app.url}/auth/logout`, {
        method: 'POST',
        headers: { accept: 'application/json', origin: r.app.url },
      });

    for (const { name, fault } of FAULTS) {
      const revoked = ['trickle', 'drop-mid', 'garbage'].includes(fault.kind);
      it(`${name}: signs out locally within the bound${revoked ? ' (a 200 is a revocation)' : ', logging the failure'}`, async () => {
        const browser = new Browser();
        await r.signIn(browser, newSub('logout'));
        const refreshToken = r.handedOut.at(-1)!;
        const cookie = browser.cookieHeader(r.app.url);
        const failuresBefore = revokeFailures().length;
        r.script.faults = { revoke: fault };
        r.writes.length = 0;
        const before = hits(r, 'revoke');
        const [out, ms] = await timed(() => logout(browser));
        expect(r.writes.filter((w) => w.startsWith('users.'))).to.deep.equal([]);
        const revokes = r.fake.requests.filter((q) => q.path === '/revoke').slice(before);
        expect(revokes.map((q) => q.form.get('token'))).to.deep.equal([refreshToken]);
        expect(out.status, out.body).to.equal(200);
        expect(JSON.parse(out.body)).to.deep.equal({ ok: true });
        expect(ms).to.be.below(BOUND);
        expect(
          out.setCookies.some((c) => /^portcullis=;.*expires=Thu, 01 Jan 1970/i.test(c)),
        ).to.equal(true);
        await expectSignedOut(r, browser);
        // ended on the server, not only in this browser
        const replay = await fetch(`${r.app.url}/me`, {
          headers: { cookie, ...JSON_ACCEPT.headers },
        });
        expect(replay.status).to.equal(401);
        const failures = revokeFailures().slice(failuresBefore);
        expect(failures.map((l) => l.record)).to.deep.equal(
          revoked
            ? []
            : [{ event: 'provider_revoke_failed', provider: 'corp', code: 'provider_error' }],
        );
        expectNothingLeaked(r, [out.body]);
        expectNoSecretInLogs(r);

        // back: the next sign-out revokes, without a failure logged
        r.script.faults = {};
        const next = new Browser();
        await r.signIn(next, newSub('logout-after'));
        const nextRefresh = r.handedOut.at(-1)!;
        const after = revokeFailures().length;
        expect((await logout(next)).status).to.equal(200);
        const lastRevoke = r.fake.requests.filter((q) => q.path === '/revoke').at(-1)!;
        expect(lastRevoke.form.get('token')).to.equal(nextRefresh);
        expect(revokeFailures().length).to.equal(after);
      });
    }

    it('answers slowly but within the timeout: revoked, nothing logged', async () => {
      const browser = new Browser();
      await r.signIn(browser, newSub('logout-slow'));
      const failuresBefore = revokeFailures().length;
      r.script.faults = { revoke: { kind: 'delay', ms: WITHIN } };
      const [out, ms] = await timed(() => logout(browser));
      expect(out.status).to.equal(200);
      expect(ms, 'the delay was applied').to.be.at.least(WITHIN);
      expect(ms).to.be.below(BOUND);
      expect(revokeFailures().length).to.equal(failuresBefore);
      await expectSignedOut(r, browser);
    });
  });
});
