/**
 * A call from a SIP phone to an XMPP user (docs/design.md §Call flows, SIP → XMPP):
 *
 * ```
 * SIP peer                      gateway                                  XMPP user's devices
 *   INVITE ─────────────────▶ (100 by the SIP leg); JMI <propose> ──────▶ every device rings
 *   ◀── 180 ◀──────────────── <ringing/> (JMI or session-info)
 *                             first <proceed> ◀──────────────────────── one device
 *                             session-initiate ─────────────────────────▶ that device
 *   ◀── 200 (until ACK) ◀──── session-accept (+ gather window for its trickled candidates)
 *   CANCEL ─────────────────▶ (487 by the SIP leg); <retract> or session-terminate
 *   ◀── 603/486/… ◀────────── <reject> or session-terminate before the answer
 *   BYE ⇄ session-terminate after the answer
 * ```
 */
import { clonePlain } from '../jingle/clone';
import { parseSdp, writeSdp } from '../sdp';
import type { Sdp } from '../sdp/types';
import type { Content, Jingle, JingleIq, Reason, ReasonCondition } from '../jingle/types';
import { header, headers } from '../sip/message';
import type { SipRequest } from '../sip/message/types';
import { hasRecvInfo } from '../translate/info';
import { sameJid } from '../translate/jid';
import { sdpToJingle } from '../translate/description';
import { sipReasonHeader } from '../translate/reason';
import { decideSipToXmpp } from '../media/decide';
import { concreteProfile, towardSip, towardXmpp } from '../media/flags';
import type { NgFlags } from '../media/ng-client';
import { mediaPolicy } from '../media/policy';
import { sdpShape } from '../media/shape';
import { Call, type CallContext } from './call';
import { mergeCandidates, unknownContent } from './candidates';
import { anchorAnswer, deviceAnswer, deviceReoffer } from './device-answer';
import type { CallEvent, Effect } from './events';
import { byeEffect, reasonOf, refusalOf } from './sip-reasons';
import { readInvite, type InviteParts } from './sip-invite-intake';

export class SipCall extends Call {
  readonly origin = 'sip';
  /** The gateway's full JID for the SIP caller, and the callee's bare JID. */
  readonly caller: string;
  readonly callee: string;
  /** The SIP caller's display name, for the propose's XEP-0172 nick. */
  private nick?: string;
  /** The device that proceeded (XEP-0353 §3.2), once one has. */
  private device?: string;
  /** The SIP peer's offer. */
  private readonly offerSdp: Sdp;
  /** The offer the XMPP side sees: the SIP offer, or the anchor's rewrite of it. */
  private xmppOffer: Sdp;
  private contents: Content[];
  private groups: Jingle['groups'];
  private accept?: Jingle;
  private ringing = false;

  /**
   * Starts the call from an INVITE (./sip-invite-intake.ts). Refusals that need no XMPP side
   * (unknown callee, an offer we cannot read, a denied source) come back as a final SIP
   * response in the effects, with no call. `source`: the INVITE's source address.
   */
  static start(
    request: SipRequest,
    sid: string,
    ctx: CallContext,
    source?: string,
  ): { call?: SipCall; effects: Effect[] } {
    const read = readInvite(request, sid, ctx, source);
    if ('refusal' in read) return { effects: [read.refusal] };
    const call = new SipCall(sid, header(request, 'Call-ID') ?? sid, ctx, read.parts);
    call.peerAllow = headers(request, 'allow');
    if (hasRecvInfo(request)) call.inviteHadRecvInfo();
    return { call, effects: call.begin() };
  }

  private constructor(sid: string, callId: string, ctx: CallContext, parts: InviteParts) {
    super(sid, callId, ctx, 'invited');
    this.caller = parts.caller;
    if (parts.nick !== undefined) this.nick = parts.nick;
    this.callee = parts.callee;
    this.offerSdp = parts.offer;
    this.xmppOffer = parts.offer;
    this.sipRemote = parts.offer;
    this.contents = parts.jingle.contents;
    this.groups = parts.jingle.groups;
  }

