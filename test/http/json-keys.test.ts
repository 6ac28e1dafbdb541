import { expect } from 'chai';
import { assertNoDuplicateKeys } from '../../lib/http/json-keys.js';

describe('assertNoDuplicateKeys()', () => {
  it('accepts JSON without repeated keys, at any depth', () => {
    for (const text of [
      '{}',
      '[]',
      '{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}',
      '{"a":"x\\"y","b":"{\\"a\\":1,\\"a\\":2}"}',
      '[{"a":1},{"a":1}]',
      '"just a string"',
    ]) {
      expect(() => assertNoDuplicateKeys(text), text).not.to.throw();
    }
  });

  it('refuses a key repeated in one object', () => {
    for (const text of [
      '{"a":1,"a":2}',
      '{"x":{"a":1,"b":2,"a":3}}',
      '[{"a":1,"a":1}]',
      '{"everywhere":false,"\\u0065verywhere":true}',
      '{ "a" : 1 , "a" : 1 }',
    ]) {
      expect(() => assertNoDuplicateKeys(text), text).to.throw(SyntaxError, /duplicate key/);
    }
  });
});
