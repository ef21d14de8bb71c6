/**
 * Latency the gateway adds, from a capture on loopback (bench/e2e.ts runs `tcpdump -i lo -w F`
 * during one step at half the top rate): the kernel's timestamps of a SIP message reaching the
 * gateway and of the matching stanza leaving it on the component connection, and back. Pure:
 * bytes of a pcap file in, pairs of times out.
 *
 * Matching, per direction:
 * - SIP → XMPP: the INVITE in → the JMI `<propose>` out (the INVITE's From display name is
 *   "Bob N", bench/scenarios/uac.xml; the gateway carries it as the propose's XEP-0172 `<nick>`);
 *   the callee's `session-accept` in (sid = the propose id) → the INVITE's 200 out (Call-ID).
 * - XMPP → SIP: the `session-initiate` in → the INVITE out (the bot's ICE ufrag, bench/bots.ts
 *   ufragOf, is in the INVITE's SDP as a=ice-ufrag); the 200 in (Call-ID) → the
 *   `session-accept` out (sid).
 * The first copy of each message counts (a retransmission is not a new message).
 */

/** One SIP datagram or one complete stanza, with the capture's time in µs. */
export interface Captured {
  us: number;
  kind: 'sip' | 'xmpp';
  /** `in`: toward the gateway; `out`: from it. */
  direction: 'in' | 'out';
  text: string;
}

/** Reads a classic pcap (µs or ns timestamps; Ethernet, Linux cooked v1/v2 or raw IP links). */
export function* packets(
  buf: Buffer,
): Generator<{ us: number; proto: number; src: number; dst: number; seq: number; payload: Buffer }> {
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const link = u32(20);
  const linkLen = link === 1 ? 14 : link === 113 ? 16 : link === 276 ? 20 : link === 101 ? 0 : -1;
  if (linkLen < 0) throw new Error(`pcap link type ${link} not read here`);
  for (let o = 24; o + 16 <= buf.length;) {
    const us = u32(o) * 1e6 + (nano ? u32(o + 4) / 1000 : u32(o + 4));
    const len = u32(o + 8);
    const ip = o + 16 + linkLen;
    o += 16 + len;
    if (o > buf.length || (buf[ip] ?? 0) >> 4 !== 4) continue; // IPv4 only (the bench is on 127.0.0.1)
    const ihl = ((buf[ip] as number) & 0x0f) * 4;
    const total = buf.readUInt16BE(ip + 2);
    const proto = buf[ip + 9] as number;
    const l4 = ip + ihl;
    const src = buf.readUInt16BE(l4);
    const dst = buf.readUInt16BE(l4 + 2);
    if (proto === 17) yield { us, proto, src, dst, seq: 0, payload: buf.subarray(l4 + 8, ip + total) };
    else if (proto === 6) {
      const off = ((buf[l4 + 12] as number) >> 4) * 4;
      yield {
        us,
        proto,
        src,
        dst,
        seq: buf.readUInt32BE(l4 + 4),
        payload: buf.subarray(l4 + off, ip + total),
      };
    }
  }
}

/**
 * Splits a stream's text into its top-level stanzas (children of `<stream:stream>`), calling
 * `emit` with each one as it completes. Returns a feeder: text in, in order. Enough for the
 * XML that Prosody and ltx write (no `>` inside attribute values, no CDATA).
 */
export function stanzaSplitter(emit: (stanza: string) => void): (chunk: string) => void {
  let buf = '';
  // 1: inside the stream, between stanzas; 2+: inside a stanza. A capture starts on a stream
  // that is open already: inside it; a closing tag of a stanza begun before the capture is skipped.
  let depth = 1;
  let start = -1; // where the stanza in progress starts in buf
  let i = 0; // where to look for the next tag
  return (chunk: string) => {
    buf += chunk;
    for (;;) {
      const lt = buf.indexOf('<', i);
      const gt = lt < 0 ? -1 : buf.indexOf('>', lt);
      if (gt < 0) break;
      const tag = buf.slice(lt, gt + 1);
      i = gt + 1;
      if (tag.startsWith('<?') || tag.startsWith('<!')) continue;
      if (tag.startsWith('<stream:stream')) depth = 1;
      else if (tag.startsWith('</stream:stream')) depth = 0;
      else if (tag.startsWith('</')) {
        if (--depth === 1 && start >= 0) emit(buf.slice(start, i));
        if (depth <= 1) {
          depth = 1;
          start = -1;
        }
      } else if (tag.endsWith('/>')) {
        if (depth === 1) emit(tag);
      } else {
        if (depth === 1) start = lt;
        depth++;
      }
    }
    // Keep only what a stanza in progress or an incomplete tag still needs.
    const keep = start >= 0 ? start : i;
    buf = buf.slice(keep);
    i -= keep;
    if (start >= 0) start = 0;
  };
}

