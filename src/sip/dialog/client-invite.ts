/**
 * An outgoing INVITE (RFC 3261 §13.2) and the dialog it may create. Events (typed,
 * {@link ClientInviteEvents}):
 * - 'provisional' (res): a 101–199;
 * - 'accepted' (res, dialog): the first 2xx; its ACK is already sent (with `answerInAck`, the
 *   owner sends it with the answer: `dialog.ack(body)`);
 * - 'failed' (res): a final ≥300, or a local 408 (Timer B) / 503 (transport error), or a 487
 *   made up when our CANCEL crossed a 2xx (that dialog was ACKed and BYEd) or when no final
 *   response came within 64·T1 of cancel() (§9.1), or a local 502 for a 2xx whose Contact gives
 *   no remote target (`Contact: *`; ACKed and BYEd at the Request-URI).
 * Later 2xx from other forks are ACKed and BYEd (§13.2.2.4); a retransmitted 2xx is ACKed again.
 * cancel() sends CANCEL once a provisional has come (§9.1); the INVITE is given up 64·T1 later
 * if its final response never comes. The Contact is filled in by the router for the chosen flow.
 */
import { EventEmitter } from 'node:events';
import { cseqOf, fromOf, toOf } from '../message/checked';
import type { ClientRequestHandle } from '../transaction/bridge';
import { localFailure } from '../transaction/bridge';
import type { TimerHandle } from '../common/clock';
import { remoteTargetOf, tagOf, type UaCore } from './core';
import { authorizationValue, pickChallenge } from '../message/digest';
import { Dialog } from './dialog';
import type { ClientInviteEvents } from './events';
import { UAC_TABLE, type UacEvent, type UacState } from './dialog-fsm';
import { Machine } from '../../fsm';
import { logTransitions } from './transitions';
import { header, headers, withHeader } from '../message/headers';
import { newCallId, newTag } from '../message/ids';
import { inviteRequest } from '../message/invite';
import { parseSessionExpires } from './session-timer';
import type { Flow } from '../transport/transport';
import type { SipHeader, SipRequest, SipResponse } from '../message/types';

export interface InviteOptions {
  /** Request-URI. */
  uri: string;
  /** Our URI for From. */
  from: string;
  fromDisplay?: string;
  /** To URI (default: the Request-URI). */
  to?: string;
  toDisplay?: string;
  body: string;
  contentType?: string;
  headers?: SipHeader[];
  callId?: string;
  /** RFC 4028: ask for a session interval (seconds); 0 or absent: none. */
  sessionExpires?: number;
  /**
   * RFC 3261 §13.2.2.4 / RFC 3264 §5: the INVITE has no offer (empty body), so the 2xx carries
   * one and the ACK our answer: the accepted dialog's ACK is sent by its owner, `dialog.ack(body)`.
   */
  answerInAck?: boolean;
}

export class ClientInvite extends EventEmitter<ClientInviteEvents> {
  readonly callId: string;
  readonly localTag = newTag();
  private readonly fsm: Machine<UacState, UacEvent>;
  private req: SipRequest;
  private handle?: ClientRequestHandle;
  private provisionalSeen = false;
  private cancelSent = false;
  private authTried = false;
  private minSeTried = false;
  private dialog?: Dialog;
  private readonly answerInAck: boolean;
  private readonly forks = new Set<string>();
  /** §9.1: how long a CANCELled INVITE waits for its final response before giving up (64·T1). */
  private cancelTimer?: TimerHandle;

  constructor(
    private readonly core: UaCore,
    o: InviteOptions,
    private readonly onDone: (ci: ClientInvite) => void,
  ) {
    super();
    this.callId = o.callId ?? newCallId('gw');
    this.answerInAck = o.answerInAck === true && o.body === '';
    this.fsm = new Machine(
      'uac',
      UAC_TABLE,
      'calling',
      logTransitions(core.logger.child({ callId: this.callId }), (s) => {
        if (s === 'terminated' || s === 'confirmed') this.onDone(this);
      }),
    );
    // The one INVITE builder, shared with `translate --to sip` (src/translate/jingle-to-sip.ts).
    this.req = inviteRequest({
      ...o,
      callId: this.callId,
      fromTag: this.localTag,
      contact: core.contact(),
      userAgent: core.userAgent,
    });
  }

