/**
 * What the soak saw: every answer (step, status, error code, latency, when), the outage's
 * moments, counters, and the failures of each check with a few examples.
 */
import { performance } from 'node:perf_hooks';

/** The steps of a client's loop, then the checks at the end. */
export const STEPS = [
  'signin',
  'me',
  'issue',
  'refresh',
  'data',
  'reuse',
  'revoke',
  'logout',
  'everywhere',
  'replay',
  'garbage',
  'end-me',
  'end-signin',
  'end-sessions',
  'end-logout',
  'end-probe',
  'end-replay',
] as const;
export type Step = (typeof STEPS)[number];

/** The checks, in the order they are printed. */
export const CHECKS = {
  'no-500': 'no 5xx but 503, no request without an answer',
  '503-in-window': '503 only while Redis is down or just after',
  'nothing-let-through': 'no 2xx for a given-up, garbage or missing credential',
  'right-user': 'every 2xx names the client’s own user',
  'believed-credentials-work': 'a credential the client holds is never refused',
  'expected-statuses': 'no status but the expected ones (and 503)',
  'one-state-per-family': 'each refresh family in one state (probed at the end)',
  'reuse-detection': 'an old token probed at the end kills its family',
  'live-sessions-match': 'sessions listed by the server = sessions the clients hold',
  'redis-data-survived': 'Redis kept its data across the restart',
  bounded: 'finished within SOAK_SECONDS + 60 s',
} as const;
export type Check = keyof typeof CHECKS;

interface StepStats {
  latencies: number[];
  statuses: Map<string, number>;
}

export interface Outage {
  /** SHUTDOWN sent. */
  stopAt?: number;
  /** redis-server exited. */
  downAt?: number;
  /** redis-server started again. */
  restartAt?: number;
  /** PING answered again. */
  upAt?: number;
  /** The marker key read back. */
  verifiedAt?: number;
}

/** 503 is accepted from the stop until this long after Redis answers again. */
export const GRACE_MS = 5000;

export class Recorder {
  private readonly t0 = performance.now();
  readonly steps = new Map<Step, StepStats>(
    STEPS.map((s) => [s, { latencies: [], statuses: new Map() }]),
  );
  readonly statuses = new Map<number, number>();
  /** When each 503 was answered (ms since the start). */
  readonly unavailable: number[] = [];
  /** Every 2xx, as [sent, answered] (ms since the start). */
  readonly ok: Array<[number, number]> = [];
  /** 5xx other than 503, and requests without an answer. */
  readonly serverErrors: string[] = [];
  serverErrorCount = 0;
  readonly counters = new Map<string, number>();
  readonly failures = new Map<Check, { count: number; examples: string[] }>(
    (Object.keys(CHECKS) as Check[]).map((c) => [c, { count: 0, examples: [] }]),
  );
  /** How many times each check was exercised (for the report). */
  readonly exercised = new Map<Check, number>();
  readonly outage: Outage = {};

  /** ms since the start of the run. */
  now(): number {
    return performance.now() - this.t0;
  }

  answer(step: Step, status: number, code: string | undefined, sentAt: number, at: number): void {
    const stats = this.steps.get(step)!;
    stats.latencies.push(at - sentAt);
    const key = status === 0 ? 'no answer' : code ? `${status} ${code}` : String(status);
    stats.statuses.set(key, (stats.statuses.get(key) ?? 0) + 1);
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    if (status === 503) this.unavailable.push(at);
    else if (status >= 200 && status < 300) this.ok.push([sentAt, at]);
    if (status === 0 || (status >= 500 && status !== 503)) {
      this.serverErrorCount++;
      if (this.serverErrors.length < 10) this.serverErrors.push(`${step} ${key} at ${secs(at)}`);
    }
  }

  count(name: string, n = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + n);
  }

  counter(name: string): number {
    return this.counters.get(name) ?? 0;
  }

  /** One more time a check was run. */
  exercise(check: Check, n = 1): void {
    this.exercised.set(check, (this.exercised.get(check) ?? 0) + n);
  }

  fail(check: Check, example: string): void {
    const f = this.failures.get(check)!;
    f.count++;
    if (f.examples.length < 5) f.examples.push(`${example} (at ${secs(this.now())})`);
  }

  /** The 503s answered outside [stop, up + GRACE_MS]; all of them when there was no outage. */
  unavailableOutsideWindow(): number[] {
    const { stopAt, upAt } = this.outage;
    if (stopAt === undefined) return this.unavailable;
    const end = (upAt ?? Infinity) + GRACE_MS;
    return this.unavailable.filter((t) => t < stopAt || t > end);
  }
}

export function secs(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}
