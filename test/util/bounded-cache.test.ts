import { expect } from 'chai';
import { BoundedCache } from '../../lib/util/bounded-cache.js';

describe('BoundedCache', () => {
  it('never holds more than twice its size, and forgets what is not used', () => {
    const cache = new BoundedCache<number>(100);
    for (let i = 0; i < 10_000; i++) {
      cache.set(`k${i}`, i);
      expect(cache.size).to.be.at.most(200);
    }
    expect(cache.get('k0')).to.equal(undefined);
    expect(cache.get('k9999')).to.equal(9999);
  });

  it('keeps a working set as large as its size, however long it cycles', () => {
    const cache = new BoundedCache<number>(1000);
    for (let i = 0; i < 1000; i++) cache.set(`k${i}`, i);
    for (let round = 0; round < 5; round++)
      for (let i = 0; i < 1000; i++) expect(cache.get(`k${i}`)).to.equal(i);
    // new keys push the old generation out; keys used since are kept
    for (let i = 1000; i < 1500; i++) cache.set(`k${i}`, i);
    for (let i = 0; i < 1000; i += 100) expect(cache.get(`k${i}`)).to.equal(i);
  });

  it('forgets a deleted key in both generations', () => {
    const cache = new BoundedCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3); // a and b are old now
    expect(cache.get('a')).to.equal(1); // copied to the young generation
    cache.delete('a');
    expect(cache.get('a')).to.equal(undefined);
  });

  it('with size 0 keeps nothing', () => {
    const cache = new BoundedCache<number>(0);
    cache.set('a', 1);
    expect(cache.get('a')).to.equal(undefined);
    expect(cache.size).to.equal(0);
  });

  it('looks a credential up by its tail but only returns it for the whole value', () => {
    const cache = new BoundedCache<{ of: string; n: number }>(10);
    const token = `${'x'.repeat(100)}${'t'.repeat(32)}`;
    cache.set(BoundedCache.keyOf(token), { of: token, n: 1 });
    expect(cache.lookup(token)?.n).to.equal(1);
    expect(cache.lookup(`${'y'.repeat(100)}${'t'.repeat(32)}`)).to.equal(undefined);
  });
});
