import { expect } from 'chai';
import { MemoryUserStore, Portcullis, type PortcullisOptions } from '../../lib/index.js';
import type { TestUser } from '../support/app.js';
import { secretA, secretB } from '../support/app.js';

function make(opts: Partial<PortcullisOptions<TestUser>>): Portcullis<TestUser> {
  return new Portcullis<TestUser>({ users: new MemoryUserStore<TestUser>(), ...opts });
}

describe('new Portcullis(options)', () => {
  it('refuses to start without a secret, and says how to make one', () => {
    expect(() => make({})).to.throw(TypeError, /at least 32 bytes.*randomBytes\(32\)/);
  });

  it('refuses a secret shorter than 32 bytes', () => {
    expect(() => make({ secret: 'short-secret' })).to.throw(
      TypeError,
      /secret must be at least 32 bytes/,
    );
    expect(() => make({ secret: new Uint8Array(31) })).to.throw(TypeError, /at least 32 bytes/);
  });

  it('accepts a 32-byte secret as a string or bytes', () => {
    expect(() => make({ secret: 'a'.repeat(32) })).not.to.throw();
    expect(() => make({ secret: new Uint8Array(32).fill(7) })).not.to.throw();
  });

  it('refuses an empty keys list, a short key, a repeated key, and secret with keys', () => {
    expect(() => make({ keys: [] })).to.throw(TypeError, /at least 32 bytes/);
    expect(() => make({ keys: [secretA, 'short'] })).to.throw(
      TypeError,
      /keys\[1\] must be at least 32 bytes/,
    );
    expect(() => make({ keys: [secretA, secretA] })).to.throw(TypeError, /same secret twice/);
    expect(() => make({ secret: secretA, keys: [secretB] })).to.throw(
      TypeError,
      /either `secret` or `keys`/,
    );
  });

  it('refuses to start without a UserStore', () => {
    expect(
      () => new Portcullis({ secret: secretA } as unknown as PortcullisOptions<TestUser>),
    ).to.throw(TypeError, /`users` must be a UserStore/);
  });

  it('requires baseUrl in production (the Host header is never trusted there)', () => {
    expect(() => make({ secret: secretA, production: true })).to.throw(
      TypeError,
      /baseUrl.*required in production/,
    );
    expect(() =>
      make({ secret: secretA, production: true, baseUrl: 'https://app.example.com' }),
    ).not.to.throw();
    expect(() =>
      make({ secret: secretA, production: true, baseUrl: 'http://app.example.com' }),
    ).to.throw(TypeError, /must be https/);
  });

  it('reads production mode from NODE_ENV by default', () => {
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      expect(() => make({ secret: secretA })).to.throw(TypeError, /baseUrl/);
    } finally {
      process.env.NODE_ENV = before;
    }
  });

  it('refuses a baseUrl that is not an absolute http(s) URL', () => {
    expect(() => make({ secret: secretA, baseUrl: '/relative' })).to.throw(
      TypeError,
      /not an absolute URL/,
    );
    expect(() => make({ secret: secretA, baseUrl: 'javascript:alert(1)' })).to.throw(
      TypeError,
      /http\(s\)/,
    );
  });

  it('refuses bad durations and lifetimes over 400 days', () => {
    expect(() => make({ secret: secretA, session: { idleTimeout: '7 days' as never } })).to.throw(
      TypeError,
      /session.idleTimeout/,
    );
    expect(() => make({ secret: secretA, tokens: { accessTokenTtl: -5 } })).to.throw(
      TypeError,
      /positive/,
    );
    expect(() => make({ secret: secretA, session: { absoluteTimeout: '401d' } })).to.throw(
      TypeError,
      /400 days/,
    );
  });

  it('refuses bad cookie names, paths and limits', () => {
    expect(() => make({ secret: secretA, session: { cookieName: 'a;b' } })).to.throw(
      TypeError,
      /cookieName/,
    );
    expect(() => make({ secret: secretA, loginPath: '//evil.example' })).to.throw(
      TypeError,
      /loginPath/,
    );
    expect(() => make({ secret: secretA, session: { maxCookies: 0 } })).to.throw(
      TypeError,
      /maxCookies/,
    );
    expect(() => make({ secret: secretA, storeTimeout: 0 })).to.throw(TypeError, /storeTimeout/);
    expect(() => make({ secret: secretA, tokens: { clockSkew: 3600 } })).to.throw(
      TypeError,
      /clockSkew/,
    );
  });

  it('requires tokenLoader and userLoader together', () => {
    expect(() => make({ secret: secretA, tokenLoader: () => null })).to.throw(
      TypeError,
      /go together/,
    );
    expect(() => make({ secret: secretA, userLoader: () => null })).to.throw(
      TypeError,
      /go together/,
    );
  });

  it('refuses enableTestKit in production', () => {
    expect(() =>
      make({
        secret: secretA,
        production: true,
        baseUrl: 'https://a.example',
        enableTestKit: true,
      }),
    ).to.throw(TypeError, /enableTestKit/);
  });
});
