// Compile-time checks of the error factories: each takes only codes of its own status (each
// `@ts-expect-error` must meet an error), and at run time they make errors of that status.
import { expect } from 'chai';
import { badRequest, forbidden, unauthorized } from '../../lib/index.js';

describe('unauthorized() / forbidden() / badRequest() types', () => {
  it('take only codes of their own status', () => {
    const made = [
      unauthorized('token_expired'),
      forbidden('insufficient_scope'),
      badRequest('link_invalid'),
      // @ts-expect-error a 403 code is not a 401
      unauthorized('forbidden'),
      // @ts-expect-error a 401 code is not a 403
      forbidden('token_invalid'),
      // @ts-expect-error a 409 code is not a 400
      badRequest('account_exists'),
    ];
    expect(made.slice(0, 3).map((e) => e.status)).to.deep.equal([401, 403, 400]);
  });
});
