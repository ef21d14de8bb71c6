/**
 * A confirmed INVITE dialog (RFC 3261 §12–§15), UAC or UAS: in-dialog requests out (BYE,
 * re-INVITE, UPDATE, INFO, REFER, NOTIFY) with CSeq, route set and remote target, and in-dialog
 * requests in, answered or handed to listeners. Session timers (RFC 4028) refresh or end it.
 *
 * Events ({@link DialogEvents}, typed): 'bye', 'cancel' (a CANCEL ended a re-INVITE not yet
 * answered; it got 487), 'ack', 'lost' (the peer is gone — an in-dialog request timed out or was
 * answered 481, a probe went unanswered, the session expired; a BYE follows unless a listener sent
 * one, docs/policy.md §Dead peers), 'terminated'.
 * The peer's requests that need a decision (re-INVITE, UPDATE, INFO, REFER, NOTIFY) go to the
 * dialog's {@link DialogOwner} (`own()`; the gateway's call runner), never to a default here; only
 * a dialog nobody owns (a bare UA) uses {@link bareOwner}. The dialog owns the offer/answer state of
 * RFC 3261 §14 (glare is decided here, before the owner hears of an offer).
 * A UAS's bye() before the ACK of its 2xx waits for the ACK (or the ACK timeout) first (§15).
 */
import { EventEmitter } from 'node:events';
import { cseqOf } from '../message/checked';
import { isLocalFailure, type ServerTransaction } from '../transaction/bridge';
import { TimerGroup } from '../common/clock';
import {
  ALLOW,
  dialogKey,
  makeResponse,
  optionsResponse,
  remoteTargetOf,
  SUPPORTED,
  uriOf,
  type UaCore,
} from './core';
import { authorizationValue, pickChallenge } from '../message/digest';
import {
  DIALOG_TABLE,
  OFFER_TABLE,
  type DialogEffect,
  type DialogEvent,
  type DialogState,
  type OfferEvent,
  type OfferState,
} from './dialog-fsm';
import { Machine } from '../../fsm';
import { bareOwner, type DialogEvents, type DialogOwner, type Respond } from './events';
import { logTransitions } from './transitions';
import { DialogProbe, peerDroppedDialog } from './dialog-probe';
import { header, headers, withHeader } from '../message/headers';
import { Retransmit2xx } from './retransmit';
import { SessionRefresher } from './session-refresher';
import { parseSessionExpires, type SessionTimer } from './session-timer';
import type { Flow } from '../transport/transport';
import type { SipHeader, SipRequest, SipResponse } from '../message/types';

export interface DialogInit {
  role: 'uac' | 'uas';
  callId: string;
  localTag: string;
  remoteTag: string;
  /** Our From (UAC) / To (UAS) value, with our tag. */
  local: string;
  /** Their To (UAC) / From (UAS) value, with their tag. */
  remote: string;
  localSeq: number;
  remoteSeq: number;
  remoteTarget: string;
  routeSet: string[];
  flow?: Flow;
  /** The SDP we last sent, for refreshes. */
  localBody: string;
  /** The peer's Allow, to choose UPDATE or re-INVITE for refreshes. */
  peerAllow: string[];
  sessionTimer?: SessionTimer;
}

export type { Respond } from './events';

export class Dialog extends EventEmitter<DialogEvents> {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly role: 'uac' | 'uas';
  private localSeq: number;
  private remoteSeq: number;
  private readonly fsm: Machine<DialogState, DialogEvent, DialogEffect>;
  private readonly offer: Machine<OfferState, OfferEvent>;
  private readonly timers: TimerGroup;
  private pendingAck?: { cseq: number; rtx: Retransmit2xx; initial: boolean };
  /** A BYE asked for before the ACK of our 2xx to the initial INVITE (§15): sent when it comes. */
  private byeWait?: { promise: Promise<void>; resolve: () => void; extra: SipHeader[] };
  /** The peer's re-INVITE we have not answered yet, so that a CANCEL can end it (§9.2). */
  private pendingInvite?: { cseq: number; respond: Respond };
  private lastAck?: SipRequest;
  /** An offerless INVITE's 2xx (it carried the offer): the ACK waits for our answer (§13.2.2.4). */
  private ackDue?: SipRequest;
  private readonly session: SessionRefresher;
  private readonly probe: DialogProbe;
  private owner: DialogOwner = bareOwner(() => this.d.localBody);

