import { expect } from 'chai';
import { isAuthError, normalizeEmail } from '../../lib/index.js';

function refused(value: unknown): string | undefined {
  try {
    normalizeEmail(value);
    return undefined;
  } catch (err) {
    return isAuthError(err) ? err.code : 'not an AuthError';
  }
}

describe('normalizeEmail()', () => {
  it('trims and lower-cases an address', () => {
    expect(normalizeEmail('  Ada@Example.COM ')).to.equal('ada@example.com');
  });

  it('refuses control characters (C0, DEL, C1) and invisible format characters', () => {
    for (const bad of [
      'a\u0000b@example.com',
      'a\nb@example.com',
      'a\u007fb@example.com',
      '\u0085@a.com',
      'a\u0080b@example.com',
      '\u009b@x.io',
      'a\u200bb@example.com', // zero-width space
      'a\u202eb@example.com', // right-to-left override
      'a\ufeffb@example.com', // byte order mark
    ]) {
      expect(refused(bad), JSON.stringify(bad)).to.equal('email_invalid');
    }
  });
});
