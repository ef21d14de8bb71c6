/**
 * ICE-UDP (XEP-0176) and raw-UDP (XEP-0177) transports ⇄ SDP connection data, ports and
 * candidates (RFC 8839 §5.1).
 */
import { isIP, isIPv6 } from 'node:net';
import type { MediaDescription } from 'sdp-transform';
import type {
  IceCandidate,
  IceUdpTransport,
  RawCandidate,
  RawUdpTransport,
  Transport,
} from '../jingle/types';
import type { SdpMedia } from '../sdp/types';
import { InputError } from '../errors';

type SdpCandidate = NonNullable<MediaDescription['candidates']>[number];

/** Where the m= line points: port and c= address (RFC 8839 §4.2 default candidate). */
export interface DefaultAddress {
  port: number;
  ip: string;
  rtcp?: { port: number; ip: string };
}

/** JSEP §5.2.1: with no candidate yet (trickle), the m= port is 9 and c= is 0.0.0.0. */
const NO_CANDIDATE: DefaultAddress = { port: 9, ip: '0.0.0.0' };
const REJECTED: DefaultAddress = { port: 0, ip: '0.0.0.0' };

// RFC 8839 §4.2: prefer relayed, then server-reflexive, then host candidates as the default.
const TYPE_RANK: Record<IceCandidate['type'], number> = { relay: 0, srflx: 1, prflx: 2, host: 3 };

export function defaultAddress(transport: Transport | undefined): DefaultAddress {
  if (!transport) return NO_CANDIDATE;
  if (transport.kind === 'raw-udp') {
    const rtp = transport.candidates.find((c) => c.component === 1);
    const rtcp = transport.candidates.find((c) => c.component === 2);
    // Raw UDP without an address is a stream that is not used: m= port 0 (RFC 3264 §6).
    if (!rtp) return REJECTED;
    return rtcp
      ? { port: rtp.port, ip: rtp.ip, rtcp: { port: rtcp.port, ip: rtcp.ip } }
      : { port: rtp.port, ip: rtp.ip };
  }
  let best: IceCandidate | undefined;
  for (const c of transport.candidates) {
    // An mDNS name (`<uuid>.local`) means nothing to a peer without ICE: as JSEP §5.2.1 does,
    // such candidates never become the c= address.
    if (c.component !== 1 || c.protocol.toLowerCase() !== 'udp' || isIP(c.ip) === 0) continue;
    if (
      !best ||
      TYPE_RANK[c.type] < TYPE_RANK[best.type] ||
      (c.type === best.type && c.priority > best.priority)
    ) {
      best = c;
    }
  }
  if (!best) return NO_CANDIDATE;
  const chosen = best;
  const rtcp = transport.candidates.find(
    (c) => c.component === 2 && c.foundation === chosen.foundation && c.protocol === chosen.protocol,
  );
  return rtcp
    ? { port: chosen.port, ip: chosen.ip, rtcp: { port: rtcp.port, ip: rtcp.ip } }
    : { port: chosen.port, ip: chosen.ip };
}

export function ipVersion(ip: string): 4 | 6 {
  return isIPv6(ip) ? 6 : 4;
}

export function toSdpCandidate(c: IceCandidate): SdpCandidate {
  const out: SdpCandidate = {
    foundation: c.foundation,
    component: c.component,
    transport: c.protocol,
    priority: c.priority,
    ip: c.ip,
    port: c.port,
    type: c.type,
  };
  if (c.relAddr !== undefined) out.raddr = c.relAddr;
  if (c.relPort !== undefined) out.rport = c.relPort;
  if (c.tcptype !== undefined) out.tcptype = c.tcptype;
  out.generation = c.generation;
  // XEP-0176 `network` is the interface index browsers write as `network-id` (0 is the default).
  if (c.network) out['network-id'] = c.network;
  return out;
}

/**
 * XEP-0176 §5.3: `id` and `network` have no SDP form. The id is derived from the candidate's
 * own fields, so the same SDP candidate always gets the same id (a stable identity across a
 * re-INVITE or a repeated translation).
 */