  constructor(
    private readonly core: UaCore,
    private readonly d: DialogInit,
  ) {
    super();
    this.callId = d.callId;
    this.localTag = d.localTag;
    this.remoteTag = d.remoteTag;
    this.role = d.role;
    this.localSeq = d.localSeq;
    this.remoteSeq = d.remoteSeq;
    const log = core.logger.child({ callId: d.callId });
    this.fsm = new Machine('dialog', DIALOG_TABLE, 'confirmed', logTransitions(log));
    this.offer = new Machine('offer', OFFER_TABLE, 'idle', logTransitions(log));
    this.timers = new TimerGroup(core.clock);
    core.addDialog(this.key, this);
    this.session = new SessionRefresher(this.timers, d.role, d.sessionTimer, {
      refresh: () => {
        const useUpdate = this.d.peerAllow.some((m) => m.toUpperCase() === 'UPDATE');
        return useUpdate ? this.update(this.d.localBody) : this.reinvite(this.d.localBody);
      },
      end: (status, text, expired) => this.lose(status, text, expired),
    });
    this.probe = new DialogProbe(
      this.timers,
      core.keepalive,
      {
        probe: () => this.request('OPTIONS', [{ name: 'Accept', value: 'application/sdp' }]),
        lost: (status, text) => this.lose(status, text, false),
      },
      isLocalFailure,
    );
  }

  /**
   * The peer is gone (docs/policy.md §Dead peers): listeners hear 'lost' first (the call then
   * hangs up both legs, its BYE saying why); then, if no BYE went out, one goes now — unless the
   * peer itself answered that the dialog no longer exists (481 and the other RFC 5057 §5.1
   * dialog-destroying answers), where a BYE would only get 481: the dialog just ends.
   */
  private lose(status: number, text: string, expired: boolean): void {
    if (this.over()) return;
    this.core.logger.info(`SIP peer lost: ${text}`, { callId: this.callId, status });
    this.emit('lost', status, text, expired);
    if (this.over()) return;
    if (peerDroppedDialog(status)) this.terminate(text);
    else void this.bye([{ name: 'Reason', value: reasonValue(status, text) }]);
  }

  /** Hands the peer's in-dialog requests to `owner`, which answers every one. */
  own(owner: DialogOwner): void {
    this.owner = owner;
  }

  get key(): string {
    return dialogKey(this.callId, this.localTag, this.remoteTag);
  }

  get state(): DialogState {
    return this.fsm.state;
  }

  private over(): boolean {
    return this.fsm.state === 'terminated';
  }

  get remoteTarget(): string {
    return this.d.remoteTarget;
  }

  /** The remote URI (§12.1.1, §12.1.2): the peer's To (UAC) or From (UAS) URI, its address of record. */
  get remoteUri(): string {
    return uriOf(this.d.remote);
  }

  get flow(): Flow | undefined {
    return this.d.flow;
  }

  get routeSet(): readonly string[] {
    return this.d.routeSet;
  }

  /** §8.1.1.8: a SIPS remote target or first Route needs a SIPS Contact. */
  private secure(): boolean {
    const next = this.d.routeSet[0];
    let uri = this.d.remoteTarget;
    if (next !== undefined) {
      try {
        uri = uriOf(next);
      } catch {
        /* the remote target decides */
      }
    }
    return /^sips:/i.test(uri) || /^sips:/i.test(this.d.remoteTarget);
  }

