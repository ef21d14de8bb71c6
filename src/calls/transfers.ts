/**
 * Call transfer in a call (docs/midcall.md §Transfer), both ways, the same for both kinds of call.
 *
 * The SIP peer's REFER (RFC 3515; RFC 5589 §6 blind, §7 attended): the gateway is the XMPP user's
 * user agent, the transferee, and acts as a B2BUA. `decideRefer` (src/transfer/refer.ts) refuses or
 * accepts; accepted: 202, NOTIFY 100 Trying, and a second SIP leg owned by this same call — a new
 * INVITE to the target by the gateway's own routes (never the host the REFER named), with
 * Referred-By and, attended, Replaces + Require: replaces. Its 18x → NOTIFY `active`; its 2xx →
 * the Jingle side is moved onto the new peer's media (anchored: the anchor's SIP side is
 * re-pointed, the client sees nothing; not anchored: see below), the final NOTIFY 200, the new dialog becomes the call's, and the transferor's dialog is ended
 * by BYE if the transferor has not ended it within REFERRER_BYE_WAIT_MS (RFC 5589 §6.1: it
 * should, on the NOTIFY 200). A failed new call → the final NOTIFY with its status and the call
 * goes on with the transferor — or, if the transferor has hung up meanwhile, the call ends.
 * Refer-Sub: false → no NOTIFY at all (RFC 4488 §4).
 *
 * Anchored, the target is offered as a new call to it would be: its route's `media.offer`
 * profiles in turn (./offer-profiles.ts, the walk of the call's own INVITE), each refusal of the
 * offer's media (488/415/606) a new anchor offer and INVITE in the next, not the profile the
 * transferor settled on, which the target may lack (issue 14; docs/media.md §Profiles).
 *
 * Not anchored (media end to end), the switch is a new offer/answer between the client and the
 * new peer, the gateway in the middle as RFC 3725 §4.1 (flow I) has the controller: the INVITE
 * carries no offer; the new peer's 2xx brings its own (fresh ICE credentials, its fingerprint,
 * `actpass`); that reaches the client as a transport-info with the new peer's transports — for
 * the client an ICE restart (XEP-0176 §2.2; RFC 8839 §4.4.1.1.1) with a new DTLS peer (RFC 8842
 * §5) — which a WebRTC client answers with NEW credentials of its own (RFC 8445 §9, JSEP
 * §5.3.1) in a transport-info; those, with its candidates and DTLS role, are the answer in our
 * ACK (RFC 3261 §13.2.2.4). Had the INVITE carried the client's old credentials, the new peer
 * would never learn the new ones without another restart, which a browser would answer with
 * newer ones again. A client that does not renew its credentials within RESTART_WAIT_MS gets
 * its current ones in the ACK.
 *
 * The client's XEP-0251 `<transfer/>`: `transferToRefer` → a REFER in the call's dialog (the
 * client is the transferor); the IQ is acknowledged as XEP-0251 §2 Example 6 does once the
 * request is understood. The peer's NOTIFYs of that subscription → `referNotifyToJingle`: 2xx →
 * session-terminate `<success/><transferred/>` (XEP-0251 Example 10) and our BYE (RFC 5589 §6.1:
 * the transferor ends its dialog); ≥300 → the call goes on. Any other NOTIFY: 481 (RFC 6665
 * §4.1.3, no such subscription). Attended (XEP-0251 §3, `sid` names the client's other session):
 * the context's `otherCall` (the gateway's lookup, src/gateway/other-call.ts) gives that call's
 * SIP dialog, only if it is the same user's and answered, and the Refer-To carries its Replaces
 * (RFC 3891 §3); the same NOTIFYs follow. Pure.
 */
