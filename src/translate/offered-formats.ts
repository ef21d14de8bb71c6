/**
 * RFC 3264 §6.1: an answer lists, for each stream it accepts, formats of the offer. The client's
 * description answering an offer it did not see (a transfer's new peer, docs/midcall.md
 * §Transfer) is cut down to the codecs that offer has — the same encoding name, clock rate and
 * channels (RFC 4566 §6 rtpmap; RFC 3551 §6 for static payload types without one). The client's
 * payload type numbers are kept: they are what it receives (§6.1). Pure.
 */
import type { Sdp, SdpMedia } from '../sdp/types';
import { staticPayloadType, type Tables } from './tables';

/** Formats that carry no media of their own (RFC 4733 events, RFC 3389 CN, RFC 2198 RED, RFC 4588 RTX, FEC). */
const AUXILIARY = new Set(['telephone-event', 'cn', 'red', 'rtx', 'ulpfec', 'flexfec-03']);

/** Each payload type of `m` with its codec, `name/clockrate/channels` (lower case). */
function codecs(m: SdpMedia, tables: Tables): Map<number, string> {
  const out = new Map<number, string>();
  for (const token of String(m.payloads ?? '').split(' ')) {
    const pt = Number(token);
    if (token === '' || !Number.isInteger(pt)) continue;
    const r = m.rtp.find((x) => x.payload === pt);
    const s = r ? undefined : staticPayloadType(pt, tables.codecs);
    const name = r?.codec ?? s?.name;
    if (name === undefined) continue;
    const rate = r?.rate ?? s?.clockrate;
    const channels = r ? (r.encoding ?? 1) : (s?.channels ?? 1);
    out.set(pt, `${name.toLowerCase()}/${rate ?? ''}/${channels}`);
  }
  return out;
}

/**
 * `answer` (in place) keeps only the formats `offer` has, m-section by m-section. Returns the
 * index of the first live m-section left with no media codec in common (auxiliary formats alone
 * carry no media), or undefined when every live one has one.
 */
export function keepOfferedFormats(answer: Sdp, offer: Sdp, tables: Tables): number | undefined {
  let unusable: number | undefined;
  answer.media.forEach((m, i) => {
    const o = offer.media[i];
    if (m.port === 0 || !o || o.port === 0) return;
    const offered = new Set(codecs(o, tables).values());
    const kept = [...codecs(m, tables)].filter(([, codec]) => offered.has(codec));
    const keep = new Set(kept.map(([pt]) => pt));
    if (!kept.some(([, codec]) => !AUXILIARY.has(codec.split('/')[0] ?? ''))) unusable ??= i;
    if (keep.size === 0) return;
    m.payloads = [...keep].join(' ');
    m.rtp = m.rtp.filter((r) => keep.has(r.payload));
    if (m.fmtp) m.fmtp = m.fmtp.filter((f) => keep.has(f.payload));
    if (m.rtcpFb) m.rtcpFb = m.rtcpFb.filter((f) => f.payload === '*' || keep.has(Number(f.payload)));
  });
  return unusable;
}