  private begin(): Effect[] {
    const out = this.effects();
    const decision = decideSipToXmpp(sdpShape(this.offerSdp), mediaPolicy(this.ctx.config));
    if (!decision.anchor) this.propose(out);
    this.startTimer(out, 'no-answer', this.ctx.config.calls.noAnswerSeconds * 1000);
    if (!decision.anchor) return out;
    // The XMPP user's devices ring once the anchor has made an offer they can use.
    this.ctx.log?.(`media anchored: ${decision.why}`, { sid: this.sid });
    this.anchored = true;
    out.push({
      kind: 'media',
      op: 'offer',
      purpose: 'propose',
      fromTag: 'sip',
      sdp: writeSdp(this.offerSdp),
      flags: towardXmpp(),
    });
    return out;
  }

  /** XEP-0353 §3.1: propose to the bare JID, so every device of the user rings. */
  private propose(out: Effect[]): void {
    this.proposedToXmpp = true;
    const media = [...new Set(this.contents.map((c) => c.description?.media ?? 'audio'))];
    const propose = {
      kind: 'send-jmi' as const,
      jmi: 'propose' as const,
      from: this.caller,
      to: this.callee,
      id: this.sid,
      media,
    };
    out.push(this.nick === undefined ? propose : { ...propose, nick: this.nick });
  }

  /** What the anchor sent back. */
  private onMedia(event: Extract<CallEvent, { kind: 'media-done' | 'media-failed' }>, out: Effect[]): void {
    if (event.purpose === 'refresh') return;
    if (event.kind === 'media-failed') {
      return this.abort(out, 'media-error', `the media anchor failed: ${event.text}`);
    }
    if (event.purpose === 'propose') {
      let jingle: Jingle;
      try {
        this.xmppOffer = parseSdp(event.sdp, this.ctx.tables.hashes);
        jingle = sdpToJingle(this.xmppOffer, this.ctx.tables, {
          action: 'session-initiate',
          sid: this.sid,
          initiator: this.caller,
        });
      } catch (e) {
        return this.abort(out, 'media-error', `unusable SDP from the media anchor: ${(e as Error).message}`);
      }
      this.contents = jingle.contents;
      this.groups = jingle.groups;
      return this.propose(out);
    }
    if (event.purpose === 'answer') this.answerWith(out, event.sdp);
  }

  protected on(event: CallEvent, out: Effect[]): void {
    switch (event.kind) {
      case 'jmi':
        return this.onJmi(event.jmi, event.from, event.reason, out);
      case 'jingle':
        return this.onJingle(event.iq, out);
      case 'jingle-result':
        return;
      case 'jingle-error':
        if (event.action === 'session-initiate') return this.abort(out, 'connectivity-error', event.text);
        return;
      case 'timer':
        if (event.name === 'gather') return this.sendAnswer(out);
        return this.abort(out, 'timeout', 'no answer');
      case 'sip-ack':
        this.acked = true;
        if (this.lateCandidates) this.reinvite(out);
        return;
      case 'jmi-bounced':
        // The propose reached no device (all offline): nobody will answer.
        if (this.device === undefined) this.abort(out, 'timeout', 'no device of the callee is online');
        return;
      case 'sip-ack-timeout':
        // RFC 3261 §13.3.1.4: the SIP leg has sent BYE; the XMPP side hears why.
        this.tellXmpp(out, { condition: 'connectivity-error', text: 'no ACK for the 200 OK' });
        return this.end(out, 'connectivity-error');
      case 'sip-cancel':
        // The SIP leg answered 487; ring off every device (XEP-0353 §3.3 retract) or end the session.
        this.tellXmpp(out, { condition: 'cancel' });
        return this.end(out, 'cancel');
      case 'sip-bye': {
        const reason = reasonOf(header(event.request, 'Reason'), this.ctx.tables.reasons) ?? {
          condition: 'success' as const,
        };
        this.tellXmpp(out, reason);
        return this.end(out, reason.condition);
      }
      case 'media-done':
      case 'media-failed':
        return this.onMedia(event, out);
      case 'sip-provisional':
      case 'sip-answered':
      case 'sip-failed':
        return;
      case 'xmpp-down':
        return this.abort(out, 'connectivity-error', 'XMPP connection lost', false);
      case 'sip-down': {
        // The dialog ended without a BYE from the peer (session timer, a probe or re-INVITE not
        // answered): the SIP leg's BYE, if any was owed, went out from the dialog; the XMPP side hears it.
        const condition = event.condition ?? 'connectivity-error';
        this.tellXmpp(out, { condition, text: event.text ?? 'the SIP dialog ended' });
        return this.end(out, condition);
      }
      case 'media-down':
        return this.abort(out, event.condition, event.text);
      case 'shutdown':
        return this.abort(out, 'general-error', 'gateway shutting down');
    }
  }