import type { Transfer } from '../jingle/types';
import { answerProblem } from '../media/decide';
import { forAnswer } from '../media/flags';
import { mediaPolicy } from '../media/policy';
import { jingleShape, sdpShape } from '../media/shape';
import { parseSdp, writeSdp } from '../sdp';
import type { Sdp } from '../sdp/types';
import { header, headers, parseEvent, parseSubstate, sdpOf, statusText } from '../sip/message';
import type { SipHeader, SipRequest, SipResponse } from '../sip/message/types';
import { bareJid, callerJidToSipFrom } from '../translate/address';
import { sameBareJid } from '../translate/jid';
import { sipToReason } from '../translate/reason';
import { sdpToJingle } from '../translate/description';
import {
  decideRefer,
  referNotify,
  referNotifyToJingle,
  transferToRefer,
  type DialogId,
  type ReferNotify,
  type ReferSubscription,
} from '../transfer';
import type { Content, JingleIq, ReasonCondition } from '../jingle/types';
import { ContentReoffers } from './content-reoffer';
import { answerDirections } from '../media/direction';
import type { Setup } from '../jingle/types';
import { RESTART_WAIT_MS } from './plain-reoffer';
import { keepOfferedFormats } from '../translate/offered-formats';
import { isHeld } from '../sdp/offer-change';
import type { CallEvent, Effect } from './events';
import { byeEffect } from './sip-reasons';
import { OfferProfiles } from './offer-profiles';

/** Why nothing bridges a target the client cannot reach end to end (docs/midcall.md §Transfer, as wired). */
const UNANCHORED = 'the call’s media is end to end and a transfer does not anchor it';

/** How long the transferor may take to send its BYE after the NOTIFY 200 before we send ours. */
export const REFERRER_BYE_WAIT_MS = 2000;

/** A SIP peer's REFER being carried out. */
interface PeerRefer {
  /** Absent with Refer-Sub: false (RFC 4488): no NOTIFY. */
  sub?: ReferSubscription;
  uri: string;
  from: string;
  headers: SipHeader[];
  /**
   * `preparing`: the anchor writes the new call's offer; `calling`: the new INVITE is out;
   * `answered`: its 2xx came, the anchor takes the answer; `switched`: the new dialog is the
   * call's, the transferor's is waiting for its BYE.
   */
  phase: 'preparing' | 'calling' | 'answered' | 'switched';
  /** The transferor's dialog has ended (its BYE, or lost): no NOTIFY can go, nobody to go back to. */
  referrerGone: boolean;
  /** Our SDP in the new dialog: the offer of the INVITE (anchored), the answer in its ACK (not). */
  offer?: string;
  /**
   * Anchored: the Jingle side's description handed to the anchor, and the target route's offer
   * profiles it is rewritten in, one after another as a new call's INVITE (./offer-profiles.ts).
   */
  anchored?: { side: string; profiles: OfferProfiles };
  /** The new peer's Allow (from its 2xx), for later transfers. */
  allow?: string[];
  /**
   * Not anchored, `answered`: the offer of the new peer's 2xx, answered in the ACK once the
   * client has renewed its ICE credentials (`ufrags`: the client's before the restart).
   */
  restart?: { offer: Sdp; ufrags: (string | undefined)[] };
  /** Anchored, `answered`: the new peer's SDP answer, the SIP side's from the switch on. */
  answer?: string;
  /** Not anchored: the transferor's last offer held the call (the client was told `<hold/>`). */
  heldBefore: boolean;
}

export abstract class Transfers extends ContentReoffers {
  private peerRefer?: PeerRefer;
  /** Our REFER (the client's transfer): `sent` until its 2xx, then `accepted` until the final NOTIFY. */
  private ownRefer?: { phase: 'sent' | 'accepted' };
  /** REFERs seen in the dialog: from the second on, NOTIFYs carry `id=<CSeq>` (RFC 3515 §2.4.6). */
  private refers = 0;
  /** The methods in the SIP peer's Allow (RFC 3261 §20.5): whether it can be sent a REFER. */
  protected peerAllow: string[] = [];
  /**
   * The client's DTLS role later offers and answers keep (RFC 8842 §5.5), once an answer settled
   * it (XMPP-originated calls: src/calls/xmpp-call-base.ts); a transfer's new association may
   * settle it anew.
   */
  protected reofferSetup?: Setup;
  /**
   * Anchored: the SDP answer of the peer a transfer moved the call to; later offers toward the
   * SIP side take its profile (`sipSideFlags`), not the transferor's.
   */
  protected transferredAnswer?: string;

