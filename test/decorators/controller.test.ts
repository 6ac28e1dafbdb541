import { expect } from 'chai';
import type { Context } from 'koa';
import {
  Controller,
  Delete,
  Get,
  LoginRequired,
  Patch,
  Post,
  Put,
  Roles,
} from '../../lib/index.js';
import { Calls, type World, expectError, serve, world } from './support.js';

const calls = new Calls();
const tag = Symbol('tagged');

@Controller()
class RootController {
  @Get('/')
  root() {
    calls.add('root');
    return { at: 'root' };
  }
}

@Controller('/api')
class ApiController {
  @Get('/')
  index() {
    return { at: 'api index' };
  }

  @Get('/items/:id')
  item(ctx: Context) {
    return { id: ctx.params.id };
  }

  @Get('/users/:userId/posts/:postId')
  post(ctx: Context) {
    return { userId: ctx.params.userId, postId: ctx.params.postId };
  }

  @Get('/tagged')
  [tag]() {
    return { symbol: true };
  }
}

@Controller('/api/v2/admin/')
class NestedController {
  @Get('/')
  index() {
    return { at: 'nested index' };
  }

  @Get('/deep/path')
  deep() {
    return { at: 'nested deep' };
  }
}

@Controller('/rest')
class RestController {
  @Get('/thing')
  get() {
    return { method: 'GET' };
  }
  @Post('/thing')
  create(ctx: Context) {
    ctx.status = 201;
    return { method: 'POST' };
  }
  @Put('/thing')
  put() {
    return { method: 'PUT' };
  }
  @Patch('/thing')
  patch() {
    return { method: 'PATCH' };
  }
  @Delete('/thing')
  remove() {
    return { method: 'DELETE' };
  }
  @Post('/multi')
  @Put('/multi')
  multi(ctx: Context) {
    return { method: ctx.method };
  }
}

class Greeter {
  constructor(readonly greeting: string) {}
}

@Controller('/greet')
class GreetController {
  constructor(private readonly greeter: Greeter) {}
  @Get('/:name')
  greet(ctx: Context) {
    return { text: `${this.greeter.greeting}, ${ctx.params.name}` };
  }
}

@Controller('/self')
class SelfController {
  private readonly secret = 'instance field';
  @Get('/')
  whoami() {
    return { field: this.secret };
  }
}

