/**
 * Network notations in the configuration: listen URIs (`udp://127.0.0.1:5060`, IPv6 in
 * brackets), CIDR blocks for `sip.trusted`, and host names. Pure: parsing and matching only.
 */
import { isIP, isIPv4, isIPv6 } from 'node:net';

export type ListenTransport = 'udp' | 'tcp' | 'tls';

export interface ListenAddress {
  transport: ListenTransport;
  /** As written; an IPv6 address keeps its brackets (`[::1]`). */
  host: string;
  port: number;
}

/** A host name (RFC 1123 labels), IPv4 address, or bracketed IPv6 address. */
export function isHost(s: string): boolean {
  if (s.startsWith('[')) return s.endsWith(']') && isIPv6(s.slice(1, -1));
  if (isIPv4(s)) return true;
  if (s.length > 253) return false;
  return s
    .replace(/\.$/, '')
    .split('.')
    .every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
}

/** `udp|tcp|tls://host:port`, or undefined. */
export function parseListenUri(s: string): ListenAddress | undefined {
  const m = /^(udp|tcp|tls):\/\/(\[[^\]]+\]|[^:/[\]]+):([0-9]{1,5})$/.exec(s);
  if (!m) return undefined;
  const host = m[2] as string;
  const port = Number(m[3]);
  if (!isHost(host) || port < 1 || port > 65535) return undefined;
  return { transport: m[1] as ListenTransport, host, port };
}

/**
 * `host:port` of a TCP listener (`http.listen`): an IP address, IPv6 in brackets (`[::1]:8088`);
 * port 0 picks a free one. The host comes back without brackets.
 */
export function parseHostPort(s: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[0-9.]+):([0-9]{1,5})$/.exec(s);
  if (!m) return undefined;
  const host = (m[1] as string).replace(/^\[|\]$/g, '');
  const port = Number(m[2]);
  if (isIP(host) === 0 || port > 65535) return undefined;
  return { host, port };
}

/** Whether an IP address is a loopback address (127.0.0.0/8, ::1). */
export function isLoopback(ip: string): boolean {
  return ipInCidrs(ip, ['127.0.0.0/8', '::1/128']);
}

/** `0.0.0.0`, `[::]`: listening on every address, so no usable host to write in SIP. */
export function isUnspecified(host: string): boolean {
  if (host === '0.0.0.0') return true;
  return host.startsWith('[') && host.endsWith(']') && ipToBigInt(host.slice(1, -1))?.value === 0n;
}

export interface Cidr {
  family: 4 | 6;
  /** The network address as a big integer (32 or 128 bits). */
  network: bigint;
  prefix: number;
}

function ipToBigInt(ip: string): { family: 4 | 6; value: bigint } | undefined {
  if (isIPv4(ip)) {
    return { family: 4, value: ip.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n) };
  }
  if (!isIPv6(ip)) return undefined;
  let addr = ip.replace(/%.*$/, '');
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  if (v4) {
    const n = ipToBigInt(v4[1] as string)!.value;
    addr =
      addr.slice(0, -(v4[1] as string).length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = addr.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return { family: 6, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

/** `10.0.0.0/8`, `fd00::/8`, or a bare address (a /32 or /128). Undefined when malformed. */
export function parseCidr(s: string): Cidr | undefined {
  const [ip, prefixText, extra] = s.split('/');
  if (ip === undefined || extra !== undefined) return undefined;
  const parsed = ipToBigInt(ip);
  if (parsed === undefined) return undefined;
  const bits = parsed.family === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^[0-9]{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  return { family: parsed.family, network: parsed.value & mask, prefix };
}

/** Whether `ip` lies in any of the blocks (IPv4-mapped IPv6 sources match IPv4 blocks). */
export function ipInCidrs(ip: string, cidrs: readonly string[]): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const addr = ipToBigInt(mapped ? (mapped[1] as string) : ip);
  if (addr === undefined || isIP(mapped ? (mapped[1] as string) : ip) === 0) return false;
  for (const text of cidrs) {
    const c = parseCidr(text);
    if (c === undefined || c.family !== addr.family) continue;
    const bits = c.family === 4 ? 32 : 128;
    const mask = c.prefix === 0 ? 0n : ((1n << BigInt(c.prefix)) - 1n) << BigInt(bits - c.prefix);
    if ((addr.value & mask) === c.network) return true;
  }
  return false;
}
