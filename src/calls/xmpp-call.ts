/**
 * A call placed by an XMPP user to a SIP address (docs/design.md §Call flows, XMPP → SIP):
 *
 * ```
 * client                       gateway                              SIP peer
 *   session-initiate ─────────▶ IQ result; gather window ─────────▶ INVITE
 *   transport-info ───────────▶ candidates folded into the offer      100 / 180
 *   ◀──────────── session-info <ringing/> ◀──────────────────────── 180/183
 *   ◀──────────── session-accept ◀───────────────────────────────── 200 (ACK by the SIP leg)
 *   session-terminate ────────▶ CANCEL before the answer, BYE after
 *   ◀──────────── session-terminate (mapped reason + SIP text) ◀─── 3xx–6xx / BYE
 * ```
 */
import { parseSdp, writeSdp } from '../sdp';
import { calleeDenial } from '../policy/callee';
import type { OfferProfile } from '../config/config';
import { toCapNegOffer } from '../media/capneg-offer';
import { answerProblem, anchorHint, decideXmppToSip, RETRY_STATUSES } from '../media/decide';
import { concreteProfile, forAnswer, towardSip } from '../media/flags';
import { mediaPolicy, type MediaPolicy } from '../media/policy';
import type { NgFlags } from '../media/ng-client';
import { jingleShape, sdpShape } from '../media/shape';
import type { Sdp } from '../sdp/types';
import type { Content, Jingle, JingleIq, Reason, ReasonCondition, Setup } from '../jingle/types';
import { header, sdpOf } from '../sip/message';
import { headers } from '../sip/message/headers';
import type { SipResponse } from '../sip/message/types';
import { bareJid, callerJidToSipFrom, jidToSipUri } from '../translate/address';
import { sameJid } from '../translate/jid';
import { displayNick } from './nick';
import { jingleToSdpObject, sdpToJingle } from '../translate/description';
import { callIdForSid } from '../translate/jingle-to-sip';
import { advertisesTrickle, transportInfoToSdpFrag } from '../translate/trickle';
import { SDPFRAG, TRICKLE_PACKAGE } from '../translate/info';
import { writeSdpFrag } from '../sdp';
import { sipToReason } from '../translate/reason';
import { byeEffect, localFailureText, reasonOf } from './sip-reasons';
import { Call, type CallContext } from './call';
import { mergeCandidates, unknownContent } from './candidates';
import type { CallEvent, Effect } from './events';
import { isEarly } from './sip-dialog';
import { answerUpdates, sameSdp } from './early-media';

export class XmppCall extends Call {
  readonly origin = 'xmpp';
  /** The XMPP caller's full JID, and the JID at the gateway it called. */
  readonly client: string;
  /** The caller's display name (XEP-0172 nick), if it gave one. */
  private nick?: string;
  readonly gatewayJid: string;
  private readonly offer: Jingle;
  private offerSdp?: Sdp;
  private ringing = false;
  /** The session-accept the client got (from a 183's SDP, or the 200's). */
  private accepted?: Jingle;
  /** The early answer: the 183's SDP and its To tag (docs/media.md §Early media). */
  private early?: { body: string; tag: string | undefined };
  /** The DTLS role later offers keep (RFC 8842 §5.5), once the answer settled it. */
  private reofferSetup?: Setup;
  private readonly policy: MediaPolicy;
  /** Anchored calls: the offer profiles toward the SIP peer, the one in use, the peer's answer. */
  private media?: { profiles: Exclude<OfferProfile, 'as-offered'>[]; index: number; sipAnswer?: string };

  /**
   * Starts the call from the client's session-initiate. The IQ is answered here: a callee that
   * cannot be reached or an offer that cannot be expressed in SDP is refused at once with the
   * reason in `<text>`; otherwise the IQ result goes out and the gather window starts.
   */
  /** `nick`: the caller's XEP-0172 nick, from its JMI `<propose>`; the INVITE's From display name. */
  static start(
    iq: JingleIq,
    ctx: CallContext,
    callId?: string,
    nick?: string,
  ): { call: XmppCall; effects: Effect[] } {
    const call = new XmppCall(iq, ctx, callId);
    const display = displayNick(nick);
    if (display !== undefined) call.nick = display;
    return { call, effects: call.begin(iq) };
  }

