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
import { parseSdp } from '../sdp';
import { calleeDenial } from '../policy/callee';
import { concreteProfile, towardSip } from '../media/flags';
import type { NgFlags } from '../media/ng-client';
import { sdpShape } from '../media/shape';
import type { Sdp } from '../sdp/types';
import type { Content, Jingle, JingleIq, ReasonCondition } from '../jingle/types';
import { header, sdpOf } from '../sip/message';
import { headers } from '../sip/message/headers';
import { bareJid } from '../translate/address';
import { sameJid } from '../translate/jid';
import { displayNick } from './nick';
import { jingleToSdpObject } from '../translate/description';
import { advertisesTrickle, transportInfoToSdpFrag } from '../translate/trickle';
import { SDPFRAG, TRICKLE_PACKAGE } from '../translate/info';
import { writeSdpFrag } from '../sdp';
import { sipToReason } from '../translate/reason';
import { localFailureText, reasonOf } from './sip-reasons';
import { type CallContext } from './call';
import { mergeCandidates, unknownContent } from './candidates';
import type { CallEvent, Effect } from './events';

import { XmppCallBase } from './xmpp-call-base';

export class XmppCall extends XmppCallBase {
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
    super(iq, ctx, callId);
  }

  private begin(iq: JingleIq): Effect[] {
    const out = this.effects();
    try {
      // Refuse at once what can never become an INVITE: an unroutable callee, an offer with no SDP form.
      this.targetUri();
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
      this.denial = denial;
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
        if (this.retryProfile(out, r.status)) return;
        const local = localFailureText(header(r, 'warning'));
        this.terminateJingle(out, {
          condition: sipToReason(r.status, this.ctx.tables.reasons),
          text: `${r.status} ${r.reason}`.trim() + (local !== undefined ? `: ${local}` : ''),
        });
        return this.end(out, sipToReason(r.status, this.ctx.tables.reasons));
      }
      case 'sip-bye': {
        const reason = reasonOf(header(event.request, 'Reason'), this.ctx.tables.reasons) ?? {
          condition: 'success' as const,
        };
        this.terminateJingle(out, reason);
        return this.end(out, reason.condition);
      }
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

  private onJingle(received: JingleIq, out: Effect[]): void {
    if (received.from === undefined || !sameJid(received.from, this.client)) {
      // XEP-0166 §7.1: a sid names a session only between its two parties.
      out.push(
        this.iqErrorEffect(received, 'item-not-found', 'unknown-session', 'not a party to this session'),
      );
      return;
    }
    // Trickled candidates of a stream accepted a moment ago, which the peer's 200 waits for.
    const iq = this.candidatesForAccepted(out, received);
    if (iq === undefined) return;
    const j = iq.jingle;
    if (
      unknownContent(out, iq, this.offer.contents, (e) => this.iqErrorEffect(iq, 'bad-request', undefined, e))
    )
      return;
    // XEP-0166 §7.2 content-* (./content-reoffer.ts).
    if (this.onContentAction(out, iq)) return;
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
        if (added > 0 && this.sip.dialog !== 'none') {
          if (this.sip.dialog !== 'confirmed') this.lateCandidates = true;
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
        if (this.localSessionInfo(out, iq, this.offer.contents)) return;
        // XEP-0167 §7 hold/active → re-INVITE sendonly/sendrecv (RFC 3264 §8.4), the IQ answered
        // with the peer's answer (./sip-offers.ts); mute is the client's.
        if (info?.kind === 'hold') this.clientHold(out, iq, true);
        else if (info?.kind === 'active' || info?.kind === 'unhold') this.clientHold(out, iq, false);
        else this.result(out, iq);
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

  /**
   * Anchored calls: trickled candidates go to the anchor, not in a re-INVITE — the SIP side's
   * addresses are the anchor's and do not change. A new offer, and once the peer has answered
   * that answer again, so the anchor's offer/answer state stays complete.
   */
  private refreshAnchor(out: Effect[]): void {
    if (!this.offerSdp) return; // the gather window is still open: the first offer takes them
    // After a later exchange (hold, stream change) the session is that one's (./anchored-reoffer.ts).
    if (this.anchorRefreshed(out)) return;
    this.offerSdp = jingleToSdpObject(this.offer, this.ctx.tables, { origin: { address: this.sdpHost } });
    // After a transfer (./transfers.ts) the SIP side is the new peer's: its profile and its
    // answer, or the anchor would be pointed back at the transferor.
    const moved = this.transferredAnswer;
    this.anchorOffer(out, 'refresh', moved === undefined ? undefined : this.sipSideFlags());
    const answer = moved ?? this.media?.sipAnswer;
    if (answer !== undefined) this.refreshAnswer(out, answer);
  }

  /** The client's offer as the answer its role settled (rtpengine active → the client passive). */
  protected jingleSideAnswer(): Sdp | undefined {
    return jingleToSdpObject(this.offer, this.ctx.tables, {
      origin: { address: this.sdpHost },
      ...(this.reofferSetup ? { setup: this.reofferSetup } : {}),
    });
  }

  /** The SIP peer's answer as the anchor took it (after a transfer, the new peer's). */
  protected sipSideFirst(): string | undefined {
    return this.transferredAnswer ?? this.media?.sipAnswer;
  }

  /** Toward the SIP peer in the form its answer took (RTP/AVP, SDES or DTLS), else the profile offered. */
  protected sipSideFlags(): NgFlags {
    // After a transfer (./transfers.ts), the new peer's answer is the SIP side's.
    const answer = this.transferredAnswer ?? this.media?.sipAnswer;
    if (answer !== undefined)
      return towardSip(concreteProfile('as-offered', sdpShape(parseSdp(answer, this.ctx.tables.hashes))));
    return this.media?.profiles.flags() ?? towardSip('rtp');
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

  /** RFC 6086 §5.2.2: the peer's new Recv-Info replaces what its 2xx said. */
  protected override peerRecvInfo(value: string): void {
    this.peerTrickles = advertisesTrickle({ recvInfo: value });
  }

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

  /** A new offer with every candidate so far, keeping the origin and the m-lines (RFC 3264 §8). */
  protected reinvite(out: Effect[]): void {
    this.reoffer(out, (sessionVersion) => this.currentOffer(sessionVersion));
  }

  /** The client's offer with its candidates so far, on the session's m-lines, the roles settled. */
  protected currentOffer(sessionVersion: number): Sdp {
    return this.fitSlots(
      jingleToSdpObject(this.offer, this.ctx.tables, {
        origin: { address: this.sdpHost, sessionVersion },
        ...(this.reofferSetup ? { setup: this.reofferSetup } : {}),
      }),
    );
  }

  /** The client's side of the media: its offer, with the streams added and removed since. */
  protected clientSide(): Jingle | undefined {
    return this.jingle.state === 'active' ? this.offer : undefined;
  }

  protected abort(out: Effect[], condition: ReasonCondition, text?: string, tellXmpp = true): void {
    this.hangUpSip(out, condition, text);
    if (tellXmpp) this.terminateJingle(out, text === undefined ? { condition } : { condition, text });
    this.end(out, condition);
  }
}