  /** The events of a transfer; false for any other (and for `sip-answered`, only read here). */
  protected onTransfer(event: CallEvent, out: Effect[]): boolean {
    switch (event.kind) {
      case 'sip-answered':
        this.peerAllow = headers(event.response, 'allow');
        return false;
      case 'sip-refer':
        this.onPeerRefer(out, event.id, event.request);
        return true;
      case 'sip-notify':
        this.onNotify(out, event.id, event.request);
        return true;
      case 'sip-transfer-response':
        this.onTransferResponse(out, event.response);
        return true;
      case 'sip-referrer-gone':
        this.onReferrerGone(out);
        return true;
      case 'sip-refer-done':
        this.onReferDone(event.response);
        return true;
      case 'timer':
        if (event.name !== 'transfer') return false;
        if (this.peerRefer?.restart) this.answerTransfer(out);
        else this.referrerTimedOut(out);
        return true;
      case 'media-done':
      case 'media-failed':
        if (event.purpose !== 'transfer' && event.purpose !== 'transfer-answer') return false;
        this.onTransferMedia(out, event);
        return true;
      default:
        return false;
    }
  }

  // ── The SIP peer's REFER: the gateway is the transferee ─────────────────────────────────

  private onPeerRefer(out: Effect[], id: number, request: SipRequest): void {
    this.refers += 1;
    const answer = (status: number, hs: SipHeader[] = []): void => {
      out.push({ kind: 'sip-request-answer', id, status, ...(hs.length > 0 ? { headers: hs } : {}) });
    };
    const party = this.jingleParty();
    const confirmed = this.sip.dialog === 'confirmed' && party !== undefined;
    // One transfer at a time, and none while an offer of either side is out (RFC 3261 §14.1).
    if (
      confirmed &&
      (this.peerRefer || this.ownRefer || this.sip.offer !== 'stable' || this.anchorReinviteBusy())
    )
      return answer(491);
    const decision = decideRefer(request, {
      transferee: party ? bareJid(party.to) : '',
      address: this.ctx.address,
      policy: this.ctx.config.policy,
      denyNumbers: this.ctx.tables.denyNumbers,
      dialogState: confirmed ? 'confirmed' : 'early',
      dialog: referDialog(request, this.callId),
      firstInDialog: this.refers === 1,
    });
    if (decision.kind === 'refuse') {
      this.ctx.log?.(`REFER refused ${decision.status}: ${decision.why}`, { sid: this.sid });
      return answer(decision.status);
    }
    if (!party) return answer(603);
    answer(decision.accept.status, decision.accept.headers);
    this.ctx.log?.(`REFER accepted: calling ${decision.invite.uri}`, {
      sid: this.sid,
      target: decision.targetJid,
    });
    const r: PeerRefer = {
      uri: decision.invite.uri,
      from: callerJidToSipFrom(party.to, this.ctx.address),
      headers: decision.invite.headers,
      phase: 'preparing',
      referrerGone: false,
      heldBefore: !this.anchored && this.sipRemote !== undefined && isHeld(this.sipRemote),
    };
    if (decision.subscription) r.sub = decision.subscription;
    this.peerRefer = r;
    if (decision.notify) out.push(notifyEffect(decision.notify));
    out.push({ kind: 'sip-transfer', step: 'begin' });
    // Not anchored: no offer (RFC 3725 §4.1); the new peer's 2xx brings one.
    if (!this.anchored) return this.placeTransfer(out, '');
    const side = this.transferOffer();
    if (!side) return this.transferFailed(out, 488);
    // Anchored: the target is offered what a new call to it would be (docs/media.md §Profiles):
    // its route's `media.offer`, `as-offered` being the Jingle side's form — not the profile the
    // transferor settled on, which the target may not do.
    const profiles = OfferProfiles.of(mediaPolicy(this.ctx.config, r.uri).offer, sdpShape(side));
    r.anchored = { side: writeSdp(side), profiles };
    this.transferAnchorOffer(out);
  }

