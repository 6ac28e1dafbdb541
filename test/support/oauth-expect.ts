import { expect } from 'chai';
import type { Browser, Step } from './browser.js';

/**
 * Asserts that a sign-in ended on the error path: a redirect to `/auth/error?error=<code>`,
 * and the browser still without a session (`GET <appUrl>/me` answers 401).
 */
export async function expectSignInFailed(
  appUrl: string,
  browser: Browser,
  step: Step,
  code: string,
): Promise<void> {
  expect(step.status, step.body).to.be.oneOf([302, 303]);
  expect(step.location!.pathname).to.equal('/auth/error');
  expect(step.location!.searchParams.get('error')).to.equal(code);
  const me = await browser.request(`${appUrl}/me`, { headers: { accept: 'application/json' } });
  expect(me.status).to.equal(401);
}
