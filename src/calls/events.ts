/**
 * What a call hears (events) and what it asks for (effects). A call is pure: it turns one event
 * into a list of effects, and the runtime (src/gateway) performs them in order and feeds the
 * outcomes back as events. Timers are effects too, so tests drive time by hand.
 */
import type { Jingle, JingleAction, JingleIq, Reason, ReasonCondition } from '../jingle/types';
import type { SipHeader, SipRequest, SipResponse } from '../sip/message/types';
import type { MediaTag } from '../media/anchor';
import type { NgFlags } from '../media/ng-client';
import type { SipInfo } from '../translate/info';

/**
 * What an anchor round trip is for (docs/media.md §Call flows):
 * - `invite`: XMPP → SIP, the Jingle offer rewritten for the INVITE;
 * - `accept`: XMPP → SIP, the SIP answer rewritten for the session-accept;
 * - `propose`: SIP → XMPP, the SIP offer rewritten for the session-initiate;
 * - `answer`: SIP → XMPP, the device's answer rewritten for the 200 OK;
 * - `refresh`: trickled candidates handed to the anchor; nothing to send on either leg;
 * - `reoffer`, `reanswer`: a SIP peer's new offer in a re-INVITE/UPDATE, then the Jingle side's
 *   answer to it, both through the anchor; the 200 carries the anchor's answer;
 * - `reinvite`, `reinvite-answer`: our re-INVITE for the client's hold/active or stream change,
 *   an offer from the Jingle side through the anchor, then the SIP peer's answer to it through
 *   the anchor (a peer's re-offer adding streams is `reoffer`/`reanswer`, the client's reply
 *   between them).
 */
export type MediaPurpose =
  | 'invite'
  | 'accept'
  /** The anchor's answer for a 183's SDP (early media). */
  | 'early'
  | 'propose'
  | 'answer'
  | 'refresh'
  | 'reoffer'
  | 'reanswer'
  | 'reinvite'
  | 'reinvite-answer'
  /** A SIP peer's REFER in an anchored call: the Jingle side's offer for the new call, then its answer (src/calls/transfers.ts). */
  | 'transfer'
  | 'transfer-answer';

/**
 * `reoffer`: how long a SIP peer's ICE restart waits for the client's new credentials; `glare`:
 * the wait before our re-INVITE goes again after a 491 (RFC 3261 §14.1); `content`: how long its
 * new stream waits for the client's content-accept (./content-reoffer.ts); `transfer`:
 * how long the transferor may take to send its BYE after the final NOTIFY (./transfers.ts).
 */
export type TimerName = 'gather' | 'no-answer' | 'reoffer' | 'glare' | 'content' | 'transfer';

/** What a SIP INFO carries: src/translate/info.ts reads it. */
export type { SipInfo };

export type JmiKind = 'propose' | 'proceed' | 'reject' | 'retract' | 'finish' | 'ringing' | 'accept';

