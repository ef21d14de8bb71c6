/**
 * Addresses in SDP: `c=`/`o=` (RFC 4566 §5.7, §9 connection-address) and ICE candidates.
 * IP literals are checked with node:net; FQDNs must look like host names (RFC 1123 labels).
 */
import { isIPv4, isIPv6 } from 'node:net';

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** A host name per RFC 1123: dot-separated labels, not all-numeric (that would be a bad IPv4). */
export function isHostname(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  const labels = (s.endsWith('.') ? s.slice(0, -1) : s).split('.');
  for (const l of labels) if (!LABEL.test(l)) return false;
  return !/^[0-9]+$/.test(labels[labels.length - 1] as string);
}

export function isHostAddress(s: string): boolean {
  return isIPv4(s) || isIPv6(s) || isHostname(s);
}

/**
 * Checks `<addrtype> <connection-address>` of `c=`; returns a reason or undefined when fine.
 * IP4 multicast may carry `/ttl[/count]`, IP6 multicast `/count` (RFC 4566 §5.7).
 */
export function connectionAddressProblem(addrtype: string, address: string): string | undefined {
  if (addrtype !== 'IP4' && addrtype !== 'IP6') return `address type '${addrtype}' is not IP4 or IP6`;
  const parts = address.split('/');
  const host = parts[0] as string;
  const suffixes = parts.slice(1);
  const maxSuffixes = addrtype === 'IP4' ? 2 : 1;
  if (suffixes.length > maxSuffixes) return `'${address}' has too many '/' parts`;
  for (const s of suffixes) if (!/^(?:0|[1-9][0-9]{0,9})$/.test(s)) return `'/${s}' is not a number`;
  if (addrtype === 'IP4') {
    if (isIPv6(host)) return `'${host}' is an IPv6 address in an IP4 line`;
    if (!isIPv4(host) && !isHostname(host)) return `'${host}' is not an IPv4 address or host name`;
  } else {
    if (isIPv4(host)) return `'${host}' is an IPv4 address in an IP6 line`;
    if (!isIPv6(host) && !isHostname(host)) return `'${host}' is not an IPv6 address or host name`;
  }
  if (suffixes.length > 0 && !isMulticast(addrtype, host)) return `'/${suffixes[0]}' on a unicast address`;
  return undefined;
}

function isMulticast(addrtype: string, host: string): boolean {
  if (addrtype === 'IP4') {
    const first = Number(host.split('.')[0]);
    return isIPv4(host) && first >= 224 && first <= 239;
  }
  return isIPv6(host) && /^ff/i.test(host);
}