  /**
   * `callId`: the gateway's own, unique and random (docs/policy.md §Sizes: never the client's
   * sid, which another user may choose too); derived from the sid when not given (tests, CLI).
   */
  private constructor(iq: JingleIq, ctx: CallContext, callId?: string) {
    super(iq.jingle.sid, callId ?? callIdForSid(iq.jingle.sid, ctx.config.sip.host), ctx);
    this.client = iq.from ?? iq.jingle.initiator ?? '';
    this.gatewayJid = iq.to ?? '';
    this.offer = structuredClone(iq.jingle);
    let target: string | undefined;
    try {
      target = jidToSipUri(bareJid(this.gatewayJid), ctx.address);
    } catch {
      target = undefined; // refused in begin()
    }
    this.policy = mediaPolicy(ctx.config, target);
  }

  private begin(iq: JingleIq): Effect[] {
    const out: Effect[] = [];
    try {
      // Refuse at once what can never become an INVITE: an unroutable callee, an offer with no SDP form.
      jidToSipUri(bareJid(this.gatewayJid), this.ctx.address);
      jingleToSdpObject(this.offer, this.ctx.tables);
    } catch (e) {
      out.push(this.iqErrorEffect(iq, 'bad-request', undefined, (e as Error).message));
      this.end(out, 'failed-application');
      return out;
    }
    // docs/policy.md: no INVITE is ever placed for a denied callee.
    const denial = calleeDenial(
      bareJid(this.client),
      bareJid(this.gatewayJid),
      this.ctx.address.rules,
      this.ctx.config.policy,
      this.ctx.tables.denyNumbers,
    );
    if (denial) {
      this.ctx.log?.(`call denied by ${denial.rule}`, { sid: this.sid, caller: this.client });
      out.push(this.iqErrorEffect(iq, 'forbidden', undefined, denial.text));
      this.end(out, 'security-error');
      return out;
    }
    this.jingle.apply('initiate');
    this.result(out, iq);
    const window = this.ctx.config.calls.gatherWindowMs;
    if (window > 0) this.startTimer(out, 'gather', window);
    else this.sendInvite(out);
    return out;
  }

  private sendInvite(out: Effect[]): void {
    this.offerSdp = jingleToSdpObject(this.offer, this.ctx.tables, { origin: { address: this.sdpHost } });
    const shape = jingleShape(this.offer);
    const decision = decideXmppToSip(shape, this.policy);
    if (!decision.anchor) return this.inviteWith(out, writeSdp(this.offerSdp));
    this.ctx.log?.(`media anchored: ${decision.why}`, { sid: this.sid });
    this.anchored = true;
    const profiles = [...new Set(this.policy.offer.map((p) => concreteProfile(p, shape)))];
    this.media = { profiles, index: 0 };
    this.anchorOffer(out, 'invite');
  }

  /** The Jingle offer handed to the anchor, rewritten for the SIP peer in the current profile. */
  private anchorOffer(out: Effect[], purpose: 'invite' | 'refresh'): void {
    const m = this.media;
    if (!m || !this.offerSdp) return;
    out.push({
      kind: 'media',
      op: 'offer',
      purpose,
      fromTag: 'jingle',
      sdp: writeSdp(this.offerSdp),
      flags: towardSip(m.profiles[m.index] ?? 'rtp'),
    });
  }

  private inviteWith(out: Effect[], body: string): void {
    this.sipLocal = body;
    const uri = jidToSipUri(bareJid(this.gatewayJid), this.ctx.address);
    this.dialog.apply('invite');
    this.offerAnswer.apply('local-offer');
    out.push({
      kind: 'sip-invite',
      uri,
      from: callerJidToSipFrom(this.client, this.ctx.address),
      ...(this.nick === undefined ? {} : { fromDisplay: this.nick }),
      to: uri,
      body,
      callId: this.callId,
    });
    this.stopTimer(out, 'no-answer');
    this.startTimer(out, 'no-answer', this.ctx.config.calls.noAnswerSeconds * 1000);
  }

