/**
 * Our offers toward the SIP peer after the first exchange (RFC 3264 §8, RFC 3261 §14.1): a
 * re-INVITE with new candidates or the client's hold/active, one at a time, each with the next
 * o= version; what the SIP peer last got from us and last sent us; the client's hold
 * (XEP-0167 §7 → sendonly, RFC 3264 §8.4). An anchored call's hold goes through the anchor
 * (./anchored-reoffer.ts).
 */
import type { JingleIq } from '../jingle/types';
import { writeSdp } from '../sdp';
import type { Sdp } from '../sdp/types';
import type { SipResponse } from '../sip/message/types';
import { CallCore } from './call-core';
import type { Effect } from './events';
import { glareBackoffMs, MAX_GLARE_RETRIES } from './glare';

export abstract class SipOffers extends CallCore {
  /** The SDP the SIP peer last got from us (the anchor's, in an anchored call). */
  protected sipLocal?: string;
  /** The SIP peer's last session description (its offer or answer), to tell what a new one changes. */
  protected sipRemote?: Sdp;
  /** The XMPP user asked for hold (XEP-0167 §7): our offers to SIP say sendonly (RFC 3264 §8.4). */
  protected localHold = false;

  /**
   * The hold state the SIP peer last accepted from us: in a 2xx to our re-INVITE, or in our answer
   * to one of its offers (which says our hold too, RFC 3264 §6.1/§8.4). RFC 3261 §14.1: a re-INVITE
   * refused leaves the session as it was, so a refused hold falls back to this.
   */
  protected sipSideHold = false;
  /**
   * The client's hold/active IQs not answered yet: each waits for the SIP peer's answer to the
   * re-INVITE that carries it (docs/midcall.md §Hold), then gets a result if the session is in
   * the state it asked for, an error if the peer refused it.
   */
  private holdAsks: { iq: JingleIq; hold: boolean }[] = [];
  /** Why the last re-INVITE of ours was refused, for the IQ error. */
  protected refusal?: string;
  /** The hold state our re-INVITE in flight carries (a call that is not anchored). */
  private offeredHold?: boolean;
  /** Its SDP: the peer's 2xx makes it the session's (`sipLocal`). */
  private offeredBody?: string;
  /** RFC 3261 §14.1: our re-INVITE got 491; the next one waits for the `glare` timer. */
  protected glareWait = false;
  protected glareRetries = 0;

  /**
   * The client's `<hold/>` / `<active/>` (XEP-0167 §7) → a re-INVITE saying sendonly / the
   * streams' own direction (RFC 3264 §8.4); an anchored call's goes through the anchor
   * (anchoredHoldToSip). The IQ is answered once the SIP peer has answered: a result when the
   * session is held (or active) as asked, an error when the peer refused (RFC 3261 §14.1: the
   * session stays as it was). Before the answer there is no dialog to carry it: acknowledged.
   */
  protected clientHold(out: Effect[], iq: JingleIq, hold: boolean): void {
    if (this.sip.dialog !== 'confirmed') {
      this.result(out, iq);
      return;
    }
    this.localHold = hold;
    this.holdAsks.push({ iq, hold });
    if (this.anchored) this.anchoredHoldToSip(out);
    else if (this.localHold !== this.sipSideHold && !this.glareWait) this.reinvite(out);
    this.settleHolds(out);
    if (this.holdAsks.some((a) => a.iq === iq)) out.push({ kind: 'iq-later', id: iq.id });
  }

  /** A new offer of ours with the current state (the subclass writes it; ./sip-offers.ts `reoffer`). */
  protected abstract reinvite(out: Effect[]): void;

  /**
   * The client's side as our next offer would say it (not anchored): every candidate so far,
   * the m-lines of the session (./content-reoffer.ts `fitSlots`), before our hold. Undefined
   * when there is none yet.
   */
  protected abstract currentOffer(sessionVersion: number): Sdp | undefined;

  /**
   * Answers the waiting hold IQs once no re-INVITE of ours is out or waiting: each asked for a
   * state, and the session is now in the one the peer accepted.
   */
  protected settleHolds(out: Effect[]): void {
    if (this.offeredHold !== undefined || this.anchorReinviteBusy() || this.glareWait) return;
    // A re-INVITE still to go (after the peer's own offer is answered, RFC 3261 §14.1).
    if (this.localHold !== this.sipSideHold && this.sip.offer !== 'stable') return;
    this.localHold = this.sipSideHold;
    const asks = this.holdAsks;
    this.holdAsks = [];
    for (const a of asks) {
      if (a.hold === this.sipSideHold) this.result(out, a.iq);
      else
        out.push(
          this.iqErrorEffect(
            a.iq,
            'not-acceptable',
            undefined,
            `the SIP peer did not take the ${a.hold ? 'hold' : 'resume'}${this.refusal ? `: ${this.refusal}` : ''}`,
          ),
        );
    }
  }

