import { expect } from 'chai';
import { leaks, scanForTests } from '../support/secret-scan.js';

describe('security case 44 across the suite (test/support/secret-scan.ts)', () => {
  it('finds a recorded secret wherever it is said, by length only, and forgets it again', () => {
    const fake = 'pcr_k1.fakefamily.0.notasecret0123456789.mac';
    scanForTests.secret(fake);
    scanForTests.said('self-test', `{"error":"x","token":"${fake}"}`);
    scanForTests.said('self-test', `/auth/error?error=x&token=${encodeURIComponent(fake)}`);
    const found = leaks().filter((l) => l.startsWith('self-test'));
    expect(found).to.deep.equal([`self-test: a secret of ${fake.length} characters`]);
    expect(found.join()).not.to.include(fake);
    scanForTests.forget(fake, 'self-test');
    expect(leaks().filter((l) => l.startsWith('self-test'))).to.deep.equal([]);
  });
});