  /** Builds an in-dialog request (§12.2.1.1); CSeq is the next local one. */
  makeRequest(method: string, extra: SipHeader[] = [], body = '', contentType?: string): SipRequest {
    const seq = method === 'ACK' ? this.localSeq : ++this.localSeq;
    const hs: SipHeader[] = [
      { name: 'Max-Forwards', value: '70' },
      ...this.d.routeSet.map((value) => ({ name: 'Route', value })),
      { name: 'From', value: this.d.local },
      { name: 'To', value: this.d.remote },
      { name: 'Call-ID', value: this.callId },
      { name: 'CSeq', value: `${seq} ${method}` },
    ];
    if (['INVITE', 'UPDATE', 'REFER', 'NOTIFY', 'SUBSCRIBE'].includes(method)) {
      hs.push({ name: 'Contact', value: this.core.contact(this.d.flow, this.secure()) });
    }
    if (method === 'INVITE' || method === 'UPDATE') {
      hs.push({ name: 'Allow', value: ALLOW }, { name: 'Supported', value: SUPPORTED });
    }
    hs.push({ name: 'User-Agent', value: this.core.userAgent }, ...extra);
    if (body !== '') hs.push({ name: 'Content-Type', value: contentType ?? 'application/sdp' });
    return { kind: 'request', method, uri: this.d.remoteTarget, headers: hs, body };
  }

  /**
   * Sends an in-dialog request and resolves with its final response (a local 408/503 on
   * timeout or transport failure). Answers one 401/407 with credentials when it has them.
   */
  request(method: string, extra: SipHeader[] = [], body = '', contentType?: string): Promise<SipResponse> {
    if (this.over() && method !== 'BYE') {
      return Promise.reject(new Error(`dialog terminated; cannot send ${method}`));
    }
    return new Promise((resolve) => {
      let req = this.makeRequest(method, extra, body, contentType);
      let authTried = false;
      const onResponse = (res: SipResponse): void => {
        if (res.status < 200) return;
        if ((res.status === 401 || res.status === 407) && !authTried) {
          const ch = pickChallenge(
            headers(res, res.status === 401 ? 'www-authenticate' : 'proxy-authenticate'),
          );
          const creds = ch && this.core.credentials(ch.realm, req);
          if (ch && creds) {
            authTried = true;
            const seq = ++this.localSeq;
            req = withHeader(req, 'CSeq', `${seq} ${method}`);
            req = withHeader(
              req,
              res.status === 401 ? 'Authorization' : 'Proxy-Authorization',
              authorizationValue(ch, creds, method, req.uri),
            );
            this.core.send(req, onResponse, { preferFlow: this.d.flow });
            return;
          }
        }
        if (method === 'INVITE' && res.status >= 200 && res.status < 300) {
          this.lastAck = this.ackFor(req);
          this.core.sendAck(this.lastAck, this.d.flow);
        }
        if (!isLocalFailure(res)) this.probe.heard();
        // §12.2.1.2: a 481 or 408 to an in-dialog request ends the dialog (RFC 4028 §10: a
        // failed refresh ends it with a BYE). A probe's answer is judged by the probe.
        if ((res.status === 481 || res.status === 408) && method !== 'BYE' && method !== 'OPTIONS')
          this.lose(
            res.status,
            `${method} ${isLocalFailure(res) ? 'not answered' : `answered ${res.status}`}`,
            false,
          );
        resolve(res);
      };
      this.core.send(req, onResponse, { preferFlow: this.d.flow });
    });
  }

  /** §13.2.2.4: the ACK for a 2xx has the INVITE's CSeq number and credentials. */
  ackFor(invite: SipRequest): SipRequest {
    const cseq = cseqOf(invite);
    let ack = withHeader(this.makeRequest('ACK'), 'CSeq', `${cseq.seq} ACK`);
    for (const name of ['authorization', 'proxy-authorization']) {
      const v = header(invite, name);
      if (v !== undefined) ack = withHeader(ack, name, v);
    }
    return ack;
  }

