import { expect } from 'chai';
import request from 'supertest';
import { makeApp } from '../support/app.js';

/** Posts a body to POST /auth/logout (which reads it) as a signed-in, same-origin browser would. */
async function logout(body: string, type: string) {
  const t = await makeApp({ baseUrl: 'http://app.test' });
  const cookie = await t.auth.testing.sessionCookie(t.alice);
  return request(t.app.callback())
    .post('/auth/logout')
    .set('Cookie', cookie)
    .set('Origin', 'http://app.test')
    .set('Content-Type', type)
    .send(body);
}

describe('request bodies of auth routes', () => {
  it('accepts JSON and form bodies', async () => {
    expect((await logout('{"everywhere":false}', 'application/json')).status).to.equal(200);
    expect((await logout('everywhere=false', 'application/x-www-form-urlencoded')).status).to.equal(
      302,
    );
  });

  it('refuses a body over 16 KB with 413 payload_too_large', async () => {
    const res = await logout(JSON.stringify({ pad: 'x'.repeat(17 * 1024) }), 'application/json');
    expect(res.status).to.equal(413);
    expect(res.body.error.code).to.equal('payload_too_large');
  });

  it('refuses another content type, malformed JSON and a non-object with 400 invalid_request', async () => {
    for (const [body, type] of [
      ['<x/>', 'application/xml'],
      ['{"everywhere":', 'application/json'],
      ['[1,2]', 'application/json'],
      ['"text"', 'application/json'],
    ]) {
      const res = await logout(body!, type!);
      expect(res.status, body).to.equal(400);
      expect(res.body.error.code).to.equal('invalid_request');
    }
  });

  it('refuses a boolean field given as an object or array', async () => {
    for (const body of [
      '{"everywhere":{"a":1}}',
      '{"everywhere":[true]}',
      '{"everywhere":"maybe"}',
    ]) {
      const res = await logout(body, 'application/json');
      expect(res.status, body).to.equal(400);
      expect(res.body.error.code).to.equal('invalid_request');
    }
  });
});