  /** What the anchor sent back. */
  private onMedia(event: Extract<CallEvent, { kind: 'media-done' | 'media-failed' }>, out: Effect[]): void {
    if (event.purpose === 'refresh') return;
    if (event.kind === 'media-failed') {
      return this.abort(out, 'media-error', `the media anchor failed: ${event.text}`);
    }
    if (event.purpose === 'invite') {
      const profile = this.media?.profiles[this.media.index];
      const body =
        profile === 'capneg'
          ? writeSdp(toCapNegOffer(parseSdp(event.sdp, this.ctx.tables.hashes)))
          : event.sdp;
      return this.inviteWith(out, body);
    }
    if (event.purpose === 'accept' || event.purpose === 'early') this.acceptWith(out, event.sdp, false);
  }

  /**
   * A 488/415/606 to an anchored INVITE: the next offer profile, in a new INVITE (docs/media.md
   * §Profiles). Returns false when there is none left.
   */
  private retryProfile(out: Effect[], status: number): boolean {
    const m = this.media;
    if (!m || !RETRY_STATUSES.has(status) || m.index + 1 >= m.profiles.length) return false;
    m.index += 1;
    this.ctx.log?.(`SIP peer refused the offer (${status}); offering ${m.profiles[m.index]}`, {
      sid: this.sid,
    });
    this.offerAnswer.apply('rejected');
    this.newDialog();
    this.anchorOffer(out, 'invite');
    return true;
  }

  protected on(event: CallEvent, out: Effect[]): void {
    switch (event.kind) {
      case 'jingle':
        return this.onJingle(event.iq, out);
      case 'jingle-result':
        return;
      case 'jingle-error':
        // An error to our session-accept means the client is gone (XEP-0166 §6.3); one to an
        // informational session-info (say `<unsupported-info/>` for `<ringing/>`) does not.
        if (event.action === 'session-accept')
          return this.abort(out, 'connectivity-error', event.text, false);
        return;
      case 'timer':
        if (event.name === 'gather') return this.sendInvite(out);
        return this.abort(out, 'timeout', 'no answer');
      case 'sip-provisional':
        return this.onProvisional(event.response, out);
      case 'sip-answered':
        this.peerTrickles = advertisesTrickle({
          supported: headers(event.response, 'supported').join(','),
          recvInfo: headers(event.response, 'recv-info').join(','),
        });
        return this.onAnswered(sdpOf(event.response), out);
      case 'media-done':
      case 'media-failed':
        return this.onMedia(event, out);
      case 'sip-failed': {
        const r = event.response;
        this.dialog.apply('failed');
        if (this.retryProfile(out, r.status)) return;
        const local = localFailureText(header(r, 'warning'));
        this.terminateJingle(out, {
          condition: sipToReason(r.status, this.ctx.tables.reasons),
          text: `${r.status} ${r.reason}`.trim() + (local !== undefined ? `: ${local}` : ''),
        });
        return this.end(out, sipToReason(r.status, this.ctx.tables.reasons));
      }
      case 'sip-bye': {
        this.dialog.apply('bye');
        const reason = reasonOf(header(event.request, 'Reason'), this.ctx.tables.reasons) ?? {
          condition: 'success' as const,
        };
        this.terminateJingle(out, reason);
        return this.end(out, reason.condition);
      }
      case 'sip-reinvite-done':
        return this.reofferDone(out, (o) => this.reinvite(o));
      case 'sip-ack':
      case 'sip-ack-timeout':
      case 'sip-cancel':
      case 'jmi':
      case 'jmi-bounced':
        return;
      case 'xmpp-down':
        return this.abort(out, 'connectivity-error', 'XMPP connection lost', false);
      case 'sip-down':
        return this.abort(out, event.condition ?? 'connectivity-error', event.text ?? 'SIP transport lost');
      case 'media-down':
        return this.abort(out, event.condition, event.text);
      case 'shutdown':
        return this.abort(out, 'general-error', 'gateway shutting down');
    }
  }

