import { expect } from 'chai';
import request from 'supertest';
import { MemoryUserStore, Portcullis, type RateLimitOptions } from '../../lib/index.js';
import { makeApp, secretA, type TestUser } from '../support/app.js';

/** An app behind a proxy whose guest sign-ins (POST /auth/anonymous) allow 3 per client IP. */
async function guestApp(extra: RateLimitOptions = {}) {
  const t = await makeApp({
    rateLimits: { guest: { perIp: { points: 3, duration: 60 } }, ...extra },
  });
  t.app.proxy = true;
  const app = t.app.callback();
  /** The status and error code of one guest sign-in from `ip`. */
  return async (ip: string): Promise<[number, string | undefined]> => {
    const res = await request(app)
      .post('/auth/anonymous')
      .set('Origin', 'http://127.0.0.1')
      .set('Host', '127.0.0.1')
      .set('X-Forwarded-For', ip);
    return [res.status, (res.body as { error?: { code?: string } }).error?.code];
  };
}

const ok: [number, undefined] = [200, undefined];
const limited: [number, string] = [429, 'rate_limited'];

describe('rateLimits per IP for IPv6 clients (rateLimits.ipv6Prefix)', () => {
  it('counts every address of one /64 against one budget; another /64 has its own', async () => {
    const guest = await guestApp();
    expect(await guest('2001:db8:1:2::1')).to.deep.equal(ok);
    expect(await guest('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).to.deep.equal(ok);
    expect(await guest('2001:0DB8:0001:0002:0:0:0:3')).to.deep.equal(ok);
    expect(await guest('2001:db8:1:2:ffff::9')).to.deep.equal(limited);
    expect(await guest('2001:db8:1:2::1')).to.deep.equal(limited);
    expect(await guest('2001:db8:1:3::1')).to.deep.equal(ok);
    expect(await guest('203.0.113.9')).to.deep.equal(ok);
  });

  it('counts an IPv4-mapped address as the IPv4 address', async () => {
    const guest = await guestApp();
    expect(await guest('203.0.113.5')).to.deep.equal(ok);
    expect(await guest('::ffff:203.0.113.5')).to.deep.equal(ok);
    expect(await guest('::ffff:cb00:7105')).to.deep.equal(ok);
    expect(await guest('203.0.113.5')).to.deep.equal(limited);
    expect(await guest('203.0.113.6')).to.deep.equal(ok);
  });

  it('drops zone ids, and keys an unparsable address as it is without failing', async () => {
    const guest = await guestApp();
    expect(await guest('fe80::1%eth0')).to.deep.equal(ok);
    expect(await guest('fe80::2%eth1')).to.deep.equal(ok);
    expect(await guest('fe80::3')).to.deep.equal(ok);
    expect(await guest('fe80::4%25eth2')).to.deep.equal(limited);
    for (let i = 0; i < 3; i++) expect(await guest('not-an-ip')).to.deep.equal(ok);
    expect(await guest('not-an-ip')).to.deep.equal(limited);
  });

  it('honours a wider prefix: ipv6Prefix 48 counts a whole /48 together', async () => {
    const guest = await guestApp({ ipv6Prefix: 48 });
    expect(await guest('2001:db8:1:1::1')).to.deep.equal(ok);
    expect(await guest('2001:db8:1:2::1')).to.deep.equal(ok);
    expect(await guest('2001:db8:1:ffff::1')).to.deep.equal(ok);
    expect(await guest('2001:db8:1:4::1')).to.deep.equal(limited);
    expect(await guest('2001:db8:2::1')).to.deep.equal(ok);
  });

  it('honours ipv6Prefix 128: one address, whatever its spelling, per budget', async () => {
    const guest = await guestApp({ ipv6Prefix: 128 });
    expect(await guest('2001:db8::1')).to.deep.equal(ok);
    expect(await guest('2001:0db8:0000:0000:0000:0000:0000:0001')).to.deep.equal(ok);
    expect(await guest('2001:DB8:0:0::1')).to.deep.equal(ok);
    expect(await guest('2001:db8::1')).to.deep.equal(limited);
    expect(await guest('2001:db8::2')).to.deep.equal(ok);
  });

  it('refuses to start with an ipv6Prefix that is not an integer from 1 to 128', () => {
    for (const ipv6Prefix of [0, 129, -64, 64.5, Number.NaN, '64' as unknown as number]) {
      expect(
        () =>
          new Portcullis<TestUser>({
            secret: secretA,
            users: new MemoryUserStore<TestUser>(),
            rateLimits: { ipv6Prefix },
          }),
        String(ipv6Prefix),
      ).to.throw(TypeError, /rateLimits\.ipv6Prefix/);
    }
    for (const ipv6Prefix of [1, 48, 64, 128]) {
      expect(
        () =>
          new Portcullis<TestUser>({
            secret: secretA,
            users: new MemoryUserStore<TestUser>(),
            rateLimits: { ipv6Prefix },
          }),
      ).not.to.throw();
    }
  });
});
