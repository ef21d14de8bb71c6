/**
 * The SIP peer's re-INVITE/UPDATE in a call that is not anchored (media flows between the
 * peers): answered with the client's description and the directions RFC 3264 §6.1 asks for,
 * the client told what changed (hold → `<hold/>`/`<active/>`, a moved transport →
 * transport-info), and an ICE restart (RFC 8839 §4.4.1.1.2) answered once the client has sent
 * its new credentials, or refused with 488 after RESTART_WAIT_MS.
 */
import { offerChange, type OfferChange } from '../sdp/offer-change';
import { answerDirections } from '../media/direction';
import { parseSdp, writeSdp } from '../sdp';
import type { Sdp } from '../sdp/types';
import { sdpOf } from '../sip/message/body';
import type { SipResponse } from '../sip/message/types';
import type { Effect } from './events';
import { SipOffers } from './sip-offers';

/**
 * How long a SIP peer's ICE restart waits for the client's new credentials before it is refused
 * with 488. A re-INVITE should be answered promptly (RFC 3261 §13.3.1); clients renew theirs at once.
 */
export const RESTART_WAIT_MS = 5000;

export abstract class PlainReoffers extends SipOffers {
  /** A peer's ICE restart waiting for the client's new credentials (RFC 8839 §4.4.1.1.2). */
  private restart?: { id: number; offer: Sdp; ufrags: (string | undefined)[] };

  /**
   * The Jingle side's description as an SDP answer to the SIP peer's new `offer`, in a call
   * that is not anchored: the client's transport and codecs, the DTLS role the first answer
   * settled (RFC 8842 §5.5). Undefined when there is none yet.
   */
  protected abstract plainAnswer(offer: Sdp, sessionVersion: number): Sdp | undefined;

  /**
   * The SIP peer's offer about to be answered (200) with `answer` (before our hold) changes the
   * agreed senders of streams other than by a hold: the client hears content-modify
   * (./content-reoffer.ts). Before `sipRemote` becomes `offer`.
   */
  protected abstract peerDirections(out: Effect[], offer: Sdp, answer: Sdp): void;

  /**
   * A SIP peer's re-INVITE/UPDATE in a call that is not anchored (media flows between the peers):
   * the answer is the client's description with the directions RFC 3264 §6.1 asks for, and the
   * client hears what changed (hold → `<hold/>`/`<active/>`, a moved transport → transport-info).
   * An ICE restart is answered once the client has sent its new credentials, or 488 if it does
   * not within RESTART_WAIT_MS.
   */
  protected onPlainReoffer(out: Effect[], id: number, body: string): void {
    if (this.answeredOfferless(out, id, body)) return;
    let offer: Sdp;
    let change: OfferChange;
    try {
      offer = parseSdp(body, this.ctx.tables.hashes);
      change = offerChange(this.sipRemote, offer);
    } catch {
      out.push({ kind: 'sip-reoffer-answer', id, status: 488 });
      return;
    }
    const party = this.jingleParty();
    // RFC 3261 §14.2: an offer of ours is out, or another of the peer's is being answered: glare.
    if (!party || this.sip.offerOutstanding(id) || this.restart) {
      out.push({ kind: 'sip-reoffer-answer', id, status: party ? 491 : 488 });
      return;
    }
    if (!this.tellClient(out, offer, change)) {
      out.push({ kind: 'sip-reoffer-answer', id, status: 488 });
      return;
    }
    if (change.restarted.length > 0) {
      const ufrags = party.contents.map((c) =>
        c.transport?.kind === 'ice-udp' ? c.transport.ufrag : undefined,
      );
      this.restart = { id, offer, ufrags };
      this.startTimer(out, 'reoffer', RESTART_WAIT_MS);
      return;
    }
    this.answerPlainReoffer(out, id, offer);
  }

