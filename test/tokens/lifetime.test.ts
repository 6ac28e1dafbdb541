import { expect } from 'chai';
import { decodeJwt } from 'jose';
import request from 'supertest';
import { makeApp } from '../support/app.js';

describe('issue(user, { expiresIn })', () => {
  it('keeps the asked access-token lifetime for every rotation of the family', async () => {
    const t = await makeApp();
    const first = await t.auth.tokens.issue(t.alice, { expiresIn: 120 });
    expect(first.expiresIn).to.equal(120);
    const res = await request(t.app.callback())
      .post('/auth/token/refresh')
      .set('Authorization', `Bearer ${first.refreshToken}`);
    expect(res.status).to.equal(200);
    expect(res.body.expiresIn).to.equal(120);
    const claims = decodeJwt(res.body.accessToken as string);
    expect(claims.exp! - claims.iat!).to.equal(120);
  });

  it('refuses a lifetime that is not a positive number of seconds up to a year', async () => {
    const t = await makeApp();
    for (const bad of [0, -1, Number.NaN, 400 * 86400]) {
      let err: unknown;
      try {
        await t.auth.tokens.issue(t.alice, { expiresIn: bad });
      } catch (e) {
        err = e;
      }
      expect(err, String(bad)).to.be.instanceOf(TypeError);
    }
  });
});
