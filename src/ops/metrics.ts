/**
 * `GET /metrics`: the gateway's Prometheus metrics (prom-client, text exposition format), listed
 * with their types and labels in docs/operations.md §Metrics. Counters are fed by the gateway's
 * observer seam (src/gateway/observer.ts); gauges of state (live calls, XMPP connection,
 * registrations, draining) are read from the gateway at each scrape, so they cannot drift.
 * Every label has a bounded set of values: unknown SIP methods count as `other`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallDirection, CallInfo, GatewayObserver, MediaOp, WireDirection } from '../gateway/observer';
import type { SipMessage } from '../sip/message/types';
import type { XmlElement } from '../xmpp/stanza';
import type { GatewayStatus } from './health';

const P = 'jingle_sip_gateway_';
const DIRECTIONS: CallDirection[] = ['xmpp-to-sip', 'sip-to-xmpp'];
/** RFC 3261 §27.4 and the extensions the gateway meets; anything else is `other`. */
const METHODS = new Set([
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'REGISTER',
  'PRACK',
  'UPDATE',
  'INFO',
  'SUBSCRIBE',
  'NOTIFY',
  'REFER',
  'MESSAGE',
  'PUBLISH',
]);
const REGISTRATION_STATES = ['idle', 'registering', 'registered', 'failed', 'stopped'];
const STANZAS = new Set(['iq', 'message', 'presence']);

/**
 * Counts by a two-label key, added to a prom-client counter when it is scraped (its `collect`):
 * every SIP message and stanza is counted, and prom-client hashes the labels of each `inc`
 * (issue 12's profile: ≈ 1.5 % of a call); a Map increment costs next to nothing. Two levels of
 * Map keyed by the labels themselves (constant strings, their hashes cached): no key string is
 * built per message.
 */
class WireCounts {
  private readonly pending = new Map<string, Map<string, number>>();

  add(a: string, b: string): void {
    let inner = this.pending.get(a);
    if (inner === undefined) {
      inner = new Map();
      this.pending.set(a, inner);
    }
    inner.set(b, (inner.get(b) ?? 0) + 1);
  }

  flush(into: (a: string, b: string, n: number) => void): void {
    for (const [a, inner] of this.pending) for (const [b, n] of inner) into(a, b, n);
    this.pending.clear();
  }
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly callsTotal: Counter<'direction' | 'outcome'>;
  private readonly setup: Histogram<'direction'>;
  private readonly sipResponses: Counter<'direction' | 'class'>;
  private readonly stanzas: Counter<'direction' | 'kind'>;
  private readonly reconnects: Counter;
  private readonly denials: Counter<'kind'>;
  private readonly limits: Counter<'from' | 'limit'>;
  private readonly mediaErrors: Counter<'op'>;
  /** Live calls: their direction, start and whether they were answered. */
  private readonly live = new Map<string, { direction: CallDirection; at: number; answered: boolean }>();
  private wasOnline = false;
  private readonly requestCounts = new WireCounts();
  private readonly responseCounts = new WireCounts();
  private readonly stanzaCounts = new WireCounts();