  /** The 200 with our answer; 488 (and the session as it was) if there is none. */
  private answerPlainReoffer(out: Effect[], id: number, offer: Sdp): void {
    let answer: Sdp | undefined;
    try {
      answer = this.plainAnswer(offer, this.sdpVersion + 1);
    } catch {
      answer = undefined;
    }
    if (!answer) {
      out.push({ kind: 'sip-reoffer-answer', id, status: 488 });
      return;
    }
    // RFC 3264 §6.1 from the peer's offer, then our own hold (§8.4): a held client answers a
    // sendrecv re-offer with sendonly, a sendonly one with inactive.
    const agreed = answerDirections(offer, answer);
    // The directions it agrees before our own hold, for the client's content-modify.
    const unheld = structuredClone(agreed);
    const directed = this.applyHold(agreed);
    // RFC 8842 §5.5 / RFC 5763 §5: an answer never says actpass.
    for (const m of directed.media) if (m.setup === 'actpass') m.setup = 'active';
    this.sdpVersion += 1;
    const body = writeSdp(directed);
    // A stream redirected (not a hold) is the client's content-modify (./content-reoffer.ts).
    this.peerDirections(out, offer, unheld);
    this.sipRemote = offer;
    this.sipLocal = body;
    // The answer carries every candidate of the client's so far.
    this.lateCandidates = false;
    this.candidatesRefused = false;
    out.push({ kind: 'sip-reoffer-answer', id, status: 200, body, ...this.okHeaders(id) });
    this.answeredWithHold(out);
  }

  /**
   * The peer's 2xx to our re-INVITE (hold, later candidates, the client's ICE restart): its
   * answer is its description from now on (RFC 3264 §8). New ICE credentials or candidates in it
   * — the answer to a restart must have new ones (RFC 8839 §4.4.1.1.2) — reach the client as a
   * transport-info (XEP-0176 §2.2), or its restart never completes: no media after it.
   */
  protected override ourReinviteDone(out: Effect[], response?: SipResponse): void {
    const status = response?.status ?? 0;
    if (response && status >= 200 && status < 300 && !this.anchored) this.peerAnswered(out, sdpOf(response));
    super.ourReinviteDone(out, response);
  }

  private peerAnswered(out: Effect[], body: string): void {
    if (body.trim() === '') return;
    let answer: Sdp;
    let change: OfferChange;
    try {
      answer = parseSdp(body, this.ctx.tables.hashes);
      change = offerChange(this.sipRemote, answer);
    } catch (e) {
      // Not ours to refuse (the exchange is over): logged, the peer's last description kept.
      this.ctx.log?.(`the peer's answer to our re-INVITE cannot be read: ${(e as Error).message}`, {
        sid: this.sid,
      });
      return;
    }
    if (change.moved.length > 0) this.tellTransports(out, answer);
    this.sipRemote = answer;
  }

  /** The client hears the moved transports and hold/active; false if the offer cannot be said in Jingle. */
  private tellClient(out: Effect[], offer: Sdp, change: OfferChange): boolean {
    if (change.moved.length > 0 && !this.tellTransports(out, offer)) return false;
    if (change.hold) this.sessionInfo(out, { kind: change.hold });
    return true;
  }

  /**
   * transport-info to the client for the streams whose transport the peer's new offer changes
   * (XEP-0176 §2.2), each named by the content its m-line carries (./content-reoffer.ts); false
   * (nothing told) when a transport cannot be said in Jingle.
   */
  protected abstract tellTransports(out: Effect[], offer: Sdp): boolean;

  /**
   * The client's transport-info came (its candidates are already merged): a waiting ICE
   * restart is answered once every restarted content has new credentials. True when it was.
   */
  protected clientTransportChanged(out: Effect[]): boolean {
    const r = this.restart;
    const party = this.jingleParty();
    if (!r || !party) return false;
    const renewed = party.contents.every((c, i) => {
      const t = c.transport;
      const old = r.ufrags[i];
      return old === undefined || t?.kind !== 'ice-udp' || t.ufrag !== old;
    });
    if (!renewed) return false;
    this.restart = undefined;
    this.stopTimer(out, 'reoffer');
    this.answerPlainReoffer(out, r.id, r.offer);
    return true;
  }

  /** The client did not restart ICE in time: the peer's offer is refused, the session stays. */
  protected restartTimedOut(out: Effect[]): void {
    const r = this.restart;
    if (!r) return;
    this.restart = undefined;
    out.push({ kind: 'sip-reoffer-answer', id: r.id, status: 488 });
  }
}