  /**
   * What the XMPP leg's JMI machine reports (docs/architecture.md §JMI): it is the one owner of
   * the proposal, so every notice is a fact — the proceed is the first device's (later ones are
   * told privately by the leg), a reject or finish is the callee's or, once a device proceeded,
   * that device's. The call only maps each to its two legs.
   */
  private onJmi(kind: string, from: string, reason: Reason | undefined, out: Effect[]): void {
    if (kind === 'ringing') return this.ring(out);
    if (kind === 'proceed') {
      // XEP-0353 §3.2: the device that won gets the session-initiate, once (the Jingle session's rule).
      if (!this.jingle.apply('initiate').ok) return;
      this.device = from;
      const initiate: Jingle = {
        action: 'session-initiate',
        sid: this.sid,
        initiator: this.caller,
        contents: this.contents,
        groups: this.groups,
      };
      out.push({ kind: 'send-jingle', from: this.caller, to: from, jingle: initiate });
      return;
    }
    if (kind === 'tie-break' && this.device === undefined) {
      // XEP-0353 §Tie Breaking: the callee is calling this caller, and that call goes on (the leg
      // retracted our propose). RFC 3261 §21.4.24 486 Busy Here: the callee's end system was
      // contacted but "is currently not willing or able to take additional calls" — it is busy
      // calling the caller, whose phone is about to ring with that call.
      return this.refuse(out, 'busy', reason?.text ?? 'Tie-Break', false);
    }
    if (kind === 'reject' && this.device === undefined) {
      return this.refuse(out, reason?.condition ?? 'decline', reason?.text);
    }
    // XEP-0353 §3.5: the device that proceeded may still decline (reject) or end (finish).
    if (kind === 'reject' || kind === 'finish') {
      const condition = reason?.condition ?? (kind === 'reject' ? 'decline' : 'success');
      if (this.sip.dialog === 'confirmed') {
        out.push(byeEffect(condition, this.ctx.tables.reasons, reason?.text));
        return this.end(out, condition);
      }
      return this.refuse(out, condition, reason?.text, false);
    }
  }

  private onJingle(iq: JingleIq, out: Effect[]): void {
    if (!this.isDevice(iq.from)) {
      out.push(this.iqErrorEffect(iq, 'item-not-found', 'unknown-session', 'not a party to this session'));
      return;
    }
    // Trickled candidates of a stream accepted a moment ago, which the peer's 200 waits for.
    const rest = this.candidatesForAccepted(out, iq);
    if (rest === undefined) return;
    iq = rest;
    const known = this.accept?.contents ?? this.contents;
    if (unknownContent(out, iq, known, (e) => this.iqErrorEffect(iq, 'bad-request', undefined, e))) return;
    // XEP-0166 §7.2 content-* (./content-reoffer.ts).
    if (this.onContentAction(out, iq)) return;
    if (!this.acceptJingle(out, iq)) return;
    if (this.localSessionInfo(out, iq, this.contents)) return;
    const j = iq.jingle;
    const info = j.action === 'session-info' ? j.info : undefined;
    // XEP-0167 §7 hold/active → re-INVITE sendonly/sendrecv (RFC 3264 §8.4), the IQ answered
    // with the peer's answer (./sip-offers.ts).
    if (info?.kind === 'hold') return this.clientHold(out, iq, true);
    if (info?.kind === 'active' || info?.kind === 'unhold') return this.clientHold(out, iq, false);
    this.result(out, iq);
    switch (j.action) {
      case 'session-info': {
        if (info?.kind === 'ringing') this.ring(out);
        // XEP-0181 → SIP INFO dtmf-relay (the IQ result went out above; no dialog yet: dropped).
        else if (info?.kind === 'dtmf') this.dtmfToSip(out, info.code, info.duration);
        return;
      }
      case 'transport-info': {
        // XEP-0176 §6: candidates trickled by the device; the answer waits for them (gather window).
        if (!this.accept) {
          this.pendingInfo.push(...j.contents);
          return;
        }
        const added = mergeCandidates(this.accept.contents, j.contents);
        // A SIP peer's ICE restart may be waiting for these credentials: its 200 carries them.
        if (!this.anchored && this.clientTransportChanged(out)) return;
        // Anchored: the candidates go to the anchor; the SIP side keeps the anchor's address.
        // After a later exchange (hold, stream change) the session is that one's
        // (./anchored-reoffer.ts `anchorRefreshed`), not the anchor's first offer.
        if (added > 0 && this.anchored && this.answerSent) {
          if (this.anchorRefreshed(out)) return;
          return this.anchorAnswer(out, 'refresh');
        }
        // After the 200 they go in a re-INVITE (docs/design.md §Transport: never drop candidates),
        // once the ACK has closed the INVITE transaction (RFC 3261 §14.1).
        if (added > 0 && this.sip.dialog === 'confirmed') {
          if (this.acked) this.reinvite(out);
          else this.lateCandidates = true;
        }
        return;
      }
      case 'session-accept': {
        this.accept = clonePlain(j);
        mergeCandidates(this.accept.contents, this.pendingInfo);
        this.stopTimer(out, 'no-answer');
        const window = this.ctx.config.calls.gatherWindowMs;
        if (window > 0) this.startTimer(out, 'gather', window);
        else this.sendAnswer(out);
        return;
      }
      case 'session-terminate': {
        const condition = j.reason?.condition ?? 'success';
        if (this.sip.dialog === 'confirmed') {
          out.push(byeEffect(condition, this.ctx.tables.reasons, j.reason?.text));
          return this.end(out, condition);
        }
        return this.refuse(out, condition, j.reason?.text, false);
      }
    }
  }