  /** The anchor writes the offer toward the new peer from the Jingle side's description, in the current profile. */
  private transferAnchorOffer(out: Effect[]): void {
    const a = this.peerRefer?.anchored;
    if (!a) return;
    out.push({
      kind: 'media',
      op: 'offer',
      purpose: 'transfer',
      fromTag: 'jingle',
      toTag: 'sip',
      sdp: a.side,
      flags: a.profiles.flags(),
    });
  }

  /**
   * The anchored new call's offer (written by the anchor): the Jingle side's current description (its candidates so far, the
   * DTLS role it settled — RFC 8842 §5.5, never actpass again), every live stream sendrecv
   * unless the client holds (RFC 3264 §8.4), the next o= version.
   */
  private transferOffer(): Sdp | undefined {
    let side: Sdp | undefined;
    try {
      side = this.jingleSideAnswer();
    } catch {
      side = undefined;
    }
    if (!side) return undefined;
    side.direction = undefined;
    for (const m of side.media) {
      if (m.port !== 0) m.direction = 'sendrecv';
      if (m.setup === 'actpass') m.setup = 'active';
    }
    return this.nextVersion(this.applyHold(side));
  }

  private placeTransfer(out: Effect[], body: string): void {
    const r = this.peerRefer;
    if (!r) return;
    r.offer = body;
    r.phase = 'calling';
    out.push({
      kind: 'sip-transfer',
      step: 'invite',
      uri: r.uri,
      from: r.from,
      to: r.uri,
      body,
      // A new dialog's INVITE: our Recv-Info, as in the call's own (RFC 6086 §5.2.3).
      headers: [...r.headers, ...this.recvInfoHeaders()],
    });
  }

  private onTransferResponse(out: Effect[], res: SipResponse): void {
    const r = this.peerRefer;
    if (!r || r.phase !== 'calling') return;
    if (res.status < 200) {
      // RFC 3515 §2.4.5: each provisional the new call gets, as it comes (100 went at once).
      if (res.status > 100 && r.sub && !r.referrerGone)
        out.push(notifyEffect(referNotify(r.sub, res.status, res.reason)));
      return;
    }
    if (res.status >= 300) {
      // A refusal of the offer's media: the next profile, a new offer through the anchor and a
      // new INVITE, as the call's own INVITE does (./xmpp-call-base.ts `retryProfile`).
      if (r.anchored?.profiles.next(res.status)) {
        this.ctx.log?.(
          `the transfer target refused the offer (${res.status}); offering ${r.anchored.profiles.current}`,
          { sid: this.sid },
        );
        r.phase = 'preparing';
        return this.transferAnchorOffer(out);
      }
      return this.transferFailed(out, res.status, res.reason);
    }
    r.allow = headers(res, 'allow');
    const body = sdpOf(res);
    r.phase = 'answered';
    if (this.anchored) {
      r.answer = body;
      out.push({
        kind: 'media',
        op: 'answer',
        purpose: 'transfer-answer',
        fromTag: 'jingle',
        toTag: 'sip',
        sdp: body,
        flags: forAnswer(),
      });
      return;
    }
    let moved: Content[];
    let offer: Sdp;
    try {
      // RFC 3261 §13.2.1: the 2xx to an INVITE without an offer must carry one.
      if (body === '') throw new Error('no offer in the 2xx to our offerless INVITE');
      offer = parseSdp(body, this.ctx.tables.hashes);
      // The client's transport needs (DTLS-SRTP, ICE) the target's offer must meet: end to end
      // there is no anchor to bridge a plain-RTP target (docs/midcall.md §Transfer, as wired).
      const contents = this.jingleParty()?.contents ?? [];
      const client = jingleShape({ action: 'session-info', sid: this.sid, contents, groups: [] });
      const problem = answerProblem(client, sdpShape(offer), UNANCHORED);
      if (problem) throw new Error(problem.text);
      moved = this.movedTransports(offer);
    } catch (e) {
      // An unusable offer: that leg is ended (its ACK goes empty, then our BYE).
      this.ctx.log?.(`the transfer target's offer is unusable: ${(e as Error).message}`, { sid: this.sid });
      out.push({ kind: 'sip-transfer', step: 'hang-up', leg: 'new' });
      return this.transferFailed(out, 488);
    }
    const party = this.jingleParty();
    // The client keeps the codecs it agreed with the transferor (a transport-info carries no
    // description): an offer without one of them cannot be answered (RFC 3264 §6.1), and the
    // client is left where it is.
    if (!party || moved.length === 0 || !this.answerable(offer)) {
      this.ctx.log?.('the transfer target offers none of the client’s codecs', { sid: this.sid });
      out.push({ kind: 'sip-transfer', step: 'hang-up', leg: 'new' });
      return this.transferFailed(out, 488);
    }
    this.releaseTransferor(out, r);
    // The client's ICE restart toward the new peer (XEP-0176 §2.2): its answer comes back as a
    // transport-info with new credentials, which our ACK carries.
    out.push({
      kind: 'send-jingle',
      from: party.from,
      to: party.to,
      jingle: { action: 'transport-info', sid: this.sid, contents: moved, groups: [] },
    });
    r.restart = { offer, ufrags: iceUfrags(party.contents) };
    this.startTimer(out, 'transfer', RESTART_WAIT_MS);
  }

