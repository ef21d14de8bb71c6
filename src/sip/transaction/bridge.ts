/**
 * The wrapper around npm `sip`'s transaction layer (RFC 3261 §17): it owns the INVITE and
 * non-INVITE client/server state machines and their retransmission timers (A, B, D, E, F, G, H,
 * I, J, K, L, M); everything else is ours. Messages cross the boundary in npm `sip`'s object form,
 * built here from our {@link SipMessage}; what the layer sends back is looked up (or, for its own
 * ACK to a non-2xx and its synthesized 408/503, rebuilt) and serialized by our codec, so UTF-8 and
 * header order survive.
 *
 * Quirks of npm `sip` 0.0.6 handled here:
 * - its branch generator has ~20 bits of entropy: our RFC 3261 branch is kept by making the
 *   `branch` param read-only before the layer tries to overwrite it;
 * - its ACK for a non-2xx final response carries no Route header (§17.1.1.3 requires the
 *   INVITE's): the ACK is rebuilt from the INVITE;
 * - timer E and G double without the T2 cap (§17.1.2.2, §17.2.1): not fixable from outside;
 * - in the INVITE server transaction's Accepted state an ACK or INVITE retransmission is
 *   swallowed, so ACKs are offered to the dialog layer first.
 */
import * as npmSip from 'sip';
import { callIdOf, cseqOf, fromOf, topViaOf } from '../message/checked';
import type { NpmConnection, NpmMessage, NpmServerTransaction, NpmTransactionLayer, NpmVia } from 'sip';
import type { Logger } from 'winston';
import { header, headers, withAddedHeader, withHeader, withoutHeader } from '../message/headers';
import { serializeSipMessage } from '../message/message';
import { statusText } from '../message/status-text';
import type { Flow, TransportSet } from '../transport/transport';
import type { SipMessage, SipRequest, SipResponse, Via } from '../message/types';
import { formatVia, newBranch, parseTopVia, parseVia, rememberTopVia } from '../message/via';
import { formatHost } from '../message/uri';
import { maskSecrets } from '../../mask';

/** A request received with its server transaction; respond() goes through the transaction. */
export interface ServerTransaction {
  readonly request: SipRequest;
  readonly source: Flow;
  respond(res: SipResponse): void;
  /** Sends directly on the flow, outside the transaction (2xx retransmissions, §13.3.1.4). */
  resend(res: SipResponse): void;
}

export interface ClientRequestHandle {
  /** The flow and top Via used for the current attempt (CANCEL must copy them, §9.1). */
  flow(): Flow | undefined;
  via(): string | undefined;
  /** Ends the transaction without waiting for a final response (shutdown). */
  abort(): void;
}

export interface BridgeHooks {
  onRequest(tx: ServerTransaction): void;
  /** An ACK the dialog layer may own (ACK for 2xx); return true when it was consumed. */
  onAck(req: SipRequest, source: Flow): boolean;
  /** A response no client transaction wants (a 2xx retransmitted after Timer M). */
  onStrayResponse(res: SipResponse, source: Flow): void;
  /** Every message as it goes on the wire or comes off it (retransmissions too), for onlookers. */
  onWire?(direction: 'in' | 'out', msg: SipMessage, flow: Flow): void;
}

/**
 * Our message behind an npm form, and the request a top Via was made for: carried on the objects
 * themselves, since the layer hands back the very objects it was given (its own ACK and 408/503
 * reuse the INVITE's Via object). Two WeakMap entries per message cost more, in the set and in
 * the GC's ephemeron pass, than two properties (issue 12).
 */
const ORIGINAL = Symbol('our message');
const VIA_OWNER = Symbol('the request of this Via');
type Tagged = NpmMessage & { [ORIGINAL]?: SipMessage };
type OwnedVia = NpmVia & { [VIA_OWNER]?: SipRequest };

export class TransactionBridge {
  private readonly layer: NpmTransactionLayer = npmSip.makeTransactionLayer({}, () => {
    throw new Error('unused');
  });

