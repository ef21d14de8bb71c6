/**
 * What both kinds of call share: the three machines (Jingle session, SIP dialog, offer/answer),
 * timers as effects, IQ answers, and the one way out (`end`) that stops every timer and says
 * `ended` exactly once. A call is pure: `handle(event)` returns effects and never throws —
 * an unexpected failure ends the call on both legs with `general-error`.
 */
import type { GatewayConfig } from '../config/config';
import type { Mappings } from '../config/mappings';
import type { Content, Jingle, JingleAction, JingleIq, ReasonCondition } from '../jingle/types';
import { isHeld, offerChange, type OfferChange } from '../media/offer-change';
import type { NgFlags } from '../media/ng-client';
import { parseSdpFrag } from '../sdp';
import { sdpToJingle } from '../translate/description';
import { dtmfRelayBody, DTMF_RELAY } from '../translate/dtmf';
import { INFO_BODY_TYPES, RECV_INFO } from '../translate/info';
import { sdpFragToContents } from '../translate/trickle';
import type { AddressContext } from '../translate/address';
import { parseSdp, writeSdp } from '../sdp';
import type { Sdp } from '../sdp/types';
import type { SipHeader, SipResponse } from '../sip/message/types';
import { sdpOf } from '../sip/message/body';
import { answerDirections } from '../media/direction';
import { towardXmpp, forAnswer } from '../media/flags';
import type { CallEvent, Effect, JingleErrorCondition, SipInfo, StanzaCondition, TimerName } from './events';
import { jingleSession, type JingleEvent } from './jingle-session';
import { offerAnswer } from './offer-answer';
import { sipDialog } from './sip-dialog';

export interface CallContext {
  config: GatewayConfig;
  /** The mapping tables, loaded once at the gateway's start (src/config/mappings.ts). */
  tables: Mappings;
  address: AddressContext;
  /** Debug log of transitions and decisions. */
  log?: (message: string, meta?: Record<string, unknown>) => void;
}

/** The Jingle machine event an incoming action stands for (XEP-0166 §6), if the call handles it. */
export function jingleEventOf(action: JingleAction): JingleEvent | undefined {
  switch (action) {
    case 'session-initiate':
      return 'initiate';
    case 'session-accept':
      return 'accept';
    case 'session-info':
      return 'info';
    case 'transport-info':
      return 'transport-info';
    case 'session-terminate':
      return 'terminate';
    default:
      return undefined;
  }
}

/**
 * How long a SIP peer's ICE restart waits for the client's new credentials before it is refused
 * with 488. A re-INVITE should be answered promptly (RFC 3261 §13.3.1); clients renew theirs at once.
 */
export const RESTART_WAIT_MS = 5000;

export abstract class Call {
  abstract readonly origin: 'xmpp' | 'sip';
  readonly jingle;
  /** The INVITE dialog; a new one when an INVITE is retried with another offer profile. */
  dialog;
  readonly offerAnswer;
  /** Media goes through the anchor: every way out deletes its session (docs/media.md). */
  protected anchored = false;
  private readonly timers = new Set<TimerName>();
  private done = false;

  protected constructor(
    readonly sid: string,
    readonly callId: string,
    protected readonly ctx: CallContext,
  ) {
    const log = (machine: string, from: string, event: string, to: string): void =>
      ctx.log?.(`${machine}: ${from} --${event}--> ${to}`, { sid, callId });
    this.jingle = jingleSession(log);
    this.dialog = sipDialog(log);
    this.offerAnswer = offerAnswer(log);
    this.machineLog = log;
  }

  private readonly machineLog: (machine: string, from: string, event: string, to: string) => void;

  /** A new INVITE after a final failure (the next offer profile) makes a new dialog (RFC 3261 §12.1). */
  protected newDialog(): void {
    this.dialog = sipDialog(this.machineLog);
  }

  get ended(): boolean {
    return this.done;
  }

  /** Handles one event; events of one call must be handed in one at a time, in order. */
  handle(event: CallEvent): Effect[] {
    if (this.done) return this.afterEnd(event);
    // A timer that fired is no longer running: nothing to stop later.
    if (event.kind === 'timer') this.timers.delete(event.name);
    const out: Effect[] = [];
    try {
      if (!this.onPeerReofferEvent(event, out)) this.on(event, out);
    } catch (e) {
      this.ctx.log?.(`call failed on ${event.kind}: ${(e as Error).message}`, { sid: this.sid });
      out.length = 0;
      this.abort(out, 'general-error', (e as Error).message);
    }
    return out;
  }