  private onJingle(iq: JingleIq, out: Effect[]): void {
    const j = iq.jingle;
    if (iq.from === undefined || !sameJid(iq.from, this.client)) {
      // XEP-0166 §7.1: a sid names a session only between its two parties.
      out.push(this.iqErrorEffect(iq, 'item-not-found', 'unknown-session', 'not a party to this session'));
      return;
    }
    if (
      unknownContent(out, iq, this.offer.contents, (e) => this.iqErrorEffect(iq, 'bad-request', undefined, e))
    )
      return;
    if (j.action === 'session-accept') {
      // The caller cannot accept its own session (XEP-0166 §6.5 is the responder's).
      out.push(this.iqErrorEffect(iq, 'unexpected-request', 'out-of-order', 'the initiator cannot accept'));
      return;
    }
    if (!this.acceptJingle(out, iq)) return;
    switch (j.action) {
      case 'transport-info': {
        const added = mergeCandidates(this.offer.contents, j.contents);
        this.result(out, iq);
        if (added > 0 && this.media !== undefined) return this.refreshAnchor(out);
        // A SIP peer's ICE restart may be waiting for these credentials: its 200 carries them.
        if (this.clientTransportChanged(out)) return;
        if (added > 0 && this.dialog.state !== 'none') {
          if (this.dialog.state !== 'confirmed') this.lateCandidates = true;
          else if (this.peerTrickles) this.trickleToSip(out, j.contents);
          else this.reinvite(out);
        }
        return;
      }
      case 'session-info': {
        const info = j.info;
        if (info?.kind === 'dtmf') {
          // XEP-0181 → SIP INFO dtmf-relay; before the answer there is no dialog to carry it.
          if (!this.dtmfToSip(out, info.code, info.duration))
            out.push(this.iqErrorEffect(iq, 'unexpected-request', undefined, 'no SIP dialog yet'));
          else this.result(out, iq);
          return;
        }
        this.result(out, iq);
        // XEP-0167 §7 hold/active → re-INVITE sendonly/sendrecv (RFC 3264 §8.4); mute is the client's.
        if (info?.kind === 'hold') this.holdToSip(out, true, (o) => this.reinvite(o));
        else if (info?.kind === 'active' || info?.kind === 'unhold')
          this.holdToSip(out, false, (o) => this.reinvite(o));
        return;
      }
      case 'session-terminate': {
        this.result(out, iq);
        const condition = j.reason?.condition ?? 'success';
        this.hangUpSip(out, condition, j.reason?.text);
        return this.end(out, condition);
      }
      default:
        this.result(out, iq);
    }
  }

  private onProvisional(response: SipResponse, out: Effect[]): void {
    const status = response.status;
    if (status === 100) {
      this.dialog.apply('trying');
      return;
    }
    this.dialog.apply('ringing');
    // RFC 3261 §13.2.1: an SDP in a provisional response is the answer, early (RFC 3960 §2).
    const sdp = sdpOf(response);
    if (sdp.trim() !== '' && this.policy.earlyMedia !== false && this.early === undefined) {
      return this.onEarlyAnswer(sdp, toTagOf(response), out);
    }
    if ((status === 180 || status === 183) && !this.ringing && this.accepted === undefined) {
      this.ringing = true;
      this.sendJingle(out, {
        action: 'session-info',
        sid: this.sid,
        contents: [],
        groups: [],
        info: { kind: 'ringing' },
      });
    }
  }

  /**
   * A 18x with SDP: the client gets the session-accept now and hears the early media
   * (src/calls/early-media.ts says why a session-accept). Anchored, the answer goes through the
   * anchor first, as the 200's does.
   */
  private onEarlyAnswer(body: string, tag: string | undefined, out: Effect[]): void {
    this.early = { body, tag };
    this.ctx.log?.('early media: the 18x answer goes to the client', { sid: this.sid, tag });
    if (this.media) {
      this.media.sipAnswer = body;
      out.push({
        kind: 'media',
        op: 'answer',
        purpose: 'early',
        fromTag: 'jingle',
        toTag: 'sip',
        sdp: body,
        flags: forAnswer(),
      });
      return;
    }
    this.acceptWith(out, body, true);
  }

  private onAnswered(body: string, out: Effect[]): void {
    this.stopTimer(out, 'no-answer');
    this.dialog.apply('answered');
    if (this.early !== undefined && sameSdp(this.early.body, body)) {
      // RFC 3261 §13.2.1: the same answer as the 183's: the client has it already.
      if (this.lateCandidates && !this.media) this.reinvite(out);
      return;
    }
    if (this.media) {
      this.media.sipAnswer = body;
      out.push({
        kind: 'media',
        op: 'answer',
        purpose: 'accept',
        fromTag: 'jingle',
        toTag: 'sip',
        sdp: body,
        flags: forAnswer(),
      });
      return;
    }
    this.acceptWith(out, body, true);
  }

