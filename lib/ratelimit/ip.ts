import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key a client IP is counted under: an IPv4 address as it is; an IPv4-mapped IPv6 address
 * (`::ffff:203.0.113.5`) as its IPv4 address; any other IPv6 address as its network of `prefix`
 * bits, written in full (`2001:db8:0:0:0:0:0:0/64`), so every spelling of every address in one
 * network gives one key. Anything unparsable is keyed as it is.
 *
 * @example
 * ```ts
 * ipBucket('2001:db8::1', 64); // '2001:db8:0:0:0:0:0:0/64'
 * ipBucket('2001:DB8:0:0:ffff::9%eth0', 64); // '2001:db8:0:0:0:0:0:0/64'
 * ipBucket('::ffff:203.0.113.5', 64); // '203.0.113.5'
 * ```
 */
export function ipBucket(ip: string, prefix: number): string {
  if (isIPv4(ip)) return ip;
  const zone = ip.indexOf('%');
  const address = zone === -1 ? ip : ip.slice(0, zone);
  if (!isIPv6(address)) return ip;
  const groups = expand(address);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi, lo] = [groups[6]!, groups[7]!];
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  for (let i = 0; i < 8; i++) {
    const bits = Math.min(16, Math.max(0, prefix - 16 * i));
    groups[i] = groups[i]! & ((0xffff << (16 - bits)) & 0xffff);
  }
  return `${groups.map((g) => g.toString(16)).join(':')}/${prefix}`;
}

/** The eight 16-bit groups of a valid IPv6 address (without zone id), `::` and a dotted tail expanded. */
function expand(address: string): number[] {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const parse = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((g) => parseInt(g, 16));
  const front = parse(head);
  if (rest === undefined) return front;
  const back = parse(rest);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}