  /**
   * Media end to end: the transferor's media stops before the client restarts ICE toward the new
   * peer. The final NOTIFY goes now (the new call is answered, RFC 3515 §2.4.5), then our BYE
   * (RFC 5589 §6.1 has the transferor hang up on it; we do not wait). Why not after the switch:
   * Chromium restarts DTLS the moment it takes the new remote fingerprint, over the candidate
   * pair it still has, the transferor's; a transferor that answers that ClientHello gets it
   * refused ("mismatched digest") and the DTLS transport fails for good — no audio after the
   * transfer (docs/midcall.md §Transfer). From here a failure of the new call ends the call.
   */
  private releaseTransferor(out: Effect[], r: PeerRefer): void {
    if (r.referrerGone) return;
    if (r.sub) out.push(notifyEffect(referNotify(r.sub, 200, 'OK')));
    out.push({ kind: 'sip-transfer', step: 'hang-up', leg: 'transferor' });
    r.referrerGone = true;
  }

  /** Whether the client's description can answer `offer`: a media codec in every live stream. */
  private answerable(offer: Sdp): boolean {
    try {
      const answer = this.plainAnswer(offer, this.sdpVersion + 1);
      return answer !== undefined && keepOfferedFormats(answer, offer, this.ctx.tables) === undefined;
    } catch {
      return false;
    }
  }

  /**
   * The client's transport-info came (its candidates already merged). While the new peer's offer
   * waits for the client's answer, this is it once every ICE content has new credentials and a
   * candidate; anything else the client trickles meanwhile waits for that answer too.
   */
  protected override clientTransportChanged(out: Effect[]): boolean {
    const r = this.peerRefer;
    if (!r?.restart) return super.clientTransportChanged(out);
    const party = this.jingleParty();
    const old = r.restart.ufrags;
    const renewed = (party?.contents ?? []).every((c, i) => {
      const t = c.transport;
      if (t?.kind !== 'ice-udp' || old[i] === undefined) return true;
      return t.ufrag !== old[i] && t.candidates.length > 0;
    });
    if (renewed) this.answerTransfer(out);
    return true;
  }

  /**
   * The ACK with our answer to the new peer's offer (RFC 3261 §13.2.2.4): the client's transport
   * as it is now (renewed, or as it was when the client did not renew in time), the DTLS role its
   * restart answer took (XEP-0320 `setup`), the directions of RFC 3264 §6.1 and our hold (§8.4);
   * then the switch.
   */
  private answerTransfer(out: Effect[]): void {
    const r = this.peerRefer;
    const restart = r?.restart;
    if (!r || !restart) return;
    r.restart = undefined;
    this.stopTimer(out, 'transfer');
    const role = this.jingleParty()
      ?.contents.flatMap((c) => c.transport?.fingerprints ?? [])
      .find((f) => f.setup === 'active' || f.setup === 'passive')?.setup;
    if (role === 'active' || role === 'passive') this.reofferSetup = role;
    let answer: Sdp | undefined;
    try {
      answer = this.plainAnswer(restart.offer, this.sdpVersion + 1);
    } catch {
      answer = undefined;
    }
    if (!answer) {
      out.push({ kind: 'sip-transfer', step: 'hang-up', leg: 'new' });
      return this.transferFailed(out, 488);
    }
    // RFC 3264 §6.1: the formats of the offer only.
    keepOfferedFormats(answer, restart.offer, this.ctx.tables);
    const directed = this.applyHold(answerDirections(restart.offer, answer));
    // RFC 8842 §5.5 / RFC 5763 §5: an answer never says actpass.
    for (const m of directed.media) if (m.setup === 'actpass') m.setup = 'active';
    this.sdpVersion += 1;
    const body = writeSdp(directed);
    r.offer = body;
    this.sipRemote = restart.offer;
    // The answer carries every candidate of the client's so far.
    this.lateCandidates = false;
    out.push({ kind: 'sip-transfer', step: 'ack', body });
    this.transferDone(out);
  }

