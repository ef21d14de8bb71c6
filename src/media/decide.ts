/**
 * Whether a call's media goes through the anchor (docs/media.md §Deciding). Pure: the call asks
 * with what it knows when its first offer must go out.
 *
 * | mode   | SIP → XMPP (the SIP offer)                 | XMPP → SIP (the Jingle offer, the route's peer)        |
 * |--------|--------------------------------------------|--------------------------------------------------------|
 * | never  | end to end                                 | end to end                                             |
 * | always | anchor                                     | anchor                                                 |
 * | auto   | anchor unless it has ICE and DTLS-SRTP     | anchor unless the declared peer does all the offer asks |
 *
 * `auto` without rtpengine configured keeps media end to end; an answer that cannot work is then
 * refused (see `answerProblem`), never connected silently.
 */
import type { Reason } from '../jingle/types';
import type { MediaPolicy } from './policy';
import type { MediaShape } from './shape';

export type AnchorDecision = { anchor: false } | { anchor: true; why: string };

/**
 * SIP → XMPP: XMPP clients (Conversations, Dino, every WebRTC client) need ICE-UDP and
 * DTLS-SRTP (XEP-0176, XEP-0320); an offer lacking either is anchored.
 */
export function decideSipToXmpp(offer: MediaShape, p: MediaPolicy): AnchorDecision {
  if (p.mode === 'never' || !p.available) return { anchor: false };
  if (p.mode === 'always') return { anchor: true, why: 'anchor: always' };
  if (!offer.ice) return { anchor: true, why: 'the SIP offer has no ICE' };
  if (!offer.dtls) return { anchor: true, why: 'the SIP offer has no DTLS-SRTP' };
  return { anchor: false };
}

/**
 * XMPP → SIP: the SIP peer's abilities are unknown before its answer, so they come from the
 * route's declaration; nothing declared means anchor (most phones and trunks have no ICE).
 */
export function decideXmppToSip(offer: MediaShape, p: MediaPolicy): AnchorDecision {
  if (p.mode === 'never' || !p.available) return { anchor: false };
  if (p.mode === 'always') return { anchor: true, why: 'anchor: always' };
  if (p.peer === undefined) return { anchor: true, why: 'the SIP peer declares no ICE or DTLS' };
  if (offer.ice && !p.peer.ice) return { anchor: true, why: 'the Jingle offer has ICE, the SIP peer not' };
  if (offer.dtls && !p.peer.dtls)
    return { anchor: true, why: 'the Jingle offer has DTLS-SRTP, the SIP peer not' };
  return { anchor: false };
}

/**
 * An end-to-end SIP answer the XMPP client cannot use, with the reason to end the call: an
 * DTLS-SRTP offer answered without it (XEP-0320; never downgraded), or an ICE-UDP offer
 * answered without ICE (XEP-0176: the responder uses the offered transport; WebRTC refuses it). Undefined when the answer fits.
 */
export function answerProblem(offer: MediaShape, answer: MediaShape, anchorHint: string): Reason | undefined {
  if (offer.dtls && !answer.dtls) {
    return {
      condition: 'security-error',
      text: `the SIP peer answered without DTLS-SRTP (no UDP/TLS profile with a=fingerprint) and the XMPP client requires it; ${anchorHint}`,
    };
  }
  if (offer.ice && !answer.ice) {
    return {
      condition: 'unsupported-transports',
      text: `the SIP peer answered without ICE (no a=ice-ufrag/a=candidate) and the XMPP client offered ICE-UDP only; ${anchorHint}`,
    };
  }
  return undefined;
}

/** Why nothing bridged the two sides, for the texts above. */
export function anchorHint(p: MediaPolicy): string {
  if (p.mode === 'never') return 'media anchoring is off (media.anchor: never)';
  if (!p.available) return 'no media anchor is configured (media.rtpengine)';
  return 'the media anchor was not used';
}

/** SIP statuses that refuse an offer's media (RFC 3261 §21.4.19, §21.4.13, §21.6.4): try the next profile. */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([488, 415, 606]);
