import type { Core } from '../core.js';
import type { BaseUser } from '../stores/types.js';
import type { OAuth2Provider } from './provider.js';

/**
 * Provider discovery for one Portcullis instance: every provider's metadata fetched at once
 * (`ready()`, for start-up checks), or warmed in the background of the first request.
 */
export class Discovery<User extends BaseUser> {
  private warming: Promise<void> | undefined;
  private warmed = false;

  constructor(
    private readonly core: Core<User>,
    private readonly byName: ReadonlyMap<string, OAuth2Provider>,
  ) {}

  /** Discovers every OpenID Connect provider; rejects with what to fix when one fails. */
  async ready(): Promise<void> {
    const failures: string[] = [];
    await Promise.all(
      [...this.byName.values()].map((p) =>
        p.metadata().catch((err: unknown) => {
          failures.push(err instanceof Error ? err.message : String(err));
        }),
      ),
    );
    if (failures.length > 0) throw new Error(`Portcullis: ${failures.join('; ')}`);
  }

  /**
   * Starts discovery once, in the background of the first request; it is awaited by the
   * middleware until it settles. A failure is logged (the sign-in routes try again).
   */
  warm(): Promise<void> | undefined {
    if (this.warmed) return undefined;
    this.warming ??= this.ready()
      .catch((err: unknown) => {
        this.core.opts.logger.error(
          { event: 'provider_discovery_failed', reason: err instanceof Error ? err.message : '' },
          'portcullis: a sign-in provider could not be discovered',
        );
      })
      .finally(() => {
        this.warmed = true;
      });
    return this.warming;
  }
}
