/**
 * What one side's media description asks of the other (docs/media.md §Deciding): ICE
 * (XEP-0176 / RFC 8445 `a=ice-ufrag`), DTLS-SRTP (XEP-0320 / RFC 5763 `a=fingerprint`), SDES
 * (`<crypto>` / RFC 4568 `a=crypto`), XTLS offered as an RFC 5939 potential configuration.
 * Only m-sections that carry media count (port 0 is a rejected stream, RFC 3264 §6).
 */
import type { Jingle } from '../jingle/types';
import type { Sdp } from '../sdp/types';

export interface MediaShape {
  /** Every media stream has ICE credentials. */
  ice: boolean;
  /** Every media stream has DTLS-SRTP (a fingerprint on the actual configuration). */
  dtls: boolean;
  /** Some stream offers SDES keys. */
  sdes: boolean;
  /** Some stream offers DTLS only as a potential configuration (RFC 5939, the XTLS mapping). */
  capneg: boolean;
}

export function sdpShape(sdp: Sdp): MediaShape {
  const live = sdp.media.filter((m) => m.port !== 0);
  const all = (f: (m: Sdp['media'][number]) => boolean): boolean => live.length > 0 && live.every(f);
  return {
    ice: all((m) => (m.iceUfrag ?? sdp.iceUfrag) !== undefined),
    // RFC 5763 §5: DTLS-SRTP is the UDP/TLS/RTP/SAVP(F) profile with a fingerprint (media or session).
    dtls: all((m) => /^UDP\/TLS\//i.test(m.protocol) && m.fingerprints.length + sdp.fingerprints.length > 0),
    sdes: live.some((m) => (m.crypto?.length ?? 0) > 0),
    capneg: live.some((m) => m.capneg.pcfg.length > 0 || m.capneg.tcap.length > 0),
  };
}

export function jingleShape(j: Jingle): MediaShape {
  const live = j.contents.filter((c) => c.senders !== 'none' || c.description !== undefined);
  const all = (f: (c: Jingle['contents'][number]) => boolean): boolean => live.length > 0 && live.every(f);
  return {
    ice: all((c) => c.transport?.kind === 'ice-udp'),
    dtls: all((c) => (c.transport?.fingerprints.length ?? 0) > 0),
    sdes: live.some((c) => (c.description?.encryption?.cryptos.length ?? 0) > 0),
    capneg: live.some((c) => c.security !== undefined),
  };
}
