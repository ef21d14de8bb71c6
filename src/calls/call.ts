/**
 * What both kinds of call share: the three machines (Jingle session, SIP dialog, offer/answer),
 * timers as effects, IQ answers, and the one way out (`end`) that stops every timer and says
 * `ended` exactly once. A call is pure: `handle(event)` returns effects and never throws —
 * an unexpected failure ends the call on both legs with `general-error`.
 */
import type { GatewayConfig } from '../config/config';
import type { JingleAction, JingleIq, ReasonCondition } from '../jingle/types';
import type { AddressContext } from '../translate/address';
import { parseSdp, writeSdp } from '../sdp';
import type { Sdp } from '../sdp/types';
import { answerDirections } from '../media/direction';
import { towardXmpp, forAnswer } from '../media/flags';
import type { CallEvent, Effect, JingleErrorCondition, StanzaCondition, TimerName } from './events';
import { jingleSession, type JingleEvent } from './jingle-session';
import { offerAnswer } from './offer-answer';
import { sipDialog } from './sip-dialog';

export interface CallContext {
  config: GatewayConfig;
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
      offer = parseSdp(body);
    } catch {
      out.push({ kind: 'sip-reoffer-answer', id, status: 488 });
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
    if (event.kind === 'sip-reoffer') {
      this.onPeerReoffer(out, event.id, event.body);
      return true;
    }
    if (event.kind !== 'media-done' && event.kind !== 'media-failed') return false;
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
        sdp: writeSdp(answerDirections(r.offer, answer)),
        flags: forAnswer(),
      });
      return;
    }
    this.peerOffer = undefined;
    if (event.kind === 'media-done' && event.purpose === 'reanswer') {
      this.sipLocal = event.sdp;
      out.push({ kind: 'sip-reoffer-answer', id: r.id, status: 200, body: event.sdp });
      return;
    }
    out.push({ kind: 'sip-reoffer-answer', id: r.id, status: 488 });
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
    const sdp = build(this.sdpVersion + 1);
    if (!sdp) return;
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
