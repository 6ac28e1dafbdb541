/**
 * Reads one cookie straight from a `Cookie` header, without parsing the others: the value of
 * `name`, or the joined values of its chunks `name.0`, `name.1`, ... (at most `maxChunks`).
 * Names match exactly (`name_theme` is not `name`). Undefined when absent or empty.
 */
export function cookieValue(
  header: string | undefined,
  name: string,
  maxChunks: number,
): string | undefined {
  if (header === undefined) return undefined;
  const whole = valueOf(header, name);
  if (whole !== undefined) return whole === '' ? undefined : whole;
  let joined = '';
  for (let i = 0; i < maxChunks; i++) {
    const part = valueOf(header, `${name}.${i}`);
    if (part === undefined) break;
    joined += part;
  }
  return joined === '' ? undefined : joined;
}

function valueOf(header: string, name: string): string | undefined {
  let at = header.indexOf(name);
  while (at !== -1) {
    const end = at + name.length;
    if (header.charCodeAt(end) === 61 /* = */ && atBoundary(header, at)) {
      const semi = header.indexOf(';', end + 1);
      const value = header.slice(end + 1, semi === -1 ? header.length : semi).trim();
      return value[0] === '"' && value.endsWith('"') ? value.slice(1, -1) : value;
    }
    at = header.indexOf(name, at + 1);
  }
  return undefined;
}

/** True when position `at` starts a cookie (start of header, or after `;` and spaces). */
function atBoundary(header: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && header.charCodeAt(i) === 32) i--;
  return i < 0 || header.charCodeAt(i) === 59; /* ; */
}
