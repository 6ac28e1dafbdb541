/**
 * `portcullis/testing`: what an app's own tests use. `auth.testing` (a {@link TestKit}, on
 * only under `NODE_ENV=test` or `enableTestKit`) makes a session cookie or a bearer token for a
 * user; `MemoryMailer` keeps the mail an app sends, to read links and codes from.
 *
 * @example
 * ```ts
 * const res = await request(app.callback())
 *   .get('/reports')
 *   .set('Cookie', await auth.testing.sessionCookie(alice));
 * ```
 * @packageDocumentation
 */
export type { TestKit } from './testing/kit.js';
export { MemoryMailer } from './email/mailer.js';
