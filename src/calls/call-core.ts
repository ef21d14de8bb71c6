/**
 * The base of both kinds of call: its lifecycle. `handle(event)` hands each event to the
 * in-dialog layer (./call.ts) or the subclass, never throws (an unexpected failure ends the call
 * on both legs with `general-error`), and after the end answers what still comes (481,
 * out-of-order). Timers are effects; the one way out (`end`) stops every timer and says `ended`
 * exactly once. It keeps the Jingle session machine, the view of the SIP leg's dialog and
 * offer/answer (owned by the leg, derived from its events: ./sip-leg-view.ts), and the IQ answers.
 */
import type { GatewayConfig } from '../config/config';
import type {
  Content,
  JingleAction,
  JingleIq,
  ReasonCondition,
  SessionInfo,
  Transfer,
} from '../jingle/types';
import { headers } from '../sip/message/headers';
import type { SipHeader } from '../sip/message/types';
import type { AddressContext } from '../translate/address';
import type { OtherCall } from '../transfer';
import { hasRecvInfo, RECV_INFO, recvInfoHeader } from '../translate/info';
import { muteToSip } from '../translate/mute';
import type { CallEvent, Effect, JingleErrorCondition, StanzaCondition, TimerName } from './events';
import { jingleSession, type JingleEvent } from './jingle-session';
import type { Mappings } from '../config/mappings';
import { SipLegView, type DialogPhase, type OfferPhase } from './sip-leg-view';

export interface CallContext {
  config: GatewayConfig;
  /** The mapping tables, loaded once at the gateway's start (src/config/mappings.ts). */
  tables: Mappings;
  address: AddressContext;
  /** Debug log of transitions and decisions. */
  log?: (message: string, meta?: Record<string, unknown>) => void;
  /** Random numbers in [0, 1) (the RFC 3261 §14.1 glare wait); default Math.random. */
  random?: () => number;
  /**
   * XEP-0251 §3 attended transfer: the SIP dialog of the live call with Jingle sid `sid`, if that
   * call is `client`'s (its bare JID) and answered (its dialog confirmed); supplied by the gateway
   * (src/gateway/other-call.ts), which holds the dialogs. Absent: no attended transfer.
   */
  otherCall?: (sid: string, client: string) => OtherCall | undefined;
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

export abstract class CallCore {
  abstract readonly origin: 'xmpp' | 'sip';
  readonly jingle;
  /** Where the SIP leg's dialog and offer/answer stand, from what the leg reported. */
  protected readonly sip: SipLegView;
  /** Media goes through the anchor: every way out deletes its session (docs/media.md). */
  protected anchored = false;
  private readonly timers = new Set<TimerName>();
  private done = false;
  /** The peer's INVITE (0) and re-INVITEs/UPDATEs (their ids) that carried a Recv-Info. */
  private readonly askedRecvInfo = new Set<number>();

  protected constructor(
    readonly sid: string,
    readonly callId: string,
    protected readonly ctx: CallContext,
    /** A SIP-originated call starts from the peer's INVITE and its offer. */
    sipStart?: 'invited',
  ) {
    const log = (machine: string, from: string, event: string, to: string): void =>
      ctx.log?.(`${machine}: ${from} --${event}--> ${to}`, { sid, callId });
    this.jingle = jingleSession(log);
    this.sip = new SipLegView(sipStart);
  }

  /** The SIP leg's INVITE dialog as the call knows it (the ops page shows it). */
  get dialog(): { readonly state: DialogPhase } {
    return { state: this.sip.dialog };
  }

  /** The SIP leg's offer/answer as the call knows it. */
  get offerAnswer(): { readonly state: OfferPhase } {
    return { state: this.sip.offer };
  }

  /** A new list of effects, which the view of the SIP leg reads as it is written. */
  protected effects(): Effect[] {
    const out: Effect[] = [];
    this.sip.track(out);
    return out;
  }

  get ended(): boolean {
    return this.done;
  }

  /** Handles one event; events of one call must be handed in one at a time, in order. */
  handle(event: CallEvent): Effect[] {
    if (this.done) return this.afterEnd(event);
    // A timer that fired is no longer running: nothing to stop later.
    if (event.kind === 'timer') this.timers.delete(event.name);
    const out = this.effects();
    this.sip.heard(event);
    if (event.kind === 'sip-reoffer' && event.recvInfo !== undefined) {
      this.askedRecvInfo.add(event.id);
      this.peerRecvInfo(event.recvInfo);
    }
    const ok = event.kind === 'sip-reinvite-done' ? event.response : undefined;
    if (ok !== undefined && ok.status >= 200 && ok.status < 300 && hasRecvInfo(ok))
      this.peerRecvInfo(headers(ok, 'recv-info').join(', '));
    try {
      if (!this.onInDialog(event, out)) this.on(event, out);
    } catch (e) {
      this.ctx.log?.(`call failed on ${event.kind}: ${(e as Error).message}`, { sid: this.sid });
      out.length = 0;
      this.abort(out, 'general-error', (e as Error).message);
    }
    return out;
  }

