/**
 * Re-offers in an anchored call (docs/media.md §Call flows), both ways through the media anchor:
 * the SIP peer's re-INVITE/UPDATE (its offer to the anchor, the Jingle side's description as the
 * answer, the 200 with what the anchor wrote; hold heard by the client as `<hold/>`/`<active/>`),
 * and the client's hold/active as our re-INVITE (an offer from the Jingle side through the
 * anchor, the peer's answer back through it). The client's new stream rides on the same path
 * (`anchoredStreamOffer`, ./content-reoffer.ts): the Jingle side's new description as an offer,
 * the re-INVITE with the anchor's rewrite, the peer's answer back through the anchor, whose
 * rewrite toward the client carries the new stream's transport. One offer at a time (RFC 3261
 * §14.1).
 */
import { isHeld } from '../sdp/offer-change';
import type { NgFlags } from '../media/ng-client';
import { answerDirections } from '../media/direction';
import { towardXmpp, forAnswer } from '../media/flags';
import { parseSdp, writeSdp } from '../sdp';
import type { Sdp, SdpMedia } from '../sdp/types';
import { sdpOf } from '../sip/message/body';
import type { SipResponse } from '../sip/message/types';
import type { CallEvent, Effect } from './events';
import { PlainReoffers } from './plain-reoffer';
import { refusalText } from './sip-offers';

export abstract class AnchoredReoffers extends PlainReoffers {
  /** The peer's re-INVITE/UPDATE being answered through the anchor (one at a time, RFC 3261 §14). */
  private peerOffer?: {
    id: number;
    offer: Sdp;
    body: string;
    refused: SdpMedia[];
    stream?: true;
    /** The Jingle side's answer with the directions RFC 3264 §6.1 agrees, before our own hold. */
    agreed?: Sdp;
  };

  /**
   * The SIP peer's SDP of the last exchange through the anchor after the first (its re-offer
   * or its answer to ours); undefined while the first exchange is the session's.
   */
  private peerLast?: string;

  /**
   * Anchored: candidates the client trickled once a later exchange went through the anchor
   * (a hold, a stream change): the Jingle side's description as it is now (every m-line of the
   * session, the hold) as an offer from the Jingle side and the peer's last SDP as the answer,
   * so rtpengine's session stays the one both sides have; no re-INVITE (docs/media.md §Call
   * flows). False while the first exchange is the session's (the caller's own refresh goes).
   * The caller has merged them into the client's contents, which `jingleSide` writes from.
   */
  protected anchorRefreshed(out: Effect[]): boolean {
    // An exchange through the anchor is under way: its description was written before these
    // candidates, which go with the next one (a refresh now would undo it at rtpengine).
    if (this.peerOffer || this.anchoredReinvite) return true;
    const side = this.peerLast === undefined ? undefined : this.jingleSide();
    if (!side || this.peerLast === undefined) return false;
    this.refreshOffer(out, writeSdp(this.applyHold(side)));
    this.refreshAnswer(out, this.peerLast);
    return true;
  }

  /** The anchor's session restated from the Jingle side (no re-INVITE): this offer… */
  protected refreshOffer(out: Effect[], sdp: string, flags: NgFlags = this.sipSideFlags()): void {
    out.push({ kind: 'media', op: 'offer', purpose: 'refresh', fromTag: 'jingle', toTag: 'sip', sdp, flags });
  }

  /** …and the SIP peer's SDP as its answer, so rtpengine's offer/answer state stays complete. */
  protected refreshAnswer(out: Effect[], sdp: string): void {
    out.push({
      kind: 'media',
      op: 'answer',
      purpose: 'refresh',
      fromTag: 'jingle',
      toTag: 'sip',
      sdp,
      flags: forAnswer(),
    });
  }

  /**
   * The Jingle side's current description as an SDP answer (DTLS role settled, not actpass),
   * for the anchor to answer a SIP peer's new offer with.
   */
  protected abstract jingleSideAnswer(): Sdp | undefined;

  /**
   * The Jingle side's description as the anchor's session lays it out: `jingleSideAnswer` with
   * the m-lines of removed or refused streams kept in place at port 0 (RFC 3264 §8: an m-line
   * is never removed; ./content-reoffer.ts keeps the layout).
   */
  protected jingleSide(): Sdp | undefined {
    const side = this.jingleSideAnswer();
    return side && this.onAnchorLayout(side);
  }

  /** `sdp` laid out on the anchor's m-lines (./content-reoffer.ts); as it is by default. */
  protected onAnchorLayout(sdp: Sdp): Sdp {
    return sdp;
  }

