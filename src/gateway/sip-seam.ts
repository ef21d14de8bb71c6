/**
 * The seam between one call and its SIP leg (docs/architecture.md §Seams). It owns the call's
 * INVITE sessions and dialog on the runtime side: it performs the call's `sip-*` effects on them,
 * turns what they report (typed events, src/sip/dialog/events.ts) into call events, and is the
 * dialog's {@link DialogOwner}: every in-dialog request of the peer that needs an answer
 * (re-INVITE, UPDATE, INFO, REFER, NOTIFY) goes to the call, which decides it; its answer comes
 * back as a `sip-reoffer-answer` / `sip-request-answer` effect naming the request's id.
 */
import type { CallEvent, Effect } from '../calls/events';
import type { Logger } from '../log';
import type { ClientInvite, InviteOptions } from '../sip/dialog/client-invite';
import type { Dialog } from '../sip/dialog/dialog';
import type { DialogOwner, Respond } from '../sip/dialog/events';
import type { ServerInvite } from '../sip/dialog/server-invite';
import { sdpOf } from '../sip/message/body';
import { header } from '../sip/message/headers';
import type { SipRequest } from '../sip/message/types';
import { sipInfoOf } from '../translate/info';

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
      | 'sip-send-info';
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
        if (this.server) this.watch(this.server.accept(e.body));
        return;
      case 'sip-reject':
        this.server?.reject(e.status, e.reason, e.headers);
        return;
      case 'sip-reinvite':
        if (!this.dialog) return;
        // The call retries after a 491 itself (RFC 3261 §14.1, src/calls/sip-offers.ts).
        this.dialog.reinvite(e.body, 'application/sdp', [], false).then(
          (response) => this.post({ kind: 'sip-reinvite-done', response }),
          (err: Error) => {
            this.log.warn('re-INVITE failed', { error: err.message });
            this.post({ kind: 'sip-reinvite-done' });
          },
        );
        return;
      case 'sip-reoffer-answer':
        if (e.body !== undefined) this.take(e.id)?.(e.status, e.body, 'application/sdp');
        else this.take(e.id)?.(e.status);
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
    }
  }

  /** The call ended: RFC 3261 §15.1.2, a re-INVITE still unanswered when the BYE goes gets 487. */
  ended(): void {
    for (const respond of this.asked.values()) respond(487);
    this.asked.clear();
  }

  private invite(e: Extract<SipEffect, { kind: 'sip-invite' }>): void {
    const ci = this.sendInvite({
      uri: e.uri,
      from: e.from,
      ...(e.fromDisplay === undefined ? {} : { fromDisplay: e.fromDisplay }),
      to: e.to,
      body: e.body,
      callId: e.callId,
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
    dialog.on('bye', (request) => this.post({ kind: 'sip-bye', request }));
    // A dead peer (docs/policy.md §Dead peers): both legs end, the Jingle reason says why.
    dialog.on('lost', (_status, text, expired) => {
      if (!this.callEnded())
        this.post({ kind: 'sip-down', condition: expired ? 'timeout' : 'connectivity-error', text });
    });
    this.onDialog();
    // A dialog that ends without a BYE we saw (session timer expiry, transport failure).
    dialog.on('terminated', () => {
      if (!this.callEnded()) this.post({ kind: 'sip-down' });
    });
  }

  // DialogOwner: each request gets an id, the call answers it by that id.

  offer(req: SipRequest, respond: Respond): void {
    this.ask(respond, (id) => ({ kind: 'sip-reoffer', id, body: sdpOf(req) }));
  }

  info(req: SipRequest, respond: Respond): void {
    this.ask(respond, (id) => ({ kind: 'sip-info', id, info: sipInfoOf(req) }));
  }

  refer(req: SipRequest, respond: Respond): void {
    const referTo = header(req, 'refer-to');
    this.ask(respond, (id) =>
      referTo === undefined ? { kind: 'sip-refer', id } : { kind: 'sip-refer', id, referTo },
    );
  }

  notify(req: SipRequest, respond: Respond): void {
    const ev = header(req, 'event');
    this.ask(respond, (id) =>
      ev === undefined ? { kind: 'sip-notify', id } : { kind: 'sip-notify', id, event: ev },
    );
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
