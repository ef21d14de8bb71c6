/**
 * XEP-0176: Jingle ICE-UDP Transport Method (version 1.1.1, 2021-03-04).
 *
 * `<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag pwd>` with `<candidate>` (§5.3),
 * `<remote-candidate>` (§5.4) and XEP-0320 `<fingerprint>` children. Candidates cross to SDP
 * `a=candidate` unchanged, so every attribute is kept and checked.
 */
import { Element } from 'ltx';
import {
  UINT32_MAX,
  append,
  build,
  fail,
  localName,
  nsOf,
  optEnum,
  optInt,
  optIp,
  optString,
  reqInt,
  reqIp,
  reqString,
  tag,
} from './attrs';
import { NS_DTLS, NS_ICE_UDP } from './namespaces';
import { MAX_CANDIDATES, checkCount } from './limits';
import type { HashTable } from '../mapping';
import { dtlsFingerprintToElement, parseDtlsFingerprint } from './xep0320';
import type { IceCandidate, IceUdpTransport, RemoteCandidate } from './types';

export const CANDIDATE_TYPES: readonly IceCandidate['type'][] = ['host', 'prflx', 'relay', 'srflx'];
export const TCP_TYPES: readonly NonNullable<IceCandidate['tcptype']>[] = ['active', 'passive', 'so'];

export function parseIceCandidate(el: Element): IceCandidate {
  const where = tag(el, 'id');
  const component = reqInt(el, 'component', 1, 256, where);
  const foundation = reqString(el, 'foundation', where);
  // XEP-0176 §5.3 requires id and generation, but clients built on stanza.io send neither;
  // be liberal: generation 0, and an id that names the candidate by its own fields.
  const generation = optInt(el, 'generation', 0, UINT32_MAX, where) ?? 0;
  const ip = reqIp(el, 'ip', where);
  const network = optInt(el, 'network', 0, UINT32_MAX, where);
  const tcptype = optEnum(el, 'tcptype', TCP_TYPES, where);
  // RFC 6544 §4.5: an active TCP candidate has no listening port and signals port 9 or 0.
  const port = reqInt(el, 'port', tcptype === 'active' ? 0 : 1, 65535, where);
  const priority = reqInt(el, 'priority', 0, UINT32_MAX, where);
  const protocol = reqString(el, 'protocol', where);
  const type = reqString(el, 'type', where);
  if (!(CANDIDATE_TYPES as readonly string[]).includes(type)) {
    fail(`${where} type`, `'${type}' is not one of ${CANDIDATE_TYPES.join(', ')}`);
  }
  const id = optString(el, 'id') ?? `${foundation}-${component}-${el.attrs.protocol}-${port}`;
  const relAddr = optIp(el, 'rel-addr', where);
  const relPort = optInt(el, 'rel-port', 0, 65535, where);
  const c: IceCandidate = {
    component,
    foundation,
    generation,
    id,
    ip,
    port,
    priority,
    protocol,
    type: type as IceCandidate['type'],
  };
  if (network !== undefined) c.network = network;
  if (relAddr !== undefined) c.relAddr = relAddr;
  if (relPort !== undefined) c.relPort = relPort;
  if (tcptype !== undefined) c.tcptype = tcptype;
  return c;
}

export function parseRemoteCandidate(el: Element): RemoteCandidate {
  const where = tag(el);
  return {
    component: reqInt(el, 'component', 1, 256, where),
    ip: reqIp(el, 'ip', where),
    port: reqInt(el, 'port', 0, 65535, where),
  };
}

/** Parses the transport; `ns` is its (already resolved) namespace, NS_ICE_UDP. */
export function parseIceUdpTransport(el: Element, ns: string, hashes: HashTable): IceUdpTransport {
  const t: IceUdpTransport = { kind: 'ice-udp', candidates: [], fingerprints: [] };
  const ufrag = optString(el, 'ufrag');
  const pwd = optString(el, 'pwd');
  // RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/"; ufrag 4–256, pwd 22–256 of them.
  if (ufrag !== undefined && !/^[A-Za-z0-9+/]{4,256}$/.test(ufrag))
    fail('<transport ufrag>', 'not 4–256 ICE characters (RFC 8839 §5.4)');
  if (pwd !== undefined && !/^[A-Za-z0-9+/]{22,256}$/.test(pwd))
    fail('<transport pwd>', 'not 22–256 ICE characters (RFC 8839 §5.4)');
  if (ufrag !== undefined) t.ufrag = ufrag;
  if (pwd !== undefined) t.pwd = pwd;
  for (const child of el.children) {
    if (typeof child === 'string') continue;
    const cns = nsOf(child, ns);
    const name = localName(child);
    if (cns === NS_ICE_UDP) {
      if (name === 'candidate') {
        t.candidates.push(parseIceCandidate(child));
        checkCount(t.candidates.length, MAX_CANDIDATES, '<transport>', '<candidate> elements');
      } else if (name === 'remote-candidate') {
        if (t.remoteCandidate) fail('<transport> <remote-candidate>', 'more than one');
        t.remoteCandidate = parseRemoteCandidate(child);
      }
      // Other elements (XEP-0176 extensions) are ignored, as XEP-0166 §10 asks of unknown ones.
    } else if (cns === NS_DTLS && name === 'fingerprint') {
      t.fingerprints.push(parseDtlsFingerprint(child, hashes));
    }
    // Elements of other namespaces are extensions (XEP-0166 extensibility): ignored.
  }
  return t;
}

export function iceCandidateToElement(c: IceCandidate): Element {
  // Alphabetical, as the XEP's examples write them.
  return build('candidate', {
    component: c.component,
    foundation: c.foundation,
    generation: c.generation,
    id: c.id,
    ip: c.ip,
    network: c.network,
    port: c.port,
    priority: c.priority,
    protocol: c.protocol,
    'rel-addr': c.relAddr,
    'rel-port': c.relPort,
    tcptype: c.tcptype,
    type: c.type,
  });
}

export function iceUdpTransportToElement(t: IceUdpTransport): Element {
  const el = build('transport', { xmlns: NS_ICE_UDP, pwd: t.pwd, ufrag: t.ufrag });
  for (const fp of t.fingerprints) append(el, dtlsFingerprintToElement(fp));
  for (const c of t.candidates) append(el, iceCandidateToElement(c));
  if (t.remoteCandidate) {
    const r = t.remoteCandidate;
    append(el, build('remote-candidate', { component: r.component, ip: r.ip, port: r.port }));
  }
  return el;
}
