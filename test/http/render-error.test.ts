import { expect } from 'chai';
import request from 'supertest';
import type { Store } from '../../lib/index.js';
import { MemoryStore } from '../../lib/index.js';
import { makeApp } from '../support/app.js';

class LeakyStore extends MemoryStore implements Store {
  broken = false;
  override get(key: string): Promise<string | undefined> {
    if (!this.broken) return super.get(key);
    return Promise.reject(
      new Error('connect failed redis://admin:s3cr3t@10.0.0.5:6379 (password=hunter2 token=abc)'),
    );
  }
}

describe('error rendering and logging', () => {
  it('logs a store failure with the credentials in its message redacted', async () => {
    const store = new LeakyStore();
    const t = await makeApp({ store });
    const cookie = await t.auth.testing.sessionCookie(t.alice);
    store.broken = true;
    const res = await request(t.app.callback()).get('/dashboard').set('Cookie', cookie);
    expect(res.status).to.equal(503);
    const logged = JSON.stringify(t.logger.records);
    expect(logged).to.include('store_unavailable');
    expect(logged).not.to.match(/s3cr3t|hunter2|token=abc/);
    expect(logged).to.include('//***@10.0.0.5:6379');
  });

  it('calls onError with the AuthError and lets the app render it', async () => {
    const t = await makeApp({
      onError: (err, ctx) => {
        ctx.type = 'text';
        ctx.body = `custom ${err.code} ${err.status}`;
      },
    });
    const res = await request(t.app.callback()).get('/api/profile');
    expect(res.status).to.equal(401);
    expect(res.text).to.equal('custom token_missing 401');
    expect(res.headers['www-authenticate']).to.equal('Bearer');
  });
});