  /**
   * The new peer's transports for the client's contents (XEP-0166 §7.2.14 transport-info): the
   * client's media goes to the new peer from now on (not anchored). Throws on an answer that
   * cannot be said in Jingle or lacks a content.
   */
  private movedTransports(remote: Sdp): Content[] {
    const party = this.jingleParty();
    if (!party) return [];
    const names = party.contents.map((c) => c.name);
    const translated = sdpToJingle(remote, this.ctx.tables, { contentNames: names });
    return party.contents.map((known, i) => {
      const t = translated.contents[i]?.transport;
      if (!t) throw new Error(`no transport for content ${known.name}`);
      return { creator: known.creator, name: known.name, transport: t };
    });
  }

  /** The new call is up on both sides: the final NOTIFY, the new dialog is the call's, the transferor's waits for its BYE. */
  private transferDone(out: Effect[]): void {
    const r = this.peerRefer;
    if (!r) return;
    r.phase = 'switched';
    // Our description in the new dialog: the offer of our INVITE (anchored) or our ACK's answer.
    if (r.offer !== undefined) this.sipLocal = r.offer;
    if (r.answer !== undefined) this.transferredAnswer = r.answer;
    // The new dialog's m-lines are its own (./content-reoffer.ts).
    this.newSipSession();
    this.newPeerHold(out, r);
    if (r.sub && !r.referrerGone) out.push(notifyEffect(referNotify(r.sub, 200, 'OK')));
    out.push({ kind: 'sip-transfer', step: 'switch' });
    this.peerAllow = r.allow ?? [];
    this.refers = 0;
    if (r.referrerGone) {
      this.peerRefer = undefined;
      return;
    }
    this.startTimer(out, 'transfer', REFERRER_BYE_WAIT_MS);
  }

  /**
   * RFC 3264 §8.4: the new dialog is on hold only if the new peer's offer says so (anchored, the
   * offer was ours: not held). A transferor that held the call before its REFER (linphone 5.1
   * does, always for an attended transfer) takes its hold away with its dialog: the client,
   * told `<hold/>` then, now hears `<active/>` (XEP-0167 §7).
   */
  private newPeerHold(out: Effect[], r: PeerRefer): void {
    if (this.anchored) return this.tellPeerHold(out, false);
    const held = this.sipRemote !== undefined && isHeld(this.sipRemote);
    if (held !== r.heldBefore) this.sessionInfo(out, { kind: held ? 'hold' : 'active' });
  }

  /** The new call failed: the final NOTIFY says how; the call goes on with the transferor, if it is still there. */
  private transferFailed(out: Effect[], status: number, reason?: string): void {
    const r = this.peerRefer;
    if (!r) return;
    this.peerRefer = undefined;
    const phrase = reason ?? statusText(status);
    this.ctx.log?.(`transfer failed: ${status} ${phrase}`, { sid: this.sid });
    if (r.sub && !r.referrerGone) out.push(notifyEffect(referNotify(r.sub, status, phrase)));
    out.push({ kind: 'sip-transfer', step: 'abandon' });
    if (!r.referrerGone) return;
    // The transferor hung up meanwhile: nobody is left on the SIP side.
    const condition = sipToReason(status, this.ctx.tables.reasons);
    const party = this.jingleParty();
    if (party)
      out.push({
        kind: 'send-jingle',
        from: party.from,
        to: party.to,
        jingle: {
          action: 'session-terminate',
          sid: this.sid,
          contents: [],
          groups: [],
          reason: { condition, text: `transfer failed: ${status} ${phrase}` },
        },
      });
    this.end(out, condition);
  }

