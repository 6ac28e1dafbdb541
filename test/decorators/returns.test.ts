import { expect } from 'chai';
import type { Context } from 'koa';
import { Controller, Get } from '../../lib/index.js';
import { type World, serve, world } from './support.js';

@Controller('/bodies')
class BodyController {
  @Get('/object')
  object() {
    return { id: '5', nested: { list: [1, 2] } };
  }
  @Get('/replace')
  replace(ctx: Context) {
    ctx.status = 201;
    ctx.body = 'set first';
    return { returned: true };
  }
  @Get('/set')
  setsBody(ctx: Context) {
    ctx.status = 202;
    ctx.body = { setBy: 'handler' };
  }
  @Get('/text')
  text() {
    return 'plain words';
  }
  @Get('/null')
  nothing() {
    return null;
  }
  @Get('/async')
  async slow() {
    await new Promise((resolve) => setImmediate(resolve));
    return { async: true };
  }
  @Get('/async-set')
  async slowSet(ctx: Context) {
    await new Promise((resolve) => setImmediate(resolve));
    ctx.body = { asyncSet: true };
  }
  @Get('/async-throw')
  async fails() {
    await new Promise((resolve) => setImmediate(resolve));
    const err = new Error('teapot') as Error & { status: number; expose: boolean };
    err.status = 418;
    err.expose = true;
    throw err;
  }
}

describe('handler return values', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  it('makes a returned object the JSON body', async () => {
    const res = await serve(w.auth, [BodyController]).get('/bodies/object');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^application\/json/);
    expect(res.body).to.deep.equal({ id: '5', nested: { list: [1, 2] } });
  });

  it('lets a returned value replace a body set earlier, keeping an explicit status', async () => {
    const res = await serve(w.auth, [BodyController]).get('/bodies/replace');
    expect(res.status).to.equal(201);
    expect(res.body).to.deep.equal({ returned: true });
  });

  it('makes a returned string the body', async () => {
    const res = await serve(w.auth, [BodyController]).get('/bodies/text');
    expect(res.status).to.equal(200);
    expect(res.text).to.equal('plain words');
  });

  it('keeps the body and status a handler set when it returns undefined', async () => {
    const res = await serve(w.auth, [BodyController]).get('/bodies/set');
    expect(res.status).to.equal(202);
    expect(res.body).to.deep.equal({ setBy: 'handler' });
  });

  it('sets a returned null as an empty 204 body', async () => {
    const res = await serve(w.auth, [BodyController]).get('/bodies/null');
    expect(res.status).to.equal(204);
    expect(res.text).to.equal('');
  });

  it('awaits async handlers, returned or set', async () => {
    const http = serve(w.auth, [BodyController]);
    expect((await http.get('/bodies/async')).body).to.deep.equal({ async: true });
    expect((await http.get('/bodies/async-set')).body).to.deep.equal({ asyncSet: true });
  });

  it('lets an error thrown by an async handler reach Koa', async () => {
    const res = await serve(w.auth, [BodyController]).get('/bodies/async-throw');
    expect(res.status).to.equal(418);
  });
});