  protected abstract on(event: CallEvent, out: Effect[]): void;

  /** End both legs now (failure, shutdown, a dropped connection). */
  protected abstract abort(out: Effect[], condition: ReasonCondition, text?: string): void;

  /** After the end, an IQ for this session is out of order; a re-offer is refused; the rest is dropped. */
  private afterEnd(event: CallEvent): Effect[] {
    if (event.kind === 'sip-reoffer') return [{ kind: 'sip-reoffer-answer', id: event.id, status: 481 }];
    if (event.kind === 'sip-info' || event.kind === 'sip-refer' || event.kind === 'sip-notify')
      return [{ kind: 'sip-request-answer', id: event.id, status: 481 }];
    if (event.kind !== 'jingle') return [];
    return [this.iqErrorEffect(event.iq, 'unexpected-request', 'out-of-order', 'the session has ended')];
  }

  /** The SDP the SIP peer last got from us (the anchor's, in an anchored call). */
  protected sipLocal?: string;
  /** The peer's re-INVITE/UPDATE being answered through the anchor (one at a time, RFC 3261 §14). */
  private peerOffer?: { id: number; offer: Sdp };

  /**
   * The Jingle side's current description as an SDP answer (DTLS role settled, not actpass),
   * for the anchor to answer a SIP peer's new offer with.
   */
  protected abstract jingleSideAnswer(): Sdp | undefined;

  /**
   * A SIP peer's re-INVITE/UPDATE in an anchored call (docs/media.md §Call flows): its offer goes
   * to the anchor (so a new address, codec or hold reaches rtpengine), then the Jingle side's
   * description answers it, with the directions RFC 3264 §6.1 asks for; the 200 carries what
   * the anchor wrote. An offerless one gets our last SDP as the offer (RFC 3261 §14.2).
   */
  private onPeerReoffer(out: Effect[], id: number, body: string): void {
    if (body.trim() === '') {
      out.push({
        kind: 'sip-reoffer-answer',
        id,
        status: 200,
        ...(this.sipLocal ? { body: this.sipLocal } : {}),
      });
      return;
    }
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
    this.peerOffer = { id, offer };
    out.push({
      kind: 'media',
      op: 'offer',
      purpose: 'reoffer',
      fromTag: 'sip',
      toTag: 'jingle',
      sdp: body,
      flags: towardXmpp(),
    });
  }

  /** The events of a peer's re-offer, the same for both kinds of call; false for any other. */
  private onPeerReofferEvent(event: CallEvent, out: Effect[]): boolean {
    switch (event.kind) {
      case 'sip-reoffer':
        if (this.anchored) this.onPeerReoffer(out, event.id, event.body);
        else this.onPlainReoffer(out, event.id, event.body);
        return true;
      case 'sip-info':
        this.onSipInfo(out, event.id, event.info);
        return true;
      case 'sip-refer':
        // RFC 3515 §2.4.2: a REFER we will not carry out is declined (transfer is not done yet).
        out.push({ kind: 'sip-request-answer', id: event.id, status: 603 });
        return true;
      case 'sip-notify':
        // RFC 6665 §4.1.3: we never subscribe nor REFER, so no NOTIFY matches a subscription.
        out.push({ kind: 'sip-request-answer', id: event.id, status: 481 });
        return true;
      case 'timer':
        if (event.name !== 'reoffer') return false;
        this.restartTimedOut(out);
        return true;
      case 'sip-reinvite-done':
        if (!this.anchoredReinvite) return false;
        this.onAnchoredReinviteDone(out, event.response);
        return true;
      default:
        break;
    }
    if (event.kind !== 'media-done' && event.kind !== 'media-failed') return false;
    if (event.purpose === 'reinvite' || event.purpose === 'reinvite-answer') {
      this.onAnchoredReinviteMedia(out, event);
      return true;
    }
    if (event.purpose !== 'reoffer' && event.purpose !== 'reanswer') return false;
    this.onReofferMedia(out, event);
    return true;
  }

