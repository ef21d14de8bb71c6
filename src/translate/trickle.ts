/**
 * Trickle ICE: a Jingle transport-info (XEP-0176 §6) ⇄ an RFC 8840 sdpfrag, the body of a SIP
 * INFO with Info-Package `trickle-ice`. Each content with an ICE-UDP transport is one m= section,
 * named by a=mid; its credentials go with it so the peer can tell an ICE restart.
 */
import type { Content, Jingle } from '../jingle/types';
import type { SdpFrag } from '../sdp';
import { fromSdpCandidate, toSdpCandidate } from './ice';
import { InputError } from '../errors';

export function transportInfoToSdpFrag(j: Pick<Jingle, 'contents'>): SdpFrag {
  const media = [];
  for (const c of j.contents) {
    const t = c.transport;
    if (t?.kind !== 'ice-udp') continue;
    const m: SdpFrag['media'][number] = {
      type: c.description?.media ?? 'audio',
      mid: c.name,
      candidates: t.candidates.map(toSdpCandidate),
      endOfCandidates: false,
    };
    if (t.ufrag !== undefined) m.ufrag = t.ufrag;
    if (t.pwd !== undefined) m.pwd = t.pwd;
    media.push(m);
  }
  if (media.length === 0) {
    throw new InputError(
      'translate',
      "<jingle action='transport-info'>",
      'has no ICE-UDP transport to trickle',
    );
  }
  return { media };
}

/** The contents of a transport-info for an sdpfrag; an m= section without a=mid takes `names[i]`. */
export function sdpFragToContents(frag: SdpFrag, names: readonly string[] = []): Content[] {
  return frag.media.map((m, i) => {
    const ufrag = m.ufrag ?? frag.ufrag;
    const pwd = m.pwd ?? frag.pwd;
    const name = m.mid ?? names[i] ?? m.type;
    const content: Content = {
      creator: 'initiator',
      name,
      transport: {
        kind: 'ice-udp',
        candidates: m.candidates.map((c) => fromSdpCandidate(c, `sdpfrag m-section ${i + 1}`)),
        fingerprints: [],
        ...(ufrag !== undefined ? { ufrag } : {}),
        ...(pwd !== undefined ? { pwd } : {}),
      },
    };
    return content;
  });
}

/**
 * Whether a SIP peer takes trickled candidates in INFO (RFC 8840 §4.1): its INVITE or 2xx says
 * `Supported: trickle-ice` or `Recv-Info: trickle-ice`. `a=ice-options:trickle` alone is not
 * enough: an INFO of a package needs the peer's Recv-Info or option tag (RFC 6086 §4.3.1), and
 * WebRTC stacks write the attribute without speaking SIP INFO.
 */
export function advertisesTrickle(headers: { supported?: string; recvInfo?: string }): boolean {
  const listed = (v?: string): boolean =>
    (v ?? '').split(',').some((t) => t.trim().toLowerCase() === 'trickle-ice');
  return listed(headers.supported) || listed(headers.recvInfo);
}