  /**
   * A SIP peer's re-INVITE/UPDATE in an anchored call (docs/media.md §Call flows): its offer goes
   * to the anchor (so a new address, codec or hold reaches rtpengine), then the Jingle side's
   * description answers it, with the directions RFC 3264 §6.1 asks for; the 200 carries what
   * the anchor wrote. An offerless one gets our last SDP as the offer (RFC 3261 §14.2).
   * `refused`: m-lines kept from the anchor (new streams, ./content-reoffer.ts), appended to
   * its answer disabled.
   */
  protected onPeerReoffer(out: Effect[], id: number, body: string, refused: SdpMedia[] = []): void {
    if (this.answeredOfferless(out, id, body)) return;
    let offer: Sdp;
    try {
      offer = parseSdp(body, this.ctx.tables.hashes);
    } catch {
      out.push({ kind: 'sip-reoffer-answer', id, status: 488 });
      return;
    }
    // RFC 3261 §14.2: our own re-INVITE is out (or one of the peer's is being answered): glare.
    if (this.anchoredReinvite || this.peerOffer) {
      out.push({ kind: 'sip-reoffer-answer', id, status: 491 });
      return;
    }
    this.peerToAnchor(out, { id, offer, body, refused });
  }

  /** The peer's re-offer, whole, to the anchor from the SIP side; its rewrite comes back as `media-done`. */
  private peerToAnchor(out: Effect[], offer: NonNullable<AnchoredReoffers['peerOffer']>): void {
    this.peerOffer = offer;
    out.push({
      kind: 'media',
      op: 'offer',
      purpose: 'reoffer',
      fromTag: 'sip',
      toTag: 'jingle',
      sdp: offer.body,
      flags: towardXmpp(),
    });
  }

  /**
   * A SIP peer's re-offer adding streams (./content-reoffer.ts): the whole offer goes to the
   * anchor as any re-offer does, and the anchor's rewrite toward the client (ICE, DTLS-SRTP for
   * the new m-line too) goes to `anchoredPeerStreams`, which asks the client; its answer comes
   * back through `anchoredPeerAnswer`. False when another offer is out (RFC 3261 §14.1: 491).
   */
  protected anchoredPeerStreamOffer(out: Effect[], id: number, body: string, offer: Sdp): boolean {
    if (this.anchoredReinvite || this.peerOffer || this.glareWait) return false;
    this.peerToAnchor(out, { id, offer, body, refused: [], stream: true });
    return true;
  }

  /**
   * The anchor's rewrite toward the client of a peer's offer adding streams; false when it
   * cannot be put to the client (the offer is then refused with 488).
   */
  protected abstract anchoredPeerStreams(out: Effect[], sdp: string): boolean;

  /**
   * The Jingle side's answer to the anchor's offer (the client's reply to the new streams, RFC
   * 3264 §6), handed to the anchor; its rewrite is the 200 (onReofferMedia `reanswer`).
   */
  protected anchoredPeerAnswer(out: Effect[], answer: Sdp): void {
    if (!this.peerOffer?.stream) return;
    this.reanswer(out, answer);
  }

  /**
   * The Jingle side's answer to the peer's re-offer, to the anchor: the next o= version (RFC
   * 3264 §8), and while the client holds the answer says so too (§6.1, §8.4).
   */
  private reanswer(out: Effect[], answer: Sdp): void {
    out.push({
      kind: 'media',
      op: 'answer',
      purpose: 'reanswer',
      fromTag: 'sip',
      toTag: 'jingle',
      sdp: writeSdp(this.nextVersion(this.applyHold(answer))),
      flags: forAnswer(),
    });
  }

  /** The anchor's part of a peer's re-offer; a failure leaves the session as it was (488). */
  protected onReofferMedia(
    out: Effect[],
    event: Extract<CallEvent, { kind: 'media-done' | 'media-failed' }>,
  ): void {
    const r = this.peerOffer;
    if (!r) return;
    // New streams: the client decides (./content-reoffer.ts), then anchoredPeerAnswer.
    if (r.stream && event.kind === 'media-done' && event.purpose === 'reoffer') {
      if (this.anchoredPeerStreams(out, event.sdp)) return;
      this.peerOffer = undefined;
      out.push({ kind: 'sip-reoffer-answer', id: r.id, status: 488 });
      return;
    }
    const answer = event.kind === 'media-done' && event.purpose === 'reoffer' ? this.jingleSide() : undefined;
    if (event.kind === 'media-done' && event.purpose === 'reoffer' && answer) {
      const agreed = answerDirections(r.offer, answer);
      // The directions it agrees before our own hold, for the client's content-modify.
      r.agreed = structuredClone(agreed);
      this.reanswer(out, agreed);
      return;
    }
    this.peerOffer = undefined;
    if (event.kind === 'media-done' && event.purpose === 'reanswer') {
      const body =
        r.refused.length === 0 ? event.sdp : withMedia(event.sdp, r.refused, this.ctx.tables.hashes);
      // A stream redirected (not a hold) is the client's content-modify, as end to end
      // (./content-reoffer.ts `peerDirections`, against `anchorPeerSdp` before it moves on to
      // this offer); the client hears it after the hold or its end.
      const modify: Effect[] = [];
      if (r.agreed) this.peerDirections(modify, r.offer, r.agreed);
      this.sipLocal = body;
      this.peerLast = r.body;
      out.push({ kind: 'sip-reoffer-answer', id: r.id, status: 200, body, ...this.okHeaders(r.id) });
      this.tellPeerHold(out, isHeld(r.offer));
      out.push(...modify);
      this.answeredWithHold(out);
    } else out.push({ kind: 'sip-reoffer-answer', id: r.id, status: 488 });
    // A hold the client asked for meanwhile goes now (RFC 3261 §14.1: one offer at a time).
    this.anchoredHoldToSip(out);
  }

