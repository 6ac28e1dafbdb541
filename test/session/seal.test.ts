import { expect } from 'chai';
import { Keyring } from '../../lib/keys/keyring.js';
import { seal, unseal } from '../../lib/session/seal.js';
import { secretA, secretB } from '../support/app.js';

const ringA = new Keyring([Buffer.from(secretA)]);
const ringBA = new Keyring([Buffer.from(secretB), Buffer.from(secretA)]);

describe('seal() / unseal()', () => {
  it('round-trips an object under the current key', () => {
    const sealed = seal(ringA, 'session', { a: 1, b: 'two' });
    expect(unseal(ringA, 'session', sealed)).to.deep.equal({
      value: { a: 1, b: 'two' },
      stale: false,
    });
  });

  it('opens only the exact encoding it sealed: no other last character, nothing appended', () => {
    const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // body lengths of 1 and 2 modulo 3 leave unused bits in the last character
    for (const value of [{ a: 1 }, { a: 12 }, { a: 123 }]) {
      const sealed = seal(ringA, 'session', value);
      expect(unseal(ringA, 'session', sealed)?.value).to.deep.equal(value);
      for (const c of B64URL) {
        if (c === sealed.at(-1)) continue;
        expect(unseal(ringA, 'session', sealed.slice(0, -1) + c), c).to.equal(undefined);
      }
      for (const extra of ['A', 'AA', 'Q']) {
        expect(unseal(ringA, 'session', sealed + extra), extra).to.equal(undefined);
      }
    }
  });

  it('never opens a value sealed for another purpose', () => {
    const sealed = seal(ringA, 'flow', { a: 1 });
    expect(unseal(ringA, 'session', sealed)).to.equal(undefined);
  });

  it('opens a value sealed with an older key in the ring and marks it stale', () => {
    const sealed = seal(ringA, 'session', { a: 1 });
    expect(unseal(ringBA, 'session', sealed)).to.deep.equal({ value: { a: 1 }, stale: true });
  });

  it('refuses a value sealed with a key that is not in the ring', () => {
    const sealed = seal(ringBA, 'session', { a: 1 });
    expect(unseal(ringA, 'session', sealed)).to.equal(undefined);
  });

  it('refuses every single-byte change of the ciphertext', () => {
    const sealed = seal(ringA, 'session', { user: 'u1', n: 42 });
    const body = Buffer.from(sealed.slice(9), 'base64url');
    for (let i = 0; i < body.length; i++) {
      const bad = Buffer.from(body);
      bad[i]! ^= 0x01;
      expect(
        unseal(ringA, 'session', `${sealed.slice(0, 9)}${bad.toString('base64url')}`),
        `byte ${i}`,
      ).to.equal(undefined);
    }
  });

  it('returns undefined, never throws, for malformed input', () => {
    const sealed = seal(ringA, 'session', { a: 1 });
    const inputs: unknown[] = [
      '',
      'x',
      sealed.slice(0, 20),
      sealed.slice(0, -1),
      `${sealed}=`,
      sealed.replace('.', ','),
      `${sealed.slice(0, 9)}!!!!`,
      `${sealed.slice(0, 9)}${'A'.repeat(30)}`,
      null,
      undefined,
      42,
      {},
    ];
    for (const input of inputs)
      expect(unseal(ringA, 'session', input as string)).to.equal(undefined);
  });

  it('refuses a sealed JSON value that is not an object', () => {
    for (const value of [[1, 2], 'text', 7, null]) {
      expect(unseal(ringA, 'session', seal(ringA, 'session', value))).to.equal(undefined);
    }
  });
});