  /**
   * Our re-INVITE got its final response, or none (`response` undefined): RFC 3261 §14.1 — a
   * 2xx makes its offer the session's, anything else leaves the session as it was (the client's
   * hold falls back and its IQ gets an error), and a 491 (glare) is tried again after the
   * randomised wait: 2.1–4 s when we chose the Call-ID (an XMPP-originated call), 0–2 s when the
   * peer did. The SIP leg does not retry the call's re-INVITEs itself: the retry is a new offer
   * (its o= version one more, RFC 3264 §8), with what changed meanwhile.
   */
  protected ourReinviteDone(out: Effect[], response?: SipResponse): void {
    const status = response?.status;
    if (status === 491 && this.glareRetry(out)) return;
    this.glareRetries = 0;
    const hold = this.offeredHold;
    const body = this.offeredBody;
    this.offeredHold = undefined;
    this.offeredBody = undefined;
    if (status !== undefined && status >= 200 && status < 300) {
      if (hold !== undefined) this.sipSideHold = hold;
      // The peer has this SDP of ours now: later SDPs are written from it (RFC 3264 §8).
      if (body !== undefined) this.sipLocal = body;
      this.candidatesRefused = false;
      this.holdTaken(out);
    } else {
      this.refusal = refusalText(response);
      // The candidates it carried are not the peer's: the next SDP of ours carries them.
      if (body !== undefined) this.candidatesRefused = true;
      // §14.1: the session is as it was; a hold asked meanwhile still goes.
      if (this.holdAsks.every((a) => a.hold === hold)) this.localHold = this.sipSideHold;
    }
    this.sendWaiting(out);
  }

  /** An exchange of ours is over: the candidates or the hold that waited for it go now. */
  protected sendWaiting(out: Effect[]): void {
    // A retry after 491 is due (RFC 3261 §14.1): what waits goes with it.
    if (this.glareWait) return;
    if (this.lateCandidates || this.localHold !== this.sipSideHold) this.reinvite(out);
    this.settleHolds(out);
  }

  /**
   * The peer took an offer (or an answer) of ours saying `sipSideHold`: the IQs that asked for
   * that state are answered now, the others wait for the offer still to come.
   */
  protected holdTaken(out: Effect[]): void {
    this.refusal = undefined;
    const [done, waiting] = [
      this.holdAsks.filter((a) => a.hold === this.sipSideHold),
      this.holdAsks.filter((a) => a.hold !== this.sipSideHold),
    ];
    this.holdAsks = waiting;
    for (const a of done) this.result(out, a.iq);
  }

  /** The peer took an offer of ours (a stream change's) that said `hold` (RFC 3264 §8.4). */
  protected offerTaken(out: Effect[], hold: boolean): void {
    this.sipSideHold = hold;
    this.holdTaken(out);
  }

  /** After a 491 (RFC 3261 §14.1): the `glare` timer starts, unless we tried often enough; true if it did. */
  protected glareRetry(out: Effect[]): boolean {
    if (this.glareRetries >= MAX_GLARE_RETRIES) {
      this.glareRetries = 0;
      return false;
    }
    this.glareRetries += 1;
    this.offeredHold = undefined;
    this.offeredBody = undefined;
    this.glareWait = true;
    // What the refused offer carried goes in the retry.
    this.lateCandidates = true;
    this.startTimer(out, 'glare', glareBackoffMs(this.origin === 'xmpp', this.ctx.random ?? Math.random));
    return true;
  }

  /** The `glare` timer fired: our offer goes again, as it stands now (or nothing, if nothing is left). */
  protected glareOver(out: Effect[]): void {
    if (!this.glareWait) return;
    this.glareWait = false;
    if (this.anchored) this.anchoredHoldToSip(out);
    else if (this.lateCandidates || this.localHold !== this.sipSideHold) this.reinvite(out);
    this.settleHolds(out);
  }

  /** Our answer to the peer's offer said our hold (RFC 3264 §8.4): the peer has it now. */
  protected answeredWithHold(out: Effect[]): void {
    this.sipSideHold = this.localHold;
    this.holdTaken(out);
    this.settleHolds(out);
  }