export type CallEvent =
  // XMPP side
  | { kind: 'jingle'; iq: JingleIq }
  | { kind: 'jingle-result'; action: JingleAction }
  | { kind: 'jingle-error'; action: JingleAction; text: string }
  /**
   * `tie-break`: the callee proposed a call to our caller at the same moment, its proposal won
   * (XEP-0353 §Tie Breaking) and the XMPP leg has retracted ours; `from` is the callee's device.
   */
  | { kind: 'jmi'; jmi: JmiKind | 'tie-break'; from: string; reason?: Reason }
  /** A JMI message of ours bounced or the proposal expired: no device will answer it. */
  | { kind: 'jmi-bounced' }
  | { kind: 'xmpp-down' }
  // SIP side
  | { kind: 'sip-provisional'; response: SipResponse }
  | { kind: 'sip-answered'; response: SipResponse }
  | { kind: 'sip-failed'; response: SipResponse }
  | { kind: 'sip-cancel' }
  | { kind: 'sip-ack' }
  | { kind: 'sip-ack-timeout' }
  | { kind: 'sip-bye'; request: SipRequest }
  /** A re-INVITE of ours got its final response (or failed): offer/answer is stable again. */
  | { kind: 'sip-reinvite-done'; response?: SipResponse }
  /**
   * The SIP dialog ended or its peer is gone without a BYE from it (a dead peer: probe or refresh
   * unanswered, session expired, transport lost); `condition`/`text` say why (docs/policy.md
   * §Dead peers). Any BYE owed was sent by the dialog or is sent by the call.
   */
  | { kind: 'sip-down'; condition?: ReasonCondition; text?: string }
  /**
   * The SIP peer's re-INVITE or UPDATE (`id` names it for the answer; src/gateway/sip-seam.ts);
   * the call answers it with `sip-reoffer-answer`. An empty body asks for our offer (RFC 3261 §14.2).
   */
  | {
      kind: 'sip-reoffer';
      id: number;
      body: string;
      /** The request's Recv-Info, when it has one ('' when empty): then our 2xx carries ours (RFC 6086 §5.2.3). */
      recvInfo?: string;
    }
  /**
   * The SIP peer's in-dialog requests other than BYE and offers (RFC 3261 §12.2.2): every one is
   * answered by the call with `sip-request-answer` (INFO → by what it carries, 469/415 for what
   * we do not take; REFER → src/calls/transfers.ts; NOTIFY → ours, or 481; src/calls/call.ts).
   */
  | { kind: 'sip-info'; id: number; info: SipInfo }
  | { kind: 'sip-refer'; id: number; request: SipRequest }
  | { kind: 'sip-notify'; id: number; request: SipRequest }
  /** A response to the new INVITE a SIP peer's REFER asked for (1xx, 2xx or final failure; src/calls/transfers.ts). */
  | { kind: 'sip-transfer-response'; response: SipResponse }
  /** The transferor's dialog ended (its BYE, or lost) while a transfer it asked for is carried out. */
  | { kind: 'sip-referrer-gone' }
  /** The final response to our REFER (a client's XEP-0251 transfer); none: it was not answered. */
  | { kind: 'sip-refer-done'; response?: SipResponse }
  // media anchor
  | { kind: 'media-done'; purpose: MediaPurpose; sdp: string }
  | { kind: 'media-failed'; purpose: MediaPurpose; text: string }
  /** The anchor lost the call or a side sent no media for too long (docs/policy.md §Dead peers). */
  | { kind: 'media-down'; condition: ReasonCondition; text: string }
  // time and lifecycle
  | { kind: 'timer'; name: TimerName }
  | { kind: 'shutdown' };

/** XMPP stanza error conditions a call answers with (RFC 6120 §8.3.3). */
export type StanzaCondition =
  | 'bad-request'
  /** With `<tie-break/>` (XEP-0166 §10): a content change crossing another offer. */
  | 'conflict'
  | 'item-not-found'
  | 'unexpected-request'
  | 'feature-not-implemented'
  | 'not-acceptable'
  | 'forbidden';

/** XEP-0166 §11 `urn:xmpp:jingle:errors:1` conditions. */
export type JingleErrorCondition = 'out-of-order' | 'unknown-session' | 'tie-break' | 'unsupported-info';

