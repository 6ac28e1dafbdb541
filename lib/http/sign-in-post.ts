import type { Context, Middleware } from 'koa';
import { isAuthError } from '../errors.js';
import { isFormPost, readFields } from './body.js';
import { type CsrfPolicy, checkCsrf } from './csrf.js';
import { type ErrorReporting, reportRefused } from './render-error.js';

/** A sign-in form's fields, as read from a JSON or form body. */
export type Fields = Readonly<Record<string, unknown>>;

/** What a sign-in POST needs of Portcullis: the CSRF policy, the error page, error reporting. */
export interface SignInPostPolicy {
  readonly opts: CsrfPolicy & ErrorReporting['opts'] & { oauth: { errorPath: string } };
  readonly events: ErrorReporting['events'];
}

/**
 * Wraps a sign-in POST: refuses it from another site (login CSRF), reads the body, runs `work`;
 * a form post gets a 303 to where `work` says (its errors to the error page), JSON gets JSON.
 */
export function signInPost(
  core: SignInPostPolicy,
): (work: (ctx: Context, fields: Fields) => Promise<string | undefined>) => Middleware {
  return (work) =>
    async (ctx: Context): Promise<void> => {
      ctx.set('Cache-Control', 'no-store');
      const form = isFormPost(ctx);
      try {
        checkCsrf(ctx, core.opts);
        const destination = await work(ctx, await readFields(ctx));
        if (form && destination !== undefined) {
          ctx.status = 303;
          ctx.redirect(destination);
        }
      } catch (err) {
        if (!form || !isAuthError(err) || err.status >= 500) throw err;
        reportRefused(err, ctx, core);
        ctx.status = 303;
        ctx.redirect(`${core.opts.oauth.errorPath}?error=${err.code}`);
      }
    };
}
