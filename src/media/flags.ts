/**
 * The ng flags of each anchored offer (docs/media.md §Profiles). rtpengine rewrites the SDP it is
 * given for the other side: toward an XMPP client ICE and DTLS-SRTP with rtcp-mux (what WebRTC
 * requires), toward a SIP peer what the offer profile says, without ICE.
 */
import type { OfferProfile } from '../config/config';
import type { NgFlags } from './ng-client';
import type { MediaShape } from './shape';

/** The gateway writes its own o= and c= from rtpengine's addresses (RFC 4566 §5.2, §5.7). */
const REPLACE = ['origin', 'session-connection'];

/** Toward the XMPP client: ICE (XEP-0176) and DTLS-SRTP (XEP-0320), rtcp-mux required by WebRTC. */
export function towardXmpp(): NgFlags {
  return {
    ICE: 'force',
    'transport-protocol': 'UDP/TLS/RTP/SAVPF',
    'rtcp-mux': ['offer', 'require'],
    SDES: ['off'],
    replace: REPLACE,
  };
}

/** The profile `as-offered` stands for: the security form of the Jingle offer. */
export function concreteProfile(
  profile: OfferProfile,
  offer: MediaShape,
): Exclude<OfferProfile, 'as-offered'> {
  if (profile !== 'as-offered') return profile;
  if (offer.dtls) return 'dtls';
  if (offer.sdes) return 'sdes';
  if (offer.capneg) return 'capneg';
  return 'rtp';
}

/**
 * Toward the SIP peer, for one profile: no ICE; rtcp-mux only if the peer takes it (`demux`
 * offers separate RTCP, `accept` keeps mux toward the client). `capneg` asks for DTLS here and is
 * turned into RTP/AVP with an RFC 5939 potential configuration by `toCapNegOffer`.
 */
export function towardSip(profile: Exclude<OfferProfile, 'as-offered'>): NgFlags {
  const base: NgFlags = { ICE: 'remove', 'rtcp-mux': ['demux', 'accept'], replace: REPLACE };
  switch (profile) {
    case 'dtls':
    case 'capneg':
      return { ...base, 'transport-protocol': 'UDP/TLS/RTP/SAVP', SDES: ['off'] };
    case 'sdes':
      return { ...base, 'transport-protocol': 'RTP/SAVP', DTLS: 'off' };
    case 'rtp':
      return { ...base, 'transport-protocol': 'RTP/AVP', DTLS: 'off', SDES: ['off'] };
  }
}

/** Answers carry no flags: rtpengine answers each side in the form that side offered. */
export function forAnswer(): NgFlags {
  return { replace: REPLACE };
}
