/**
 * RFC 8840 §9 trickle-ice-sdpfrag bodies (RFC 8839 grammar): session-level ICE credentials,
 * then one m= line per media stream that has news, each with a=mid, a=ice-ufrag/pwd,
 * a=candidate lines and optionally a=end-of-candidates. What SIP INFO carries for trickle ICE.
 */
import { InputError } from '../errors';
import { formatCandidate, parseCandidate } from './candidate';
import type { SdpCandidate } from './types';
import { parseMediaLine } from './validate';

export interface SdpFragMedia {
  /** The m= line as written (RFC 8840 §9: `m=audio 9 RTP/AVP 0`, its values do not matter). */
  type: string;
  mid?: string;
  ufrag?: string;
  pwd?: string;
  candidates: SdpCandidate[];
  endOfCandidates: boolean;
}

export interface SdpFrag {
  ufrag?: string;
  pwd?: string;
  media: SdpFragMedia[];
}

export const MAX_SDPFRAG_BYTES = 64 * 1024;

export function parseSdpFrag(text: string): SdpFrag {
  if (Buffer.byteLength(text, 'utf8') > MAX_SDPFRAG_BYTES) {
    throw new InputError('sdp', 'sdpfrag', `larger than ${MAX_SDPFRAG_BYTES} bytes`);
  }
  const frag: SdpFrag = { media: [] };
  const lines = text.split('\n');
  let current: SdpFragMedia | undefined;
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') return;
    const where = `sdpfrag line ${i + 1} (${line.length > 60 ? `${line.slice(0, 60)}…` : line})`;
    try {
      if (line.startsWith('m=')) {
        const m = parseMediaLine(line.slice(2));
        current = { type: m.type, candidates: [], endOfCandidates: false };
        frag.media.push(current);
        return;
      }
      if (!line.startsWith('a='))
        throw new InputError('sdp', '', 'only a= and m= lines belong in an sdpfrag');
      const colon = line.indexOf(':');
      const name = colon < 0 ? line.slice(2) : line.slice(2, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1);
      const level: { ufrag?: string; pwd?: string } = current ?? frag;
      switch (name) {
        case 'ice-ufrag':
          level.ufrag = value;
          return;
        case 'ice-pwd':
          level.pwd = value;
          return;
        case 'mid':
          if (!current) throw new InputError('sdp', '', 'a=mid before any m= line');
          current.mid = value;
          return;
        case 'candidate':
          if (!current) throw new InputError('sdp', '', 'a=candidate before any m= line');
          current.candidates.push(parseCandidate(value));
          return;
        case 'end-of-candidates':
          if (current) current.endOfCandidates = true;
          else for (const m of frag.media) m.endOfCandidates = true;
          return;
        default:
          // RFC 8840 §9: other attributes (ice-options, …) may appear; they carry nothing for Jingle.
          return;
      }
    } catch (e) {
      if (e instanceof InputError) throw new InputError('sdp', where, e.detail);
      throw e;
    }
  });
  return frag;
}

export function writeSdpFrag(frag: SdpFrag): string {
  const out: string[] = [];
  if (frag.ufrag !== undefined) out.push(`a=ice-ufrag:${frag.ufrag}`);
  if (frag.pwd !== undefined) out.push(`a=ice-pwd:${frag.pwd}`);
  for (const m of frag.media) {
    out.push(`m=${m.type} 9 RTP/AVP 0`);
    if (m.mid !== undefined) out.push(`a=mid:${m.mid}`);
    if (m.ufrag !== undefined) out.push(`a=ice-ufrag:${m.ufrag}`);
    if (m.pwd !== undefined) out.push(`a=ice-pwd:${m.pwd}`);
    for (const c of m.candidates) out.push(`a=candidate:${formatCandidate(c)}`);
    if (m.endOfCandidates) out.push('a=end-of-candidates');
  }
  for (const line of out) {
    if (/[\r\n\0]/.test(line)) throw new InputError('sdp', 'sdpfrag', 'a value contains CR, LF or NUL');
  }
  return out.map((l) => `${l}\r\n`).join('');
}
