/**
 * Our offers toward the SIP peer after the first exchange (RFC 3264 §8, RFC 3261 §14.1): a
 * re-INVITE with new candidates or the client's hold/active, one at a time, each with the next
 * o= version; what the SIP peer last got from us and last sent us; the client's hold
 * (XEP-0167 §7 → sendonly, RFC 3264 §8.4). An anchored call's hold goes through the anchor
 * (./anchored-reoffer.ts).
 */
import { writeSdp } from '../sdp';
import type { Sdp } from '../sdp/types';
import { CallCore } from './call-core';
import type { Effect } from './events';

export abstract class SipOffers extends CallCore {
  /** The SDP the SIP peer last got from us (the anchor's, in an anchored call). */
  protected sipLocal?: string;
  /** The SIP peer's last session description (its offer or answer), to tell what a new one changes. */
  protected sipRemote?: Sdp;
  /** The XMPP user asked for hold (XEP-0167 §7): our offers to SIP say sendonly (RFC 3264 §8.4). */
  protected localHold = false;

  /**
   * The client's `<hold/>` / `<active/>` (XEP-0167 §7) → a re-INVITE saying sendonly / the
   * streams' own direction (RFC 3264 §8.4); `again` writes the subclass's current offer in a
   * call that is not anchored; an anchored call's goes through the anchor (anchoredHoldToSip).
   */
  protected holdToSip(out: Effect[], hold: boolean, again: (out: Effect[]) => void): void {
    if (this.localHold === hold || this.sip.dialog !== 'confirmed') return;
    this.localHold = hold;
    if (this.anchored) this.anchoredHoldToSip(out);
    else again(out);
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
    if (this.sip.offer !== 'stable' || this.anchorReinviteBusy()) {
      this.lateCandidates = true;
      return;
    }
    const built = build(this.sdpVersion + 1);
    if (!built) return;
    const sdp = this.applyHold(built);
    this.lateCandidates = false;
    this.sdpVersion += 1;
    out.push({ kind: 'sip-reinvite', body: writeSdp(sdp) });
  }

  /**
   * RFC 3261 §14.2: an offerless re-INVITE gets our current description as the offer (its ACK
   * carries the answer). True when `body` was offerless and is answered.
   */
  protected answeredOfferless(out: Effect[], id: number, body: string): boolean {
    if (body.trim() !== '') return false;
    out.push({
      kind: 'sip-reoffer-answer',
      id,
      status: 200,
      ...(this.sipLocal ? { body: this.sipLocal } : {}),
    });
    return true;
  }

  /** A re-INVITE of ours is over (the leg said so: offer/answer is stable again); send what waited. */
  protected reofferDone(out: Effect[], again: (out: Effect[]) => void): void {
    if (this.lateCandidates) again(out);
  }

  /** Anchored: the client's hold through the anchor (./anchored-reoffer.ts). */
  protected abstract anchoredHoldToSip(out: Effect[]): void;

  /** Anchored: our re-INVITE is being prepared or answered through the anchor. */
  protected abstract anchorReinviteBusy(): boolean;
}
