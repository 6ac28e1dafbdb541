// SECURITY-CASES.md 41 (method and path variants of guarded routes) and 42 (hostile bodies).
import { expect } from 'chai';
import type { Context, Next } from 'koa';
import request from 'supertest';
import { type TestApp, makeApp, signIn } from '../support/app.js';
import { JSON_ACCEPT, type Res, SAME_ORIGIN, codeOf, expectError } from './support.js';

function send(t: TestApp, method: 'get' | 'head' | 'options' | 'post', path: string): Promise<Res> {
  return request(t.app.callback())[method](path).set(JSON_ACCEPT);
}

/** Refused by the guard (401 `code`) or matched by no route at all (404); never served. */
function expectRefused(res: Res, code: string, label: string): void {
  expect(res.status, label).to.be.oneOf([401, 404]);
  if (res.status === 401) expect(codeOf(res), label).to.equal(code);
}

const DASHBOARD = ['/dashboard', '/dashboard/admin'];
const API = ['/api/profile', '/api/reports'];

describe('security case 41: method, case and slash variants of guarded paths', () => {
  it('guards HEAD exactly like GET (401, handler not run)', async () => {
    const t = await makeApp();
    for (const path of DASHBOARD) expect((await send(t, 'head', path)).status, path).to.equal(401);
    for (const path of API) {
      const res = await send(t, 'head', path);
      expect(res.status, path).to.equal(401);
      expect(res.headers['www-authenticate']).to.equal('Bearer');
    }
    const page = await request(t.app.callback()).head('/dashboard').set('Accept', 'text/html');
    expect(page.status).to.equal(302);
    expect(t.hits.total()).to.equal(0);
  });

  it('answers OPTIONS from the router without running the handler or leaking data', async () => {
    const t = await makeApp();
    const cookie = await signIn(request, t, t.alice);
    for (const path of [...DASHBOARD, ...API]) {
      const res = await request(t.app.callback()).options(path).set('Cookie', cookie);
      expect(res.status, path).to.equal(200);
      expect(res.headers.allow, path).to.match(/GET/);
      expect(res.text, path).to.equal('');
    }
    expect(t.hits.total()).to.equal(1); // the sign-in
  });

  it('guards upper- and mixed-case paths', async () => {
    const t = await makeApp();
    for (const path of ['/DASHBOARD', '/Dashboard', '/DASHBOARD/ADMIN', '/dashboard/Admin']) {
      expectRefused(await send(t, 'get', path), 'login_required', path);
    }
    expectRefused(await send(t, 'post', '/DASHBOARD/ITEM'), 'login_required', 'POST');
    for (const path of ['/API/PROFILE', '/Api/Profile', '/API/REPORTS']) {
      expectRefused(await send(t, 'get', path), 'token_missing', path);
    }
    expect(t.hits.total()).to.equal(0);
  });

  it('guards trailing-slash variants', async () => {
    const t = await makeApp();
    for (const path of ['/dashboard/', '/dashboard/admin/', '/Dashboard/Admin/']) {
      expectRefused(await send(t, 'get', path), 'login_required', path);
    }
    for (const path of ['/api/profile/', '/api/reports/', '/api/scoped/']) {
      expectRefused(await send(t, 'get', path), 'token_missing', path);
    }
    expect(t.hits.total()).to.equal(0);
  });

  it('lets no double-slash, dot-segment or encoded variant reach a handler', async () => {
    const t = await makeApp();
    const variants = ['//dashboard', '/dashboard//', '//dashboard/admin', '/dashboard//admin'];
    variants.push('/./dashboard', '/dashboard/./', '/dashboard/public/../admin');
    variants.push('/%64ashboard', '/dashboard%2F', '/dashboard%2fadmin', '/dashboard;x=1');
    for (const path of variants) expectRefused(await send(t, 'get', path), 'login_required', path);
    for (const path of ['//api/profile', '/api//profile', '/api/profile%2F', '/api/%70rofile']) {
      expectRefused(await send(t, 'get', path), 'token_missing', path);
    }
    expect(t.hits.total()).to.equal(0);
  });

  it('keeps role and scope guards on case and slash variants', async () => {
    const t = await makeApp();
    const bob = await signIn(request, t, t.bob);
    for (const path of ['/DASHBOARD/ADMIN', '/dashboard/admin/', '/Dashboard/Admin/']) {
      const res = await request(t.app.callback()).get(path).set(JSON_ACCEPT).set('Cookie', bob);
      expectError(res, 403, 'forbidden');
    }
    const token = await t.auth.testing.bearer(t.alice, { scopes: ['profile'] });
    for (const path of ['/API/REPORTS', '/api/reports/', '/API/SCOPED/']) {
      const res = await request(t.app.callback()).get(path).set('Authorization', token);
      expectError(res, 403, 'insufficient_scope');
    }
    expect(t.hits.count('admin') + t.hits.count('reports') + t.hits.count('scoped')).to.equal(0);
  });
});