  /** The anchor's part of a peer's re-offer; a failure leaves the session as it was (488). */
  private onReofferMedia(
    out: Effect[],
    event: Extract<CallEvent, { kind: 'media-done' | 'media-failed' }>,
  ): void {
    const r = this.peerOffer;
    if (!r) return;
    const answer =
      event.kind === 'media-done' && event.purpose === 'reoffer' ? this.jingleSideAnswer() : undefined;
    if (event.kind === 'media-done' && event.purpose === 'reoffer' && answer) {
      out.push({
        kind: 'media',
        op: 'answer',
        purpose: 'reanswer',
        fromTag: 'sip',
        toTag: 'jingle',
        // While the client holds, the answer says so too (RFC 3264 §6.1, §8.4).
        sdp: writeSdp(this.applyHold(answerDirections(r.offer, answer))),
        flags: forAnswer(),
      });
      return;
    }
    this.peerOffer = undefined;
    if (event.kind === 'media-done' && event.purpose === 'reanswer') {
      this.sipLocal = event.sdp;
      out.push({ kind: 'sip-reoffer-answer', id: r.id, status: 200, body: event.sdp });
      this.tellPeerHold(out, isHeld(r.offer));
    } else out.push({ kind: 'sip-reoffer-answer', id: r.id, status: 488 });
    // A hold the client asked for meanwhile goes now (RFC 3261 §14.1: one offer at a time).
    this.anchoredHoldToSip(out);
  }

  /** Whether the SIP peer holds the call: what its last accepted offer said (RFC 3264 §8.4). */
  private peerHeld = false;

  /**
   * Anchored: the SIP peer's accepted new offer put the call on hold or took it off; the client
   * hears it as XEP-0167 §7 `<hold/>` / `<active/>` — the offer's direction decides, as in a
   * call that is not anchored (src/media/offer-change.ts).
   */
  private tellPeerHold(out: Effect[], held: boolean): void {
    if (held === this.peerHeld) return;
    this.peerHeld = held;
    const party = this.jingleParty();
    if (!party) return;
    out.push({
      kind: 'send-jingle',
      from: party.from,
      to: party.to,
      jingle: {
        action: 'session-info',
        sid: this.sid,
        contents: [],
        groups: [],
        info: { kind: held ? 'hold' : 'active' },
      },
    });
  }

  /** The hold state the SIP peer last got in an offer of ours, in an anchored call. */
  private sipSideHold = false;
  /** Our re-INVITE through the anchor (client hold/active): its SDP once the anchor wrote it. */
  private anchoredReinvite?: { hold: boolean; body?: string };

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
  private anchoredHoldToSip(out: Effect[]): void {
    if (this.localHold === this.sipSideHold || this.anchoredReinvite || this.peerOffer) return;
    if (this.dialog.state !== 'confirmed' || this.offerAnswer.state !== 'stable') return;
    const side = this.jingleSideAnswer();
    if (!side) return;
    this.anchoredReinvite = { hold: this.localHold };
    this.offerAnswer.apply('local-offer');
    out.push({
      kind: 'media',
      op: 'offer',
      purpose: 'reinvite',
      fromTag: 'jingle',
      toTag: 'sip',
      sdp: writeSdp(this.applyHold(side)),
      flags: this.sipSideFlags(),
    });
  }

  /** The anchor wrote our re-INVITE's SDP (→ the re-INVITE), or took the peer's answer (→ done). */
  private onAnchoredReinviteMedia(
    out: Effect[],
    event: Extract<CallEvent, { kind: 'media-done' | 'media-failed' }>,
  ): void {
    const r = this.anchoredReinvite;
    if (!r) return;
    if (event.kind === 'media-failed') {
      // The session stays as it was; the client's request is not carried out.
      this.ctx.log?.(`the anchor failed on a hold re-INVITE: ${event.text}`, { sid: this.sid });
      return this.anchoredReinviteOver(out, false);
    }
    if (event.purpose === 'reinvite') {
      r.body = event.sdp;
      out.push({ kind: 'sip-reinvite', body: event.sdp });
      return;
    }
    this.anchoredReinviteOver(out, true);
  }