  /**
   * Anchored: the SIP peer's SDP of the session as it stands (its last re-offer or answer through
   * the anchor, else its first SDP): what a new re-offer's directions are compared with.
   */
  protected anchorPeerSdp(): Sdp | undefined {
    const sdp = this.peerLast ?? this.sipSideFirst();
    if (sdp === undefined) return undefined;
    try {
      return parseSdp(sdp, this.ctx.tables.hashes);
    } catch {
      return undefined;
    }
  }

  /** The SIP peer's SDP of the first exchange (its answer or offer), as the anchor took it. */
  protected abstract sipSideFirst(): string | undefined;

  /** Whether the SIP peer holds the call: what its last accepted offer said (RFC 3264 §8.4). */
  private peerHeld = false;

  /**
   * Anchored: the SIP peer's accepted new offer put the call on hold or took it off; the client
   * hears it as XEP-0167 §7 `<hold/>` / `<active/>` — the offer's direction decides, as in a
   * call that is not anchored (src/sdp/offer-change.ts).
   */
  protected tellPeerHold(out: Effect[], held: boolean): void {
    if (held === this.peerHeld) return;
    this.peerHeld = held;
    this.sessionInfo(out, { kind: held ? 'hold' : 'active' });
  }

  /**
   * Our re-INVITE through the anchor (client hold/active, or a stream change of the client's):
   * its SDP once the anchor wrote it.
   */
  private anchoredReinvite?: { hold: boolean; body?: string; stream?: true; answer?: string };

  /**
   * The ng flags of an offer toward the SIP peer from the Jingle side: the profile the SIP
   * side settled on (docs/media.md §Profiles), so a re-INVITE keeps its transport.
   */
  protected abstract sipSideFlags(): NgFlags;

  /**
   * Anchored: the client's `<hold/>` / `<active/>` (XEP-0167 §7) → an offer from the Jingle side
   * through the anchor (its description, sendonly while held, RFC 3264 §8.4), the re-INVITE with
   * the anchor's rewrite of it, then the peer's answer back through the anchor (docs/media.md
   * §Call flows). One offer at a time (RFC 3261 §14.1): a hold asked for while one is out goes
   * once it is over.
   */
  protected anchoredHoldToSip(out: Effect[]): void {
    if (this.localHold === this.sipSideHold || this.anchoredReinvite || this.peerOffer || this.glareWait)
      return;
    if (this.sip.dialog !== 'confirmed' || this.sip.offer !== 'stable') return;
    const side = this.jingleSide();
    if (!side) return;
    this.anchoredReinvite = { hold: this.localHold };
    this.reinviteThroughAnchor(out, side);
  }

  /**
   * Anchored: the client's stream change (./content-reoffer.ts) → the Jingle side's new
   * description `sdp` (every m-line of the session in place, the new one added, RFC 3264 §8) as
   * an offer from the Jingle side, as a hold goes; rtpengine adds the stream to the call it has
   * (its ng `offer` takes the whole new SDP for the same call-id and tags). False when another
   * offer is out (RFC 3261 §14.1): the caller refuses the change.
   */
  protected anchoredStreamOffer(out: Effect[], sdp: Sdp): boolean {
    if (this.anchoredReinvite || this.peerOffer || this.glareWait) return false;
    if (this.sip.dialog !== 'confirmed' || this.sip.offer !== 'stable') return false;
    this.anchoredReinvite = { hold: this.localHold, stream: true };
    this.reinviteThroughAnchor(out, sdp);
    return true;
  }