  get state(): UacState {
    return this.fsm.state;
  }

  /** The flow the INVITE went out on (its current attempt). */
  get flow(): Flow | undefined {
    return this.handle?.flow();
  }

  /** Sends the INVITE (called by the user agent right after construction). */
  start(): void {
    // The Contact is filled in for the flow the router picks (§8.1.1.8: transport=, SIPS).
    this.handle = this.core.send(this.req, (res) => this.onResponse(res), { fillContact: true });
  }

  cancel(): void {
    const s = this.fsm.state;
    if (s === 'confirmed' || s === 'terminated' || s === 'cancelling') return;
    this.fsm.apply('cancel');
    // §9.1: if no final response comes within 64·T1 of the CANCEL, give the INVITE up — else the
    // transaction (and this object) would live for ever when a peer 200s the CANCEL but never 487s.
    this.cancelTimer = this.core.clock.setTimeout(() => this.giveUp(), 64 * this.core.timing.t1);
    if (this.provisionalSeen) this.sendCancel();
    // Otherwise the CANCEL goes out with the first provisional (§9.1).
  }

  private giveUp(): void {
    this.cancelTimer = undefined;
    if (this.fsm.state !== 'cancelling') return;
    this.core.logger.info('no final response to the CANCELled INVITE within 64·T1; giving up', {
      callId: this.callId,
    });
    this.handle?.abort();
    this.fsm.apply('failed');
    this.emit('failed', localFailure(this.req, 487, 'CANCELled; no final response within 64*T1'));
  }

  private stopCancelTimer(): void {
    this.cancelTimer?.cancel();
    this.cancelTimer = undefined;
  }

  private sendCancel(): void {
    if (this.cancelSent || !this.handle) return;
    this.cancelSent = true;
    const seq = String(cseqOf(this.req).seq);
    const cancel: SipRequest = {
      kind: 'request',
      method: 'CANCEL',
      uri: this.req.uri,
      headers: [
        { name: 'Max-Forwards', value: '70' },
        ...headers(this.req, 'route').map((value) => ({ name: 'Route', value })),
        { name: 'From', value: fromOf(this.req) },
        { name: 'To', value: toOf(this.req) },
        { name: 'Call-ID', value: this.callId },
        { name: 'CSeq', value: `${seq} CANCEL` },
        { name: 'User-Agent', value: this.core.userAgent },
      ],
      body: '',
    };
    this.core.send(cancel, () => undefined, { flow: this.handle.flow(), via: this.handle.via() });
  }

  private onResponse(res: SipResponse): void {
    if (res.status < 200) {
      if (res.status > 100) {
        this.provisionalSeen = true;
        this.fsm.apply(tagOf(header(res, 'to')) !== undefined ? 'ringing' : 'trying');
        if (this.fsm.state === 'cancelling') this.sendCancel();
        else this.emit('provisional', res);
      } else {
        this.provisionalSeen = true;
        if (this.fsm.state === 'cancelling') this.sendCancel();
        else this.fsm.apply('trying');
      }
      return;
    }
    if (this.fsm.state === 'cancelling') this.stopCancelTimer();
    if (res.status < 300) return this.on2xx(res);
    if ((res.status === 401 || res.status === 407) && !this.authTried && this.fsm.state !== 'cancelling') {
      const ch = pickChallenge(headers(res, res.status === 401 ? 'www-authenticate' : 'proxy-authenticate'));
      const creds = ch && this.core.credentials(ch.realm, this.req);
      if (ch && creds) {
        // §22.2: same Call-ID and From tag, next CSeq, new branch.
        this.authTried = true;
        const seq = cseqOf(this.req).seq + 1;
        this.req = withHeader(this.req, 'CSeq', `${seq} INVITE`);
        this.req = withHeader(
          this.req,
          res.status === 401 ? 'Authorization' : 'Proxy-Authorization',
          authorizationValue(ch, creds, 'INVITE', this.req.uri),
        );
        this.provisionalSeen = false;
        this.start();
        return;
      }
    }
    if (res.status === 422 && !this.minSeTried && this.fsm.state !== 'cancelling') {
      // RFC 4028 §7.4: retry with Session-Expires raised to the peer's Min-SE.
      const minSe = Number(header(res, 'min-se')?.split(';')[0]);
      if (Number.isInteger(minSe) && minSe > 0) {
        this.minSeTried = true;
        const seq = cseqOf(this.req).seq + 1;
        this.req = withHeader(withHeader(this.req, 'CSeq', `${seq} INVITE`), 'Session-Expires', `${minSe}`);
        this.req = withHeader(this.req, 'Min-SE', `${minSe}`);
        this.provisionalSeen = false;
        this.start();
        return;
      }
    }
    if (this.fsm.state === 'terminated' || this.fsm.state === 'confirmed') return;
    this.fsm.apply('failed');
    this.emit('failed', res);
  }