/** Alice signed in on two devices; `logout(body)` posts a hostile body from the first. */
async function twoDevices() {
  const t = await makeApp();
  const phone = await signIn(request, t, t.alice);
  const laptop = await signIn(request, t, t.alice);
  const logout = (body: string, type = 'application/json') =>
    request(t.app.callback())
      .post('/auth/logout')
      .set(SAME_ORIGIN)
      .set('Cookie', phone)
      .set('Content-Type', type)
      .send(body);
  /** Neither device was signed out: the logout handler did nothing. */
  const expectNoEffect = async () => {
    for (const cookie of [phone, laptop]) {
      const res = await request(t.app.callback()).get('/dashboard').set('Cookie', cookie);
      expect(res.status, 'session still alive').to.equal(200);
    }
  };
  return { t, logout, expectNoEffect };
}

function expectCleanPrototype(): void {
  for (const key of ['polluted', 'everywhere', 'isAdmin']) {
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, key), key).to.equal(false);
    expect(({} as Record<string, unknown>)[key], key).to.equal(undefined);
  }
}

describe('security case 42: hostile bodies on POST /auth/logout', () => {
  it('refuses __proto__, constructor and prototype keys in JSON at any depth', async () => {
    const { logout, expectNoEffect } = await twoDevices();
    const bodies = [
      '{"__proto__":{"polluted":"yes","everywhere":true}}',
      '{"constructor":{"prototype":{"polluted":"yes"}}}',
      '{"everywhere":true,"__proto__":{"isAdmin":true}}',
      '{"a":{"b":{"c":{"__proto__":{"polluted":"yes"}}}}}',
      '{"a":[{"constructor":{"prototype":{"polluted":"yes"}}}]}',
      '{"\\u005f_proto__":{"polluted":"yes"}}',
      '{"prototype":{"polluted":"yes"}}',
      '{"__proto__":null}',
    ];
    for (const body of bodies) expectError(await logout(body), 400, 'invalid_request');
    await expectNoEffect();
    expectCleanPrototype();
  });

  it('refuses __proto__, constructor and prototype fields in a form body', async () => {
    const { logout, expectNoEffect } = await twoDevices();
    const form = 'application/x-www-form-urlencoded';
    for (const body of [
      '__proto__=x',
      'constructor=x',
      'prototype=x',
      'everywhere=1&__proto__=1',
    ]) {
      expectError(await logout(body, form), 400, 'invalid_request');
    }
    await expectNoEffect();
    expectCleanPrototype();
  });

  it('refuses arrays, objects and other non-booleans where a boolean is expected', async () => {
    const { logout, expectNoEffect } = await twoDevices();
    const values = ['["true"]', '[true]', '{"$ne":false}', '"yes"', '1', 'null'];
    for (const v of values)
      expectError(await logout(`{"everywhere":${v}}`), 400, 'invalid_request');
    for (const body of ['[]', '[{"everywhere":true}]', '"everywhere"', 'null', '42', '{']) {
      expectError(await logout(body), 400, 'invalid_request');
    }
    expectError(await logout('everywhere=true', 'text/plain'), 400, 'invalid_request');
    await expectNoEffect();
  });

  it('refuses a form body with a duplicated field', async () => {
    const { logout, expectNoEffect } = await twoDevices();
    const form = 'application/x-www-form-urlencoded';
    const bodies = ['everywhere=true&everywhere=false', 'everywhere=false&everywhere=true'];
    bodies.push('returnTo=%2Fa&returnTo=%2F%2Fevil.example', 'everywhere=1&everywhere=1');
    for (const body of bodies) expectError(await logout(body, form), 400, 'invalid_request');
    await expectNoEffect();
  });

  it('refuses a JSON body with a duplicated key (no last-one-wins)', async () => {
    const { logout, expectNoEffect } = await twoDevices();
    for (const body of [
      '{"everywhere":false,"everywhere":true}',
      '{"everywhere":true,"everywhere":true}',
    ]) {
      expectError(await logout(body), 400, 'invalid_request');
    }
    await expectNoEffect();
  });

  it('checks a body already parsed by the app the same way', async () => {
    const { t, logout, expectNoEffect } = await twoDevices();
    const parsed = JSON.parse('{"__proto__":{"polluted":"yes"},"everywhere":true}') as unknown;
    t.app.middleware.unshift(async (ctx: Context, next: Next) => {
      (ctx.request as { body?: unknown }).body = parsed;
      await next();
    });
    expectError(await logout(''), 400, 'invalid_request');
    await expectNoEffect();
    expectCleanPrototype();
  });
});