describe('Controller', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
    calls.reset();
  });

  it("mounts @Controller() (prefix '') routes at the root, '/' included", async () => {
    const res = await serve(w.auth, [RootController]).get('/');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ at: 'root' });
    expect(calls.count('root')).to.equal(1);
  });

  it("mounts a route '/' of a prefixed controller at the prefix itself", async () => {
    const res = await serve(w.auth, [ApiController]).get('/api');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ at: 'api index' });
  });

  it('mounts nested prefixes, dropping a trailing slash', async () => {
    const http = serve(w.auth, [NestedController]);
    expect((await http.get('/api/v2/admin')).body).to.deep.equal({ at: 'nested index' });
    expect((await http.get('/api/v2/admin/deep/path')).body).to.deep.equal({ at: 'nested deep' });
    expect((await http.get('/api/v2/admin//deep/path')).status).to.equal(404);
  });

  it("treats @Controller('/') like @Controller()", async () => {
    @Controller('/')
    class Slash {
      @Get('/hello')
      hello() {
        return { hello: true };
      }
    }
    const res = await serve(w.auth, [Slash]).get('/hello');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ hello: true });
  });

  it('does not answer paths outside the prefix', async () => {
    const http = serve(w.auth, [ApiController]);
    expect((await http.get('/items/1')).status).to.equal(404);
    expect((await http.get('/apiitems/1')).status).to.equal(404);
  });

  it('adds the prefix given to auth.controllers() in front of every controller', async () => {
    const http = serve(w.auth, [RootController, ApiController], { prefix: '/v1' });
    expect((await http.get('/v1')).body).to.deep.equal({ at: 'root' });
    expect((await http.get('/v1/api/items/9')).body).to.deep.equal({ id: '9' });
    expect((await http.get('/api/items/9')).status).to.equal(404);
  });

  it('mounts several controllers side by side', async () => {
    const http = serve(w.auth, [RootController, ApiController, NestedController]);
    expect((await http.get('/')).body).to.deep.equal({ at: 'root' });
    expect((await http.get('/api')).body).to.deep.equal({ at: 'api index' });
    expect((await http.get('/api/v2/admin')).body).to.deep.equal({ at: 'nested index' });
  });

  it('passes route parameters in ctx.params', async () => {
    const http = serve(w.auth, [ApiController]);
    expect((await http.get('/api/items/42')).body).to.deep.equal({ id: '42' });
    expect((await http.get('/api/items/a%20b')).body).to.deep.equal({ id: 'a b' });
    const res = await http.get('/api/users/u1/posts/p2');
    expect(res.body).to.deep.equal({ userId: 'u1', postId: 'p2' });
  });

  it('binds a method with a symbol key', async () => {
    const res = await serve(w.auth, [ApiController]).get('/api/tagged');
    expect(res.body).to.deep.equal({ symbol: true });
  });

  it('constructs a controller given as a class, with `this` bound to the instance', async () => {
    const res = await serve(w.auth, [SelfController]).get('/self');
    expect(res.body).to.deep.equal({ field: 'instance field' });
  });

  it('uses a controller given as an instance, keeping its constructor dependencies', async () => {
    const http = serve(w.auth, [new GreetController(new Greeter('Bonjour'))]);
    const res = await http.get('/greet/alice');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ text: 'Bonjour, alice' });
  });

  it('keeps guards when a controller is given as an instance', async () => {
    @Controller('/inst')
    @LoginRequired
    class Guarded {
      constructor(private readonly n: number) {}
      @Get('/')
      index() {
        calls.add('inst');
        return { n: this.n };
      }
      @Get('/admin')
      @Roles('admin')
      admin() {
        calls.add('instAdmin');
        return { n: this.n };
      }
    }
    const http = serve(w.auth, [new Guarded(7)]);
    expectError(await http.get('/inst'), 401, 'login_required');
    const alice = await w.auth.testing.sessionCookie(w.alice);
    expectError(await http.get('/inst/admin').set('Cookie', alice), 403, 'forbidden');
    expect(calls.count()).to.equal(0);
    const ok = await http.get('/inst').set('Cookie', alice);
    expect(ok.status).to.equal(200);
    expect(ok.body).to.deep.equal({ n: 7 });
  });
});

describe('Get / Post / Put / Patch / Delete', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  it('binds each decorator to its HTTP method', async () => {
    const http = serve(w.auth, [RestController]);
    expect((await http.get('/rest/thing')).body).to.deep.equal({ method: 'GET' });
    expect((await http.put('/rest/thing')).body).to.deep.equal({ method: 'PUT' });
    expect((await http.patch('/rest/thing')).body).to.deep.equal({ method: 'PATCH' });
    expect((await http.delete('/rest/thing')).body).to.deep.equal({ method: 'DELETE' });
    const created = await http.post('/rest/thing');
    expect(created.status).to.equal(201);
    expect(created.body).to.deep.equal({ method: 'POST' });
  });

  it('lets one method carry several route decorators', async () => {
    const http = serve(w.auth, [RestController]);
    expect((await http.post('/rest/multi')).body).to.deep.equal({ method: 'POST' });
    expect((await http.put('/rest/multi')).body).to.deep.equal({ method: 'PUT' });
    expect((await http.get('/rest/multi')).status).to.equal(405);
  });

  it('answers HEAD for a @Get route and 405 with Allow for a method not bound', async () => {
    const http = serve(w.auth, [ApiController]);
    const head = await http.head('/api/items/1');
    expect(head.status).to.equal(200);
    const res = await http.post('/api/items/1');
    expect(res.status).to.equal(405);
    expect(res.headers.allow).to.include('GET');
  });
});
