import { expect } from 'chai';
import { Keyring } from '../../lib/keys/keyring.js';
import { secretA, secretB } from '../support/app.js';

describe('Keyring', () => {
  const ring = new Keyring([Buffer.from(secretA), Buffer.from(secretB)]);

  it('derives a different key for every purpose', () => {
    const purposes = [
      'session',
      'access',
      'refresh',
      'magic',
      'state',
      'reset',
      'verify',
      'otp',
      'flow',
    ] as const;
    const keys = purposes.map((p) => ring.current(p).key.toString('hex'));
    expect(new Set(keys).size).to.equal(purposes.length);
    for (const k of keys) expect(k).to.have.length(64);
  });

  it('never uses the root secret itself as a key', () => {
    expect(ring.current('session').key.equals(Buffer.from(secretA).subarray(0, 32))).to.equal(
      false,
    );
  });

  it('signs with the first secret and still finds keys of the older ones', () => {
    const older = new Keyring([Buffer.from(secretB)]);
    const kidB = older.current('access').kid;
    expect(ring.current('access').kid).not.to.equal(kidB);
    expect(ring.find('access', kidB)?.equals(older.current('access').key)).to.equal(true);
    expect(ring.isCurrent(kidB)).to.equal(false);
  });

  it('is deterministic: the same secret gives the same kid and keys', () => {
    const again = new Keyring([Buffer.from(secretA)]);
    expect(again.current('refresh').kid).to.equal(ring.current('refresh').kid);
    expect(again.current('refresh').key.equals(ring.current('refresh').key)).to.equal(true);
  });

  it('finds nothing for an unknown kid or another purpose', () => {
    expect(ring.find('access', 'AAAAAAAA')).to.equal(undefined);
    expect(ring.find('nope' as never, ring.current('access').kid)).to.equal(undefined);
  });
});