  constructor(
    private readonly transports: TransportSet,
    private readonly hooks: BridgeHooks,
    private readonly logger: Logger,
    /** Log every message sent and received (masked, src/mask.ts): `true` at debug, `'info'` at info. */
    private readonly wireLog: boolean | 'info' = false,
    /** Host for Via sent-by (a public name or address); default: the bound address. */
    private readonly host?: string,
  ) {}

  private toNpm(msg: SipMessage, fixedBranch = false): NpmMessage {
    const top = parseTopVia(topViaOf(msg));
    const params: NpmVia['params'] = {};
    // for…in: params objects have no enumerable inherited keys, and unlike Object.entries it
    // allocates no array of pairs per message (issue 12).
    for (const k in top.params) {
      const v = top.params[k];
      params[k] = v === true ? null : v;
    }
    if (fixedBranch) {
      // Keep our branch: the layer's assignment to a read-only property is silently ignored.
      Object.defineProperty(params, 'branch', { value: params.branch, writable: false, enumerable: true });
    }
    const via: OwnedVia = {
      protocol: top.transport,
      host: top.host,
      port: top.port,
      params,
      [VIA_OWNER]: undefined,
    };
    const cseq = cseqOf(msg);
    const npm: Tagged = {
      headers: {
        via: [via],
        'call-id': callIdOf(msg),
        cseq: { seq: cseq.seq, method: cseq.method },
        from: header(msg, 'from'),
        to: header(msg, 'to'),
      },
      [ORIGINAL]: msg,
    };
    if (msg.kind === 'request') {
      npm.method = msg.method;
      npm.uri = msg.uri;
    } else {
      npm.status = msg.status;
      npm.reason = msg.reason;
    }
    return npm;
  }

  /** Our message for an object the layer hands back (its own ACK and 408/503 are rebuilt). */
  private fromNpm(m: NpmMessage): SipMessage | undefined {
    const own = (m as Tagged)[ORIGINAL];
    if (own) return own;
    const invite = (m.headers.via[0] as OwnedVia | undefined)?.[VIA_OWNER];
    if (!invite) return undefined;
    if (m.method === 'ACK') {
      // §17.1.1.3: same Request-URI, Call-ID, From, top Via, CSeq number and Route as the INVITE.
      const ack: SipRequest = {
        kind: 'request',
        method: 'ACK',
        uri: invite.uri,
        headers: [
          { name: 'Via', value: topViaOf(invite) },
          { name: 'Max-Forwards', value: '70' },
          { name: 'From', value: fromOf(invite) },
          { name: 'To', value: String(m.headers.to) },
          { name: 'Call-ID', value: callIdOf(invite) },
          { name: 'CSeq', value: `${m.headers.cseq.seq} ACK` },
          ...headers(invite, 'route').map((value) => ({ name: 'Route', value })),
        ],
        body: '',
      };
      return ack;
    }
    if (m.status !== undefined) {
      const res: SipResponse = {
        kind: 'response',
        status: m.status,
        reason: statusText(m.status),
        headers: invite.headers.filter((h) =>
          ['via', 'from', 'to', 'call-id', 'cseq'].includes(h.name.toLowerCase()),
        ),
        body: '',
      };
      return withHeader(res, 'Warning', '399 - "locally generated (timeout or transport error)"');
    }
    return undefined;
  }

  private write(flow: Flow, msg: SipMessage, onError?: (e: Error) => void): void {
    let text: string;
    try {
      text = serializeSipMessage(msg);
    } catch (e) {
      this.logger.error('cannot serialize SIP message', { error: (e as Error).message });
      onError?.(e as Error);
      return;
    }
    if (this.wireLog) this.logWire('send', { to: `${flow.transport}|${flow.address}|${flow.port}` }, text);
    this.hooks.onWire?.('out', msg, flow);
    this.transports.send(flow, text, onError);
  }

  private logWire(what: 'send' | 'recv', peer: Record<string, string>, msg: string | SipMessage): void {
    let text: string;
    try {
      text = typeof msg === 'string' ? msg : serializeSipMessage(msg);
    } catch (e) {
      text = `(cannot serialize: ${(e as Error).message})`;
    }
    this.logger.log(this.wireLog === 'info' ? 'info' : 'debug', what, { ...peer, text: maskSecrets(text) });
  }

