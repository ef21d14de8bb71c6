/**
 * Where an outgoing request goes (RFC 3261 §8.1.2, §12.2.1.1; RFC 3263): the first Route if any,
 * else the Request-URI, resolved to flows we have a transport for; or the stream the dialog was
 * set up on, reused while it is open. A request too large for UDP goes over TCP (§18.1.1, see
 * ../transport/large-requests). Also which trunk's credentials answer a challenge.
 */
import type { Logger } from 'winston';
import { requiredHeader } from '../message/checked';
import { localFailure, type ClientRequestHandle, type TransactionBridge } from '../transaction/bridge';
import { targetIsSips, uriOf, type SendOptions } from '../dialog/core';
import type { DigestCredentials } from '../message/digest';
import { header, withHeader } from '../message/headers';
import { planForSize, type SizePlan } from '../transport/large-requests';
import { serializedSize } from '../message/message';
import { resolveUri, type DnsResolver } from '../transport/resolver';
import type { Flow, TransportName, TransportSet } from '../transport/transport';
import type { SipRequest, SipResponse } from '../message/types';
import { formatHost, parseSipUri } from '../message/uri';
import { newBranch } from '../message/via';

export class Router {
  constructor(
    private readonly transports: TransportSet,
    private readonly bridge: TransactionBridge,
    private readonly resolver: DnsResolver,
    private readonly logger: Logger,
    private readonly isStopped: () => boolean,
    /** Our Contact for a flow (see {@link SendOptions.fillContact}). */
    private readonly contactFor: (flow: Flow, sips: boolean) => string = () => '',
  ) {}

  send(req: SipRequest, onResponse: (res: SipResponse) => void, opts: SendOptions = {}): ClientRequestHandle {
    let inner: ClientRequestHandle | undefined;
    let aborted = false;
    const go = (targets: Flow[], udpForced = false): void => {
      if (aborted || this.isStopped()) return;
      let out = req;
      const first = targets[0];
      if (opts.fillContact && first) {
        // §8.1.1.8: the Contact is reachable over the transport (and family) the request uses, and
        // SIPS when the target is. Over the transport resolution chose, before §18.1.1 may move
        // the request to TCP: it falls back to UDP when TCP is refused, and a peer without TCP
        // must still reach our Contact.
        out = withHeader(req, 'Contact', this.contactFor(first, targetIsSips(req)));
      }
      const plan = opts.flow
        ? { ok: true as const, flows: targets }
        : this.planForSize(out, targets, udpForced);
      if (!plan.ok) {
        this.logger.warn('request not sent', { method: req.method, why: plan.why });
        onResponse(localFailure(req, 503, plan.why));
        return;
      }
      if (plan.note !== undefined)
        this.logger.debug('large request', { method: req.method, note: plan.note });
      inner = this.bridge.request(out, plan.flows, onResponse, { via: opts.via, note: plan.note });
    };
    if (opts.flow) {
      go([opts.flow]);
    } else if (
      opts.preferFlow &&
      opts.preferFlow.transport !== 'UDP' &&
      this.transports.hasStream(opts.preferFlow)
    ) {
      // RFC 5923 spirit: reuse the connection the dialog was set up on.
      go([opts.preferFlow]);
    } else {
      const route = header(req, 'route');
      let target;
      try {
        target = parseSipUri(route !== undefined ? uriOf(route) : req.uri);
      } catch (e) {
        setImmediate(() => onResponse(localFailure(req, 416, (e as Error).message)));
        return { flow: () => undefined, via: () => undefined, abort: () => undefined };
      }
      const available = (['UDP', 'TCP', 'TLS'] as TransportName[]).filter((t) => this.transports.supports(t));
      resolveUri(target, available, this.resolver).then(
        (flows) => {
          const usable = flows.filter((f) => available.includes(f.transport));
          if (usable.length === 0)
            onResponse(localFailure(req, 503, 'no route to the target (DNS or transport)'));
          else go(usable, isUdpForced(target.params.transport));
        },
        (e: Error) => onResponse(localFailure(req, 503, e.message)),
      );
    }
    return {
      flow: () => inner?.flow(),
      via: () => inner?.via(),
      abort: () => {
        aborted = true;
        inner?.abort();
      },
    };
  }

