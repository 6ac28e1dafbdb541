import { expect } from 'chai';
import { ipBucket } from '../../lib/ratelimit/ip.js';

describe('ipBucket()', () => {
  it('gives every spelling of addresses in one /64 the same key', () => {
    const spellings = [
      '2001:db8::1',
      '2001:DB8::ffff:1:2:3',
      '2001:0db8:0000:0000:0000:0000:0000:0001',
      '2001:db8:0:0:abcd::',
      '2001:db8::1.2.3.4',
      'fe80::1%eth0',
    ].map((ip) => ipBucket(ip, 64));
    expect(new Set(spellings.slice(0, 5))).to.have.property('size', 1);
    expect(spellings[0]).to.equal('2001:db8:0:0:0:0:0:0/64');
    expect(spellings[5]).to.equal('fe80:0:0:0:0:0:0:0/64');
    expect(ipBucket('fe80::2%eth1', 64)).to.equal(spellings[5]);
    expect(ipBucket('2001:db8::1%', 64)).to.equal(spellings[0]);
  });

  it('gives another /64 another key', () => {
    expect(ipBucket('2001:db8:0:1::1', 64)).to.equal('2001:db8:0:1:0:0:0:0/64');
    expect(ipBucket('2001:db8:0:1::1', 64)).not.to.equal(ipBucket('2001:db8::1', 64));
  });

  it('masks to other prefix lengths, inside a group too', () => {
    expect(ipBucket('2001:db8:abcd:12::1', 48)).to.equal('2001:db8:abcd:0:0:0:0:0/48');
    expect(ipBucket('2001:db8:abcd:12::1', 56)).to.equal('2001:db8:abcd:0:0:0:0:0/56');
    expect(ipBucket('2001:db8:abcd:1234::1', 56)).to.equal('2001:db8:abcd:1200:0:0:0:0/56');
    expect(ipBucket('2001:db8::1', 1)).to.equal('0:0:0:0:0:0:0:0/1');
    expect(ipBucket('ffff::1', 1)).to.equal('8000:0:0:0:0:0:0:0/1');
    expect(ipBucket('2001:db8::1', 128)).to.equal('2001:db8:0:0:0:0:0:1/128');
    expect(ipBucket('2001:0db8:0:0::0001', 128)).to.equal('2001:db8:0:0:0:0:0:1/128');
    expect(ipBucket('::', 64)).to.equal('0:0:0:0:0:0:0:0/64');
    expect(ipBucket('::1', 128)).to.equal('0:0:0:0:0:0:0:1/128');
  });

  it('keys IPv4 and IPv4-mapped IPv6 by the IPv4 address', () => {
    expect(ipBucket('203.0.113.5', 64)).to.equal('203.0.113.5');
    expect(ipBucket('::ffff:203.0.113.5', 64)).to.equal('203.0.113.5');
    expect(ipBucket('::FFFF:cb00:7105', 64)).to.equal('203.0.113.5');
    expect(ipBucket('0:0:0:0:0:ffff:203.0.113.5', 128)).to.equal('203.0.113.5');
  });

  it('keys anything unparsable as it is, without throwing', () => {
    for (const junk of [
      'unknown',
      '',
      'not-an-ip',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '12345::',
      '%eth0',
      '::ffff:999.1.1.1',
      '[2001:db8::1]:443',
    ]) {
      expect(ipBucket(junk, 64), junk).to.equal(junk);
    }
  });
});