  /** Every hold IQ still waiting is answered when the call ends: the session is gone. */
  protected override end(out: Effect[], condition: Parameters<CallCore['end']>[1]): void {
    if (!this.ended) {
      const asks = this.holdAsks;
      this.holdAsks = [];
      for (const a of asks)
        out.push(this.iqErrorEffect(a.iq, 'unexpected-request', 'out-of-order', 'the session has ended'));
    }
    super.end(out, condition);
  }

  /** RFC 3264 §8.4: our offer while the user holds: sendrecv → sendonly, recvonly → inactive. */
  protected applyHold(sdp: Sdp): Sdp {
    if (!this.localHold) return sdp;
    for (const m of sdp.media) {
      if (m.port === 0) continue;
      const d = m.direction ?? sdp.direction ?? 'sendrecv';
      m.direction = d === 'sendrecv' || d === 'sendonly' ? 'sendonly' : 'inactive';
    }
    return sdp;
  }

  /** Candidates that came while no new offer could go out; sent in the next re-INVITE. */
  protected lateCandidates = false;
  /**
   * A re-INVITE of ours carrying candidates was refused with nothing left to retry: the peer
   * lacks some of them. No offer goes for them alone (the peer refused one), but the next SDP
   * of ours carries them, an offerless re-INVITE's offer too (docs/midcall.md §Streams).
   */
  protected candidatesRefused = false;
  /** The `o=` version of our last SDP offer or answer (RFC 3264 §8: +1 with each new one). */
  protected sdpVersion = 1;

  /** RFC 3264 §8: a new SDP of ours for the SIP peer (the anchor keeps o=) has the next version. */
  protected nextVersion(sdp: Sdp): Sdp {
    this.sdpVersion += 1;
    return { ...sdp, origin: { ...sdp.origin, sessionVersion: this.sdpVersion } };
  }

  /** The host our SDP's o= line names: the SIP host, without IPv6 brackets. */
  protected get sdpHost(): string {
    return this.ctx.config.sip.host.replace(/^\[|\]$/g, '');
  }

  /**
   * Sends a re-INVITE with the SDP `build` makes for the next o= version, one at a time
   * (RFC 3261 §14.1): while one is out, the candidates wait for `sip-reinvite-done`.
   */
  protected reoffer(out: Effect[], build: (sessionVersion: number) => Sdp | undefined): void {
    // The anchor's part of an anchored re-INVITE counts too: one offer at a time.
    if (this.sip.offer !== 'stable' || this.anchorReinviteBusy() || this.glareWait) {
      this.lateCandidates = true;
      return;
    }
    const built = build(this.sdpVersion + 1);
    if (!built) return;
    const sdp = this.applyHold(built);
    this.lateCandidates = false;
    this.sdpVersion += 1;
    this.offeredHold = this.localHold;
    this.offeredBody = writeSdp(sdp);
    out.push({ kind: 'sip-reinvite', body: this.offeredBody, headers: this.recvInfoHeaders() });
  }

  /**
   * RFC 3261 §14.2: an offerless re-INVITE gets our current description as the offer (its ACK
   * carries the answer). True when `body` was offerless and is answered.
   */
  protected answeredOfferless(out: Effect[], id: number, body: string): boolean {
    if (body.trim() !== '') return false;
    // Candidates the peer has not taken yet (they waited, or the re-INVITE carrying them was
    // refused) go in this offer: a new SDP, the next o= version (RFC 3264 §8).
    let offer = this.sipLocal;
    if ((this.lateCandidates || this.candidatesRefused) && !this.anchored) {
      let fresh: Sdp | undefined;
      try {
        fresh = this.currentOffer(this.sdpVersion + 1);
      } catch {
        fresh = undefined;
      }
      if (fresh) {
        this.sdpVersion += 1;
        offer = writeSdp(this.applyHold(fresh));
        this.sipLocal = offer;
        this.lateCandidates = false;
        this.candidatesRefused = false;
      }
    }
    out.push({
      kind: 'sip-reoffer-answer',
      id,
      status: 200,
      ...(offer ? { body: offer } : {}),
      ...this.okHeaders(id),
    });
    return true;
  }

  /** Anchored: the client's hold through the anchor (./anchored-reoffer.ts). */
  protected abstract anchoredHoldToSip(out: Effect[]): void;

  /** Anchored: our re-INVITE is being prepared or answered through the anchor. */
  protected abstract anchorReinviteBusy(): boolean;
}

/** "488 Not Acceptable Here", or "no answer" when the re-INVITE got none. */
export function refusalText(response?: SipResponse): string {
  return response === undefined ? 'no answer' : `${response.status} ${response.reason}`.trim();
}
