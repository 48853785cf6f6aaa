import { isIP, isIPv4 } from 'node:net';

/**
 * The client address the login throttle counts under, from Express's `req.ip` (the socket's peer, or with
 * TRUST_PROXY the address the trusted proxies reported; see config.ts):
 * - an IPv4 address as it is; an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) as its IPv4 form, so one client
 *   counts once whichever way the socket reports it;
 * - any other IPv6 address as its /64 network (`2001:db8:1:2::/64`): one subscriber usually holds a whole /64,
 *   so counting single IPv6 addresses would let anyone pick a fresh one per attempt;
 * - anything else (no address: the socket is gone, or a proxy reported something that is not an address) as
 *   `unknown`: those share one bucket, never a bucket per string a client may choose.
 * At most 64 characters (the column's width).
 */
export function clientAddressKey(ip: string | undefined): string {
  if (ip === undefined) return 'unknown';
  if (isIPv4(ip)) return ip;
  const groups = isIP(ip) === 6 ? ipv6Groups(ip) : undefined;
  if (!groups) return 'unknown';
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (zone id dropped, an embedded IPv4 tail read as two groups). */
function ipv6Groups(ip: string): number[] | undefined {
  let text = ip.split('%')[0] ?? '';
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (isIPv4(tail)) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(Math.max(0, zeros)).fill('0'), ...right].map((g) => Number.parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}