  /** The Jingle side's new description to the anchor; its rewrite is our re-INVITE (RFC 3264 §8: o= +1). */
  private reinviteThroughAnchor(out: Effect[], side: Sdp): void {
    out.push({
      kind: 'media',
      op: 'offer',
      purpose: 'reinvite',
      fromTag: 'jingle',
      toTag: 'sip',
      sdp: writeSdp(this.nextVersion(this.applyHold(side))),
      flags: this.sipSideFlags(),
    });
  }

  /**
   * The outcome of `anchoredStreamOffer`: the anchor's answer toward the client (its rewrite of
   * the peer's answer), or undefined with why the change was not carried out.
   */
  protected abstract anchoredStreamDone(out: Effect[], answer: string | undefined, why: string): void;

  /** Our stream change through the anchor got 491 and waits for the `glare` timer. */
  protected abstract anchoredStreamGlare(out: Effect[]): void;

  /** A new SIP session (a transfer's, ./transfers.ts): its first exchange is the session's again. */
  protected forgetPeerLast(): void {
    this.peerLast = undefined;
  }

  /** Whether a peer's re-offer is being answered through the anchor. */
  protected anchorPeerOfferBusy(): boolean {
    return this.peerOffer !== undefined;
  }

  /** The anchor wrote our re-INVITE's SDP (→ the re-INVITE), or took the peer's answer (→ done). */
  protected onAnchoredReinviteMedia(
    out: Effect[],
    event: Extract<CallEvent, { kind: 'media-done' | 'media-failed' }>,
  ): void {
    const r = this.anchoredReinvite;
    if (!r) return;
    if (event.kind === 'media-failed') {
      // The session stays as it was; the client's request is not carried out.
      this.ctx.log?.(`the anchor failed on a re-INVITE: ${event.text}`, { sid: this.sid });
      this.refusal = 'the media anchor failed';
      return this.anchoredReinviteOver(out, false);
    }
    if (event.purpose === 'reinvite') {
      r.body = event.sdp;
      out.push({ kind: 'sip-reinvite', body: event.sdp, headers: this.recvInfoHeaders() });
      return;
    }
    this.anchoredReinviteOver(out, true, event.sdp);
  }

  /** The peer answered our anchored re-INVITE: its SDP answer goes to the anchor. */
  protected onAnchoredReinviteDone(out: Effect[], response?: SipResponse): void {
    const r = this.anchoredReinvite;
    if (!r || r.body === undefined) return;
    // RFC 3261 §14.1 glare: tried again after the wait, with a new offer through the anchor; a
    // stream change as end to end (./content-reoffer.ts `anchoredStreamGlare`).
    if (response?.status === 491 && this.glareRetry(out)) {
      this.anchoredReinvite = undefined;
      if (r.stream) this.anchoredStreamGlare(out);
      return;
    }
    const answer = response && response.status >= 200 && response.status < 300 ? sdpOf(response) : '';
    if (answer.trim() === '') {
      this.refusal = !response || response.status >= 300 ? refusalText(response) : 'no SDP answer';
      // A refusal (or a 2xx without an answer) leaves the session as it was (RFC 3261 §14.1).
      this.ctx.log?.('the SIP peer refused our re-INVITE', { sid: this.sid, status: response?.status });
      return this.anchoredReinviteOver(out, false);
    }
    r.answer = answer;
    out.push({
      kind: 'media',
      op: 'answer',
      purpose: 'reinvite-answer',
      fromTag: 'jingle',
      toTag: 'sip',
      sdp: answer,
      flags: forAnswer(),
    });
  }

  /** `answer`: the anchor's rewrite of the peer's answer toward the client. */
  private anchoredReinviteOver(out: Effect[], ok: boolean, answer?: string): void {
    const r = this.anchoredReinvite;
    if (!r) return;
    this.anchoredReinvite = undefined;
    this.glareRetries = 0;
    if (r.stream) this.anchoredStreamDone(out, ok ? answer : undefined, this.refusal ?? 'refused');
    if (ok) {
      this.sipSideHold = r.hold;
      this.holdTaken(out);
      if (r.body !== undefined) this.sipLocal = r.body;
      if (r.answer !== undefined) this.peerLast = r.answer;
      // The client may have changed its mind meanwhile.
      this.anchoredHoldToSip(out);
    } else if (r.stream) this.anchoredHoldToSip(out);
    else this.localHold = this.sipSideHold;
    this.settleHolds(out);
  }

  protected anchorReinviteBusy(): boolean {
    return this.anchoredReinvite !== undefined;
  }
}

/** RFC 3264 §6: the anchor's answer with the offer's remaining m-lines answered (disabled). */
function withMedia(sdp: string, media: SdpMedia[], hashes: Parameters<typeof parseSdp>[1]): string {
  const parsed = parseSdp(sdp, hashes);
  parsed.media.push(...media);
  return writeSdp(parsed);
}
