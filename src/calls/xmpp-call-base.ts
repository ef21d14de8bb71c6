/**
 * The SIP side of a call placed by an XMPP user (./xmpp-call): the INVITE made from the client's
 * offer (straight, or through the media anchor in one offer profile after another), and the SIP
 * peer's answers turned into what the client gets — `<ringing/>`, the session-accept (early, from
 * a 183's SDP, or from the 200), the updates when the 200's answer differs — with the checks that
 * keep a call from being silent or downgraded (docs/design.md §Security, docs/media.md).
 */
import { clonePlain } from '../jingle/clone';
import { parseSdp, writeSdp } from '../sdp';
import { type Denial } from '../policy/callee';
import { answerProblem, anchorHint, decideXmppToSip } from '../media/decide';
import { forAnswer } from '../media/flags';
import type { NgFlags } from '../media/ng-client';
import { mediaPolicy, type MediaPolicy } from '../media/policy';
import { jingleShape, sdpShape } from '../media/shape';
import type { Sdp } from '../sdp/types';
import type { Jingle, JingleIq, Reason, ReasonCondition } from '../jingle/types';
import { header, sdpOf } from '../sip/message';
import type { SipResponse } from '../sip/message/types';
import { bareJid, callerJidToSipFrom, jidToSipUri } from '../translate/address';
import { jingleToSdpObject, sdpToJingle } from '../translate/description';
import { callIdForSid } from '../translate/jingle-to-sip';
import { byeEffect } from './sip-reasons';
import { Call, type CallContext } from './call';
import type { CallEvent, Effect } from './events';
import { answerUpdates, sameSdp } from './early-media';
import { OfferProfiles } from './offer-profiles';

/** What ./xmpp-call builds on: the call's state, its INVITE and the answers to it. */
export abstract class XmppCallBase extends Call {
  readonly origin = 'xmpp';
  /** The XMPP caller's full JID, and the JID at the gateway it called. */
  readonly client: string;
  /** The caller's display name (XEP-0172 nick), if it gave one. */
  protected nick?: string;
  readonly gatewayJid: string;
  protected readonly offer: Jingle;
  protected offerSdp?: Sdp;
  protected ringing = false;
  /** The session-accept the client got (from a 183's SDP, or the 200's). */
  protected accepted?: Jingle;
  /** The early answer: the 183's SDP and its To tag (docs/media.md §Early media). */
  protected early?: { body: string; tag: string | undefined };
  protected readonly policy: MediaPolicy;
  /** Why the callee was denied by policy (the call ended at once), for the gateway's metrics. */
  denial?: Denial;
  /** Anchored calls: the offer profiles toward the SIP peer, the one in use, the peer's answer. */
  protected media?: { profiles: OfferProfiles; sipAnswer?: string };

  /**
   * `callId`: the gateway's own, unique and random (docs/policy.md §Sizes: never the client's
   * sid, which another user may choose too); derived from the sid when not given (tests, CLI).
   */
  protected constructor(iq: JingleIq, ctx: CallContext, callId?: string) {
    super(iq.jingle.sid, callId ?? callIdForSid(iq.jingle.sid, ctx.config.sip.host), ctx);
    this.client = iq.from ?? iq.jingle.initiator ?? '';
    this.gatewayJid = iq.to ?? '';
    this.offer = clonePlain(iq.jingle);
    try {
      this.target = jidToSipUri(bareJid(this.gatewayJid), ctx.address);
    } catch {
      this.target = undefined; // refused in begin()
    }
    this.policy = mediaPolicy(ctx.config, this.target);
  }

  /** The callee's SIP URI, mapped once from the JID it called; undefined when it has none. */
  protected readonly target: string | undefined;

  /** The callee's SIP URI, or the InputError saying why its JID has none. */
  protected targetUri(): string {
    return this.target ?? jidToSipUri(bareJid(this.gatewayJid), this.ctx.address);
  }

  protected sendInvite(out: Effect[]): void {
    this.offerSdp = jingleToSdpObject(this.offer, this.ctx.tables, { origin: { address: this.sdpHost } });
    const shape = jingleShape(this.offer);
    const decision = decideXmppToSip(shape, this.policy);
    if (!decision.anchor) return this.inviteWith(out, writeSdp(this.offerSdp));
    this.ctx.log?.(`media anchored: ${decision.why}`, { sid: this.sid });
    this.anchored = true;
    this.media = { profiles: OfferProfiles.of(this.policy.offer, shape) };
    this.anchorOffer(out, 'invite');
  }

  /** The Jingle offer handed to the anchor, rewritten for the SIP peer in the current profile. */
  protected anchorOffer(out: Effect[], purpose: 'invite' | 'refresh', flags?: NgFlags): void {
    const m = this.media;
    if (!m || !this.offerSdp) return;
    out.push({
      kind: 'media',
      op: 'offer',
      purpose,
      fromTag: 'jingle',
      sdp: writeSdp(this.offerSdp),
      flags: flags ?? m.profiles.flags(),
    });
  }

  protected inviteWith(out: Effect[], body: string): void {
    this.sipLocal = body;
    const uri = this.targetUri();
    out.push({
      kind: 'sip-invite',
      uri,
      from: callerJidToSipFrom(this.client, this.ctx.address),
      ...(this.nick === undefined ? {} : { fromDisplay: this.nick }),
      to: uri,
      body,
      callId: this.callId,
      headers: this.recvInfoHeaders(),
    });
    this.stopTimer(out, 'no-answer');
    this.startTimer(out, 'no-answer', this.ctx.config.calls.noAnswerSeconds * 1000);
  }

