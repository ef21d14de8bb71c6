/**
 * The seam between one call and its SIP leg (docs/architecture.md §Seams). It owns the call's
 * INVITE sessions and dialog on the runtime side: it performs the call's `sip-*` effects on them,
 * turns what they report (typed events, src/sip/dialog/events.ts) into call events, and is the
 * dialog's {@link DialogOwner}: every in-dialog request of the peer that needs an answer
 * (re-INVITE, UPDATE, INFO, REFER, NOTIFY) goes to the call, which decides it; its answer comes
 * back as a `sip-reoffer-answer` / `sip-request-answer` effect naming the request's id.
 *
 * A SIP peer's REFER carried out (src/calls/transfers.ts) gives the call a second leg: the new
 * INVITE and its dialog (media end to end: an INVITE without offer, whose 2xx is ACKed with the
 * call's answer at the `ack` step, RFC 3261 §13.2.2.4). Until the `switch` step the call's dialog stays the transferor's; once
 * the transfer has begun, the transferor's BYE or loss is `sip-referrer-gone` (the call goes on);
 * after the switch the new dialog is the call's and the transferor's gets 481 to anything but BYE.
 */
import type { CallEvent, Effect } from '../calls/events';
import type { Logger } from '../log';
import type { ClientInvite, InviteOptions } from '../sip/dialog/client-invite';
import type { Dialog } from '../sip/dialog/dialog';
import type { DialogOwner, Respond } from '../sip/dialog/events';
import type { ServerInvite } from '../sip/dialog/server-invite';
import { sdpOf } from '../sip/message/body';
import { header, headers } from '../sip/message/headers';
import type { SipRequest } from '../sip/message/types';
import { hasRecvInfo, sipInfoOf } from '../translate/info';
import type { OtherCall } from '../transfer';

/** The effects performed on the SIP leg. */
export type SipEffect = Extract<
  Effect,
  {
    kind:
      | 'sip-invite'
      | 'sip-cancel'
      | 'sip-bye'
      | 'sip-provisional'
      | 'sip-accept'
      | 'sip-reject'
      | 'sip-reinvite'
      | 'sip-reoffer-answer'
      | 'sip-request-answer'
      | 'sip-send-info'
      | 'sip-notify'
      | 'sip-send-refer'
      | 'sip-transfer';
  }
>;

const SIP_EFFECTS: ReadonlySet<string> = new Set<SipEffect['kind']>([
  'sip-invite',
  'sip-cancel',
  'sip-bye',
  'sip-provisional',
  'sip-accept',
  'sip-reject',
  'sip-reinvite',
  'sip-reoffer-answer',
  'sip-request-answer',
  'sip-send-info',
  'sip-notify',
  'sip-send-refer',
  'sip-transfer',
]);

export function isSipEffect(e: Effect): e is SipEffect {
  return SIP_EFFECTS.has(e.kind);
}

export class SipSeam implements DialogOwner {
  private client?: ClientInvite;
  private server?: ServerInvite;
  private dialog?: Dialog;
  /** The peer's in-dialog requests waiting for the call's answer, by id. */
  private readonly asked = new Map<number, Respond>();
  private seq = 0;
  /** A transfer being carried out: the transferor's dialog, the new INVITE and its dialog. */
  private transferor?: Dialog;
  private transferInvite?: ClientInvite;
  private transferDialog?: Dialog;
  /** Transferors' dialogs that have ended or been left: nothing of them reaches the call any more. */
  private readonly retired = new WeakSet<Dialog>();

  constructor(
    /** The user agent's `invite` (RFC 3261 §13.2). */
    private readonly sendInvite: (o: InviteOptions) => ClientInvite,
    /** Hands an event to the call (through the runner's queue). */
    private readonly post: (event: CallEvent) => void,
    private readonly callEnded: () => boolean,
    private readonly log: Logger,
    /** The dialog is established (the runner starts its media check). */
    private readonly onDialog: () => void,
  ) {}

  /** The INVITE of a SIP-originated call: its CANCEL and ACK reach the call. */
  attachServer(inv: ServerInvite): void {
    this.server = inv;
    inv.on('cancel', () => this.post({ kind: 'sip-cancel' }));
    inv.on('ack', () => this.post({ kind: 'sip-ack' }));
    inv.on('ack-timeout', () => this.post({ kind: 'sip-ack-timeout' }));
  }

