// Decorated controllers compiled by esbuild (experimentalDecorators, no emitDecoratorMetadata)
// must work: Portcullis reads only its own metadata, never the compiler's design:* keys.
import { expect } from 'chai';
import { transform } from 'esbuild';
import Koa from 'koa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import request from 'supertest';
import ts from 'typescript';
import type { ControllerLike } from '../../lib/index.js';
import { type World, expectError, world } from './support.js';

const LIB_URL = new URL('../../lib/index.js', import.meta.url).href;

const SOURCE = `
import 'reflect-metadata';
import {
  Controller, Get, Post, LoginRequired, OptionalAuth, Roles, RequireScopes, TokenRequired,
} from '__LIB__';
import type { AuthContext, OptionalAuthContext } from '__LIB__';

interface User { id: string; email: string; roles?: string[] }

export class Clock {
  now(): string { return 'tick'; }
}

export const calls: string[] = [];

@Controller('/app')
@LoginRequired
export class AppController {
  constructor(private readonly clock: Clock) {}

  @Get('/')
  index(ctx: AuthContext<User>): { email: string; at: string } {
    calls.push('index');
    return { email: ctx.state.user.email, at: this.clock.now() };
  }

  @Get('/admin')
  @Roles('admin')
  admin(): { admin: boolean } {
    calls.push('admin');
    return { admin: true };
  }

  @Get('/public')
  @OptionalAuth
  open(ctx: OptionalAuthContext<User>) {
    calls.push('public');
    return { user: ctx.state.user?.email ?? null };
  }

  @Post('/items/:id')
  @LoginRequired({ allowBearer: true })
  async save(ctx: AuthContext<User>): Promise<void> {
    await Promise.resolve();
    calls.push('save');
    ctx.status = 201;
    ctx.body = { id: ctx.params.id, by: ctx.state.user.email };
  }
}

@Controller('/api')
export class ApiController {
  @Get('/reports')
  @RequireScopes('reports:read')
  reports(ctx: AuthContext<User>) {
    calls.push('reports');
    return { email: ctx.state.user.email };
  }

  @Get('/token')
  @TokenRequired('access', { scopes: ['a'] })
  token(): { ok: true } {
    calls.push('token');
    return { ok: true };
  }
}
`;

interface Fixture {
  Clock: new () => object;
  AppController: new (clock: object) => object;
  ApiController: new () => object;
  calls: string[];
}

const TS_OPTIONS = {
  loader: 'ts',
  format: 'esm',
  target: 'es2022',
  tsconfigRaw: { compilerOptions: { experimentalDecorators: true } },
} as const;

describe('decorators compiled by esbuild', () => {
  let dir: string;
  let code: string;
  let fixture: Fixture;
  let w: World;
  let http: ReturnType<typeof request>;

  before(async () => {
    ({ code } = await transform(SOURCE.replaceAll('__LIB__', LIB_URL), TS_OPTIONS));
    dir = await mkdtemp(join(dirname(fileURLToPath(import.meta.url)), 'esbuild-'));
    const file = join(dir, 'controllers.mjs');
    await writeFile(file, code);
    fixture = (await import(pathToFileURL(file).href)) as Fixture;
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    w = await world();
    fixture.calls.length = 0;
    const controllers: ControllerLike[] = [
      new fixture.AppController(new fixture.Clock()),
      fixture.ApiController,
    ];
    const app = new Koa();
    app.use(w.auth.middleware());
    app.use(w.auth.controllers(controllers));
    http = request(app.callback());
  });

  it('emits legacy decorators and no design:* metadata', async () => {
    expect(code).to.include('__decorateClass');
    expect(code).not.to.include('design:');
    // Control: the same source under tsc with emitDecoratorMetadata would carry design:* keys.
    const withMetadata = ts.transpileModule(SOURCE, {
      compilerOptions: {
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
      },
    });
    expect(withMetadata.outputText).to.include('design:paramtypes');
  });

  it('enforces a class @LoginRequired (bare) and makes a returned value the body', async () => {
    expectError(await http.get('/app'), 401, 'login_required');
    expect(fixture.calls).to.deep.equal([]);
    const res = await http.get('/app').set('Cookie', await w.auth.testing.sessionCookie(w.alice));
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ email: 'alice@example.com', at: 'tick' });
  });

  it('enforces @Roles', async () => {
    const alice = await w.auth.testing.sessionCookie(w.alice);
    expectError(await http.get('/app/admin').set('Cookie', alice), 403, 'forbidden');
    expect(fixture.calls).to.deep.equal([]);
    const admin = await w.auth.testing.sessionCookie(w.admin);
    const res = await http.get('/app/admin').set('Cookie', admin);
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ admin: true });
  });

  it('lets a method @OptionalAuth (bare) override the class guard', async () => {
    const res = await http.get('/app/public');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ user: null });
  });

  it('runs an async handler with route params behind @LoginRequired({ allowBearer })', async () => {
    expectError(await http.post('/app/items/7'), 401, 'login_required');
    expect(fixture.calls).to.deep.equal([]);
    const res = await http
      .post('/app/items/7')
      .set('Authorization', await w.auth.testing.bearer(w.alice));
    expect(res.status).to.equal(201);
    expect(res.body).to.deep.equal({ id: '7', by: 'alice@example.com' });
  });

  it('enforces @RequireScopes and @TokenRequired scopes with a challenge', async () => {
    expectError(await http.get('/api/reports'), 401, 'token_missing');
    const none = await w.auth.testing.bearer(w.alice);
    const res = await http.get('/api/reports').set('Authorization', none);
    expectError(res, 403, 'insufficient_scope');
    expect(res.headers['www-authenticate']).to.include('scope="reports:read"');
    expectError(await http.get('/api/token').set('Authorization', none), 403, 'insufficient_scope');
    expect(fixture.calls).to.deep.equal([]);
    const scoped = await w.auth.testing.bearer(w.alice, { scopes: ['reports:read', 'a'] });
    expect((await http.get('/api/reports').set('Authorization', scoped)).body).to.deep.equal({
      email: 'alice@example.com',
    });
    expect((await http.get('/api/token').set('Authorization', scoped)).body).to.deep.equal({
      ok: true,
    });
  });
});