/**
 * The SIP datagrams to or from `sipPort` and the stanzas both ways on the TCP connection to
 * `componentPort`, in capture order.
 */
export function captured(pcap: Buffer, sipPort: number, componentPort: number): Captured[] {
  const out: Captured[] = [];
  const next = new Map<string, number>();
  let at = 0;
  const splitters = new Map<string, (s: string) => void>();
  for (const p of packets(pcap)) {
    if (p.proto === 17 && (p.dst === sipPort || p.src === sipPort) && p.payload.length > 0) {
      out.push({
        us: p.us,
        kind: 'sip',
        direction: p.dst === sipPort ? 'in' : 'out',
        text: p.payload.toString('latin1'),
      });
    } else if (
      p.proto === 6 &&
      (p.dst === componentPort || p.src === componentPort) &&
      p.payload.length > 0
    ) {
      const direction = p.src === componentPort ? 'in' : 'out';
      const key = `${p.src}>${p.dst}`;
      const expected = next.get(key);
      // Loopback keeps order; a retransmitted segment is skipped.
      if (expected !== undefined && ((p.seq - expected) | 0) < 0) continue;
      next.set(key, (p.seq + p.payload.length) >>> 0);
      let split = splitters.get(key);
      if (split === undefined) {
        split = stanzaSplitter((text) => out.push({ us: at, kind: 'xmpp', direction, text }));
        splitters.set(key, split);
      }
      at = p.us;
      split(p.payload.toString('utf8'));
    }
  }
  return out;
}

export interface AddedLatency {
  /** µs from the SIP message in to the stanza out. */
  sipToXmpp: number[];
  /** µs from the stanza in to the SIP message out. */
  xmppToSip: number[];
}

const header = (text: string, ...names: string[]): string | undefined => {
  for (const line of text.split('\r\n')) {
    const c = line.indexOf(':');
    if (c > 0 && names.includes(line.slice(0, c).trim().toLowerCase())) return line.slice(c + 1).trim();
    if (line === '') break;
  }
  return undefined;
};
const attr = (text: string, name: string): string | undefined =>
  new RegExp(`\\s${name}=["']([^"']*)["']`).exec(text)?.[1];
const firstOnly = <K>(m: Map<K, number>, k: K, us: number): void => {
  if (!m.has(k)) m.set(k, us);
};