  perform(e: SipEffect): void {
    switch (e.kind) {
      case 'sip-invite':
        return this.invite(e);
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
        if (this.server) this.watch(this.server.accept(e.body, 'application/sdp', e.headers ?? []));
        return;
      case 'sip-reject':
        this.server?.reject(e.status, e.reason, e.headers);
        return;
      case 'sip-reinvite':
        if (!this.dialog) return;
        // The call retries after a 491 itself (RFC 3261 §14.1, src/calls/sip-offers.ts).
        this.dialog.reinvite(e.body, 'application/sdp', e.headers ?? [], false).then(
          (response) => this.post({ kind: 'sip-reinvite-done', response }),
          (err: Error) => {
            this.log.warn('re-INVITE failed', { error: err.message });
            this.post({ kind: 'sip-reinvite-done' });
          },
        );
        return;
      case 'sip-reoffer-answer':
        if (e.body !== undefined) this.take(e.id)?.(e.status, e.body, 'application/sdp', e.headers ?? []);
        else this.take(e.id)?.(e.status, '', undefined, e.headers ?? []);
        return;
      case 'sip-request-answer':
        this.take(e.id)?.(e.status, '', undefined, e.headers ?? []);
        return;
      case 'sip-send-info':
        this.dialog
          ?.info(e.contentType, e.body, e.headers)
          .then((res) => {
            if (res.status >= 300) this.log.info('INFO refused', { status: res.status });
          })
          .catch((err: Error) => this.log.debug('INFO failed', { error: err.message }));
        return;
      case 'sip-notify': {
        const hs = e.headers.filter((h) => h.name.toLowerCase() !== 'content-type');
        const type = e.headers.find((h) => h.name.toLowerCase() === 'content-type')?.value;
        this.dialog
          ?.request('NOTIFY', hs, e.body, type)
          .then((res) => {
            if (res.status >= 300) this.log.info('NOTIFY refused', { status: res.status });
          })
          .catch((err: Error) => this.log.debug('NOTIFY not sent', { error: err.message }));
        return;
      }
      case 'sip-send-refer': {
        const d = this.dialog;
        if (!d) return this.post({ kind: 'sip-refer-done' });
        d.request('REFER', e.headers).then(
          (response) => this.post({ kind: 'sip-refer-done', response }),
          (err: Error) => {
            this.log.warn('REFER failed', { error: err.message });
            this.post({ kind: 'sip-refer-done' });
          },
        );
        return;
      }
      case 'sip-transfer':
        return this.transfer(e);
    }
  }

  /** The steps of a SIP peer's REFER carried out (src/calls/transfers.ts). */
  private transfer(e: Extract<SipEffect, { kind: 'sip-transfer' }>): void {
    switch (e.step) {
      case 'begin':
        this.transferor = this.dialog;
        return;
      case 'invite': {
        // No offer (media end to end): the 2xx brings the target's, our answer goes in the ACK.
        const ci = this.sendInvite({
          uri: e.uri,
          from: e.from,
          to: e.to,
          body: e.body,
          headers: e.headers,
          answerInAck: e.body === '',
        });
        this.transferInvite = ci;
        const mine = (): boolean => this.transferInvite === ci;
        ci.on('provisional', (response) => {
          if (mine()) this.post({ kind: 'sip-transfer-response', response });
        });
        ci.on('accepted', (response, dialog) => {
          if (!mine()) return void dialog.bye().catch(() => undefined);
          this.transferDialog = dialog;
          dialog.own(this);
          this.post({ kind: 'sip-transfer-response', response });
        });
        ci.on('failed', (response) => {
          if (!mine()) return;
          this.transferInvite = undefined;
          this.post({ kind: 'sip-transfer-response', response });
        });
        return;
      }
      case 'ack':
        this.transferDialog?.ack(e.body);
        return;
      case 'switch': {
        const next = this.transferDialog;
        this.transferInvite = undefined;
        this.transferDialog = undefined;
        if (!next) return;
        // The transferor's dialog is being left: nothing of it reaches the call but its end.
        this.transferor?.own(leaving);
        this.dialog = next;
        this.watch(next);
        return;
      }
      case 'abandon':
        this.transferor = undefined;
        this.transferInvite = undefined;
        this.transferDialog = undefined;
        return;
      case 'hang-up':
        if (e.leg === 'transferor') {
          const t = this.transferor;
          this.transferor = undefined;
          if (t) this.retired.add(t);
          void t?.bye().catch((err: Error) => this.log.debug('BYE failed', { error: err.message }));
          return;
        }
        this.transferInvite?.cancel();
        void this.transferDialog
          ?.bye()
          .catch((err: Error) => this.log.debug('BYE failed', { error: err.message }));
        this.transferInvite = undefined;
        this.transferDialog = undefined;
        return;
    }
  }

  /**
   * The call's SIP dialog as an attended transfer's Replaces names it (RFC 3891 §3; XEP-0251 §3,
   * src/transfer/transfer.ts) and its peer's address of record, the Refer-To's target (RFC 5589
   * §7.2: the remote target may not be reachable from the transferee); none while there is no
   * dialog, it has ended, or a transfer is moving the call to another.
   */
  replaceable(): OtherCall | undefined {
    const d = this.dialog;
    if (!d || d.state !== 'confirmed' || this.transferor || this.transferInvite || this.transferDialog)
      return undefined;
    let peerUri: string;
    try {
      peerUri = d.remoteUri;
    } catch {
      return undefined;
    }
    return { dialog: { callId: d.callId, localTag: d.localTag, remoteTag: d.remoteTag }, peerUri };
  }

