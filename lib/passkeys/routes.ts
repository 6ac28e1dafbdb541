import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Core } from '../core.js';
import { AuthError } from '../errors.js';
import { checkCsrf } from '../http/csrf.js';
import { type Fields, readFields } from '../http/body.js';
import { clientScript } from './client-script.js';
import type { PasskeyService } from './service.js';
import type { BaseUser } from '../stores/types.js';

/**
 * Passkey routes (under the prefix), JSON in SimpleWebAuthn's shapes, every write refused from
 * another site:
 * - `POST /passkeys/register/options` (signed in) -> `PublicKeyCredentialCreationOptionsJSON`;
 * - `POST /passkeys/register/verify` `RegistrationResponseJSON` (+ `name?`) -> 201 `{ passkey }`;
 * - `POST /passkeys/login/options` -> `PublicKeyCredentialRequestOptionsJSON`;
 * - `POST /passkeys/login/verify` `AuthenticationResponseJSON` -> `{ user }`, signed in;
 * - `GET /passkeys` -> `{ passkeys }`; `PATCH /passkeys/:id` `{ name }` -> `{ passkey }`;
 *   `DELETE /passkeys/:id` -> `{ ok: true }` (404 for a passkey that is not the user's);
 * - `GET /passkeys/client.js` -> the browser helper (`Portcullis.registerPasskey()`, ...).
 */
export function mountPasskeyRoutes<User extends BaseUser>(
  core: Core<User>,
  service: PasskeyService<User>,
  router: Router,
): void {
  const passkeys = (ctx: Context) => service.forRequest(ctx);
  let cached: Promise<string> | undefined;
  const script = (): Promise<string> =>
    (cached ??= clientScript(core.opts.prefix).catch((err: unknown) => {
      cached = undefined;
      throw err;
    }));
  /** A JSON write: refused from another site, never cached, its body read (16 KB at most, checked). */
  const json =
    (work: (ctx: Context, fields: Fields) => Promise<void>) =>
    async (ctx: Context): Promise<void> => {
      ctx.set('Cache-Control', 'no-store');
      checkCsrf(ctx, core.opts);
      await work(ctx, await readFields(ctx));
    };

  router.post(
    '/passkeys/register/options',
    json(async (ctx) => {
      ctx.body = await passkeys(ctx).registrationOptions();
    }),
  );
  router.post(
    '/passkeys/register/verify',
    json(async (ctx, fields) => {
      const passkey = await passkeys(ctx).register(fields, { name: fields.name });
      ctx.status = 201;
      ctx.body = { passkey };
    }),
  );
  router.post(
    '/passkeys/login/options',
    json(async (ctx) => {
      ctx.body = await passkeys(ctx).loginOptions();
    }),
  );
  router.post(
    '/passkeys/login/verify',
    json(async (ctx, fields) => {
      const user = await passkeys(ctx).login(fields);
      ctx.body = { user: core.opts.publicUser(user) };
    }),
  );

  router.get('/passkeys/client.js', async (ctx: Context) => {
    const body = await script();
    ctx.type = 'application/javascript; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.body = body;
  });

  router.get('/passkeys', async (ctx: Context) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { passkeys: await passkeys(ctx).list() };
  });
  router.patch(
    '/passkeys/:id',
    json(async (ctx, fields) => {
      const passkey = await passkeys(ctx).rename(idParam(ctx), fields.name);
      if (!passkey) throw new AuthError('not_found', { message: 'No such passkey.' });
      ctx.body = { passkey };
    }),
  );
  router.delete('/passkeys/:id', async (ctx: Context) => {
    ctx.set('Cache-Control', 'no-store');
    if (!(await passkeys(ctx).remove(idParam(ctx)))) {
      throw new AuthError('not_found', { message: 'No such passkey.' });
    }
    ctx.body = { ok: true };
  });
}

function idParam(ctx: Context): string {
  return String((ctx.params as { id: string }).id);
}
