/**
 * A SIP-originated call's SDP toward the SIP peer, written from the answering device's
 * session-accept (XEP-0166 §6.5 → RFC 3264 §6): the answer to the offer the device was given,
 * to a later offer of the peer's, and our own later offers, which keep what the first exchange
 * settled — the profiles and the DTLS roles (RFC 8842 §5.5).
 */
import type { Jingle } from '../jingle/types';
import { forAnswer } from '../media/flags';
import type { Sdp } from '../sdp/types';
import { jingleToSdpObject } from '../translate/description';
import type { Tables } from '../translate/tables';
import type { Effect } from './events';

/** The device's answer to `offer`; `sessionVersion` for a later answer (RFC 3264 §8). */
export function deviceAnswer(
  tables: Tables,
  accept: Jingle,
  offer: Sdp,
  host: string,
  sessionVersion?: number,
): Sdp {
  const origin = sessionVersion === undefined ? { address: host } : { address: host, sessionVersion };
  return jingleToSdpObject(accept, tables, { offer, origin });
}

/**
 * A new offer with the device's candidates so far, written like the answer was, less the
 * answer-only a=acfg (RFC 5939 §3.12).
 */
export function deviceReoffer(
  tables: Tables,
  accept: Jingle,
  sipOffer: Sdp,
  host: string,
  sessionVersion: number,
): Sdp {
  const sdp = deviceAnswer(tables, accept, sipOffer, host, sessionVersion);
  for (const m of sdp.media) m.capneg.acfg = [];
  return sdp;
}

/** The device's answer handed to the anchor: for the 200 OK (`answer`), or with later candidates. */
export function anchorAnswer(sdp: string, purpose: 'answer' | 'refresh'): Effect {
  return { kind: 'media', op: 'answer', purpose, fromTag: 'sip', toTag: 'jingle', sdp, flags: forAnswer() };
}
