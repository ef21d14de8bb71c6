/**
 * Runs one call: feeds it events one at a time (a queue, so an effect that answers at once
 * cannot re-enter the call), performs the effects it returns on the two legs, keeps its timers,
 * and turns what the legs report back into events. The only place a pure call meets sockets.
 */
import type { Call } from '../calls/call';
import type { CallEvent, Effect, TimerName } from '../calls/events';
import type { CallRegistry } from '../calls/registry';
import type { ReasonCondition } from '../jingle/types';
import type { Logger } from '../log';
import type { MediaAnchor } from '../media/anchor';
import type { ServerInvite } from '../sip/dialog/server-invite';
import type { SipUserAgent } from '../sip/ua/user-agent';
import type { OtherCall } from '../transfer';
import type { JingleAnswer } from '../xmpp';
import type { XmppLeg } from '../xmpp';
import { MediaRunner } from './media-runner';
import type { GatewayObserver } from './observer';
import { isSipEffect, SipSeam } from './sip-seam';

export interface Legs {
  xmpp: XmppLeg;
  sip: SipUserAgent;
  /** The media anchor (rtpengine), when configured. */
  media?: MediaAnchor;
  /** How often an established anchored call's media is checked, and how long a side may be silent (ms). */
  mediaCheck?: { checkMs: number; silenceMs: number };
}

export class CallRunner {
  private readonly queue: CallEvent[] = [];
  private busy = false;
  private readonly timers = new Map<TimerName, NodeJS.Timeout>();
  /** The IQ being handled, answered by the call's iq-result / iq-error effect. */
  private pendingIq?: { id: string; resolve: (a: JingleAnswer) => void };
  /** IQs the call answers later (its `iq-later` effect): a hold waits for the SIP peer's answer. */
  private readonly laterIqs = new Map<string, (a: JingleAnswer) => void>();
  /** The call's SIP leg: its INVITE sessions, its dialog, the peer's requests waiting for answers. */
  private readonly sip: SipSeam;
  /** The call's anchor session (its id is the call's own, not a sid or a Call-ID). */
  private readonly media: MediaRunner;

  constructor(
    readonly call: Call,
    private readonly registry: CallRegistry,
    private readonly legs: Legs,
    private readonly log: Logger,
    private readonly onEnded: (runner: CallRunner) => void,
    private readonly observer?: GatewayObserver,
  ) {
    const post = (e: CallEvent): void => this.post(e);
    const ended = (): boolean => call.ended;
    this.media = new MediaRunner(legs.media, legs.mediaCheck, post, ended, call.sid, log, observer);
    this.sip = new SipSeam(
      (o) => legs.sip.invite(o),
      post,
      ended,
      log,
      () => this.media.watch(),
    );
  }

  /** The call's SIP dialog for an attended transfer's Replaces (./sip-seam.ts), if it has one. */
  replaceable(): OtherCall | undefined {
    return this.sip.replaceable();
  }

  /** Hands over the INVITE of a SIP-originated call, so responses and CANCEL reach the call. */
  attachServer(inv: ServerInvite): void {
    this.sip.attachServer(inv);
  }

  /** An incoming Jingle IQ: resolves with the answer the call chose. */
  jingle(event: Extract<CallEvent, { kind: 'jingle' }>): Promise<JingleAnswer> {
    return this.answerOf(event.iq.id, () => this.post(event));
  }

  /**
   * The first effects of a call that began with the IQ `iqId` (its session-initiate): performed
   * like any others, so the IQ is answered by the call's own iq-result / iq-error effect.
   */
  begin(iqId: string, effects: Effect[]): Promise<JingleAnswer> {
    return this.answerOf(iqId, () => this.run(effects));
  }

  /** Runs `go` with the IQ `id` pending; resolves with the answer the call's effects gave it. */
  private answerOf(id: string, go: () => void): Promise<JingleAnswer> {
    return new Promise((resolve) => {
      this.pendingIq = { id, resolve };
      go();
      // A call that ended or ignored the IQ still owes it an answer.
      if (this.pendingIq?.id === id) {
        this.pendingIq = undefined;
        resolve('ok');
      }
    });
  }

  post(event: CallEvent): void {
    this.queue.push(event);
    if (this.busy) return;
    this.busy = true;
    try {
      for (let e = this.queue.shift(); e !== undefined; e = this.queue.shift()) {
        this.run(this.registry.handle(this.call, e));
      }
    } finally {
      this.busy = false;
    }
  }

  /** Performs the effects the call decided, in order. */
  run(effects: Effect[]): void {
    for (const effect of effects) {
      try {
        if (this.observer) this.observe(effect);
        this.perform(effect);
      } catch (e) {
        this.log.warn('effect failed', { effect: effect.kind, error: (e as Error).message });
      }
    }
  }

