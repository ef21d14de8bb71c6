/**
 * An incoming INVITE (RFC 3261 §13.3), handed out by the user agent after the trust check and
 * after 100 Trying went out. Events (typed, {@link ServerInviteEvents}):
 * - 'cancel' (req): the caller CANCELled; 200 and 487 are already sent;
 * - 'ack' (req): the ACK for our 2xx came; the dialog is confirmed;
 * - 'ack-timeout': no ACK in 64·T1; a BYE was sent and the dialog ended (§13.3.1.4).
 */
import { EventEmitter } from 'node:events';
import { callIdOf, cseqOf, fromOf, toOf } from '../message/checked';
import type { ServerTransaction } from '../transaction/bridge';
import {
  ALLOW,
  makeResponse,
  recordRoute,
  remoteTargetOf,
  SUPPORTED,
  tagOf,
  uriOf,
  type UaCore,
} from './core';
import { Dialog } from './dialog';
import type { ServerInviteEvents } from './events';
import { UAS_TABLE, type UasEffect, type UasEvent, type UasState } from './dialog-fsm';
import { Machine } from '../../fsm';
import { logTransitions } from './transitions';
import { header, headers } from '../message/headers';
import { newTag } from '../message/ids';
import { Retransmit2xx } from './retransmit';
import type { SessionTimer } from './session-timer';
import type { Flow } from '../transport/transport';
import type { SipHeader, SipRequest } from '../message/types';

export class ServerInvite extends EventEmitter<ServerInviteEvents> {
  readonly request: SipRequest;
  readonly source: Flow;
  readonly callId: string;
  readonly localTag = newTag();
  private readonly fsm: Machine<UasState, UasEvent, UasEffect>;
  private dialog?: Dialog;
  /**
   * The INVITE server transaction, until the ACK confirms the dialog: nothing is sent in it
   * after that (§13.3.1.4: the 2xx retransmissions stop; the transaction layer alone absorbs a
   * retransmitted INVITE), and a held call would keep it (≈ 2.5 kB; docs/performance.md).
   */
  private tx: ServerTransaction | undefined;

  constructor(
    private readonly core: UaCore,
    tx: ServerTransaction,
    private readonly sessionTimer: { timer: SessionTimer; require: boolean } | undefined,
    private readonly onDone: (si: ServerInvite) => void,
  ) {
    super();
    this.tx = tx;
    this.request = tx.request;
    this.source = tx.source;
    this.callId = callIdOf(tx.request);
    this.fsm = new Machine(
      'uas',
      UAS_TABLE,
      'proceeding',
      logTransitions(core.logger.child({ callId: this.callId }), (s) => {
        if (s === 'confirmed') this.tx = undefined;
        if (s === 'terminated' || s === 'confirmed') this.onDone(this);
      }),
    );
  }

  get state(): UasState {
    return this.fsm.state;
  }

  private secure(): boolean {
    const rr = recordRoute(this.request)[0];
    if (rr !== undefined) {
      try {
        return /^sips:/i.test(uriOf(rr));
      } catch {
        /* the Request-URI decides */
      }
    }
    return /^sips:/i.test(this.request.uri);
  }

  private dialogHeaders(): SipHeader[] {
    return [
      ...recordRoute(this.request).map((value) => ({ name: 'Record-Route', value })),
      // §12.1.1: a SIPS Request-URI (or top Record-Route) asks for a SIPS Contact.
      { name: 'Contact', value: this.core.contact(this.source, this.secure()) },
    ];
  }

  provisional(status: 180 | 183, body = '', contentType?: string): void {
    if (!this.fsm.apply('provisional').ok) return;
    this.tx?.respond(
      makeResponse(this.request, status, {
        toTag: this.localTag,
        headers: this.dialogHeaders(),
        body,
        contentType,
      }),
    );
  }