  /** The session-accept from an SDP answer: the SIP peer's own (`direct`) or the anchor's. */
  private acceptWith(out: Effect[], body: string, direct: boolean): void {
    let accept: Jingle;
    try {
      accept = sdpToJingle(body, this.ctx.tables, {
        action: 'session-accept',
        sid: this.sid,
        responder: this.gatewayJid,
        contentNames: this.offer.contents.map((c) => c.name),
      });
    } catch (e) {
      // RFC 3261 §13.2.2.4: the 2xx is ACKed (by the SIP leg), then the call is ended with BYE.
      return this.abort(out, 'incompatible-parameters', `unusable SDP answer: ${(e as Error).message}`);
    }
    // An answer the client cannot use ends the call with the reason, never a silent call.
    const problem = direct
      ? answerProblem(
          jingleShape(this.offer),
          sdpShape(parseSdp(body, this.ctx.tables.hashes)),
          anchorHint(this.policy),
        )
      : undefined;
    if (problem) return this.abort(out, problem.condition, problem.text);
    const dropped = droppedDtls(this.offer, accept);
    if (dropped !== undefined) {
      // docs/design.md §Security: a DTLS-SRTP offer is never downgraded to plain RTP.
      return this.abort(out, 'security-error', `the SIP answer drops DTLS-SRTP for content '${dropped}'`);
    }
    // After early media, the 200's answer differs from the 183's: the client gets what changed.
    if (this.accepted !== undefined) {
      for (const update of answerUpdates(this.accepted, accept)) this.sendJingle(out, update);
      this.accepted = accept;
      if (this.lateCandidates && direct && this.dialog.state === 'confirmed') this.reinvite(out);
      return;
    }
    this.accepted = accept;
    this.offerAnswer.apply('remote-answer');
    this.jingle.apply('accept');
    if (direct) this.sipRemote = parseSdp(body, this.ctx.tables.hashes);
    const setup = accept.contents.find((c) => c.transport?.fingerprints[0])?.transport?.fingerprints[0]
      ?.setup;
    // RFC 8842 §5.5: later offers keep the roles this answer settled (it active → we passive).
    this.reofferSetup = setup === 'active' ? 'passive' : setup === 'passive' ? 'active' : undefined;
    this.sendJingle(out, accept);
    // Candidates trickled meanwhile go in a re-INVITE once the dialog is confirmed (not while early).
    if (this.lateCandidates && direct && this.dialog.state === 'confirmed') this.reinvite(out);
  }

  /**
   * Anchored calls: trickled candidates go to the anchor, not in a re-INVITE — the SIP side's
   * addresses are the anchor's and do not change. A new offer, and once the peer has answered
   * that answer again, so the anchor's offer/answer state stays complete.
   */
  private refreshAnchor(out: Effect[]): void {
    if (!this.offerSdp) return; // the gather window is still open: the first offer takes them
    this.offerSdp = jingleToSdpObject(this.offer, this.ctx.tables, { origin: { address: this.sdpHost } });
    this.anchorOffer(out, 'refresh');
    const answer = this.media?.sipAnswer;
    if (answer !== undefined)
      out.push({
        kind: 'media',
        op: 'answer',
        purpose: 'refresh',
        fromTag: 'jingle',
        toTag: 'sip',
        sdp: answer,
        flags: forAnswer(),
      });
  }

  /** The client's offer as the answer its role settled (rtpengine active → the client passive). */
  protected jingleSideAnswer(): Sdp | undefined {
    return jingleToSdpObject(this.offer, this.ctx.tables, {
      origin: { address: this.sdpHost },
      ...(this.reofferSetup ? { setup: this.reofferSetup } : {}),
    });
  }

  /** Toward the SIP peer in the form its answer took (RTP/AVP, SDES or DTLS), else the profile offered. */
  protected sipSideFlags(): NgFlags {
    const answer = this.media?.sipAnswer;
    if (answer !== undefined)
      return towardSip(concreteProfile('as-offered', sdpShape(parseSdp(answer, this.ctx.tables.hashes))));
    return towardSip(this.media?.profiles[this.media.index] ?? 'rtp');
  }

