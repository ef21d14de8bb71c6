/**
 * XEP-0177: Jingle Raw UDP Transport Method (version 1.1).
 *
 * `<transport xmlns='urn:xmpp:jingle:transports:raw-udp:1'>` with `<candidate component generation
 * id ip port type>` children (§5): component 1 is RTP, component 2 RTCP.
 */
import { Element } from 'ltx';
import { UINT32_MAX, append, build, localName, nsOf, optInt, optString, reqInt, reqHost, tag } from './attrs';
import { NS_DTLS, NS_RAW_UDP } from './namespaces';
import { MAX_CANDIDATES, checkCount } from './limits';
import type { HashTable } from '../mapping';
import { dtlsFingerprintToElement, parseDtlsFingerprint } from './xep0320';
import type { RawCandidate, RawUdpTransport } from './types';

export function parseRawCandidate(el: Element): RawCandidate {
  const where = tag(el, 'id');
  const c: RawCandidate = {
    component: reqInt(el, 'component', 1, 256, where),
    generation: optInt(el, 'generation', 0, UINT32_MAX, where) ?? 0,
    id: '',
    ip: reqHost(el, 'ip', where),
    port: reqInt(el, 'port', 1, 65535, where),
  };
  // XEP-0177 §5 requires id and generation; missing ones get defaults (see xep0176.ts).
  c.id = optString(el, 'id') ?? `raw-${c.component}-${c.port}`;
  const type = optString(el, 'type');
  if (type !== undefined) c.type = type;
  return c;
}

export function parseRawUdpTransport(el: Element, ns: string, hashes: HashTable): RawUdpTransport {
  const t: RawUdpTransport = { kind: 'raw-udp', candidates: [], fingerprints: [] };
  for (const child of el.children) {
    if (typeof child === 'string') continue;
    const cns = nsOf(child, ns);
    const name = localName(child);
    if (cns === NS_RAW_UDP) {
      if (name === 'candidate') {
        t.candidates.push(parseRawCandidate(child));
        checkCount(t.candidates.length, MAX_CANDIDATES, '<transport>', '<candidate> elements');
      }
      // Other elements are ignored (XEP-0166 §10).
    } else if (cns === NS_DTLS && name === 'fingerprint') {
      t.fingerprints.push(parseDtlsFingerprint(child, hashes));
    }
  }
  return t;
}

export function rawUdpTransportToElement(t: RawUdpTransport): Element {
  const el = build('transport', { xmlns: NS_RAW_UDP });
  for (const fp of t.fingerprints) append(el, dtlsFingerprintToElement(fp));
  for (const c of t.candidates) {
    append(
      el,
      build('candidate', {
        component: c.component,
        generation: c.generation,
        id: c.id,
        ip: c.ip,
        port: c.port,
        type: c.type,
      }),
    );
  }
  return el;
}
