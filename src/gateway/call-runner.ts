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
import { MediaWatch } from '../media/media-watch';
import { NgError } from '../media/ng-client';
import { randomHex } from '../sip/common/random-hex';
import type { ClientInvite } from '../sip/dialog/client-invite';
import type { Dialog, Respond } from '../sip/dialog/dialog';
import type { ServerInvite } from '../sip/dialog/server-invite';
import { sdpOf } from '../sip/message/body';
import type { SipRequest, SipResponse } from '../sip/message/types';
import { header } from '../sip/message/headers';
import { sipInfoOf } from '../translate/info';
import type { SipUserAgent } from '../sip/ua/user-agent';
import type { JingleAnswer } from '../xmpp';
import type { XmppLeg } from '../xmpp';
import type { GatewayObserver, MediaOp } from './observer';

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
  private client?: ClientInvite;
  private server?: ServerInvite;
  private dialog?: Dialog;
  /** The IQ being handled, answered by the call's iq-result / iq-error effect. */
  private pendingIq?: { id: string; resolve: (a: JingleAnswer) => void };
  /**
   * The call's anchor session: our own id (a client's sid or a peer's Call-ID could collide),
   * and its requests one after another, so answers come back in the order they were asked.
   */
  readonly mediaId = `jsg-${randomHex(8)}`;
  private mediaChain: Promise<void> = Promise.resolve();
  /** The call has used the anchor (its media is checked). */
  private anchored = false;
  /** The peer's in-dialog requests waiting for the call's answer, by id. */
  private readonly reoffers = new Map<number, Respond>();
  private reofferSeq = 0;
  /** The periodic media check of an established anchored call (docs/policy.md §Dead peers). */
  private mediaCheck?: NodeJS.Timeout;

  constructor(
    readonly call: Call,
    private readonly registry: CallRegistry,
    private readonly legs: Legs,
    private readonly log: Logger,
    private readonly onEnded: (runner: CallRunner) => void,
    private readonly observer?: GatewayObserver,
  ) {}

  /** Hands over the INVITE of a SIP-originated call, so responses and CANCEL reach the call. */
  attachServer(inv: ServerInvite): void {
    this.server = inv;
    inv.on('cancel', () => this.post({ kind: 'sip-cancel' }));
    inv.on('ack', () => this.post({ kind: 'sip-ack' }));
    inv.on('ack-timeout', () => this.post({ kind: 'sip-ack-timeout' }));
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
    const { xmpp, sip } = this.legs;
    switch (e.kind) {
      case 'iq-result':
      case 'iq-error': {
        const pending = this.pendingIq;
        if (!pending || pending.id !== e.id) return;
        this.pendingIq = undefined;
        if (e.kind === 'iq-result') pending.resolve('ok');
        else pending.resolve({ condition: e.condition, jingleCondition: e.jingleCondition, text: e.text });
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
      case 'sip-invite': {
        const ci = sip.invite({
          uri: e.uri,
          from: e.from,
          ...(e.fromDisplay === undefined ? {} : { fromDisplay: e.fromDisplay }),
          to: e.to,
          body: e.body,
          callId: e.callId,
        });
        this.client = ci;
        ci.on('provisional', (res: SipResponse) => this.post({ kind: 'sip-provisional', response: res }));
        ci.on('accepted', (res: SipResponse, dialog: Dialog) => {
          this.watchDialog(dialog);
          this.post({ kind: 'sip-answered', response: res });
        });
        ci.on('failed', (res: SipResponse) => {
          this.log.info('INVITE failed', { status: res.status, warning: header(res, 'warning') });
          this.post({ kind: 'sip-failed', response: res });
        });
        return;
      }
      case 'sip-cancel':
        this.client?.cancel();
        return;
      case 'sip-bye':
        this.dialog
          ?.bye(e.headers)
          .catch((err: Error) => this.log.debug('BYE failed', { error: err.message }));
        return;
      case 'sip-provisional':
        this.server?.provisional(e.status);
        return;
      case 'sip-accept':
        if (this.server) this.watchDialog(this.server.accept(e.body));
        return;
      case 'sip-reject':
        this.server?.reject(e.status, e.reason, e.headers);
        return;
      case 'sip-reinvite':
        if (!this.dialog) return;
        this.dialog.reinvite(e.body).then(
          (response) => this.post({ kind: 'sip-reinvite-done', response }),
          (err: Error) => {
            this.log.warn('re-INVITE failed', { error: err.message });
            this.post({ kind: 'sip-reinvite-done' });
          },
        );
        return;
      case 'media':
        return this.anchorRequest(e);
      case 'sip-reoffer-answer': {
        const respond = this.reoffers.get(e.id);
        this.reoffers.delete(e.id);
        if (e.body !== undefined) respond?.(e.status, e.body, 'application/sdp');
        else respond?.(e.status);
        return;
      }
      case 'sip-request-answer': {
        const respond = this.reoffers.get(e.id);
        this.reoffers.delete(e.id);
        respond?.(e.status, '', undefined, e.headers ?? []);
        return;
      }
      case 'sip-send-info':
        this.dialog
          ?.info(e.contentType, e.body, e.headers)
          .then((res) => {
            if (res.status >= 300) this.log.info('INFO refused', { status: res.status });
          })
          .catch((err: Error) => this.log.debug('INFO failed', { error: err.message }));
        return;
      case 'media-delete':
        this.mediaChain = this.mediaChain.then(() => {
          this.mediaSeen('out', 'delete', `delete call-id=${this.mediaId}`);
          return this.legs.media?.delete(this.mediaId).then(
            () => {
              this.mediaSeen('in', 'deleted', `ok call-id=${this.mediaId}`);
              this.log.debug('media anchor session deleted', { media: this.mediaId });
            },
            (err: Error) => {
              this.mediaFailed('delete', err);
              this.log.warn('media anchor delete failed', { media: this.mediaId, error: err.message });
            },
          );
        });
        return;
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
        clearInterval(this.mediaCheck);
        for (const t of this.timers.values()) clearTimeout(t);
        this.timers.clear();
        // RFC 3261 §15.1.2: a re-INVITE still unanswered when the BYE goes is answered 487.
        for (const respond of this.reoffers.values()) respond(487);
        this.reoffers.clear();
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

  /** The media leg of the call's ladder: each ng request, and its answer or failure. */
  private mediaSeen(direction: 'in' | 'out', label: string, text: string): void {
    this.observer?.media?.(this.call.sid, direction, label, text, Date.now());
  }

  private mediaFailed(op: MediaOp, err: Error): void {
    this.observer?.mediaFailed?.(op);
    this.mediaSeen('in', `${op} failed`, err.message);
  }

  /** One ng offer/answer, after the ones before it; the outcome comes back as an event. */
  private anchorRequest(e: Extract<Effect, { kind: 'media' }>): void {
    const anchor = this.legs.media;
    if (!anchor) {
      queueMicrotask(() =>
        this.post({ kind: 'media-failed', purpose: e.purpose, text: 'no media anchor is configured' }),
      );
      return;
    }
    this.anchored = true;
    const req = {
      id: this.mediaId,
      fromTag: e.fromTag,
      sdp: e.sdp,
      flags: e.flags,
      ...(e.toTag !== undefined ? { toTag: e.toTag } : {}),
    };
    this.log.debug(`media anchor ${e.op} (${e.purpose})`, { media: this.mediaId });
    this.mediaChain = this.mediaChain.then(() => {
      this.mediaSeen('out', `${e.op} (${e.purpose})`, ngText(e.op, req));
      return (e.op === 'offer' ? anchor.offer(req) : anchor.answer({ ...req, toTag: e.toTag ?? 'sip' })).then(
        (sdp) => {
          this.mediaSeen('in', `${e.op} ok`, sdp);
          this.post({ kind: 'media-done', purpose: e.purpose, sdp });
        },
        (err: Error) => {
          this.mediaFailed(e.op, err);
          this.post({ kind: 'media-failed', purpose: e.purpose, text: err.message });
        },
      );
    });
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
      .endSession(this.call.sid, condition)
      .catch((err: Error) => this.log.debug('JMI finish not sent', { error: err.message }));
  }

  private watchDialog(dialog: Dialog): void {
    this.dialog = dialog;
    // Every in-dialog request of the peer reaches the call, which must answer it (its id names
    // the answer): offers (re-INVITE, UPDATE), INFO, REFER, NOTIFY. OPTIONS is answered by the
    // dialog with what the UA supports (RFC 3261 §11.2); BYE and CANCEL end things.
    const asked = (respond: Respond, event: (id: number) => CallEvent): void => {
      const id = ++this.reofferSeq;
      this.reoffers.set(id, respond);
      this.post(event(id));
    };
    const reoffer = (req: SipRequest, respond: Respond): void =>
      asked(respond, (id) => ({ kind: 'sip-reoffer', id, body: sdpOf(req) }));
    dialog.on('reinvite', reoffer);
    dialog.on('update', reoffer);
    dialog.on('info', (req: SipRequest, respond: Respond) =>
      asked(respond, (id) => ({ kind: 'sip-info', id, info: sipInfoOf(req) })),
    );
    dialog.on('refer', (req: SipRequest, respond: Respond) =>
      asked(respond, (id) => {
        const referTo = header(req, 'refer-to');
        return referTo === undefined ? { kind: 'sip-refer', id } : { kind: 'sip-refer', id, referTo };
      }),
    );
    dialog.on('notify', (req: SipRequest, respond: Respond) =>
      asked(respond, (id) => {
        const ev = header(req, 'event');
        return ev === undefined ? { kind: 'sip-notify', id } : { kind: 'sip-notify', id, event: ev };
      }),
    );
    dialog.on('bye', (req) => this.post({ kind: 'sip-bye', request: req }));
    // A dead peer (docs/policy.md §Dead peers): both legs end, the Jingle reason says why.
    dialog.on('lost', (_status: number, text: string, expired: boolean) => {
      if (!this.call.ended)
        this.post({ kind: 'sip-down', condition: expired ? 'timeout' : 'connectivity-error', text });
    });
    this.watchMedia();
    // A dialog that ends without a BYE we saw (session timer expiry, transport failure).
    dialog.on('terminated', () => {
      if (!this.call.ended) this.post({ kind: 'sip-down' });
    });
  }

  /**
   * An established anchored call: every `checkMs` one ng `query` (never two at once). rtpengine
   * forgets a call after its own `--timeout` without media ("Unknown call-id"); a side that sent
   * nothing for `silenceMs` is gone. Either ends the call on both legs. An anchor that does not
   * answer says nothing about the peers: the call goes on.
   */
  private watchMedia(): void {
    const anchor = this.legs.media;
    const t = this.legs.mediaCheck;
    if (!anchor || !this.anchored || !t || t.checkMs <= 0 || this.mediaCheck) return;
    const watch = new MediaWatch(t.silenceMs);
    let asking = false;
    const side = (tag: string): string => (tag === 'sip' ? 'SIP' : 'XMPP');
    this.mediaCheck = setInterval(() => {
      if (asking || this.call.ended) return;
      asking = true;
      anchor
        .query(this.mediaId)
        .then(
          (answer) => {
            const v = watch.observe(Date.now(), answer);
            if (v.kind === 'silent' && !this.call.ended)
              this.post({
                kind: 'media-down',
                condition: 'connectivity-error',
                text: `no media from the ${side(v.tag)} side for ${v.seconds} s`,
              });
          },
          (err: Error) => {
            if (err instanceof NgError && /unknown call/i.test(err.reason) && !this.call.ended)
              this.post({
                kind: 'media-down',
                condition: 'media-error',
                text: 'the media anchor dropped the call: no media for its timeout',
              });
            else this.log.debug('media check failed', { media: this.mediaId, error: err.message });
          },
        )
        .finally(() => (asking = false));
    }, t.checkMs);
    this.mediaCheck.unref();
  }
}

/** An ng request as the ladder shows it: the command, the keys, the flags, then the SDP. */
function ngText(
  op: string,
  r: { id: string; fromTag: string; toTag?: string; flags: object; sdp: string },
): string {
  const tags = `from-tag=${r.fromTag}${r.toTag !== undefined ? ` to-tag=${r.toTag}` : ''}`;
  return `${op} call-id=${r.id} ${tags}\nflags: ${JSON.stringify(r.flags)}\n\n${r.sdp}`;
}