  /** What the anchor sent back. */
  protected onMedia(event: Extract<CallEvent, { kind: 'media-done' | 'media-failed' }>, out: Effect[]): void {
    if (event.purpose === 'refresh') return;
    if (event.kind === 'media-failed') {
      return this.abort(out, 'media-error', `the media anchor failed: ${event.text}`);
    }
    if (event.purpose === 'invite') {
      const body = this.media ? this.media.profiles.body(event.sdp, this.ctx.tables.hashes) : event.sdp;
      return this.inviteWith(out, body);
    }
    if (event.purpose === 'accept' || event.purpose === 'early') this.acceptWith(out, event.sdp, false);
  }

  /**
   * A 488/415/606 to an anchored INVITE: the next offer profile, in a new INVITE (docs/media.md
   * §Profiles). Returns false when there is none left.
   */
  protected retryProfile(out: Effect[], status: number): boolean {
    const m = this.media;
    if (!m?.profiles.next(status)) return false;
    this.ctx.log?.(`SIP peer refused the offer (${status}); offering ${m.profiles.current}`, {
      sid: this.sid,
    });
    this.anchorOffer(out, 'invite');
    return true;
  }

  protected onProvisional(response: SipResponse, out: Effect[]): void {
    const status = response.status;
    if (status === 100) return;
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
  protected onEarlyAnswer(body: string, tag: string | undefined, out: Effect[]): void {
    this.early = { body, tag };
    this.ctx.log?.('early media: the 18x answer goes to the client', { sid: this.sid, tag });
    this.answerWith(out, body, 'early');
  }

  /** The SIP peer's answer reaches the client: through the anchor when anchored, else as is. */
  private answerWith(out: Effect[], body: string, purpose: 'early' | 'accept'): void {
    if (this.media) {
      this.media.sipAnswer = body;
      out.push({
        kind: 'media',
        op: 'answer',
        purpose,
        fromTag: 'jingle',
        toTag: 'sip',
        sdp: body,
        flags: forAnswer(),
      });
      return;
    }
    this.acceptWith(out, body, true);
  }

  protected onAnswered(body: string, out: Effect[]): void {
    this.stopTimer(out, 'no-answer');
    if (this.early !== undefined && sameSdp(this.early.body, body)) {
      // RFC 3261 §13.2.1: the same answer as the 183's: the client has it already.
      if (this.lateCandidates && !this.media) this.reinvite(out);
      return;
    }
    this.answerWith(out, body, 'accept');
  }

  /** The session-accept from an SDP answer: the SIP peer's own (`direct`) or the anchor's. */
  protected acceptWith(out: Effect[], body: string, direct: boolean): void {
    let accept: Jingle;
    // Parsed once: the translation, the shape check and the kept remote SDP read the same object
    // (three parses of each 200's answer were ≈ 2.4 % of an XMPP → SIP call's CPU, issue 12).
    let remote: Sdp;
    try {
      remote = parseSdp(body, this.ctx.tables.hashes);
      accept = sdpToJingle(remote, this.ctx.tables, {
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
      ? answerProblem(jingleShape(this.offer), sdpShape(remote), anchorHint(this.policy))
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
      if (this.lateCandidates && direct && this.sip.dialog === 'confirmed') this.reinvite(out);
      return;
    }
    this.accepted = accept;
    this.jingle.apply('accept');
    if (direct) this.sipRemote = remote;
    const setup = accept.contents.find((c) => c.transport?.fingerprints[0])?.transport?.fingerprints[0]
      ?.setup;
    // RFC 8842 §5.5: later offers keep the roles this answer settled (it active → we passive).
    this.reofferSetup = setup === 'active' ? 'passive' : setup === 'passive' ? 'active' : undefined;
    this.sendJingle(out, accept);
    // Candidates trickled meanwhile go in a re-INVITE once the dialog is confirmed (not while early).
    if (this.lateCandidates && direct && this.sip.dialog === 'confirmed') this.reinvite(out);
  }

  /** CANCEL while early (RFC 3261 §9.1), BYE with an RFC 3326 Reason once answered. */
  protected hangUpSip(out: Effect[], condition: ReasonCondition, text?: string): void {
    if (this.sip.dialog === 'none') return;
    if (this.sip.dialog !== 'confirmed' && this.sip.dialog !== 'terminated') {
      out.push({ kind: 'sip-cancel' });
      return;
    }
    if (this.sip.dialog !== 'confirmed') return;
    out.push(byeEffect(condition, this.ctx.tables.reasons, text));
  }

  protected terminateJingle(out: Effect[], reason: Reason): void {
    this.sendJingle(out, { action: 'session-terminate', sid: this.sid, contents: [], groups: [], reason });
  }

  protected sendJingle(out: Effect[], jingle: Jingle): void {
    out.push({ kind: 'send-jingle', from: this.gatewayJid, to: this.client, jingle });
  }

  /** A new offer with every candidate so far (./xmpp-call: mid-call). */
  protected abstract override reinvite(out: Effect[]): void;
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
