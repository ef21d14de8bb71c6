/**
 * Locating a SIP server (RFC 3263 §4): transport and port from the URI, SRV when the host is a
 * name without a port, then A/AAAA. NAPTR (§4.1) is skipped: SRV is tried for each transport we
 * listen on, in the order UDP, TCP, TLS (`_sips._tcp` for sips:). The DNS is injectable.
 */
import { promises as dnsp } from 'node:dns';
import { isIP } from 'node:net';
import type { Flow, TransportName } from './transport';
import type { SipUri } from '../message/types';

export interface DnsResolver {
  resolveSrv(name: string): Promise<Array<{ name: string; port: number; priority: number; weight: number }>>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
}

export const systemDns: DnsResolver = {
  resolveSrv: (n) => dnsp.resolveSrv(n),
  resolve4: (n) => dnsp.resolve4(n),
  resolve6: (n) => dnsp.resolve6(n),
};

const defaultPort = (t: TransportName): number => (t === 'TLS' ? 5061 : 5060);

function uriTransport(uri: SipUri): TransportName | undefined {
  const t = uri.params.transport;
  if (typeof t !== 'string') return uri.scheme === 'sips' ? 'TLS' : undefined;
  const up = t.toUpperCase();
  if (up === 'TCP') return uri.scheme === 'sips' ? 'TLS' : 'TCP';
  if (up === 'UDP' || up === 'TLS') return up;
  return undefined;
}

async function addresses(dns: DnsResolver, host: string): Promise<string[]> {
  if (host.toLowerCase() === 'localhost') return ['127.0.0.1'];
  const [a, aaaa] = await Promise.all([
    dns.resolve4(host).catch(() => [] as string[]),
    dns.resolve6(host).catch(() => [] as string[]),
  ]);
  return [...a, ...aaaa];
}

/** RFC 2782: by priority, then weighted random order within a priority. */
function orderSrv<T extends { priority: number; weight: number }>(records: T[]): T[] {
  const byPrio = new Map<number, T[]>();
  for (const r of records) byPrio.set(r.priority, [...(byPrio.get(r.priority) ?? []), r]);
  const out: T[] = [];
  for (const prio of [...byPrio.keys()].sort((a, b) => a - b)) {
    const pool = [...(byPrio.get(prio) as T[])];
    while (pool.length > 0) {
      const total = pool.reduce((s, r) => s + r.weight, 0);
      let pick = Math.random() * total;
      let i = pool.findIndex((r) => (pick -= r.weight) < 0);
      if (i < 0) i = 0;
      out.push(pool.splice(i, 1)[0] as T);
    }
  }
  return out;
}

/**
 * RFC 5922 §7: a TLS flow to a URI with a host name carries that name (not the SRV target's) for
 * SNI and certificate verification; the resolved flow itself is an IP address.
 */
function named(flow: Flow, host: string): Flow {
  return flow.transport === 'TLS' && isIP(host) === 0 ? { ...flow, serverName: host } : flow;
}

/** The ordered list of flows to try for `uri`, limited to `available` transports. */
export async function resolveUri(
  uri: SipUri,
  available: TransportName[],
  dns: DnsResolver = systemDns,
): Promise<Flow[]> {
  const forced = uriTransport(uri);
  const host = uri.host;
  if (isIP(host) !== 0 || uri.port !== undefined) {
    // §4.1: a numeric address or an explicit port: UDP for sip:, TLS for sips:, no SRV.
    const transport = forced ?? (uri.scheme === 'sips' ? 'TLS' : 'UDP');
    const port = uri.port ?? defaultPort(transport);
    const addrs = isIP(host) !== 0 ? [host] : await addresses(dns, host);
    return addrs.map((address) => named({ transport, address, port }, host));
  }
  const candidates: TransportName[] = forced
    ? [forced]
    : uri.scheme === 'sips'
      ? ['TLS']
      : ['UDP', 'TCP', 'TLS'];
  for (const t of candidates.filter((c) => available.includes(c))) {
    const service = t === 'TLS' ? `_sips._tcp.${host}` : `_sip._${t.toLowerCase()}.${host}`;
    const srv = await dns.resolveSrv(service).catch(() => []);
    if (srv.length === 0) continue;
    const out: Flow[] = [];
    for (const r of orderSrv(srv)) {
      for (const address of await addresses(dns, r.name))
        out.push(named({ transport: t, address, port: r.port }, host));
    }
    if (out.length > 0) return out;
  }
  // §4.2: no SRV records: A/AAAA with the default port.
  const transport = forced ?? (uri.scheme === 'sips' ? 'TLS' : 'UDP');
  return (await addresses(dns, host)).map((address) =>
    named({ transport, address, port: defaultPort(transport) }, host),
  );
}