export function fromSdpCandidate(c: SdpCandidate, where: string): IceCandidate {
  const out: IceCandidate = {
    component: c.component,
    foundation: String(c.foundation),
    generation: c.generation ?? 0,
    id: stableId(`${c.foundation} ${c.component} ${c.transport} ${c.ip} ${c.port} ${c.type}`),
    ip: c.ip,
    network: c['network-id'] ?? 0,
    port: c.port,
    priority: c.priority,
    protocol: c.transport.toLowerCase(),
    type: candidateType(c.type, where),
  };
  if (c.raddr !== undefined) out.relAddr = c.raddr;
  if (c.rport !== undefined) out.relPort = c.rport;
  if (c.tcptype !== undefined) out.tcptype = c.tcptype as IceCandidate['tcptype'];
  return out;
}

function candidateType(type: string, where: string): IceCandidate['type'] {
  if (type === 'host' || type === 'srflx' || type === 'prflx' || type === 'relay') return type;
  throw new InputError('sdp', where, `unknown candidate type '${type}'`);
}

/** FNV-1a, 32 bit, as 8 hex digits: short, stable, and enough to tell candidates apart. */
export function stableId(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Writes the ICE attributes of one transport onto an m-section. */
export function writeIce(t: IceUdpTransport, m: SdpMedia): void {
  if (t.ufrag !== undefined) m.iceUfrag = t.ufrag;
  if (t.pwd !== undefined) m.icePwd = t.pwd;
  if (t.candidates.length > 0) m.candidates = t.candidates.map(toSdpCandidate);
  if (t.remoteCandidate) {
    const r = t.remoteCandidate;
    m.remoteCandidates = `${r.component} ${r.ip} ${r.port}`;
  }
}

/** Reads ICE from an m-section, with session-level ufrag/pwd as the fallback (RFC 8839 §5.4). */
export function readIce(
  m: SdpMedia,
  session: { iceUfrag?: string; icePwd?: string },
  where: string,
): IceUdpTransport {
  const t: IceUdpTransport = {
    kind: 'ice-udp',
    candidates: (m.candidates ?? []).map((c) => fromSdpCandidate(c, where)),
    fingerprints: [],
  };
  const ufrag = m.iceUfrag ?? session.iceUfrag;
  const pwd = m.icePwd ?? session.icePwd;
  if (ufrag !== undefined) t.ufrag = ufrag;
  if (pwd !== undefined) t.pwd = pwd;
  if (m.remoteCandidates) {
    // RFC 8839 §5.2: `a=remote-candidates:<component> <ip> <port> …`; Jingle carries one.
    const [component, ip, port] = m.remoteCandidates.trim().split(/\s+/);
    if (component !== undefined && ip !== undefined && port !== undefined) {
      t.remoteCandidate = { component: Number(component), ip, port: Number(port) };
    }
  }
  return t;
}

/** True when an m-section uses ICE: it has credentials or candidates (RFC 8839 §5.4). */
export function usesIce(m: SdpMedia, session: { iceUfrag?: string }): boolean {
  return m.iceUfrag !== undefined || session.iceUfrag !== undefined || (m.candidates?.length ?? 0) > 0;
}

/**
 * XEP-0177 from plain SDP: component 1 is the c= address and m= port; component 2 is a=rtcp
 * when present (RFC 3605). Ids are stable for the same address.
 */
export function readRawUdp(m: SdpMedia, sessionIp: string | undefined): RawUdpTransport {
  const ip = m.connection?.ip ?? sessionIp ?? '0.0.0.0';
  // RFC 3264 §6: port 0 rejects (or disables) the stream; there is no address to carry.
  if (m.port === 0) return { kind: 'raw-udp', candidates: [], fingerprints: [] };
  const candidates: RawCandidate[] = [
    { component: 1, generation: 0, id: stableId(`raw 1 ${ip} ${m.port}`), ip, port: m.port },
  ];
  if (m.rtcp) {
    const rtcpIp = m.rtcp.address ?? ip;
    candidates.push({
      component: 2,
      generation: 0,
      id: stableId(`raw 2 ${rtcpIp} ${m.rtcp.port}`),
      ip: rtcpIp,
      port: m.rtcp.port,
    });
  }
  return { kind: 'raw-udp', candidates, fingerprints: [] };
}