  private connection(flow: Flow, onError?: (e: Error) => void): NpmConnection {
    return {
      protocol: flow.transport,
      release: () => undefined,
      send: (m) => {
        const msg = this.fromNpm(m);
        if (msg) this.write(flow, msg, onError);
        else this.logger.warn('transaction layer sent an unknown message; dropped');
      },
    };
  }

  /** Inbound entry point: every parsed message from {@link TransportSet}. */
  receive(msg: SipMessage, source: Flow): void {
    if (this.wireLog)
      this.logWire('recv', { from: `${source.transport}|${source.address}|${source.port}` }, msg);
    this.hooks.onWire?.('in', msg, source);
    // One npm form per message: the layer only reads it (matching, then the state machine).
    if (msg.kind === 'response') {
      const npm = this.toNpm(msg);
      const t = this.layer.getClient(npm);
      if (t) t.message(npm, source);
      else this.hooks.onStrayResponse(msg, source);
      return;
    }
    const req = markReceived(msg, source);
    if (req.method === 'ACK') {
      if (this.hooks.onAck(req, source)) return;
      const npm = this.toNpm(req);
      const t = this.layer.getServer(npm);
      if (t) t.message(npm);
      else this.logger.debug('ACK matches no transaction or dialog; dropped');
      return;
    }
    const npm = this.toNpm(req);
    const existing = this.layer.getServer(npm);
    if (existing) {
      existing.message(npm); // a retransmission: the layer resends its last response
      return;
    }
    const t: NpmServerTransaction = this.layer.createServerTransaction(npm, this.connection(source));
    this.hooks.onRequest({
      request: req,
      source,
      respond: (res) => t.send(this.toNpm(res)),
      resend: (res) => this.write(source, res),
    });
  }

  /**
   * Sends a request through a new client transaction to the first of `targets`; a transport
   * failure (synthesized 503) moves on to the next (RFC 3263 §4.3). The top Via is ours.
   * `via` is given only by CANCEL, which reuses its INVITE's (§9.1). A failure made up here (408,
   * 503) says in its Warning what failed, and `note` (why these targets) after it.
   */
  request(
    req: SipRequest,
    targets: Flow[],
    onResponse: (res: SipResponse) => void,
    opts: { via?: string; note?: string } = {},
  ): ClientRequestHandle {
    let current: { flow: Flow; via: string; tx?: npmSip.NpmClientTransaction } | undefined;
    let done = false;
    const queue = [...targets];
    let lastError: string | undefined;
    const why = (text: string): string => (opts.note !== undefined ? `${text}; ${opts.note}` : text);
    const attempt = (): void => {
      const flow = queue.shift();
      if (!flow) {
        done = true;
        onResponse(localFailure(req, 503, why(lastError ?? 'no reachable target')));
        return;
      }
      const via = opts.via ?? this.viaFor(flow);
      const out = withAddedHeader(withoutHeader(req, 'via'), 'Via', via, 'first');
      const npm = this.toNpm(out, true);
      (npm.headers.via[0] as OwnedVia)[VIA_OWNER] = out;
      let failedOver = false;
      const onError = (e: Error): void => {
        if (failedOver || done) return;
        failedOver = true;
        lastError = `${flow.transport} to ${formatHost(flow.address)}:${flow.port}: ${e.message}`;
        current?.tx?.message(npmSip.makeResponse(npm, 503));
      };
      current = { flow, via };
      current.tx = this.layer.createClientTransaction(this.connection(flow, onError), npm, (rs) => {
        if (done) return;
        const res = this.fromNpm(rs);
        if (res === undefined || res.kind !== 'response') return;
        const fromPeer = (rs as Tagged)[ORIGINAL] !== undefined;
        if (res.status === 503 && !fromPeer && queue.length > 0 && req.method !== 'CANCEL') {
          attempt();
          return;
        }
        if (res.status >= 200 && req.method !== 'INVITE') done = true;
        if (fromPeer) onResponse(res);
        else {
          // Made up by the layer: Timer B/F (408) or the transport error above (503).
          const text = res.status === 503 && lastError !== undefined ? lastError : 'no response (timeout)';
          const local = withHeader(res, 'Warning', `399 - "${why(text).replace(/"/g, "'")}"`);
          made.add(local);
          onResponse(local);
        }
      });
    };
    attempt();
    return {
      flow: () => current?.flow,
      via: () => current?.via,
      abort: () => {
        done = true;
        current?.tx?.shutdown();
      },
    };
  }

