import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it when missing). */
export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let launched: Promise<Browser> | undefined;

/**
 * The one headless Chromium the browser tests share, launched on first use and closed after
 * the whole run. Without Chromium, a test is failed under CI (`CI=true`) and reported
 * pending elsewhere, with the reason.
 *
 * @example
 * ```ts
 * it('signs in', async function () {
 *   const browser = await chromium(this);
 * });
 * ```
 */
export async function chromium(test: Mocha.Context): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    const reason = `${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`;
    if (process.env.CI === 'true') throw new Error(`browser test: ${reason}`);
    console.warn(`  pending browser test: ${reason}`);
    test.skip();
  }
  launched ??= import('playwright-core').then(({ chromium: pw }) =>
    pw.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 20_000 }),
  );
  return launched;
}

// A root-level hook: registered when a browser test file imports this module.
after(async () => {
  const browser = launched;
  launched = undefined;
  if (browser) await (await browser.catch(() => undefined))?.close();
});

/**
 * Gives `page` a DevTools virtual authenticator (a platform passkey with user verification,
 * presence simulated), as a laptop's built-in one would be.
 */
export async function virtualAuthenticator(
  context: BrowserContext,
  page: Page,
): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}