  private on2xx(res: SipResponse): void {
    const toTag = tagOf(header(res, 'to')) ?? '';
    if (this.dialog && this.dialog.remoteTag === toTag) {
      this.dialog.handleStray2xx(res); // a retransmission: ACK again
      return;
    }
    if (this.forks.has(toTag)) return;
    this.forks.add(toTag);
    // §12.1.2: the remote target is the 2xx's Contact; `Contact: *` or garbage gives none, so the
    // ACK and BYE go to the Request-URI and the call is not taken.
    const target = remoteTargetOf(header(res, 'contact'), this.req.uri);
    const dialog = this.makeDialog(res, toTag, target.uri);
    const taken =
      this.dialog === undefined &&
      target.ok &&
      this.fsm.state !== 'cancelling' &&
      this.fsm.state !== 'terminated';
    if (taken && this.answerInAck) {
      // §13.2.2.4: the 2xx has the offer; the owner answers it in the ACK (dialog.ack).
      dialog.deferAck(this.req);
    } else {
      const ack = dialog.ackFor(this.req);
      dialog.rememberAck(ack);
      this.core.sendAck(ack, this.handle?.flow());
    }
    if (!taken) {
      // §13.2.2.4: a second 2xx (another fork), the 200 that crossed our CANCEL (§9.1), or a 2xx
      // without a usable Contact: confirm it with ACK, then end it with BYE.
      this.core.logger.info('extra or unusable 2xx: ACK and BYE', { callId: this.callId, toTag });
      void dialog.bye().catch(() => undefined);
      if (this.fsm.state === 'cancelling') {
        this.fsm.apply('accepted');
        this.emit(
          'failed',
          localFailure(this.req, 487, '200 OK crossed our CANCEL; ACKed and ended with BYE'),
        );
      } else if (!target.ok && this.dialog === undefined && this.fsm.state !== 'terminated') {
        this.fsm.apply('failed');
        this.emit(
          'failed',
          localFailure(this.req, 502, '2xx without a usable Contact; ACKed and ended with BYE'),
        );
      }
      return;
    }
    this.dialog = dialog;
    this.fsm.apply('accepted');
    this.emit('accepted', res, dialog);
  }

  private makeDialog(res: SipResponse, toTag: string, remoteTarget: string): Dialog {
    const se = parseSessionExpires(header(res, 'session-expires'));
    return new Dialog(this.core, {
      role: 'uac',
      callId: this.callId,
      localTag: this.localTag,
      remoteTag: toTag,
      local: fromOf(this.req),
      remote: toOf(res),
      localSeq: cseqOf(this.req).seq,
      remoteSeq: -1,
      remoteTarget,
      // §12.1.2: the route set is the Record-Route of the response, reversed.
      routeSet: headers(res, 'record-route').reverse(),
      flow: this.handle?.flow(),
      localBody: this.req.body,
      peerAllow: headers(res, 'allow'),
      sessionTimer: se ? { interval: se.interval, refresher: se.refresher ?? 'uac' } : undefined,
    });
  }

  /** Shutdown: stop the transaction; a dialog is ended by the user agent separately. */
  abort(): void {
    this.stopCancelTimer();
    this.handle?.abort();
    if (this.fsm.state !== 'confirmed' && this.fsm.state !== 'terminated') {
      this.fsm.apply('failed');
    }
  }
}
