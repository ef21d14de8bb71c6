/** A fake UA core for the dialog-layer unit tests: records what would go on the wire. */
import winston from 'winston';
import type { ClientRequestHandle, ServerTransaction } from '../../src/sip/transaction/bridge';
import type { DialogLike, SendOptions, UaCore } from '../../src/sip/dialog/core';
import type { DigestCredentials } from '../../src/sip/message/digest';
import { header } from '../../src/sip/message/headers';
import type { Flow } from '../../src/sip/transport/transport';
import type { SipRequest, SipResponse } from '../../src/sip/message/types';
import { FakeClock } from './fake-clock';

export interface Sent {
  req: SipRequest;
  onResponse: (res: SipResponse) => void;
  opts?: SendOptions;
  at: number;
}

export class FakeCore implements UaCore {
  readonly clock = new FakeClock();
  readonly logger = winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
  readonly userAgent = 'fake';
  readonly timing = { t1: 500, t2: 4000, ackTimeoutMs: 32000 };
  /** In-dialog OPTIONS probes; off unless a test sets it before creating the dialog. */
  keepalive?: { intervalMs: number; timeoutMs: number };
  readonly sent: Sent[] = [];
  readonly acks: SipRequest[] = [];
  readonly dialogs = new Map<string, DialogLike>();
  creds?: DigestCredentials;
  /** How many client transactions were aborted. */
  aborts = 0;

  contact(_flow?: Flow, _sips?: boolean): string {
    return '<sip:gw@192.0.2.1:5060>';
  }
  send(req: SipRequest, onResponse: (res: SipResponse) => void, opts?: SendOptions): ClientRequestHandle {
    this.sent.push({ req, onResponse, opts, at: this.clock.now() });
    const flow: Flow = { transport: 'UDP', address: '192.0.2.9', port: 5060 };
    return {
      flow: () => flow,
      via: () => 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKfake',
      abort: () => void this.aborts++,
    };
  }
  sendAck(ack: SipRequest): void {
    this.acks.push(ack);
  }
  credentials(): DigestCredentials | undefined {
    return this.creds;
  }
  addDialog(key: string, d: DialogLike): void {
    this.dialogs.set(key, d);
  }
  removeDialog(key: string): void {
    this.dialogs.delete(key);
  }

  methods(): string[] {
    return this.sent.map((s) => s.req.method);
  }
  last(method: string): Sent {
    const s = [...this.sent].reverse().find((x) => x.req.method === method);
    if (!s) throw new Error(`no ${method} sent`);
    return s;
  }
}

/** A server transaction that records responses. */
export function fakeTx(
  request: SipRequest,
): ServerTransaction & { responses: SipResponse[]; resent: SipResponse[] } {
  const responses: SipResponse[] = [];
  const resent: SipResponse[] = [];
  return {
    request,
    source: { transport: 'UDP', address: '192.0.2.9', port: 5060 },
    respond: (r) => responses.push(r),
    resend: (r) => resent.push(r),
    responses,
    resent,
  };
}

let n = 0;
export function request(method: string, extra: Record<string, string> = {}, body = ''): SipRequest {
  const hs: Record<string, string> = {
    Via: `SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKtest${++n}`,
    'Max-Forwards': '70',
    From: '<sip:peer@192.0.2.9>;tag=peertag',
    To: '<sip:gw@192.0.2.1>',
    'Call-ID': 'call-1@192.0.2.9',
    CSeq: `1 ${method}`,
    Contact: '<sip:peer@192.0.2.9:5060>',
    ...extra,
  };
  return {
    kind: 'request',
    method,
    uri: 'sip:gw@192.0.2.1',
    headers: Object.entries(hs).map(([name, value]) => ({ name, value })),
    body,
  };
}

/** A response to `req` as a peer would send it. */
export function response(
  req: SipRequest,
  status: number,
  extra: Record<string, string> = {},
  body = '',
): SipResponse {
  const keep = ['via', 'from', 'to', 'call-id', 'cseq'];
  const hs = req.headers.filter((h) => keep.includes(h.name.toLowerCase())).map((h) => ({ ...h }));
  for (const [name, value] of Object.entries(extra)) {
    const i = hs.findIndex((h) => h.name.toLowerCase() === name.toLowerCase());
    if (i >= 0) hs[i] = { name, value };
    else hs.push({ name, value });
  }
  return { kind: 'response', status, reason: 'X', headers: hs, body };
}

export const to = (req: SipRequest | SipResponse): string => header(req, 'to') as string;