  private onTransferMedia(
    out: Effect[],
    event: Extract<CallEvent, { kind: 'media-done' | 'media-failed' }>,
  ): void {
    const r = this.peerRefer;
    if (!r) return;
    if (event.kind === 'media-failed') {
      this.ctx.log?.(`the anchor failed on a transfer: ${event.text}`, { sid: this.sid });
      if (r.phase === 'answered') out.push({ kind: 'sip-transfer', step: 'hang-up', leg: 'new' });
      return this.transferFailed(out, 500);
    }
    if (event.purpose === 'transfer' && r.phase === 'preparing')
      return this.placeTransfer(
        out,
        r.anchored?.profiles.body(event.sdp, this.ctx.tables.hashes) ?? event.sdp,
      );
    if (event.purpose === 'transfer-answer' && r.phase === 'answered') this.transferDone(out);
  }

  /** The transferor's dialog ended: before the new call is up the transfer goes on; after, nothing is left to do. */
  private onReferrerGone(out: Effect[]): void {
    const r = this.peerRefer;
    if (!r || r.referrerGone) return;
    r.referrerGone = true;
    if (r.phase !== 'switched') return;
    this.stopTimer(out, 'transfer');
    this.peerRefer = undefined;
  }

  /** RFC 5589 §6.1: the transferor should have hung up on the NOTIFY 200; we do it for it. */
  private referrerTimedOut(out: Effect[]): void {
    const r = this.peerRefer;
    if (!r || r.phase !== 'switched') return;
    this.peerRefer = undefined;
    if (!r.referrerGone) out.push({ kind: 'sip-transfer', step: 'hang-up', leg: 'transferor' });
  }

  /** Every way out ends the transfer's legs too: the new call (CANCEL or BYE), the transferor's dialog. */
  protected override end(out: Effect[], condition: ReasonCondition): void {
    const r = this.peerRefer;
    if (r && !this.ended) {
      this.peerRefer = undefined;
      if (r.phase === 'calling' || r.phase === 'answered')
        out.push({ kind: 'sip-transfer', step: 'hang-up', leg: 'new' });
      if (r.phase === 'switched' && !r.referrerGone)
        out.push({ kind: 'sip-transfer', step: 'hang-up', leg: 'transferor' });
    }
    this.ownRefer = undefined;
    super.end(out, condition);
  }

  // ── The client's XEP-0251 transfer: the gateway REFERs the SIP peer ─────────────────────

  /**
   * Whether this call may be the one an attended transfer of `client`'s other call replaces
   * (XEP-0251 §3, RFC 3891): its session is `client`'s (bare JIDs compared in their normal form,
   * RFC 7622), answered (the SIP dialog confirmed, the Jingle session active), not ended, and no
   * transfer of its own under way (its dialog may be about to change).
   */
  replaceableBy(client: string): boolean {
    const party = this.jingleParty();
    if (this.ended || !party || this.sip.dialog !== 'confirmed') return false;
    if (this.peerRefer || this.ownRefer) return false;
    return sameBareJid(party.to, client);
  }

  /** The client's session-info `<transfer/>` → a REFER, or the IQ error (XEP-0251 §2, §3). */
  protected clientTransfer(out: Effect[], iq: JingleIq, t: Transfer): void {
    const party = this.jingleParty();
    if (!party || this.sip.dialog !== 'confirmed') {
      out.push(this.iqErrorEffect(iq, 'unexpected-request', 'out-of-order', 'the call is not answered yet'));
      return;
    }
    if (this.peerRefer || this.ownRefer) {
      out.push(this.iqErrorEffect(iq, 'unexpected-request', undefined, 'a transfer is under way'));
      return;
    }
    const transferor = bareJid(party.to);
    const d = transferToRefer(t, {
      transferor,
      address: this.ctx.address,
      policy: this.ctx.config.policy,
      denyNumbers: this.ctx.tables.denyNumbers,
      peerAllow: this.peerAllow,
      // XEP-0251 §3: the client's other session, found by the gateway among this client's
      // answered calls only (one user never names another's); this call cannot replace itself.
      otherCall: (sid) => (sid === this.sid ? undefined : this.ctx.otherCall?.(sid, transferor)),
    });
    if (d.kind === 'refuse') {
      const jingleCondition = d.condition === 'feature-not-implemented' ? 'unsupported-info' : undefined;
      out.push(this.iqErrorEffect(iq, d.condition, jingleCondition, d.text));
      return;
    }
    this.result(out, iq);
    this.ownRefer = { phase: 'sent' };
    out.push({ kind: 'sip-send-refer', headers: d.headers });
  }

