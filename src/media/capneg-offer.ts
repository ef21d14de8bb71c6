/**
 * The `capneg` offer profile (docs/media.md §Profiles): rtpengine's DTLS-SRTP offer rewritten as
 * RFC 5939 capability negotiation, the form the XTLS mapping uses (docs/design.md §Security). The actual
 * configuration is plain RTP/AVP; DTLS-SRTP is potential configuration 1:
 * `a=tcap:1 UDP/TLS/RTP/SAVP RTP/AVP`, `a=pcfg:1 t=1`, with rtpengine's fingerprint and setup.
 * A peer that takes it answers `a=acfg:1 t=1` in UDP/TLS/RTP/SAVP, which rtpengine reads as the
 * DTLS answer it expects; one that does not answers RTP/AVP (RFC 5939 §3.12).
 */
import type { Sdp } from '../sdp/types';

export function toCapNegOffer(dtls: Sdp): Sdp {
  const sdp = structuredClone(dtls);
  for (const m of sdp.media) {
    if (m.port === 0 || !/^UDP\/TLS\//i.test(m.protocol)) continue;
    m.capneg.tcap = [{ base: 1, protos: [m.protocol, 'RTP/AVP'] }];
    m.capneg.pcfg = [{ num: 1, transports: [1], extensions: [] }];
    m.protocol = 'RTP/AVP';
  }
  return sdp;
}