  /** Whether `jid` is the device that proceeded (RFC 7622 comparison: the server may spell it otherwise). */
  private isDevice(jid: string | undefined): boolean {
    return this.device !== undefined && jid !== undefined && sameJid(jid, this.device);
  }

  private readonly pendingInfo: Content[] = [];
  private acked = false;

  private ring(out: Effect[]): void {
    if (this.ringing || this.sip.dialog === 'confirmed') return;
    this.ringing = true;
    out.push({ kind: 'sip-provisional', status: 180 });
  }

  /** The 200 OK with the SDP answer: the device's accept with its trickled candidates. */
  private sendAnswer(out: Effect[]): void {
    this.stopTimer(out, 'gather');
    if (!this.accept || this.answerSent) return;
    if (this.anchored) return this.anchorAnswer(out, 'answer');
    let body: string;
    try {
      body = writeSdp(this.deviceAnswer());
    } catch (e) {
      return this.abort(out, 'incompatible-parameters', (e as Error).message);
    }
    this.answerWith(out, body);
  }

  /** The device's answer as SDP, answering the offer it was given. */
  private deviceAnswer(): Sdp {
    return deviceAnswer(this.ctx.tables, this.accept as Jingle, this.xmppOffer, this.sdpHost);
  }

  /**
   * The device's answer, as it answered the anchor's offer (its DTLS role settled), with the
   * streams added since (./content-reoffer.ts) after the offer's m-lines. A content the device
   * added offered `actpass`; its offer through the anchor took the role of the streams already
   * settled (RFC 8842 §5.5, `keepDtlsRole`), so that is its role now: never actpass again.
   */
  protected jingleSideAnswer(): Sdp | undefined {
    if (!this.accept) return undefined;
    const sdp = this.deviceAnswer();
    const settled = sdp.media.find(
      (m) => m.port !== 0 && m.setup !== undefined && m.setup !== 'actpass',
    )?.setup;
    if (settled !== undefined) for (const m of sdp.media) if (m.setup === 'actpass') m.setup = settled;
    return sdp;
  }

  /** The SIP peer's offer as the anchor took it (after a transfer, the new peer's answer). */
  protected sipSideFirst(): string | undefined {
    return this.transferredAnswer ?? writeSdp(this.offerSdp);
  }

  /** Toward the SIP peer in the profile of its own offer (RTP/AVP stays RTP/AVP, DTLS stays DTLS). */
  protected sipSideFlags(): NgFlags {
    // After a transfer (./transfers.ts), in the profile of the new peer's answer to our offer.
    const sipSide =
      this.transferredAnswer === undefined
        ? this.offerSdp
        : parseSdp(this.transferredAnswer, this.ctx.tables.hashes);
    return towardSip(concreteProfile('as-offered', sdpShape(sipSide)));
  }

