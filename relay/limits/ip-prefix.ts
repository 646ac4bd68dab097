// The network a remote address belongs to, for limits that one host could dodge by using its neighbours'
// addresses: a /24 for IPv4, a /56 for IPv6 (a typical end-user delegation).
import { isIPv4, isIPv6 } from 'node:net';

export function ipPrefix(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ip = mapped ? mapped[1]! : address;
  if (isIPv4(ip)) return `${ip.slice(0, ip.lastIndexOf('.'))}.0/24`;
  if (isIPv6(ip)) return `${expandIPv6(ip).slice(0, 14)}::/56`;
  return address; // not an IP address (cannot happen for TCP peers): its own bucket
}

/** 32 hex digits, no separators. */
function expandIPv6(ip: string): string {
  const zone = ip.indexOf('%');
  const bare = zone >= 0 ? ip.slice(0, zone) : ip;
  const [head = '', tail] = bare.split('::') as [string, string | undefined];
  const groups = (s: string) => (s === '' ? [] : s.split(':').flatMap(v4Tail));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const fill = tail === undefined ? [] : Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => g.padStart(4, '0')).join('').toLowerCase();
}

/** An embedded IPv4 tail (`…:1.2.3.4`) as its two hex groups. */
function v4Tail(group: string): string[] {
  if (!group.includes('.')) return [group];
  const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}