  /** Our REFER's final response: 2xx → wait for the NOTIFYs; else the call goes on (RFC 5589 §6.2). */
  private onReferDone(res?: SipResponse): void {
    const o = this.ownRefer;
    if (!o) return;
    if (!res || res.status >= 300) {
      this.ownRefer = undefined;
      this.ctx.log?.(`the SIP peer refused the transfer: ${res?.status ?? 'no answer'}`, { sid: this.sid });
      return;
    }
    // RFC 4488 §4: a 2xx with Refer-Sub: false promises no NOTIFY; the peer's BYE will end the call.
    if (/^\s*false\s*$/i.test(header(res, 'Refer-Sub') ?? '')) this.ownRefer = undefined;
    else o.phase = 'accepted';
  }

  /** A NOTIFY from the SIP peer: of our REFER's subscription, or 481 (RFC 6665 §4.1.3). */
  private onNotify(out: Effect[], id: number, request: SipRequest): void {
    const answer = (status: number): void => {
      out.push({ kind: 'sip-request-answer', id, status });
    };
    // RFC 3515 §2.4.4: a NOTIFY may come before the REFER's 202 does.
    if (!this.ownRefer) return answer(481);
    let event;
    let terminated = false;
    try {
      event = parseEvent(header(request, 'Event') ?? '');
      const state = header(request, 'Subscription-State');
      // Only the state matters here (src/sip/message/subscription.ts: linphone's malformed reason).
      if (state !== undefined) terminated = parseSubstate(state) === 'terminated';
    } catch {
      return answer(400);
    }
    // RFC 6665 §8.2.2: an event package we did not subscribe to.
    if (event.event.toLowerCase() !== 'refer') return answer(489);
    let progress;
    try {
      progress = referNotifyToJingle(request.body, this.sid);
    } catch {
      return answer(400);
    }
    answer(200);
    if (progress.kind === 'progress') {
      if (terminated) this.ownRefer = undefined;
      return;
    }
    this.ownRefer = undefined;
    if (progress.kind === 'failed') {
      this.ctx.log?.(`the transfer failed at the SIP peer: ${progress.status} ${progress.reason}`, {
        sid: this.sid,
      });
      return;
    }
    const party = this.jingleParty();
    if (party) out.push({ kind: 'send-jingle', from: party.from, to: party.to, jingle: progress.terminate });
    // RFC 5589 §6.1: the transferor ends its dialog with the transferee once the transfer succeeded.
    out.push(byeEffect('success', this.ctx.tables.reasons));
    this.end(out, 'success');
  }
}

/** Each content's ICE ufrag (undefined for other transports). */
function iceUfrags(contents: readonly Content[]): (string | undefined)[] {
  return contents.map((c) => (c.transport?.kind === 'ice-udp' ? c.transport.ufrag : undefined));
}

function notifyEffect(n: ReferNotify): Effect {
  return { kind: 'sip-notify', headers: n.headers, body: n.body };
}

/** The REFER's dialog as the gateway sees it: To tag ours, From tag the peer's (RFC 3261 §12.2.2). */
function referDialog(request: SipRequest, callId: string): DialogId {
  const tag = (name: string): string => /;\s*tag=([^;\s>]+)/i.exec(header(request, name) ?? '')?.[1] ?? '';
  return { callId: header(request, 'Call-ID') ?? callId, localTag: tag('To'), remoteTag: tag('From') };
}