  /** The call ended: RFC 3261 §15.1.2, a re-INVITE still unanswered when the BYE goes gets 487. */
  ended(): void {
    for (const respond of this.asked.values()) respond(487);
    this.asked.clear();
    // A transfer's legs the call did not end itself (they are the call's too).
    this.transferInvite?.cancel();
    for (const d of [this.transferDialog, this.transferor])
      void d?.bye().catch((err: Error) => this.log.debug('BYE failed', { error: err.message }));
    this.transferInvite = undefined;
    this.transferDialog = undefined;
    this.transferor = undefined;
  }

  private invite(e: Extract<SipEffect, { kind: 'sip-invite' }>): void {
    const ci = this.sendInvite({
      uri: e.uri,
      from: e.from,
      ...(e.fromDisplay === undefined ? {} : { fromDisplay: e.fromDisplay }),
      to: e.to,
      body: e.body,
      callId: e.callId,
      headers: e.headers ?? [],
    });
    this.client = ci;
    ci.on('provisional', (response) => this.post({ kind: 'sip-provisional', response }));
    ci.on('accepted', (response, dialog) => {
      this.watch(dialog);
      this.post({ kind: 'sip-answered', response });
    });
    ci.on('failed', (response) => {
      this.log.info('INVITE failed', { status: response.status, warning: header(response, 'warning') });
      this.post({ kind: 'sip-failed', response });
    });
  }

  private watch(dialog: Dialog): void {
    this.dialog = dialog;
    // OPTIONS is answered by the dialog with what the UA supports (RFC 3261 §11.2); BYE and
    // CANCEL end things; everything else that needs an answer comes to us (DialogOwner).
    dialog.own(this);
    // Once a transfer has begun, the transferor's dialog ending does not end the call.
    const gone = (): boolean => {
      if (this.retired.has(dialog)) return true;
      if (dialog !== this.transferor) return false;
      this.retired.add(dialog);
      this.transferor = undefined;
      if (!this.callEnded()) this.post({ kind: 'sip-referrer-gone' });
      return true;
    };
    const current = (): boolean => dialog === this.dialog && !this.callEnded();
    dialog.on('bye', (request) => {
      if (!gone() && current()) this.post({ kind: 'sip-bye', request });
    });
    // A dead peer (docs/policy.md §Dead peers): both legs end, the Jingle reason says why.
    dialog.on('lost', (_status, text, expired) => {
      if (!gone() && current())
        this.post({ kind: 'sip-down', condition: expired ? 'timeout' : 'connectivity-error', text });
    });
    this.onDialog();
    // A dialog that ends without a BYE we saw (session timer expiry, transport failure).
    dialog.on('terminated', () => {
      if (!gone() && current()) this.post({ kind: 'sip-down' });
    });
  }

  // DialogOwner: each request gets an id, the call answers it by that id.

  offer(req: SipRequest, respond: Respond): void {
    // Its Recv-Info decides whether our 2xx carries ours (RFC 6086 §5.2.3).
    const recvInfo = hasRecvInfo(req) ? { recvInfo: headers(req, 'recv-info').join(', ') } : {};
    this.ask(respond, (id) => ({ kind: 'sip-reoffer', id, body: sdpOf(req), ...recvInfo }));
  }

  info(req: SipRequest, respond: Respond): void {
    this.ask(respond, (id) => ({ kind: 'sip-info', id, info: sipInfoOf(req) }));
  }

  refer(req: SipRequest, respond: Respond): void {
    this.ask(respond, (id) => ({ kind: 'sip-refer', id, request: req }));
  }

  notify(req: SipRequest, respond: Respond): void {
    this.ask(respond, (id) => ({ kind: 'sip-notify', id, request: req }));
  }

  private ask(respond: Respond, event: (id: number) => CallEvent): void {
    const id = ++this.seq;
    this.asked.set(id, respond);
    this.post(event(id));
  }

  private take(id: number): Respond | undefined {
    const respond = this.asked.get(id);
    this.asked.delete(id);
    return respond;
  }
}

/**
 * The owner of a transferor's dialog after the switch: the session has moved to the new dialog,
 * so an offer there is refused (488) and anything else gets 481; its BYE still ends it.
 */
const leaving: DialogOwner = {
  offer: (_req, respond) => respond(488),
  info: (_req, respond) => respond(481),
  refer: (_req, respond) => respond(481),
  notify: (_req, respond) => respond(481),
};