  accept(body: string, contentType = 'application/sdp', extra: SipHeader[] = []): Dialog {
    if (this.dialog) return this.dialog;
    if (!this.fsm.can('accept')) throw new Error(`cannot accept in state ${this.fsm.state}`);
    // Before the state moves: a bad Contact (the user agent answers `Contact: *` with 400 already)
    // must not leave the INVITE accepted without a 2xx.
    const target = remoteTargetOf(header(this.request, 'contact'), uriOf(fromOf(this.request)));
    if (!target.ok) throw new Error('the INVITE has no usable Contact');
    this.fsm.apply('accept');
    const hs: SipHeader[] = [
      ...this.dialogHeaders(),
      { name: 'Allow', value: ALLOW },
      { name: 'Supported', value: SUPPORTED },
      { name: 'Server', value: this.core.userAgent },
    ];
    const st = this.sessionTimer;
    if (st) {
      hs.push({ name: 'Session-Expires', value: `${st.timer.interval};refresher=${st.timer.refresher}` });
      if (st.require) hs.push({ name: 'Require', value: 'timer' });
    }
    hs.push(...extra);
    const res = makeResponse(this.request, 200, { toTag: this.localTag, headers: hs, body, contentType });
    const dialog = new Dialog(this.core, {
      role: 'uas',
      callId: this.callId,
      localTag: this.localTag,
      remoteTag: tagOf(header(this.request, 'from')) ?? '',
      local: toOf(res),
      remote: fromOf(this.request),
      localSeq: Math.floor(Math.random() * 10000),
      remoteSeq: cseqOf(this.request).seq,
      remoteTarget: target.uri,
      // §12.1.1: the route set is the Record-Route of the request, in order.
      routeSet: recordRoute(this.request),
      flow: this.source,
      localBody: body,
      peerAllow: headers(this.request, 'allow'),
      sessionTimer: st?.timer,
    });
    this.dialog = dialog;
    this.tx?.respond(res);
    const rtx = new Retransmit2xx(
      this.core.clock,
      () => this.tx?.resend(res),
      () => {
        // §13.3.1.4: no ACK → end the dialog with BYE.
        this.core.logger.info('no ACK for 2xx; sending BYE', { callId: this.callId });
        this.perform(this.fsm.apply('ack-timeout').effects);
      },
      this.core.timing.t1,
      this.core.timing.t2,
      this.core.timing.ackTimeoutMs,
    );
    dialog.awaitAck(cseqOf(this.request).seq, rtx);
    dialog.once('ack', (ack) => this.perform(this.fsm.apply('ack').effects, ack));
    dialog.once('terminated', () => {
      if (this.fsm.state === 'accepted') this.fsm.apply('bye');
    });
    rtx.start();
    return dialog;
  }

  reject(status: number, reason?: string, extra: SipHeader[] = []): void {
    if (status < 300 || status > 699) throw new Error(`not a failure status: ${status}`);
    if (!this.fsm.apply('reject').ok) return;
    this.tx?.respond(makeResponse(this.request, status, { reason, toTag: this.localTag, headers: extra }));
  }

  /** A CANCEL matched this INVITE (by Call-ID and branch, §9.2). */
  handleCancel(cancel: ServerTransaction): void {
    cancel.respond(makeResponse(cancel.request, 200, { toTag: this.localTag }));
    // Already answered: the table's cell has no effect.
    this.perform(this.fsm.apply('cancel').effects, cancel.request);
  }

  /** What a transition asked for (UAS_TABLE); `req` is the CANCEL or ACK that moved it. */
  private perform(effects: readonly UasEffect[], req?: SipRequest): void {
    for (const x of effects) {
      switch (x) {
        case '487':
          this.tx?.respond(makeResponse(this.request, 487, { toTag: this.localTag }));
          break;
        case 'bye':
          void this.dialog?.bye().catch(() => undefined);
          break;
        case 'tell-cancel':
          if (req) this.emit('cancel', req);
          break;
        case 'tell-ack':
          if (req) this.emit('ack', req);
          break;
        case 'tell-ack-timeout':
          this.emit('ack-timeout');
          break;
      }
    }
  }

  /** Shutdown before an answer: 503 (RFC 3261 §21.5.4). */
  abort(): void {
    const s = this.fsm.state;
    if (s === 'proceeding' || s === 'early') this.reject(503, 'Service Unavailable');
  }
}
