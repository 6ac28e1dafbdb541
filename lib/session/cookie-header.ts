/**
 * True when a `Cookie` header carries a cookie named exactly `name`, or its first chunk
 * `name.0` (and not, say, `name_theme`). Cheap: no parsing of the other cookies.
 */
export function carriesCookie(header: string | undefined, name: string): boolean {
  if (header === undefined) return false;
  let at = header.indexOf(name);
  while (at !== -1) {
    const before = at === 0 ? ';' : header[at - 1 - (header[at - 1] === ' ' ? 1 : 0)];
    const rest = header.slice(at + name.length, at + name.length + 3);
    if ((before === ';' || at === 0) && (rest[0] === '=' || rest.startsWith('.0='))) return true;
    at = header.indexOf(name, at + 1);
  }
  return false;
}