  constructor(status: () => GatewayStatus | undefined) {
    const registers = [this.registry];
    const responses = this.responseCounts;
    const requests = this.requestCounts;
    const stanzas = this.stanzaCounts;
    collectDefaultMetrics({ register: this.registry, prefix: P });
    new Gauge({
      name: `${P}calls_active`,
      help: 'Live calls, by direction.',
      labelNames: ['direction'],
      registers,
      collect() {
        const calls = status()?.calls ?? [];
        for (const d of DIRECTIONS)
          this.set({ direction: d }, calls.filter((c) => directionOf(c.origin) === d).length);
      },
    });
    this.callsTotal = new Counter({
      name: `${P}calls_total`,
      help: 'Calls ended, by direction and outcome (answered, or the Jingle reason condition it ended with unanswered).',
      labelNames: ['direction', 'outcome'],
      registers,
    });
    this.setup = new Histogram({
      name: `${P}call_setup_seconds`,
      help: 'From the first message of a call to its answer (session-accept or 200 OK sent), answered calls only.',
      labelNames: ['direction'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60],
      registers,
    });
    this.sipResponses = new Counter({
      name: `${P}sip_responses_total`,
      help: 'SIP responses on the wire (retransmissions included), by direction and status class.',
      labelNames: ['direction', 'class'],
      registers,
      collect() {
        responses.flush((direction, c, n) => this.inc({ direction, class: c }, n));
      },
    });
    new Counter({
      name: `${P}sip_requests_total`,
      help: 'SIP requests on the wire (retransmissions included), by direction and method.',
      labelNames: ['direction', 'method'],
      registers,
      collect() {
        requests.flush((direction, method, n) => this.inc({ direction, method }, n));
      },
    });
    this.stanzas = new Counter({
      name: `${P}xmpp_stanzas_total`,
      help: 'Stanzas on the component stream, by direction and kind (iq, message, presence).',
      labelNames: ['direction', 'kind'],
      registers,
      collect() {
        stanzas.flush((direction, kind, n) => this.inc({ direction, kind }, n));
      },
    });
    new Gauge({
      name: `${P}xmpp_connected`,
      help: '1 while the XMPP component connection is online.',
      registers,
      collect() {
        this.set(status()?.xmppOnline ? 1 : 0);
      },
    });
    this.reconnects = new Counter({
      name: `${P}xmpp_reconnects_total`,
      help: 'Times the XMPP component came online again after the first time.',
      registers,
    });
    new Gauge({
      name: `${P}sip_registration_state`,
      help: 'The registration of each trunk that registers: 1 for its current state, 0 for the others.',
      labelNames: ['trunk', 'state'],
      registers,
      collect() {
        this.reset();
        for (const t of status()?.trunks ?? []) {
          if (t.registration === undefined) continue;
          for (const s of REGISTRATION_STATES)
            this.set({ trunk: t.name, state: s }, t.registration.status === s ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: `${P}sip_peer_up`,
      help: 'sip.trunkKeepalive: 1 while the next hop (sip.outbound, a trunk) answers OPTIONS, 0 while it does not; absent before its first probe.',
      labelNames: ['peer'],
      registers,
      collect() {
        this.reset();
        for (const t of status()?.trunks ?? []) {
          const k = t.keepalive;
          if (k !== undefined && k.state !== 'unknown') this.set({ peer: t.name }, k.state === 'up' ? 1 : 0);
        }
      },
    });
    this.denials = new Counter({
      name: `${P}policy_denials_total`,
      help: 'Calls refused by policy: callee (policy.callers, sipHosts, denied numbers), source (policy.sources).',
      labelNames: ['kind'],
      registers,
    });
    this.limits = new Counter({
      name: `${P}limit_rejections_total`,
      help: 'Calls refused by a limit (limits.<limit>), from an XMPP user or a SIP source.',
      labelNames: ['from', 'limit'],
      registers,
    });
    this.mediaErrors = new Counter({
      name: `${P}rtpengine_errors_total`,
      help: 'ng requests to rtpengine that failed (timeout, error answer), by operation.',
      labelNames: ['op'],
      registers,
    });
    new Gauge({
      name: `${P}draining`,
      help: '1 while the gateway is stopping and takes no new calls.',
      registers,
      collect() {
        this.set(status()?.draining ? 1 : 0);
      },
    });
    // Series that exist from the start, so a rate() sees the first increment.
    for (const direction of ['in', 'out']) {
      for (const c of ['1xx', '2xx', '3xx', '4xx', '5xx', '6xx'])
        this.sipResponses.inc({ direction, class: c }, 0);
      for (const kind of STANZAS) this.stanzas.inc({ direction, kind }, 0);
    }
    for (const kind of ['callee', 'source']) this.denials.inc({ kind }, 0);
  }

  /** The observer that feeds the counters. */
  readonly observer: GatewayObserver = {
    callStarted: (c: CallInfo) => this.live.set(c.sid, { direction: c.direction, at: c.at, answered: false }),
    callAnswered: (sid, at) => {
      const c = this.live.get(sid);
      if (!c || c.answered) return;
      c.answered = true;
      this.setup.observe({ direction: c.direction }, Math.max(0, at - c.at) / 1000);
    },
    callEnded: (sid, condition) => {
      const c = this.live.get(sid);
      if (!c) return;
      this.live.delete(sid);
      this.callsTotal.inc({ direction: c.direction, outcome: c.answered ? 'answered' : condition });
    },
    sipMessage: (direction: WireDirection, m: SipMessage) => {
      if (m.kind === 'response') {
        const cls = m.status >= 100 && m.status < 700 ? `${Math.floor(m.status / 100)}xx` : 'other';
        this.responseCounts.add(direction, cls);
      } else {
        this.requestCounts.add(direction, METHODS.has(m.method) ? m.method : 'other');
      }
    },
    stanza: (direction: WireDirection, el: XmlElement) => {
      if (STANZAS.has(el.name)) this.stanzaCounts.add(direction, el.name);
    },
    mediaFailed: (op: MediaOp) => this.mediaErrors.inc({ op }),
    denied: (kind) => this.denials.inc({ kind }),
    limited: (from, limit) => this.limits.inc({ from, limit }),
  };

  /** The XMPP component is online; every time after the first is a reconnect. */
  xmppOnline(): void {
    if (this.wasOnline) this.reconnects.inc();
    this.wasOnline = true;
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

function directionOf(origin: 'xmpp' | 'sip'): CallDirection {
  return origin === 'xmpp' ? 'xmpp-to-sip' : 'sip-to-xmpp';
}