  /** The SIP peer's in-dialog requests and the re-offers, the same for both kinds of call (./call.ts). */
  protected abstract onInDialog(event: CallEvent, out: Effect[]): boolean;

  protected abstract on(event: CallEvent, out: Effect[]): void;

  /** End both legs now (failure, shutdown, a dropped connection). */
  protected abstract abort(out: Effect[], condition: ReasonCondition, text?: string): void;

  /**
   * The Info-Packages this call takes (RFC 6086 §5.2.2): `trickle-ice` only when media is end to
   * end (RFC 8840 §4); anchored, the SIP side's candidates are the anchor's, so none. The value
   * is the same in every message of the call (§5.2.3: one value for all responses to a request).
   */
  protected recvInfo(): string[] {
    return this.anchored ? [] : RECV_INFO;
  }

  /** Our Recv-Info, for every INVITE and re-INVITE we send (RFC 6086 §5.2.3: the initial INVITE MUST). */
  protected recvInfoHeaders(): SipHeader[] {
    return [recvInfoHeader(this.recvInfo())];
  }

  /**
   * The peer said again which Info-Packages it takes, in a re-INVITE or UPDATE or in the 2xx to
   * ours (RFC 6086 §5.2.2: each Recv-Info replaces the set before; empty: none). Nothing here;
   * a call that sends INFO packages reads it.
   */
  protected peerRecvInfo(_value: string): void {}

  /** The peer's INVITE (src/calls/sip-call.ts; `id` 0, as in ./sip-leg-view.ts) carried a Recv-Info. */
  protected inviteHadRecvInfo(): void {
    this.askedRecvInfo.add(0);
  }

  /**
   * The headers of our 2xx to the peer's INVITE (`id` 0) or re-INVITE/UPDATE `id`: our Recv-Info
   * if the request had one, none if not (RFC 6086 §5.2.3: MUST, and MUST NOT).
   */
  protected okHeaders(id: number): { headers?: SipHeader[] } {
    return this.askedRecvInfo.has(id) ? { headers: this.recvInfoHeaders() } : {};
  }

  /** After the end, an IQ for this session is out of order; a re-offer is refused; the rest is dropped. */
  private afterEnd(event: CallEvent): Effect[] {
    if (event.kind === 'sip-reoffer') return [{ kind: 'sip-reoffer-answer', id: event.id, status: 481 }];
    if (event.kind === 'sip-info' || event.kind === 'sip-refer' || event.kind === 'sip-notify')
      return [{ kind: 'sip-request-answer', id: event.id, status: 481 }];
    if (event.kind !== 'jingle') return [];
    return [this.iqErrorEffect(event.iq, 'unexpected-request', 'out-of-order', 'the session has ended')];
  }

  /** The client's XEP-0251 transfer (./transfers.ts): the IQ answered, a REFER sent or not. */
  protected abstract clientTransfer(out: Effect[], iq: JingleIq, t: Transfer): void;

  /** Who the call's Jingle messages go from and to, and its contents (their names and creators). */
  protected abstract jingleParty(): { from: string; to: string; contents: Content[] } | undefined;
  /** A session-info to the client (XEP-0167 §7 hold/active/ringing, XEP-0181 dtmf), once it has a session. */
  protected sessionInfo(out: Effect[], info: SessionInfo): void {
    const party = this.jingleParty();
    if (!party) return;
    out.push({
      kind: 'send-jingle',
      from: party.from,
      to: party.to,
      jingle: { action: 'session-info', sid: this.sid, contents: [], groups: [], info },
    });
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
    out.push({ kind: 'ended', condition });
  }

  protected result(out: Effect[], iq: JingleIq): void {
    out.push({ kind: 'iq-result', to: iq.from ?? '', from: iq.to ?? '', id: iq.id });
  }

  /** XEP-0167 §7.3: the contents the client has muted (docs/midcall.md §Mute); nothing goes to SIP. */
  protected muted: Set<string> = new Set();

  /**
   * The session-info payloads answered here rather than by the call's own Jingle handling; true
   * when it answered.
   *
   * - XEP-0251 `<transfer/>`: a REFER to the SIP peer, or the IQ error (./transfers.ts).
   * - XEP-0167 §7.3 `<mute/>`/`<unmute/>`: acknowledged, the state kept, nothing sent
   *   (src/translate/mute.ts says why); one naming a content the session lacks is bad-request.
   */
  protected localSessionInfo(out: Effect[], iq: JingleIq, contents: readonly Content[]): boolean {
    const info = iq.jingle.action === 'session-info' ? iq.jingle.info : undefined;
    if (info?.kind === 'transfer') {
      this.clientTransfer(out, iq, info);
      return true;
    }
    // §7.3: `<active/>` also ends a mute; it goes on to the hold logic.
    if (info?.kind === 'active') this.muted = new Set();
    if (info?.kind !== 'mute' && info?.kind !== 'unmute') return false;
    const d = muteToSip(
      info,
      contents.map((c) => c.name),
      this.muted,
    );
    if (d.kind === 'bad-request') out.push(this.iqErrorEffect(iq, 'bad-request', undefined, d.text));
    else {
      this.muted = d.muted;
      this.result(out, iq);
    }
    return true;
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
