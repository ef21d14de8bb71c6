/**
 * What the dialog layer needs from the user agent (the "UA core", RFC 3261 §8): sending requests
 * along a route, stateless ACKs, Contact, credentials, the dialog table, and a clock. Dialogs and
 * INVITE sessions only see this interface, so unit tests give them a fake core and a fake clock.
 * Also the pure helpers that build requests and responses.
 */
import type { Logger } from 'winston';
import { callIdOf, fromOf, toOf, requiredHeader } from '../message/checked';
import type { ClientRequestHandle, ServerTransaction } from '../transaction/bridge';
import type { Clock } from '../common/clock';
import type { DigestCredentials } from '../message/digest';
import type { ProbeTiming } from './dialog-probe';
import { header, headers } from '../message/headers';
import { ALLOW, SUPPORTED } from '../message/invite';
import { newTag } from '../message/ids';
import { parseNameAddr } from '../message/name-addr';
import { statusText } from '../message/status-text';
import type { Flow } from '../transport/transport';
import type { SipHeader, SipRequest, SipResponse } from '../message/types';

export { ALLOW, SUPPORTED };
/** Every body type we take (RFC 3261 §20.1, §11.2): multipart only as a wrapper of SDP (src/sip/message/body.ts). */
export const ACCEPT =
  'application/sdp, multipart/mixed, multipart/alternative, application/dtmf-relay, application/trickle-ice-sdpfrag, message/sipfrag';

export interface DialogHost {
  onDialogTerminated(key: string): void;
}

export interface UaCore {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly userAgent: string;
  /** T1/T2 of the UAS 2xx retransmission and how long to wait for its ACK (default 64·T1). */
  readonly timing: { t1: number; t2: number; ackTimeoutMs: number };
  /** In-dialog OPTIONS probes of confirmed dialogs (docs/policy.md §Dead peers); absent: none. */
  readonly keepalive?: ProbeTiming;
  /**
   * Our Contact value (`<sip:…>`) for requests/responses on `flow` (its transport and family);
   * `sips`: a SIPS URI (§8.1.1.8, §12.1.1). Out-of-dialog requests sent with
   * `SendOptions.fillContact` get it filled in once the flow is chosen.
   */
  contact(flow?: Flow, sips?: boolean): string;
  /** Sends along the route in `req` (first Route, else the Request-URI), or on `preferFlow`. */
  send(req: SipRequest, onResponse: (res: SipResponse) => void, opts?: SendOptions): ClientRequestHandle;
  /** A request sent with no transaction (ACK for a 2xx), to the same next hop. */
  sendAck(ack: SipRequest, preferFlow?: Flow): void;
  credentials(realm: string, req: SipRequest): DigestCredentials | undefined;
  addDialog(key: string, d: DialogLike): void;
  removeDialog(key: string): void;
}

export interface SendOptions {
  /** CANCEL only: reuse the INVITE's flow and top Via (§9.1). */
  flow?: Flow;
  via?: string;
  /** A stream flow to reuse if still open (the one the dialog was set up on). */
  preferFlow?: Flow;
  /**
   * Replace the request's Contact with ours for the flow the router picks (transport=, address
   * family, `sips:` when the Request-URI or first Route is SIPS), §8.1.1.8.
   */
  fillContact?: boolean;
}

/** Whether the next hop of `req` (its first Route, else its Request-URI) is a SIPS URI. */
export function targetIsSips(req: SipRequest): boolean {
  const route = header(req, 'route');
  let uri = req.uri;
  if (route !== undefined) {
    try {
      uri = uriOf(route);
    } catch {
      /* the Request-URI decides */
    }
  }
  return /^sips:/i.test(uri) || /^sips:/i.test(req.uri);
}

/** What the dialog table holds: anything that takes in-dialog requests and ACKs. */
export interface DialogLike {
  handleRequest(tx: ServerTransaction): void;
  handleAck(req: SipRequest): boolean;
  handleStray2xx?(res: SipResponse): void;
  /** The flow the dialog was set up on: its connection is kept while the dialog lives (reused). */
  readonly flow?: Flow;
}

export const dialogKey = (callId: string, localTag: string, remoteTag: string): string =>
  `${callId}\n${localTag}\n${remoteTag}`;

export function tagOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const t = parseNameAddr(value).params.tag;
    return typeof t === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

export function uriOf(value: string): string {
  return parseNameAddr(value).uri;
}

/**
 * The remote target a Contact gives (§12.1.1, §12.1.2): `Contact: *` (only legal in REGISTER),
 * an unparsable value, or several contacts give none (`ok: false`, `uri` is the fallback);
 * no Contact at all is `ok` with the fallback.
 */
export function remoteTargetOf(contact: string | undefined, fallback: string): { ok: boolean; uri: string } {
  if (contact === undefined) return { ok: true, uri: fallback };
  if (contact.trim() === '*') return { ok: false, uri: fallback };
  try {
    return { ok: true, uri: uriOf(contact) };
  } catch {
    return { ok: false, uri: fallback };
  }
}

export function withTag(value: string, tag: string): string {
  return tagOf(value) === undefined ? `${value};tag=${tag}` : value;
}

export interface ResponseOptions {
  reason?: string;
  toTag?: string;
  headers?: SipHeader[];
  body?: string;
  contentType?: string;
}

/** A response to `req` (§8.2.6.2): Via, From, To (tagged), Call-ID, CSeq copied. */
export function makeResponse(req: SipRequest, status: number, o: ResponseOptions = {}): SipResponse {
  const hs: SipHeader[] = [];
  for (const h of req.headers) {
    const k = h.name.toLowerCase();
    if (k === 'via' || k === 'v') hs.push({ name: 'Via', value: h.value });
  }
  const to = toOf(req);
  hs.push({ name: 'From', value: fromOf(req) });
  hs.push({ name: 'To', value: o.toTag !== undefined && status > 100 ? withTag(to, o.toTag) : to });
  hs.push({ name: 'Call-ID', value: callIdOf(req) });
  hs.push({ name: 'CSeq', value: requiredHeader(req, 'CSeq') });
  if (status === 100) {
    // §8.2.6.1: a 100 copies the Timestamp.
    const ts = header(req, 'timestamp');
    if (ts !== undefined) hs.push({ name: 'Timestamp', value: ts });
  }
  hs.push(...(o.headers ?? []));
  const body = o.body ?? '';
  if (body !== '') hs.push({ name: 'Content-Type', value: o.contentType ?? 'application/sdp' });
  return { kind: 'response', status, reason: o.reason ?? statusText(status), headers: hs, body };
}

/** A final response refusing `req` outside any transaction state: §8.2.6.2 gives it a To tag. */
export function refusal(
  req: SipRequest,
  status: number,
  o: Omit<ResponseOptions, 'toTag'> = {},
): SipResponse {
  return makeResponse(req, status, { ...o, toTag: newTag() });
}

/** Record-Route values of a request, to copy into dialog-creating responses (§12.1.1). */
export function recordRoute(req: SipRequest | SipResponse): string[] {
  return headers(req, 'record-route');
}

/** The 200 to an OPTIONS, in or out of a dialog (RFC 3261 §11.2): Allow, Accept, Supported. */
export function optionsResponse(req: SipRequest, server: string): SipResponse {
  return makeResponse(req, 200, {
    toTag: newTag(), // §8.2.6.2 (kept in a dialog, where To has ours)
    headers: [
      { name: 'Allow', value: ALLOW },
      { name: 'Accept', value: ACCEPT },
      { name: 'Supported', value: SUPPORTED },
      { name: 'Server', value: server },
    ],
  });
}