  sendAck(ack: SipRequest, preferFlow?: Flow): void {
    if (preferFlow && preferFlow.transport !== 'UDP' && this.transports.hasStream(preferFlow)) {
      this.bridge.sendStateless(ack, preferFlow);
      return;
    }
    const route = header(ack, 'route');
    try {
      const target = parseSipUri(route !== undefined ? uriOf(route) : ack.uri);
      const available = (['UDP', 'TCP', 'TLS'] as TransportName[]).filter((t) => this.transports.supports(t));
      resolveUri(target, available, this.resolver).then(
        (flows) => {
          const f = flows.find((x) => available.includes(x.transport));
          if (!f || this.isStopped()) return;
          // §18.1.1 for an ACK with a body too (a late offer's answer): TCP, UDP if refused.
          const plan = this.planForSize(ack, [f], isUdpForced(target.params.transport));
          if (!plan.ok) return this.logger.warn('ACK not sent', { why: plan.why });
          const next = (rest: Flow[]): void => {
            const [flow, ...more] = rest;
            if (flow && !this.isStopped())
              this.bridge.sendStateless(ack, flow, more.length > 0 ? () => next(more) : undefined);
          };
          next(plan.flows);
        },
        (e: Error) => this.logger.warn('ACK not sent', { error: e.message }),
      );
    } catch (e) {
      this.logger.warn('ACK not sent', { error: (e as Error).message });
    }
  }

  /** RFC 3261 §18.1.1 for `req` about to go to `targets`: its size with our Via, as sent over UDP. */
  private planForSize(req: SipRequest, targets: Flow[], udpForced: boolean): SizePlan {
    const udp = targets.find((f) => f.transport === 'UDP');
    if (!udp) return { ok: true, flows: targets };
    let bytes: number;
    try {
      // The bridge writes the request with our Via in place of any it has: counted as a line, not
      // added to a copy, with a stand-in branch of a fresh one's length (issue 12: sizing every
      // request and ACK this way cost as much as writing it).
      const via = this.bridge.viaFor(udp, SIZING_BRANCH);
      bytes = serializedSize(req, 'via') + Buffer.byteLength(`Via: ${via}\r\n`, 'utf8');
    } catch {
      return { ok: true, flows: targets }; // unserializable: the bridge reports it
    }
    return planForSize(bytes, targets, { tcp: this.transports.supports('TCP'), udpForced });
  }
}

/** A branch of the length {@link newBranch} gives, for sizing a request before its Via is made. */
const SIZING_BRANCH = '0'.repeat(newBranch().length);

const isUdpForced = (t: string | true | undefined): boolean =>
  typeof t === 'string' && t.toLowerCase() === 'udp';

/** A trunk whose realm matches the challenge, else one whose host is the next hop's. */
export function trunkCredentials(
  trunks: ReadonlyArray<DigestCredentials & { host: string; realm?: string }>,
  realm: string,
  req: SipRequest,
): DigestCredentials | undefined {
  const byRealm = trunks.find((t) => t.realm === realm);
  if (byRealm) return byRealm;
  let host = '';
  try {
    const target = header(req, 'route') !== undefined ? uriOf(requiredHeader(req, 'Route')) : req.uri;
    const u = parseSipUri(target);
    host = u.port !== undefined ? `${formatHost(u.host)}:${u.port}` : formatHost(u.host);
    const plain = formatHost(u.host);
    return trunks.find((t) => t.realm === undefined && (t.host === host || t.host === plain));
  } catch {
    return undefined;
  }
}