/** Pairs of a SIP → XMPP call's messages (see the file comment): the gateway's part of setup. */
export function sipOriginated(msgs: readonly Captured[]): AddedLatency {
  const inviteIn = new Map<string, number>(); // call number → µs
  const callIdOf = new Map<string, string>(); // call number → Call-ID
  const proposeOut = new Map<string, number>(); // call number → µs
  const sidToNumber = new Map<string, string>();
  const acceptIn = new Map<string, number>(); // sid → µs
  const okOut = new Map<string, number>(); // Call-ID → µs
  for (const m of msgs) {
    if (m.kind === 'sip' && m.direction === 'in' && m.text.startsWith('INVITE ')) {
      const n = /"Bob (\d+)"/.exec(header(m.text, 'from', 'f') ?? '')?.[1];
      if (n !== undefined) {
        firstOnly(inviteIn, n, m.us);
        callIdOf.set(n, header(m.text, 'call-id', 'i') ?? '');
      }
    } else if (m.kind === 'sip' && m.direction === 'out' && m.text.startsWith('SIP/2.0 200')) {
      if (/INVITE/i.test(header(m.text, 'cseq') ?? ''))
        firstOnly(okOut, header(m.text, 'call-id', 'i') ?? '', m.us);
    } else if (
      m.kind === 'xmpp' &&
      m.direction === 'out' &&
      m.text.startsWith('<message') &&
      m.text.includes('<propose')
    ) {
      const n = /<nick[^>]*>Bob (\d+)<\/nick>/.exec(m.text)?.[1];
      const sid = attr(m.text.slice(m.text.indexOf('<propose')), 'id');
      if (n !== undefined && sid !== undefined) {
        firstOnly(proposeOut, n, m.us);
        sidToNumber.set(sid, n);
      }
    } else if (m.kind === 'xmpp' && m.direction === 'in' && /action=["']session-accept["']/.test(m.text)) {
      const sid = attr(m.text.slice(m.text.indexOf('<jingle')), 'sid');
      if (sid !== undefined) firstOnly(acceptIn, sid, m.us);
    }
  }
  const r: AddedLatency = { sipToXmpp: [], xmppToSip: [] };
  for (const [n, t] of inviteIn) {
    const p = proposeOut.get(n);
    if (p !== undefined) r.sipToXmpp.push(p - t);
  }
  for (const [sid, t] of acceptIn) {
    const n = sidToNumber.get(sid);
    const ok = n === undefined ? undefined : okOut.get(callIdOf.get(n) ?? '');
    if (ok !== undefined) r.xmppToSip.push(ok - t);
  }
  return r;
}

/** Pairs of an XMPP → SIP call's messages (see the file comment). */
export function xmppOriginated(msgs: readonly Captured[]): AddedLatency {
  const initiateIn = new Map<string, number>(); // ufrag → µs
  const sidOfUfrag = new Map<string, string>();
  const inviteOut = new Map<string, number>(); // ufrag → µs
  const callIdToSid = new Map<string, string>();
  const ufragOfCallId = new Map<string, string>();
  const okIn = new Map<string, number>(); // Call-ID → µs
  const acceptOut = new Map<string, number>(); // sid → µs
  for (const m of msgs) {
    if (m.kind === 'xmpp' && m.direction === 'in' && /action=["']session-initiate["']/.test(m.text)) {
      const ufrag = attr(m.text.slice(m.text.indexOf('<transport')), 'ufrag');
      const sid = attr(m.text.slice(m.text.indexOf('<jingle')), 'sid');
      if (ufrag !== undefined && sid !== undefined) {
        firstOnly(initiateIn, ufrag, m.us);
        sidOfUfrag.set(ufrag, sid);
      }
    } else if (m.kind === 'sip' && m.direction === 'out' && m.text.startsWith('INVITE ')) {
      const ufrag = /a=ice-ufrag:(\S+)/.exec(m.text)?.[1];
      const callId = header(m.text, 'call-id', 'i');
      if (ufrag !== undefined && callId !== undefined) {
        firstOnly(inviteOut, ufrag, m.us);
        ufragOfCallId.set(callId, ufrag);
      }
    } else if (m.kind === 'sip' && m.direction === 'in' && m.text.startsWith('SIP/2.0 200')) {
      if (/INVITE/i.test(header(m.text, 'cseq') ?? ''))
        firstOnly(okIn, header(m.text, 'call-id', 'i') ?? '', m.us);
    } else if (m.kind === 'xmpp' && m.direction === 'out' && /action=["']session-accept["']/.test(m.text)) {
      const sid = attr(m.text.slice(m.text.indexOf('<jingle')), 'sid');
      if (sid !== undefined) firstOnly(acceptOut, sid, m.us);
    }
  }
  for (const [callId, ufrag] of ufragOfCallId) callIdToSid.set(callId, sidOfUfrag.get(ufrag) ?? '');
  const r: AddedLatency = { sipToXmpp: [], xmppToSip: [] };
  for (const [ufrag, t] of initiateIn) {
    const i = inviteOut.get(ufrag);
    if (i !== undefined) r.xmppToSip.push(i - t);
  }
  for (const [callId, t] of okIn) {
    const a = acceptOut.get(callIdToSid.get(callId) ?? '');
    if (a !== undefined) r.sipToXmpp.push(a - t);
  }
  return r;
}