  /** The client's offer as an answer to the SIP peer's new one, in the roles the first answer set. */
  protected plainAnswer(offer: Sdp, sessionVersion: number): Sdp | undefined {
    if (this.jingle.state !== 'active') return undefined;
    return jingleToSdpObject(this.offer, this.ctx.tables, {
      type: 'answer',
      author: 'initiator',
      offer,
      origin: { address: this.sdpHost, sessionVersion },
      ...(this.reofferSetup ? { setup: this.reofferSetup } : {}),
    });
  }

  protected jingleParty(): { from: string; to: string; contents: Content[] } | undefined {
    if (this.jingle.state !== 'active') return undefined;
    return { from: this.gatewayJid, to: this.client, contents: this.offer.contents };
  }

  /** The SIP peer takes trickled candidates in INFO (RFC 8840 §4), as its 2xx said. */
  private peerTrickles = false;

  /**
   * RFC 8840 §4.2: the client's late candidates to a peer that trickles go in an INFO with
   * Info-Package `trickle-ice` (an sdpfrag naming each m-section by the a=mid of our offer),
   * not in a re-INVITE.
   */
  private trickleToSip(out: Effect[], contents: Content[]): void {
    const mids = this.offerSdp?.media.map((m) => m.mid) ?? [];
    let frag;
    try {
      frag = transportInfoToSdpFrag({ contents });
    } catch {
      return this.reinvite(out); // no ICE-UDP transport to trickle: the candidates go in an offer
    }
    for (const m of frag.media) {
      const i = this.offer.contents.findIndex((c) => c.name === m.mid);
      const mid = i >= 0 ? mids[i] : undefined;
      if (mid !== undefined) m.mid = mid;
    }
    out.push({
      kind: 'sip-send-info',
      contentType: SDPFRAG,
      body: writeSdpFrag(frag),
      headers: [
        { name: 'Info-Package', value: TRICKLE_PACKAGE },
        { name: 'Content-Disposition', value: 'Info-Package' },
      ],
    });
  }

  /** A new offer with every candidate so far, keeping the origin (RFC 3264 §8). */
  private reinvite(out: Effect[]): void {
    this.reoffer(out, (sessionVersion) =>
      jingleToSdpObject(this.offer, this.ctx.tables, {
        origin: { address: this.sdpHost, sessionVersion },
        ...(this.reofferSetup ? { setup: this.reofferSetup } : {}),
      }),
    );
  }

  /** CANCEL while early (RFC 3261 §9.1), BYE with an RFC 3326 Reason once answered. */
  private hangUpSip(out: Effect[], condition: ReasonCondition, text?: string): void {
    if (this.dialog.state === 'none') return;
    if (isEarly(this.dialog.state)) {
      out.push({ kind: 'sip-cancel' });
      return;
    }
    if (this.dialog.state !== 'confirmed') return;
    out.push(byeEffect(condition, this.ctx.tables.reasons, text));
  }

  private terminateJingle(out: Effect[], reason: Reason): void {
    this.sendJingle(out, { action: 'session-terminate', sid: this.sid, contents: [], groups: [], reason });
  }

  private sendJingle(out: Effect[], jingle: Jingle): void {
    out.push({ kind: 'send-jingle', from: this.gatewayJid, to: this.client, jingle });
  }

  protected abort(out: Effect[], condition: ReasonCondition, text?: string, tellXmpp = true): void {
    this.hangUpSip(out, condition, text);
    if (tellXmpp) this.terminateJingle(out, text === undefined ? { condition } : { condition, text });
    this.end(out, condition);
  }
}

/**
 * The name of an offered content that had DTLS-SRTP (XEP-0320 fingerprints or XTLS security)
 * whose accepted counterpart has neither, if any.
 */
function droppedDtls(offer: Jingle, accept: Jingle): string | undefined {
  for (const o of offer.contents) {
    const secure = (o.transport?.fingerprints.length ?? 0) > 0;
    if (!secure) continue;
    const a = accept.contents.find((c) => c.name === o.name);
    if (!a) continue;
    if ((a.transport?.fingerprints.length ?? 0) === 0 && !a.security) return o.name;
  }
  return undefined;
}

/** The To tag of a response (the early dialog it belongs to, RFC 3261 §12.1). */
function toTagOf(response: SipResponse): string | undefined {
  return /;\s*tag=([^;\s>]+)/i.exec(header(response, 'to') ?? '')?.[1];
}