  /** The peer answered our anchored re-INVITE: its SDP answer goes to the anchor. */
  private onAnchoredReinviteDone(out: Effect[], response?: SipResponse): void {
    const r = this.anchoredReinvite;
    if (!r || r.body === undefined) return;
    const answer = response && response.status >= 200 && response.status < 300 ? sdpOf(response) : '';
    if (answer.trim() === '') {
      // A refusal (or a 2xx without an answer) leaves the session as it was (RFC 3261 §14.1).
      this.ctx.log?.('the SIP peer refused the hold re-INVITE', { sid: this.sid, status: response?.status });
      return this.anchoredReinviteOver(out, false);
    }
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

  private anchoredReinviteOver(out: Effect[], ok: boolean): void {
    const r = this.anchoredReinvite;
    if (!r) return;
    this.anchoredReinvite = undefined;
    this.offerAnswer.apply(ok ? 'remote-answer' : 'rejected');
    if (ok) {
      this.sipSideHold = r.hold;
      if (r.body !== undefined) this.sipLocal = r.body;
      // The client may have changed its mind meanwhile.
      this.anchoredHoldToSip(out);
    } else this.localHold = this.sipSideHold;
  }

  /** The SIP peer's last session description (its offer or answer), to tell what a new one changes. */
  protected sipRemote?: Sdp;
  /** A peer's ICE restart waiting for the client's new credentials (RFC 8839 §4.4.1.1.2). */
  private restart?: { id: number; offer: Sdp; ufrags: (string | undefined)[] };
  /** The XMPP user asked for hold (XEP-0167 §7): our offers to SIP say sendonly (RFC 3264 §8.4). */
  protected localHold = false;

  /**
   * The Jingle side's description as an SDP answer to the SIP peer's new `offer`, in a call
   * that is not anchored: the client's transport and codecs, the DTLS role the first answer
   * settled (RFC 8842 §5.5). Undefined when there is none yet.
   */
  protected abstract plainAnswer(offer: Sdp, sessionVersion: number): Sdp | undefined;

  /** Who the call's Jingle messages go from and to, and its contents (their names and creators). */
  protected abstract jingleParty(): { from: string; to: string; contents: Content[] } | undefined;

  /**
   * A SIP peer's re-INVITE/UPDATE in a call that is not anchored (media flows between the peers):
   * the answer is the client's description with the directions RFC 3264 §6.1 asks for, and the
   * client hears what changed (hold → `<hold/>`/`<active/>`, a moved transport → transport-info).
   * An ICE restart is answered once the client has sent its new credentials, or 488 if it does
   * not within RESTART_WAIT_MS.
   */
  private onPlainReoffer(out: Effect[], id: number, body: string): void {
    if (body.trim() === '') {
      // RFC 3261 §14.2: an offerless re-INVITE gets our current description as the offer.
      out.push({
        kind: 'sip-reoffer-answer',
        id,
        status: 200,
        ...(this.sipLocal ? { body: this.sipLocal } : {}),
      });
      return;
    }
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
    if (!party || this.offerAnswer.state !== 'stable' || this.restart) {
      out.push({ kind: 'sip-reoffer-answer', id, status: party ? 491 : 488 });
      return;
    }
    this.offerAnswer.apply('remote-offer');
    if (!this.tellClient(out, party, offer, change)) {
      this.offerAnswer.apply('rejected');
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
      this.offerAnswer.apply('rejected');
      out.push({ kind: 'sip-reoffer-answer', id, status: 488 });
      return;
    }
    // RFC 3264 §6.1 from the peer's offer, then our own hold (§8.4): a held client answers a
    // sendrecv re-offer with sendonly, a sendonly one with inactive.
    const directed = this.applyHold(answerDirections(offer, answer));
    // RFC 8842 §5.5 / RFC 5763 §5: an answer never says actpass.
    for (const m of directed.media) if (m.setup === 'actpass') m.setup = 'active';
    this.sdpVersion += 1;
    const body = writeSdp(directed);
    this.sipRemote = offer;
    this.sipLocal = body;
    // The answer carries every candidate of the client's so far.
    this.lateCandidates = false;
    this.offerAnswer.apply('local-answer');
    out.push({ kind: 'sip-reoffer-answer', id, status: 200, body });
  }

  /** The client hears hold/active and the moved transports; false if the offer cannot be said in Jingle. */
  private tellClient(
    out: Effect[],
    party: { from: string; to: string; contents: Content[] },
    offer: Sdp,
    change: OfferChange,
  ): boolean {
    const send = (jingle: Jingle): void => {
      out.push({ kind: 'send-jingle', from: party.from, to: party.to, jingle });
    };
    if (change.moved.length > 0) {
      let translated: Jingle;
      try {
        translated = sdpToJingle(offer, this.ctx.tables, { contentNames: party.contents.map((c) => c.name) });
      } catch {
        return false;
      }
      const contents: Content[] = [];
      for (const i of change.moved) {
        const known = party.contents[i];
        const t = translated.contents[i]?.transport;
        if (known && t) contents.push({ creator: known.creator, name: known.name, transport: t });
      }
      if (contents.length > 0) send({ action: 'transport-info', sid: this.sid, contents, groups: [] });
    }
    if (change.hold)
      send({ action: 'session-info', sid: this.sid, contents: [], groups: [], info: { kind: change.hold } });
    return true;
  }

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
  private restartTimedOut(out: Effect[]): void {
    const r = this.restart;
    if (!r) return;
    this.restart = undefined;
    this.offerAnswer.apply('rejected');
    out.push({ kind: 'sip-reoffer-answer', id: r.id, status: 488 });
  }

  /** The SIP peer's INFO (RFC 6086), by what it carries (src/translate/info.ts). */
  private onSipInfo(out: Effect[], id: number, info: SipInfo): void {
    const answer = (status: number, headers?: SipHeader[]): void => {
      out.push({ kind: 'sip-request-answer', id, status, ...(headers ? { headers } : {}) });
    };
    const party = this.jingleParty();
    switch (info.kind) {
      case 'empty':
        return answer(200);
      case 'invalid':
        return answer(400);
      case 'other':
        // RFC 6086 §4.2.2: a package we did not say we take → 469 with the ones we do.
        if (info.infoPackage !== undefined)
          return answer(469, [{ name: 'Recv-Info', value: this.recvInfo().join(', ') }]);
        return answer(415, [{ name: 'Accept', value: INFO_BODY_TYPES.join(', ') }]);
      case 'dtmf': {
        if (!party) return answer(481);
        const dtmf =
          info.durationMs === undefined
            ? { kind: 'dtmf' as const, code: info.code }
            : { kind: 'dtmf' as const, code: info.code, duration: info.durationMs };
        out.push({
          kind: 'send-jingle',
          from: party.from,
          to: party.to,
          jingle: { action: 'session-info', sid: this.sid, contents: [], groups: [], info: dtmf },
        });
        return answer(200);
      }
      case 'trickle': {
        // Anchored: the SIP side's candidates are the anchor's business, not the client's.
        if (!party || this.anchored)
          return answer(469, [{ name: 'Recv-Info', value: this.recvInfo().join(', ') }]);
        let contents: Content[];
        try {
          // The sdpfrag names its m-sections by the session's a=mid (RFC 8840 §9), or by position.
          const frag = parseSdpFrag(info.frag);
          const mids = this.sipRemote?.media.map((m) => m.mid) ?? [];
          for (const [i, m] of frag.media.entries()) {
            const at = m.mid === undefined ? i : mids.indexOf(m.mid);
            const known = party.contents[at >= 0 ? at : i];
            if (known) m.mid = known.name;
          }
          contents = sdpFragToContents(frag).map((c) => {
            const known = party.contents.find((k) => k.name === c.name);
            return { ...c, creator: known?.creator ?? c.creator };
          });
        } catch {
          return answer(400);
        }
        if (contents.some((c) => !party.contents.some((k) => k.name === c.name))) return answer(400);
        out.push({
          kind: 'send-jingle',
          from: party.from,
          to: party.to,
          jingle: { action: 'transport-info', sid: this.sid, contents, groups: [] },
        });
        return answer(200);
      }
    }
  }

  /** The Info-Packages this call takes (RFC 6086 §5.2.3): trickle-ice only when media is end to end. */
  private recvInfo(): string[] {
    return this.anchored ? [] : RECV_INFO;
  }

  /**
   * The client's XEP-0181 tone → an INFO application/dtmf-relay to the SIP peer, once the
   * dialog is confirmed; false when there is no dialog to send it in.
   */
  protected dtmfToSip(out: Effect[], code: string, durationMs?: number): boolean {
    if (this.dialog.state !== 'confirmed') return false;
    const tone = durationMs === undefined ? { code } : { code, durationMs };
    out.push({ kind: 'sip-send-info', contentType: DTMF_RELAY, body: dtmfRelayBody(tone), headers: [] });
    return true;
  }

  /**
   * The client's `<hold/>` / `<active/>` (XEP-0167 §7) → a re-INVITE saying sendonly / the
   * streams' own direction (RFC 3264 §8.4); `again` writes the subclass's current offer in a
   * call that is not anchored; an anchored call's goes through the anchor (anchoredHoldToSip).
   */
  protected holdToSip(out: Effect[], hold: boolean, again: (out: Effect[]) => void): void {
    if (this.localHold === hold || this.dialog.state !== 'confirmed') return;
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
  private sdpVersion = 1;

  /** The host our SDP's o= line names: the SIP host, without IPv6 brackets. */
  protected get sdpHost(): string {
    return this.ctx.config.sip.host.replace(/^\[|\]$/g, '');
  }

  /**
   * Sends a re-INVITE with the SDP `build` makes for the next o= version, one at a time
   * (RFC 3261 §14.1): while one is out, the candidates wait for `sip-reinvite-done`.
   */
  protected reoffer(out: Effect[], build: (sessionVersion: number) => Sdp | undefined): void {
    if (this.offerAnswer.state !== 'stable') {
      this.lateCandidates = true;
      return;
    }
    const built = build(this.sdpVersion + 1);
    if (!built) return;
    const sdp = this.applyHold(built);
    this.lateCandidates = false;
    this.sdpVersion += 1;
    this.offerAnswer.apply('local-offer');
    out.push({ kind: 'sip-reinvite', body: writeSdp(sdp) });
  }

  /** A re-INVITE of ours is over: offer/answer is stable again; send what waited. */
  protected reofferDone(out: Effect[], again: (out: Effect[]) => void): void {
    this.offerAnswer.apply('remote-answer');
    if (this.lateCandidates) again(out);
  }

  protected startTimer(out: Effect[], name: TimerName, ms: number): void {
    this.timers.add(name);
    out.push({ kind: 'timer-start', name, ms });
  }

  protected stopTimer(out: Effect[], name: TimerName): void {
    if (this.timers.delete(name)) out.push({ kind: 'timer-stop', name });
  }

  /** The one way out: every timer stopped, `ended` said once. Idempotent. */
  protected end(out: Effect[], condition: ReasonCondition): void {
    if (this.done) return;
    for (const t of this.timers) out.push({ kind: 'timer-stop', name: t });
    this.timers.clear();
    this.done = true;
    if (this.anchored) out.push({ kind: 'media-delete' });
    this.jingle.apply('terminate');
    if (this.dialog.state !== 'terminated')
      this.dialog.apply(this.dialog.state === 'confirmed' ? 'bye' : 'cancel');
    out.push({ kind: 'ended', condition });
  }

  protected result(out: Effect[], iq: JingleIq): void {
    out.push({ kind: 'iq-result', to: iq.from ?? '', from: iq.to ?? '', id: iq.id });
  }

  protected iqErrorEffect(
    iq: JingleIq,
    condition: StanzaCondition,
    jingleCondition?: JingleErrorCondition,
    text?: string,
  ): Effect {
    const e: Effect = { kind: 'iq-error', to: iq.from ?? '', from: iq.to ?? '', id: iq.id, condition };
    if (jingleCondition) e.jingleCondition = jingleCondition;
    if (text !== undefined) e.text = text;
    return e;
  }

  /**
   * Moves the Jingle machine for an incoming IQ; an illegal move is answered with
   * `unexpected-request` + `<out-of-order/>` (XEP-0166 §7.3) and returns false.
   */
  protected acceptJingle(out: Effect[], iq: JingleIq): boolean {
    const event = jingleEventOf(iq.jingle.action);
    if (event === undefined) {
      out.push(
        this.iqErrorEffect(iq, 'feature-not-implemented', undefined, `${iq.jingle.action} is not supported`),
      );
      return false;
    }
    if (!this.jingle.apply(event).ok) {
      out.push(
        this.iqErrorEffect(
          iq,
          'unexpected-request',
          'out-of-order',
          `${iq.jingle.action} in state ${this.jingle.state}`,
        ),
      );
      return false;
    }
    return true;
  }
}
