/**
 * The operations side of a running gateway (`http:` in the config, docs/operations.md): the
 * metrics, the ladder recorder and the live calls' facts, fed through one observer, and the HTTP
 * server that shows them. Started before the legs (so the wire taps see the first message) and
 * attached to the gateway once it exists.
 */
import type { HttpConfig } from '../config/config';
import { parseHostPort } from '../config/net';
import type { GatewayObserver, WireDirection } from '../gateway/observer';
import type { SipMessage } from '../sip/message/types';
import type { XmlElement } from '../xmpp/stanza';
import { serializeSipMessage } from '../sip/message/message';
import { callsView, type CallFacts } from './calls-view';
import { correlateSip, correlateStanza } from './correlate';
import { healthReport, type GatewayStatus } from './health';
import { startOpsServer, type OpsServer } from './http-server';
import { LadderRecorder, type LadderCall } from './ladder';
import { GatewayMetrics } from './metrics';

/** `/ladders`: the kept calls without their messages. */
export interface LadderSummary extends Omit<LadderCall, 'messages'> {
  messages: number;
}

export class Ops {
  readonly metrics: GatewayMetrics;
  readonly ladders: LadderRecorder;
  private readonly facts = new Map<string, CallFacts>();
  private status?: () => GatewayStatus;

  private constructor(
    readonly server: OpsServer,
    metrics: GatewayMetrics,
    ladders: LadderRecorder,
  ) {
    this.metrics = metrics;
    this.ladders = ladders;
  }

  static async start(config: HttpConfig, onError?: (e: Error) => void): Promise<Ops> {
    const listen = parseHostPort(config.listen);
    if (listen === undefined) throw new Error(`http.listen: not an address:port: ${config.listen}`);
    // The routes read the gateway's state through the Ops made below.
    const ref: { ops?: Ops } = {};
    const metrics = new GatewayMetrics(() => ref.ops?.status?.());
    const ladders = new LadderRecorder({
      calls: config.recentCalls,
      messagesPerCall: config.messagesPerCall,
      messageBytes: config.messageBytes,
    });
    let server: OpsServer;
    try {
      server = await startOpsServer(
        listen,
        {
          health: () => {
            const s = ref.ops?.status?.();
            if (s === undefined) return { code: 503, body: { status: 'starting' } };
            return healthReport(s);
          },
          metrics: () => metrics.text(),
          calls: () =>
            callsView(ref.ops?.status?.().calls ?? [], (sid) => ref.ops?.facts.get(sid), Date.now()),
          ladders: () => ladders.calls().map((c): LadderSummary => ({ ...c, messages: c.messages.length })),
          ladder: (sid) => ladders.call(sid),
        },
        onError,
      );
    } catch (e) {
      // EADDRINUSE, EADDRNOTAVAIL: say which setting.
      throw new Error(`http.listen ${config.listen}: ${(e as Error).message}`);
    }
    ref.ops = new Ops(server, metrics, ladders);
    return ref.ops;
  }

  /** The running gateway's state, read at each request. */
  attach(status: () => GatewayStatus): void {
    this.status = status;
  }

  /** The XMPP component came online (counts reconnects). */
  xmppOnline(): void {
    this.metrics.xmppOnline();
  }

  readonly observer: GatewayObserver = {
    callStarted: (c) => {
      this.facts.set(c.sid, { info: c });
      this.metrics.observer.callStarted?.(c);
      this.ladders.started(c);
    },
    callAnswered: (sid, at) => {
      const f = this.facts.get(sid);
      if (f && f.answeredAt === undefined) f.answeredAt = at;
      this.metrics.observer.callAnswered?.(sid, at);
      this.ladders.answered(sid, at);
    },
    callEnded: (sid, condition, at) => {
      this.facts.delete(sid);
      this.metrics.observer.callEnded?.(sid, condition, at);
      this.ladders.ended(sid, condition, at);
    },
    sipMessage: (direction: WireDirection, m: SipMessage, peer: string, at: number) => {
      this.metrics.observer.sipMessage?.(direction, m, peer, at);
      const c = correlateSip(m);
      // One literal of one shape for every message (no spread: issue 12's profile).
      if (c)
        this.ladders.record({
          keys: c.keys,
          label: c.label,
          at,
          leg: 'sip',
          direction,
          peer,
          text: () => serializeSipMessage(m),
        });
    },
    stanza: (direction: WireDirection, el: XmlElement, at: number) => {
      this.metrics.observer.stanza?.(direction, el, at);
      const c = correlateStanza(el);
      if (c === undefined) return;
      const peer = String((direction === 'in' ? el.attrs.from : el.attrs.to) ?? '');
      this.ladders.record({
        keys: c.keys,
        label: c.label,
        at,
        leg: 'xmpp',
        direction,
        peer,
        text: () => el.toString(),
      });
    },
    media: (sid, direction, label, text, at) => {
      this.ladders.record({
        keys: [`sid:${sid}`],
        label,
        at,
        leg: 'media',
        direction,
        peer: 'rtpengine',
        text: () => text,
      });
    },
    mediaFailed: (op) => this.metrics.observer.mediaFailed?.(op),
    denied: (kind) => this.metrics.observer.denied?.(kind),
    limited: (from, limit) => this.metrics.observer.limited?.(from, limit),
  };

  close(): Promise<void> {
    return this.server.close();
  }
}