  /** The device's answer to the SIP peer's new offer (its DTLS role as it first answered). */
  protected plainAnswer(offer: Sdp, sessionVersion: number): Sdp | undefined {
    if (!this.accept || !this.answerSent) return undefined;
    return deviceAnswer(this.ctx.tables, this.accept, offer, this.sdpHost, sessionVersion);
  }

  protected jingleParty(): { from: string; to: string; contents: Content[] } | undefined {
    if (!this.accept || this.device === undefined || !this.answerSent) return undefined;
    return { from: this.caller, to: this.device, contents: this.accept.contents };
  }

  /** The device's answer handed to the anchor: for the 200 OK, or with later candidates. */
  private anchorAnswer(out: Effect[], purpose: 'answer' | 'refresh'): void {
    let sdp: string;
    try {
      sdp = writeSdp(this.deviceAnswer());
    } catch (e) {
      if (purpose === 'refresh') return;
      return this.abort(out, 'incompatible-parameters', (e as Error).message);
    }
    if (purpose === 'answer') this.answerSent = true;
    out.push(anchorAnswer(sdp, purpose));
  }

  private answerWith(out: Effect[], body: string): void {
    this.answerSent = true;
    this.sipLocal = body;
    this.jingle.apply('accept');
    out.push({ kind: 'sip-accept', body, ...this.okHeaders(0) });
  }

  private answerSent = false;
  /** The devices were rung (an anchored call proposes once the anchor has answered). */
  private proposedToXmpp = false;

  /**
   * A new offer with the device's candidates so far, origin version + 1 (RFC 3264 §8;
   * ./device-answer.ts). One re-INVITE at a time: later candidates wait for it (RFC 3261 §14.1).
   */
  protected reinvite(out: Effect[]): void {
    if (this.accept) this.reoffer(out, (v) => this.currentOffer(v));
  }

  /** The device's accept with its candidates so far, as an offer on the session's m-lines. */
  protected currentOffer(sessionVersion: number): Sdp | undefined {
    const accept = this.accept;
    return (
      accept &&
      this.fitSlots(deviceReoffer(this.ctx.tables, accept, this.offerSdp, this.sdpHost, sessionVersion))
    );
  }

  /** The device's side of the media: its session-accept, with the streams added and removed since. */
  protected clientSide(): Jingle | undefined {
    return this.answerSent ? this.accept : undefined;
  }

  /** A final response to the INVITE with the mapped status (docs/design.md §Reasons). */
  private refuse(out: Effect[], condition: ReasonCondition, text?: string, tellXmpp = true): void {
    const { status, phrase } = refusalOf(condition, this.ctx.tables.reasons);
    const headers = text === undefined ? [] : [{ name: 'Reason', value: sipReasonHeader(status, text) }];
    out.push({ kind: 'sip-reject', status, reason: phrase, headers });
    if (tellXmpp) this.tellXmpp(out, text === undefined ? { condition } : { condition, text });
    this.end(out, condition);
  }

  /** Before a device proceeded: JMI retract to the bare JID (if it was rung); after: session-terminate to it. */
  private tellXmpp(out: Effect[], reason: Reason): void {
    if (this.device === undefined && !this.proposedToXmpp) return;
    if (this.device === undefined) {
      out.push({
        kind: 'send-jmi',
        jmi: 'retract',
        from: this.caller,
        to: this.callee,
        id: this.sid,
        reason,
      });
      return;
    }
    out.push({
      kind: 'send-jingle',
      from: this.caller,
      to: this.device,
      jingle: { action: 'session-terminate', sid: this.sid, contents: [], groups: [], reason },
    });
  }

  protected abort(out: Effect[], condition: ReasonCondition, text?: string, tellXmpp = true): void {
    if (this.sip.dialog === 'confirmed') {
      out.push(byeEffect(condition, this.ctx.tables.reasons, text));
      if (tellXmpp) this.tellXmpp(out, text === undefined ? { condition } : { condition, text });
      return this.end(out, condition);
    }
    // No answer yet: 480 for no answer (docs/design.md §Reasons), the mapped status otherwise.
    if (condition === 'timeout') {
      out.push({ kind: 'sip-reject', status: 480, reason: 'Temporarily Unavailable', headers: [] });
      if (tellXmpp) this.tellXmpp(out, text === undefined ? { condition } : { condition, text });
      return this.end(out, condition);
    }
    this.refuse(out, condition, text, tellXmpp);
  }
}
