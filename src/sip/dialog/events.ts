/**
 * The typed seam between the SIP leg's INVITE sessions and whoever owns them (the gateway's call
 * runner, a test): what each one reports (typed event maps, so `on('accepted', …)` is checked
 * against its arguments), and the {@link DialogOwner} that answers the peer's in-dialog requests.
 * docs/architecture.md §Seams has the picture.
 */
import type { SipHeader, SipRequest, SipResponse } from '../message/types';
import type { Dialog } from './dialog';
import type { ServerInvite } from './server-invite';

/** Answers one in-dialog request: final status, optional body, Content-Type, extra headers. */
export type Respond = (status: number, body?: string, contentType?: string, headers?: SipHeader[]) => void;

/** An outgoing INVITE (RFC 3261 §13.2): its provisional responses and its one outcome. */
export interface ClientInviteEvents {
  /** A 101–199; a To tag makes it an early dialog (§12.1). */
  provisional: [response: SipResponse];
  /** The first 2xx, already ACKed: the dialog is confirmed (§13.2.2.4). */
  accepted: [response: SipResponse, dialog: Dialog];
  /** A final ≥300, or a local 408/503/487/502 (see client-invite.ts). */
  failed: [response: SipResponse];
}

/** An incoming INVITE (RFC 3261 §13.3). */
export interface ServerInviteEvents {
  /** The caller CANCELled; 200 and 487 are already sent (§9.2). */
  cancel: [request: SipRequest];
  /** The ACK for our 2xx: the dialog is confirmed. */
  ack: [request: SipRequest];
  /** No ACK within 64·T1: a BYE was sent, the dialog ended (§13.3.1.4). */
  'ack-timeout': [];
}

/** A dialog's facts that need no answer. */
export interface DialogEvents {
  /** The peer's BYE; already answered 200 (§15.1.2). */
  bye: [request: SipRequest];
  /** A CANCEL ended the peer's re-INVITE not yet answered; it got 487 (§9.2). */
  cancel: [request: SipRequest];
  /** The ACK for a 2xx of ours. */
  ack: [request: SipRequest];
  /** The peer is gone (docs/policy.md §Dead peers); a BYE follows unless the owner sent one. */
  lost: [status: number, text: string, expired: boolean];
  /** The dialog is over (a BYE either way, a dead peer, shutdown). */
  terminated: [why: string];
}

/** The user agent's own events. */
export interface UserAgentEvents<Registration> {
  /** A new INVITE that passed the trust check, after 100 Trying (no listener: 480). */
  invite: [invite: ServerInvite];
  registration: [state: Registration];
}

/**
 * Whoever decides what the peer's in-dialog requests get (RFC 3261 §12.2.2): every one that needs
 * an answer goes here, with the `respond` that sends it. The dialog answers on its own only what
 * is the dialog's to answer (BYE, CANCEL, OPTIONS, a CSeq out of order, glare — §14.2: a second
 * offer while one is pending never reaches the owner).
 */
export interface DialogOwner {
  /** A re-INVITE or UPDATE: a new offer, or none (then the answer carries our offer, §14.2). */
  offer(request: SipRequest, respond: Respond): void;
  /** INFO (RFC 6086). */
  info(request: SipRequest, respond: Respond): void;
  /** REFER (RFC 3515). */
  refer(request: SipRequest, respond: Respond): void;
  /** NOTIFY (RFC 6665). */
  notify(request: SipRequest, respond: Respond): void;
}

/**
 * The answers of a dialog nobody owns (a bare user agent, a test): a re-INVITE/UPDATE is taken as
 * a refresh and answered with our last SDP; INFO and NOTIFY 200; a REFER we will not carry out 603
 * (RFC 3515 §2.4.2).
 */
export function bareOwner(lastSdp: () => string): DialogOwner {
  return {
    offer: (_req, respond) => respond(200, lastSdp()),
    info: (_req, respond) => respond(200),
    refer: (_req, respond) => respond(603),
    notify: (_req, respond) => respond(200),
  };
}