  /** Sends a request with no transaction: the ACK for a 2xx (§13.2.2.4), a fresh branch. */
  sendStateless(req: SipRequest, flow: Flow, onError?: (e: Error) => void): void {
    this.write(flow, withAddedHeader(withoutHeader(req, 'via'), 'Via', this.viaFor(flow), 'first'), onError);
  }

  /** Our top Via for a request over `flow`; `branch` is given only to size one (a fresh one is the same length). */
  viaFor(flow: Flow, branch = newBranch()): string {
    const local = this.transports.local(flow.transport, flow.address.includes(':') ? 6 : 4);
    const host = this.host ?? (local ? formatHost(local.address) : '127.0.0.1');
    const rport = flow.transport === 'UDP' ? ';rport' : '';
    const prefix = `SIP/2.0/${flow.transport} ${host}:${local?.port ?? 5060};branch=`;
    const text = `${prefix}${branch}${rport}`;
    // Parsed as the codec would, once per sent-by (the prefix): `toNpm` reads it back at once
    // (issue 12: parsing our own fresh Via again was ≈ 0.5 % of a call).
    let parsed = this.viaForms.get(prefix);
    if (parsed === undefined) {
      parsed = parseVia(text);
      this.viaForms.set(prefix, parsed);
    }
    rememberTopVia(text, { ...parsed, params: { ...parsed.params, branch } });
    return text;
  }

  /** Our Via parsed, by everything before its branch (one per local address and transport). */
  private readonly viaForms = new Map<string, Via>();

  destroy(): void {
    this.layer.destroy();
  }
}

/** RFC 3261 §18.2.1 and RFC 3581 §4: note where the request really came from in its top Via. */
function markReceived(req: SipRequest, source: Flow): SipRequest {
  const idx = req.headers.findIndex((h) => h.name.toLowerCase() === 'via');
  const values = headers({ headers: [req.headers[idx]] }, 'via');
  const top = parseTopVia(values[0] as string);
  const params = { ...top.params };
  if (top.host !== source.address) params.received = source.address;
  if ('rport' in params) params.rport = String(source.port);
  const rest = values.slice(1);
  const marked: Via = { ...top, params };
  const formatted = formatVia(marked);
  // toNpm reads this Via next: it need not parse what was just formatted (src/sip/message/via.ts).
  rememberTopVia(formatted, marked);
  const value = [formatted, ...rest].join(', ');
  const hs = [...req.headers];
  hs[idx] = { name: req.headers[idx].name, value };
  return { ...req, headers: hs };
}

/** Responses no peer sent: made up by the transaction layer (timeout, transport error) or by us. */
const made = new WeakSet<SipResponse>();

/** Whether `res` was made up here (Timer B/F 408, transport 503) rather than sent by a peer. */
export function isLocalFailure(res: SipResponse): boolean {
  return made.has(res);
}

/** A response the stack makes up for a local failure: 408 timeout, 503 transport error. */
export function localFailure(req: SipRequest, status: number, why: string): SipResponse {
  const res: SipResponse = {
    kind: 'response',
    status,
    reason: statusText(status),
    headers: [
      ...req.headers.filter((h) => ['via', 'from', 'to', 'call-id', 'cseq'].includes(h.name.toLowerCase())),
      { name: 'Warning', value: `399 - "${why.replace(/"/g, "'")}"` },
    ],
    body: '',
  };
  made.add(res);
  return res;
}
