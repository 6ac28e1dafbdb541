/**
 * Throws when a JSON text repeats a key within one object. `JSON.parse` silently keeps the last
 * value, which lets two readers of one body (a proxy, the app) disagree. Runs on text that
 * `JSON.parse` has already accepted, so it only tracks strings, objects and arrays. Keys are
 * compared after decoding escapes (`"\u0061"` is `"a"`).
 */
export function assertNoDuplicateKeys(text: string): void {
  const stack: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      stack.push(null);
      expectKey = false;
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectKey = false;
    } else if (c === ',') {
      expectKey = stack[stack.length - 1] !== null && stack.length > 0;
    } else if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const keys = stack[stack.length - 1]!;
        if (keys.has(key))
          throw new SyntaxError(`duplicate key ${JSON.stringify(key).slice(0, 40)}`);
        keys.add(key);
        expectKey = false;
      }
      i = j;
    }
  }
}