  private perform(e: Effect): void {
    if (isSipEffect(e)) return this.sip.perform(e);
    const { xmpp } = this.legs;
    switch (e.kind) {
      case 'iq-later': {
        const pending = this.pendingIq;
        if (!pending || pending.id !== e.id) return;
        this.pendingIq = undefined;
        this.laterIqs.set(e.id, pending.resolve);
        return;
      }
      case 'iq-result':
      case 'iq-error': {
        let resolve = this.laterIqs.get(e.id);
        if (resolve) this.laterIqs.delete(e.id);
        else {
          const pending = this.pendingIq;
          if (!pending || pending.id !== e.id) return;
          this.pendingIq = undefined;
          resolve = pending.resolve;
        }
        if (e.kind === 'iq-result') resolve('ok');
        else resolve({ condition: e.condition, jingleCondition: e.jingleCondition, text: e.text });
        return;
      }
      case 'send-jingle':
        xmpp.sendJingle(e.to, e.jingle, e.from).then(
          () => this.post({ kind: 'jingle-result', action: e.jingle.action }),
          (err: Error) => this.post({ kind: 'jingle-error', action: e.jingle.action, text: err.message }),
        );
        return;
      case 'send-jmi':
        return this.sendJmi(e);
      case 'media':
        return this.media.request(e);
      case 'media-delete':
        return this.media.delete();
      case 'timer-start': {
        clearTimeout(this.timers.get(e.name));
        const t = setTimeout(() => {
          this.timers.delete(e.name);
          this.post({ kind: 'timer', name: e.name });
        }, e.ms);
        t.unref();
        this.timers.set(e.name, t);
        return;
      }
      case 'timer-stop':
        clearTimeout(this.timers.get(e.name));
        this.timers.delete(e.name);
        return;
      case 'ended':
        // An IQ the call still owed an answer (it answers them as it ends; this is the net).
        for (const resolve of this.laterIqs.values())
          resolve({
            condition: 'unexpected-request',
            jingleCondition: 'out-of-order',
            text: 'the session has ended',
          });
        this.laterIqs.clear();
        this.media.stop();
        for (const t of this.timers.values()) clearTimeout(t);
        this.timers.clear();
        this.sip.ended();
        this.log.info('call ended', { sid: this.call.sid, callId: this.call.callId, condition: e.condition });
        this.finishJmi(e.condition);
        this.onEnded(this);
        return;
    }
  }

  /** What the observer hears of an effect: the answer to the caller, the end (docs/operations.md). */
  private observe(e: Effect): void {
    const o = this.observer as GatewayObserver;
    if (e.kind === 'sip-accept' || (e.kind === 'send-jingle' && e.jingle.action === 'session-accept'))
      o.callAnswered?.(this.call.sid, Date.now());
    else if (e.kind === 'ended') o.callEnded?.(this.call.sid, e.condition, Date.now());
  }

  private sendJmi(e: Extract<Effect, { kind: 'send-jmi' }>): void {
    const { xmpp } = this.legs;
    if (e.jmi === 'propose') {
      // Callees whose clients lack JMI but share presence get the session-initiate directly,
      // as if their device had proceeded (docs/design.md §Call flows).
      const route = xmpp.routeFor(e.to);
      if (route.kind === 'direct' && route.to[0] !== undefined) {
        const device = route.to[0];
        queueMicrotask(() => this.post({ kind: 'jmi', jmi: 'proceed', from: device }));
        return;
      }
      xmpp
        .propose({
          from: e.from,
          to: e.to,
          id: e.id,
          media: e.media ?? ['audio'],
          ...(e.nick === undefined ? {} : { nick: e.nick }),
        })
        .catch((err: Error) => this.log.warn('JMI propose failed', { error: err.message }));
      return;
    }
    if (e.jmi === 'accept') return;
    const o =
      e.reason === undefined
        ? { id: e.id, from: e.from, to: e.to }
        : { id: e.id, from: e.from, to: e.to, reason: e.reason };
    xmpp.sendJmi(e.jmi, o).catch((err: Error) => this.log.debug('JMI send failed', { error: err.message }));
  }

  /**
   * XEP-0353 §3.5: the session is over; if it began with a proposal (either way; the proposal
   * id is the sid), the XMPP leg's JMI machine, its one owner, sends what its state calls for.
   */
  private finishJmi(condition: ReasonCondition): void {
    this.legs.xmpp
      .endSession(this.call.sid, condition, this.call.origin === 'sip' ? 'out' : 'in')
      .catch((err: Error) => this.log.debug('JMI finish not sent', { error: err.message }));
  }
}
