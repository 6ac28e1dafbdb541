import { expect } from 'chai';
import { safeReturnTo } from '../../lib/index.js';

describe('safeReturnTo() (security case 30)', () => {
  it('keeps same-origin paths with their query and fragment', () => {
    const cases: Array<[string, string]> = [
      ['/', '/'],
      ['/dashboard', '/dashboard'],
      ['/a/b?x=1&y=%2F#top', '/a/b?x=1&y=%2F#top'],
      ['/%E2%9C%93', '/%E2%9C%93'],
      ['/a/../b', '/b'],
    ];
    for (const [input, output] of cases)
      expect(safeReturnTo(input, '/home'), input).to.equal(output);
  });

  it('falls back for anything that could leave the origin', () => {
    const attacks = [
      'https://evil.example/',
      'http:evil.example',
      '//evil.example',
      '///evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      '/%5Cevil.example',
      '/%2F%2Fevil.example',
      '/.//evil.example',
      '/a/..//evil.example',
      '/%2e//evil.example',
      '/.%2e//',
      '%2F%2Fevil.example',
      '/%252F%252Fevil.example',
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      ' /dashboard',
      '/dash\tboard',
      '/dash\nboard',
      '/\u0000',
      'data:text/html,<script>',
      '',
      'dashboard',
      '/' + 'a'.repeat(3000),
    ];
    for (const attack of attacks)
      expect(safeReturnTo(attack, '/home'), JSON.stringify(attack)).to.equal('/home');
  });

  it('falls back for values that are not strings', () => {
    for (const value of [undefined, null, 42, ['/a'], { path: '/a' }]) {
      expect(safeReturnTo(value, '/home')).to.equal('/home');
    }
  });
});