  /**
   * §13.2.2.4: "If the 2xx contains an offer …, the ACK MUST carry an answer in its body." Our
   * INVITE had no offer (`answerInAck`); its ACK goes now, with the answer (RFC 3264 §5; the
   * session's description from now on, for refreshes). Once only; nothing when none is due.
   */
  ack(body: string, contentType = 'application/sdp'): void {
    const invite = this.ackDue;
    if (!invite) return;
    this.ackDue = undefined;
    let ack = this.ackFor(invite);
    if (body !== '') {
      ack = withHeader(ack, 'Content-Type', contentType);
      ack = { ...ack, body };
      this.d.localBody = body;
    }
    this.rememberAck(ack);
    this.core.sendAck(ack, this.d.flow);
  }

  /** Used by the UAC after the first 2xx to an offerless INVITE: its ACK waits for {@link ack}. */
  deferAck(invite: SipRequest): void {
    this.ackDue = invite;
  }

  /** Ends the dialog with a BYE; resolves when it is answered (or timed out). */
  async bye(extra: SipHeader[] = []): Promise<void> {
    if (this.over()) return;
    // §15: a BYE only once the 2xx is ACKed; an answer that never came leaves the ACK empty.
    this.ack('');
    if (this.role === 'uas' && this.pendingAck?.initial && this.pendingAck.rtx.running) {
      // §15: the callee must not send BYE before the ACK of its 2xx (or the ACK timeout): keep
      // retransmitting the 2xx; the BYE goes out from handleAck or the timeout.
      if (!this.byeWait) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        this.byeWait = { promise, resolve, extra };
      }
      return this.byeWait.promise;
    }
    const waiting = this.byeWait;
    this.byeWait = undefined;
    this.fsm.apply('bye-sent');
    const done = this.request('BYE', waiting?.extra ?? extra);
    this.finish('bye sent');
    await done;
    waiting?.resolve();
  }

  /**
   * A re-INVITE with a new offer (§14.1); on 491 it retries once after the §14.1 back-off, the
   * same offer again, unless `retryOn491` is false: a call retries with a new offer of its own
   * (src/calls/sip-offers.ts), since a retry must carry what changed during the wait.
   */
  async reinvite(
    body: string,
    contentType = 'application/sdp',
    extra: SipHeader[] = [],
    retryOn491 = true,
  ): Promise<SipResponse> {
    return this.offerRequest('INVITE', body, contentType, extra, retryOn491);
  }

  /** An UPDATE with a new offer (RFC 3311); 491 handled as for re-INVITE. */
  async update(body: string, contentType = 'application/sdp', extra: SipHeader[] = []): Promise<SipResponse> {
    return this.offerRequest('UPDATE', body, contentType, extra, true);
  }

  private async offerRequest(
    method: 'INVITE' | 'UPDATE',
    body: string,
    contentType: string,
    extra: SipHeader[],
    retry: boolean,
  ): Promise<SipResponse> {
    if (!this.offer.can('send')) throw new Error(`offer/answer busy (${this.offer.state})`);
    this.offer.apply('send');
    let res: SipResponse;
    try {
      res = await this.request(method, [...this.sessionTimerHeaders(), ...extra], body, contentType);
    } finally {
      this.offer.apply('sent-final');
    }
    if (res.status >= 200 && res.status < 300) {
      this.d.localBody = body;
      this.refreshSessionTimer(res);
    }
    if (res.status === 491 && retry && !this.over()) {
      // §14.1: the Call-ID owner waits 2.1–4 s, the other side 0–2 s, in 10 ms units.
      // The Call-ID was generated by whoever sent the initial INVITE: the UAC of this dialog.
      const owner = this.role === 'uac';
      const wait = ((owner ? 210 : 0) + Math.floor(Math.random() * (owner ? 191 : 201))) * 10;
      await new Promise<void>((r) => this.timers.set(r, wait));
      if (this.over()) return res;
      return this.offerRequest(method, body, contentType, extra, false);
    }
    return res;
  }

  info(contentType: string, body: string, extra: SipHeader[] = []): Promise<SipResponse> {
    return this.request('INFO', extra, body, contentType);
  }

  refer(referTo: string, extra: SipHeader[] = []): Promise<SipResponse> {
    return this.request('REFER', [{ name: 'Refer-To', value: referTo }, ...extra]);
  }

  notify(event: string, subscriptionState: string, contentType: string, body: string): Promise<SipResponse> {
    const extra = [
      { name: 'Event', value: event },
      { name: 'Subscription-State', value: subscriptionState },
    ];
    return this.request('NOTIFY', extra, body, contentType);
  }

  /** An in-dialog request from the peer (routed here by Call-ID and tags). */
  handleRequest(tx: ServerTransaction): void {
    const req = tx.request;
    const cseq = cseqOf(req);
    if (req.method === 'CANCEL') {
      // §9.2: a CANCEL of a re-INVITE carries the re-INVITE's CSeq number (so it is not "out of
      // order") and its server transaction still exists: 200; a re-INVITE not yet answered
      // gets 487.
      tx.respond(makeResponse(req, 200));
      const pending = this.pendingInvite;
      if (pending && pending.cseq === cseq.seq) {
        pending.respond(487);
        this.emit('cancel', req);
      }
      return;
    }
    // §12.2.2: a CSeq lower than the last one is out of order → 500.
    if (cseq.seq <= this.remoteSeq && req.method !== 'ACK') {
      tx.respond(makeResponse(req, 500, { reason: 'CSeq Out of Order' }));
      return;
    }
    this.remoteSeq = cseq.seq;
    this.probe.heard();
    if (this.over()) {
      tx.respond(makeResponse(req, 481));
      return;
    }
    const contact = header(req, 'contact');
    if (contact !== undefined && (req.method === 'INVITE' || req.method === 'UPDATE')) {
      if (!remoteTargetOf(contact, this.d.remoteTarget).ok) {
        // `Contact: *` or garbage in a target refresh request (§8.1.1.8, §12.2.2).
        tx.respond(makeResponse(req, 400, { reason: 'Bad Contact' }));
        return;
      }
      // §12.2.2: a target refresh request updates the remote target.
      try {
        this.d.remoteTarget = uriOf(contact);
      } catch {
        /* keep the old target */
      }
    }
    let answered = false;
    const respond: Respond = (status, body = '', contentType, hs = []) => {
      if (answered) return;
      if (status >= 200) {
        answered = true;
        if (this.pendingInvite?.respond === respond) this.pendingInvite = undefined;
      }
      const extra: SipHeader[] = [...hs];
      if (status >= 200 && status < 300 && (req.method === 'INVITE' || req.method === 'UPDATE')) {
        extra.push(
          { name: 'Contact', value: this.core.contact(this.d.flow, this.secure()) },
          ...this.sessionTimerHeaders(),
        );
        if (req.method === 'INVITE') extra.push({ name: 'Allow', value: ALLOW });
      }
      const res = makeResponse(req, status, { body, contentType, headers: extra });
      tx.respond(res);
      if (req.method === 'INVITE' || req.method === 'UPDATE') {
        if (status >= 200) this.offer.apply('answered');
        if (status >= 200 && status < 300) {
          if (body !== '') this.d.localBody = body;
          this.refreshSessionTimer(req);
        }
      }
      if (req.method === 'INVITE' && status >= 200 && status < 300) {
        this.pendingAck?.rtx.stop();
        const { t1, t2, ackTimeoutMs } = this.core.timing;
        const rtx = new Retransmit2xx(
          this.core.clock,
          () => tx.resend(res),
          () => void this.bye(),
          t1,
          t2,
          ackTimeoutMs,
        );
        this.pendingAck = { cseq: cseq.seq, rtx, initial: false };
        rtx.start();
      }
    };
    switch (req.method) {
      case 'BYE':
        // DIALOG_TABLE: 200 (§15.1.2), then the owner hears it; the dialog is over.
        for (const x of this.fsm.apply('bye-received').effects) {
          if (x === '200') tx.respond(makeResponse(req, 200));
          else this.emit('bye', req);
        }
        this.finish('bye received');
        return;
      case 'INVITE':
      case 'UPDATE': {
        if (!this.offer.can('receive')) {
          // §14.2: glare → 491; a second offer of theirs while one is pending → 500 + Retry-After.
          if (this.offer.state === 'local-pending') tx.respond(makeResponse(req, 491));
          else tx.respond(makeResponse(req, 500, { headers: [{ name: 'Retry-After', value: '1' }] }));
          return;
        }
        this.offer.apply('receive');
        if (req.method === 'INVITE') this.pendingInvite = { cseq: cseq.seq, respond };
        this.owner.offer(req, respond);
        return;
      }
      case 'INFO':
        return this.owner.info(req, respond);
      case 'NOTIFY':
        return this.owner.notify(req, respond);
      case 'REFER':
        return this.owner.refer(req, respond);
      case 'OPTIONS':
        tx.respond(optionsResponse(req, this.core.userAgent));
        return;
      default:
        tx.respond(makeResponse(req, 405, { headers: [{ name: 'Allow', value: ALLOW }] }));
    }
  }

  /** The ACK for a 2xx we sent to a (re-)INVITE. */
  handleAck(req: SipRequest): boolean {
    const cseq = cseqOf(req);
    if (this.pendingAck && this.pendingAck.cseq === cseq.seq) {
      this.pendingAck.rtx.stop();
      this.pendingAck = undefined;
      this.emit('ack', req);
      if (this.byeWait && !this.over()) void this.bye().catch(() => undefined);
      return true;
    }
    // Not the ACK of a 2xx we are retransmitting: an ACK for a non-2xx (e.g. our 491) belongs to
    // its INVITE server transaction; a repeated ACK for a 2xx is absorbed there or dropped.
    return false;
  }

  /** A retransmitted 2xx to our INVITE (§13.2.2.4): ACK it again. */
  handleStray2xx(res: SipResponse): void {
    const cseq = cseqOf(res);
    if (cseq.method === 'INVITE' && this.lastAck && cseqOf(this.lastAck).seq === cseq.seq) {
      this.core.sendAck(this.lastAck, this.d.flow);
    }
  }

  /** Used by the UAC after the first 2xx: remembers the ACK for retransmitted 2xx. */
  rememberAck(ack: SipRequest): void {
    this.lastAck = ack;
  }

  /** The UAS side hands over the 2xx retransmission of the initial INVITE. */
  awaitAck(cseq: number, rtx: Retransmit2xx): void {
    this.pendingAck = { cseq, rtx, initial: true };
  }

  private sessionTimerHeaders(): SipHeader[] {
    return this.session.headers();
  }

  private refreshSessionTimer(msg: SipRequest | SipResponse): void {
    this.session.refreshed(parseSessionExpires(header(msg, 'session-expires')));
  }

  /** Ends the dialog without signalling (the caller has sent or received a BYE, or is shutting down). */
  terminate(why: string): void {
    if (!this.over()) this.fsm.apply('terminate');
    this.finish(why);
  }

  private finished = false;
  private finish(why: string): void {
    if (this.finished) return;
    this.finished = true;
    this.pendingAck?.rtx.stop();
    this.pendingInvite = undefined;
    this.probe.stop();
    this.timers.cancelAll();
    // A BYE still waiting for the ACK is moot: the dialog ended otherwise (their BYE, shutdown).
    const waiting = this.byeWait;
    this.byeWait = undefined;
    waiting?.resolve();
    // Retransmitted BYEs are answered by their server transaction; the dialog can go now.
    this.core.removeDialog(this.key);
    this.emit('terminated', why);
  }
}

/** RFC 3326 §2: `SIP;cause=408;text="…"`, the text a quoted-string. */
function reasonValue(cause: number, text: string): string {
  return `SIP;cause=${cause};text="${text.replace(/[\r\n]+/g, ' ').replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
