/**
 * The mocha rig of the built-in provider tests (test/oauth/providers/<provider>.ts): a fake of
 * the provider's servers (oauth-fake.ts) and an app signing in through it (oauth-app.ts),
 * started once per `describe`, and one mutable state object that the fake's routes read and
 * the tests change (`r.info = {...}`) and read (`r.fake.requests`, `r.profiles`).
 */
import type { PortcullisOptions } from '../../lib/index.js';
import type { OAuth2Provider } from '../../lib/providers.js';
import { type OAuthApp, type OAuthUser, startApp } from './oauth-app.js';
import { type Fake, startFake } from './oauth-fake.js';

/** A provider's fake servers and an app signing in through them. */
export interface ProviderRig {
  fake: Fake;
  app: OAuthApp;
}

/** What differs between providers: their hosts, routes, provider instances and state. */
export interface ProviderSetup<R extends ProviderRig> {
  /** The hosts the fake stands in for (`accounts.google.com`, ...). */
  hosts: string[];
  /** State kept for the whole `describe` (counters, tokens handed out); none by default. */
  kept?: Partial<R>;
  /** State set afresh before each test: what the provider answers, what the app saw. */
  fresh(): Partial<R>;
  /** Adds the provider's documented routes on `r.fake` (they read `r` when called). */
  routes(r: R): void | Promise<void>;
  /** The providers the app signs in with (reaching the fake through `r.fake.fetch`). */
  providers(r: R): OAuth2Provider[];
  /** More Portcullis options, e.g. an `onOAuthLogin` that records the profile in `r`. */
  options?(r: R): Partial<PortcullisOptions<OAuthUser>>;
}

/**
 * Starts the fake (with the provider's routes) and the app before the current `describe`,
 * closes both after it, and refills the fresh state before each test; returns the state.
 */
export function useProviderRig<R extends ProviderRig>(setup: ProviderSetup<R>): R {
  const r = { ...setup.kept } as R;
  before(async () => {
    r.fake = await startFake(setup.hosts);
    await setup.routes(r);
    r.app = await startApp(() => setup.providers(r), setup.options?.(r));
  });
  after(async () => {
    await r.app?.close();
    await r.fake?.close();
  });
  beforeEach(() => {
    Object.assign(r, setup.fresh());
  });
  return r;
}
