/**
 * Fault injection for the half-way tests: a Store and a UserStore in front of the in-memory
 * ones that count every call and can make one chosen call fail, in one of three ways:
 * - `reject`: the call is refused before it reaches the back-end (nothing written);
 * - `lost`: the call is applied, then refused (a reply lost on the way back: written);
 * - `hang`: the call never answers (nothing written; Portcullis's deadline must answer).
 * Neither wrapper says `local`, so Portcullis races every call against `storeTimeout`.
 */
import Koa from 'koa';
import {
  MemoryMailer,
  MemoryStore,
  MemoryUserStore,
  Portcullis,
  type PortcullisOptions,
  type Store,
  type UserStore,
} from '../../lib/index.js';
import { MemoryLogger, secretA } from './app.js';
import { Browser, type Step } from './browser.js';
import { listen } from './server.js';

export type Fault = 'reject' | 'lost' | 'hang';
export const FAULTS: readonly Fault[] = ['reject', 'lost', 'hang'];

/** Counts the calls of both stores and fails the armed one. */
export class Faults {
  /** Every call since the last `reset()`, as `store.take` / `users.create`. */
  readonly calls: string[] = [];
  private armed: { at: number; fault: Fault } | undefined;
  /** The call that was failed, once it was. */
  failed: string | undefined;

  reset(): void {
    this.calls.length = 0;
    this.armed = undefined;
    this.failed = undefined;
  }

  /** Fails the `at`-th call from now (1-based). */
  arm(at: number, fault: Fault): void {
    this.calls.length = 0;
    this.failed = undefined;
    this.armed = { at, fault };
  }

  disarm(): void {
    this.armed = undefined;
  }

  async run<T>(name: string, work: () => Promise<T>): Promise<T> {
    this.calls.push(name);
    const plan = this.armed;
    if (plan === undefined || this.calls.length !== plan.at) return work();
    this.armed = undefined;
    this.failed = name;
    if (plan.fault === 'hang') return new Promise<T>(() => undefined);
    if (plan.fault === 'lost') await work();
    throw new Error(`ECONNRESET injected at ${name} (password=hunter2)`);
  }
}

const STORE_METHODS = [
  'get',
  'set',
  'add',
  'take',
  'delete',
  'increment',
  'addMember',
  'removeMembers',
  'members',
] as const;

/** `inner`'s methods routed through `faults`, under `label.method`; `local` hidden. */
function faulty<T extends object>(
  inner: T,
  methods: readonly string[],
  label: string,
  faults: Faults,
): T {
  const out: Record<string, unknown> = {};
  for (const name of methods) {
    const fn = (inner as Record<string, unknown>)[name];
    if (typeof fn !== 'function') continue;
    out[name] = (...args: unknown[]) =>
      faults.run(`${label}.${name}`, () =>
        Promise.resolve((fn as (...a: unknown[]) => unknown).apply(inner, args)),
      );
  }
  return out as T;
}

export function faultyStore(inner: MemoryStore, faults: Faults): Store {
  const store = faulty<Store>(inner, STORE_METHODS, 'store', faults);
  store.close = () => inner.close();
  return store;
}

const USER_METHODS = [
  'findById',
  'findByEmail',
  'create',
  'update',
  'delete',
  'findByAccount',
  'linkAccount',
  'unlinkAccount',
  'accountsOf',
  'passkeysOf',
  'findPasskey',
  'savePasskey',
  'updatePasskey',
  'deletePasskey',
];

export function faultyUsers<U extends { id: string }>(
  inner: MemoryUserStore<U>,
  faults: Faults,
): UserStore<U> {
  return faulty<UserStore<U>>(inner, USER_METHODS, 'users', faults);
}

export interface FaultUser {
  id: string;
  email?: string;
  emailVerified?: boolean;
  anonymous?: boolean;
  passwordHash?: string;
}

/** The store timeout of the fault apps: a hung call must be answered 503 within about this. */
export const STORE_TIMEOUT = 150;

export interface FaultApp {
  url: string;
  auth: Portcullis<FaultUser>;
  faults: Faults;
  /** The real records behind the faulty wrappers (untouched by faults). */
  users: MemoryUserStore<FaultUser>;
  store: MemoryStore;
  mailer: MemoryMailer;
  logger: MemoryLogger;
  /** What the store holds now, as [key, value] pairs (sets as their members). */
  dump(): Array<[string, string]>;
  close(): Promise<void>;
}

/**
 * A Koa app with Portcullis on the faulty stores, listening on 127.0.0.1, with a mailer (cheap
 * argon2id) and limits out of the way. Routes: `auth.routes()`, `GET /me` (the user or 401),
 * `POST /tokens` (tokens for the signed-in user, as an app issues them).
 */
export async function startFaultApp(
  options: Partial<PortcullisOptions<FaultUser>> = {},
): Promise<FaultApp> {
  const faults = new Faults();
  const users = new MemoryUserStore<FaultUser>();
  const store = new MemoryStore();
  const mailer = new MemoryMailer();
  const logger = new MemoryLogger();
  const auth = new Portcullis<FaultUser>({
    secret: secretA,
    users: faultyUsers(users, faults),
    store: faultyStore(store, faults),
    storeTimeout: STORE_TIMEOUT,
    mailer,
    logger,
    rateLimits: false,
    password: {
      argon2: { memoryCost: 8192, timeCost: 1, parallelism: 1 },
      requireVerifiedEmail: false,
    },
    ...options,
  });
  const app = new Koa();
  app.use(auth.middleware());
  app.use(auth.routes());
  app.use(async (ctx, next) => {
    if (ctx.path === '/me') {
      if (!ctx.state.user) return void (ctx.status = 401);
      ctx.body = { user: ctx.state.user };
      return;
    }
    if (ctx.path === '/tokens' && ctx.method === 'POST') {
      if (!ctx.state.user) return void (ctx.status = 401);
      ctx.body = await ctx.auth.tokens.issue(ctx.state.user);
      return;
    }
    return next();
  });
  const running = await listen(app);
  return {
    url: running.url,
    auth,
    faults,
    users,
    store,
    mailer,
    logger,
    dump: () => {
      const inner = store as unknown as {
        map: Map<string, { value: string; expires: number }>;
        sets: Map<string, { members: Set<string>; expires: number }>;
      };
      const now = Date.now();
      const out: Array<[string, string]> = [];
      for (const [k, v] of inner.map) if (v.expires > now) out.push([k, v.value]);
      for (const [k, v] of inner.sets) for (const m of v.members) out.push([k, m]);
      return out;
    },
    close: async () => {
      await running.close();
      await store.close();
    },
  };
}

/** A JSON POST from the app's own origin (as its pages' scripts send it). */
export function post(
  app: FaultApp,
  browser: Browser,
  path: string,
  json: unknown,
  headers: Record<string, string> = {},
): Promise<Step> {
  return browser.request(`${app.url}${path}`, {
    json,
    headers: { accept: 'application/json', origin: app.url, ...headers },
  });
}

/** The signed-in user of `browser`, or undefined. */
export async function whoami(app: FaultApp, browser: Browser): Promise<FaultUser | undefined> {
  const me = await browser.request(`${app.url}/me`);
  return me.status === 200 ? (JSON.parse(me.body) as { user: FaultUser }).user : undefined;
}

/** Lets fire-and-forget clean-ups (not awaited by the request that failed) finish. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}