export type Effect =
  | { kind: 'iq-result'; to: string; from: string; id: string }
  /** The IQ `id` is answered by a later iq-result / iq-error (a hold waits for the SIP answer). */
  | { kind: 'iq-later'; id: string }
  | {
      kind: 'iq-error';
      to: string;
      from: string;
      id: string;
      condition: StanzaCondition;
      jingleCondition?: JingleErrorCondition;
      text?: string;
    }
  | { kind: 'send-jingle'; from: string; to: string; jingle: Jingle }
  | {
      kind: 'send-jmi';
      jmi: JmiKind;
      from: string;
      to: string;
      id: string;
      media?: string[];
      reason?: Reason;
      /** propose: the caller's display name (XEP-0172 nick). */
      nick?: string;
    }
  | {
      kind: 'sip-invite';
      uri: string;
      from: string;
      /** The From display name: the XMPP caller's nick (XEP-0172). */
      fromDisplay?: string;
      to: string;
      body: string;
      callId: string;
      /** Extra headers (our Recv-Info, RFC 6086 §5.2.3). */
      headers?: SipHeader[];
    }
  | { kind: 'sip-cancel' }
  | { kind: 'sip-bye'; headers: SipHeader[] }
  | { kind: 'sip-provisional'; status: 180 | 183 }
  /** The 2xx to the peer's INVITE; `headers`: our Recv-Info when its INVITE had one (RFC 6086 §5.2.3). */
  | { kind: 'sip-accept'; body: string; headers?: SipHeader[] }
  | { kind: 'sip-reject'; status: number; reason: string; headers: SipHeader[] }
  /** Our re-INVITE; `headers`: our Recv-Info (RFC 6086 §5.2.2). */
  | { kind: 'sip-reinvite'; body: string; headers?: SipHeader[] }
  /** The final response to the peer's re-INVITE/UPDATE `id`; a 2xx's `headers`: as for `sip-accept`. */
  | { kind: 'sip-reoffer-answer'; id: number; status: number; body?: string; headers?: SipHeader[] }
  /** The final response to the peer's INFO/REFER/NOTIFY `id`. */
  | { kind: 'sip-request-answer'; id: number; status: number; headers?: SipHeader[] }
  /** A NOTIFY in the REFER's dialog (RFC 3515 §2.4.4): Event, Subscription-State, Content-Type, sipfrag. */
  | { kind: 'sip-notify'; headers: SipHeader[]; body: string }
  /** A REFER to the SIP peer (a client's XEP-0251 transfer): Refer-To, Referred-By. */
  | { kind: 'sip-send-refer'; headers: SipHeader[] }
  /**
   * The steps of a SIP peer's REFER carried out (src/calls/transfers.ts): `begin` marks the
   * dialog as the transferor's (its BYE is then `sip-referrer-gone`, not the call's end);
   * `invite` places the new call (its responses come as `sip-transfer-response`); `switch`
   * makes the new call's dialog the call's own; `abandon` gives the transferor's dialog back
   * (the new call failed); `hang-up` ends the new leg (CANCEL or BYE) or the transferor's dialog;
   * `ack` answers the offer of the new call's 2xx in its ACK (our INVITE had none: RFC 3261
   * §13.2.2.4, RFC 3725 §4.1).
   */
  | { kind: 'sip-transfer'; step: 'begin' | 'switch' | 'abandon' }
  | {
      kind: 'sip-transfer';
      step: 'invite';
      uri: string;
      from: string;
      to: string;
      body: string;
      headers: SipHeader[];
    }
  | { kind: 'sip-transfer'; step: 'hang-up'; leg: 'new' | 'transferor' }
  | { kind: 'sip-transfer'; step: 'ack'; body: string }
  /** An INFO to the SIP peer (RFC 6086): DTMF as application/dtmf-relay. */
  | { kind: 'sip-send-info'; contentType: string; body: string; headers: SipHeader[] }
  /** One anchor round trip (ng offer/answer); its outcome comes back as media-done/-failed. */
  | {
      kind: 'media';
      op: 'offer' | 'answer';
      purpose: MediaPurpose;
      fromTag: MediaTag;
      toTag?: MediaTag;
      sdp: string;
      flags: NgFlags;
    }
  /** The call's anchor session is no longer needed (every way out of an anchored call). */
  | { kind: 'media-delete' }
  | { kind: 'timer-start'; name: TimerName; ms: number }
  | { kind: 'timer-stop'; name: TimerName }
  | { kind: 'ended'; condition: ReasonCondition };
