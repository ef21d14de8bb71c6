/**
 * The SIP leg's user agent: the one object the call layer drives. Event-based and typed; messages
 * are our own {@link SipMessage}s. npm `sip` is used only for its transaction layer (../transaction/bridge.ts).
 *
 * ```ts
 * const ua = await SipUserAgent.start({ listen: ['udp://127.0.0.1:0', 'tcp://127.0.0.1:0'],
 *   trusted: ['127.0.0.1/32'], userAgent: 'jingle-sip-gateway' });
 * ua.on('invite', (inv: ServerInvite) => { inv.provisional(180); const d = inv.accept(sdp); });
 * const call: ClientInvite = ua.invite({ uri, from, body });
 * call.on('provisional', (res) => …).on('accepted', (res, dialog: Dialog) => …).on('failed', (res) => …);
 * ua.on('registration', (s: RegistrationState) => …); ua.registrations(); ua.liveDialogs();
 * await ua.stop();
 * ```
 *
 * - `SipUserAgent.start(opts: UserAgentOptions): Promise<SipUserAgent>` — binds every listen
 *   address (port 0 picks one; see `addresses()`), starts the trunk registrations.
 * - `invite(o: InviteOptions): ClientInvite`; `'invite'` event (typed: UserAgentEvents): `(inv: ServerInvite)`, emitted
 *   after the trust check (trusted source or good digest; else 403/401) and after 100 Trying.
 *   Without a listener the INVITE gets 480.
 * - `options(uri): Promise<SipResponse>` — an out-of-dialog OPTIONS ping.
 * - `peers(): PeerStatus[]` — the OPTIONS keep-alive state of the outbound and trunks
 *   (peer-monitor.ts); an INVITE to a peer known to be down fails at once with a local 503.
 * - `liveDialogs()`: dialogs plus INVITEs not yet final; `registrations(): RegistrationState[]`.
 * - `stop()`: BYE to every dialog, CANCEL to every outgoing INVITE not yet answered, 503 to
 *   unanswered INVITEs, stops registrations; waits (≤ 2 s) until the BYE/CANCEL transactions
 *   (retransmissions, a 401/407 answered, a crossing 2xx ACKed and BYEd) are done, then ends every
 *   transaction and timer and closes the sockets. Idempotent.
 * - `idle(): Promise<void>` — resolves when no BYE/CANCEL transaction and no outgoing INVITE is
 *   in flight.
 */
import { EventEmitter } from 'node:events';
import { callIdOf, topViaOf } from '../message/checked';
import winston, { type Logger } from 'winston';
import {
  TransactionBridge,
  isLocalFailure,
  localFailure,
  type ClientRequestHandle,
  type ServerTransaction,
} from '../transaction/bridge';
import { systemClock, T1, T2, TIMER_64T1, type Clock, type TimerHandle } from '../common/clock';
import { ClientInvite, type InviteOptions } from '../dialog/client-invite';
import {
  ACCEPT,
  dialogKey,
  makeResponse,
  optionsResponse,
  refusal,
  remoteTargetOf,
  tagOf,
  type DialogLike,
  type SendOptions,
  type UaCore,
} from '../dialog/core';
import type { DigestCredentials } from '../message/digest';
import type { ProbeTiming } from '../dialog/dialog-probe';
import { PeerMonitor, type PeerStatus, type PeerTarget, type PeerTiming } from './peer-monitor';
import { InboundTrust } from './trust';
import { header, headers } from '../message/headers';
import { gatewayContact, outboundRoute } from '../message/invite';
import { MAX_SIP_BYTES } from '../message/message';
import { Registration, type RegistrationState } from './registration';
import { inspectRequest } from './request-inspection';
import { systemDns, type DnsResolver } from '../transport/resolver';
import { Router, trunkCredentials } from './router';
import { ServerInvite } from '../dialog/server-invite';
import type { UserAgentEvents } from '../dialog/events';
import { MIN_SE, uasSessionTimer } from '../dialog/session-timer';
import type { ConnectionLimits } from '../transport/connection-caps';
import {
  parseListen,
  TransportSet,
  type BoundSocket,
  type Flow,
  type TransportName,
} from '../transport/transport';
import type { SipMessage, SipRequest, SipResponse } from '../message/types';
import { formatHost } from '../message/uri';
import { parseTopVia } from '../message/via';

export interface TrunkOptions {
  name: string;
  /** Host (or host:port) of the trunk: requests whose next hop or Request-URI host matches use its credentials. */
  host: string;
  /** The digest realm; when set, challenges for this realm use these credentials whatever the host. */
  realm?: string;
  username: string;
  password: string;
  register?: { registrar: string; aor: string; expires?: number; retryBaseMs?: number; retryMaxMs?: number };
}

export interface UserAgentOptions {
  /** `udp|tcp|tls://host:port`, IPv6 in brackets; port 0 picks a free port. */
  listen: string[];
  /** Host written in Contact (default: the bound address). */
  host?: string;
  tls?: { cert: string | Buffer; key: string | Buffer; ca?: string | Buffer; rejectUnauthorized?: boolean };
  /** CIDR blocks whose INVITEs are accepted without a challenge. */
  trusted: string[];
  /** Challenge untrusted INVITEs with these credentials (else they get 403). */
  inboundAuth?: { realm: string; users: Record<string, string> };
  userAgent: string;
  trunks?: TrunkOptions[];
  /** Out-of-dialog requests go through this proxy (a loose-routing Route, RFC 3261 §16.12). */
  outboundProxy?: string;
  logger?: Logger;
  maxMessageBytes?: number;
  /** Caps and timeouts of TCP/TLS connections (docs/policy.md §Connections); defaults when absent. */
  connections?: Partial<ConnectionLimits>;
  clock?: Clock;
  resolver?: DnsResolver;
  /**
   * RFC 4028 interval (seconds; 0 = none) we ask for on outgoing INVITEs, and offer or reduce to
   * in the 2xx to an INVITE whose sender supports timers (docs/policy.md §Dead peers). Default 0.
   */
  sessionExpires?: number;
  minSe?: number;
  /** In-dialog OPTIONS probes of confirmed dialogs (docs/policy.md §Dead peers). Default none. */
  keepalive?: ProbeTiming;
  /**
   * Out-of-dialog OPTIONS to these next hops (docs/policy.md §Trunk keep-alive): their state is
   * in `peers()`, and an INVITE to one known to be down fails at once. Default none.
   */
  peerKeepalive?: PeerTiming & { peers: PeerTarget[] };
  /** How long a 2xx waits for its ACK before the dialog is ended with BYE (default 64·T1 = 32 s). */
  ackTimeoutMs?: number;
  /** Log every message sent and received, secrets masked: `true` at debug, `'info'` at info (log.trace). */
  wireLog?: boolean | 'info';
  /** Sees every message sent and received (`peer`: `transport|address|port`); must not throw. */
  wireTap?: (direction: 'in' | 'out', msg: SipMessage, peer: string) => void;
}

const silentLogger = (): Logger =>
  winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });

function wireTap(tap: NonNullable<UserAgentOptions['wireTap']>) {
  return (d: 'in' | 'out', msg: SipMessage, f: Flow): void =>
    tap(d, msg, `${f.transport}|${f.address}|${f.port}`);
}

export class SipUserAgent extends EventEmitter<UserAgentEvents<RegistrationState>> implements UaCore {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly userAgent: string;
  readonly timing: { t1: number; t2: number; ackTimeoutMs: number };
  readonly keepalive?: ProbeTiming;
  private transports!: TransportSet;
  private bridge!: TransactionBridge;
  private router!: Router;
  private readonly dialogs = new Map<string, DialogLike>();
  private readonly serverInvites = new Map<string, ServerInvite>();
  private readonly clientInvites = new Set<ClientInvite>();
  /**
   * INVITEs answered with a final response whose server transaction still lives (64·T1): a
   * CANCEL for one gets 200 (§9.2), not 481.
   */
  private readonly finishedInvites = new Map<string, { tag: string; timer: TimerHandle }>();
  /** BYE and CANCEL client transactions not yet finished (stop() waits for them). */
  private readonly inflight = new Set<object>();
  private idleWaiters: Array<() => void> = [];
  private stopping?: Promise<void>;
  private readonly regs: Registration[] = [];
  private readonly trust: InboundTrust;
  private stopped = false;
  private monitor?: PeerMonitor;

  private constructor(private readonly o: UserAgentOptions) {
    super();
    this.clock = o.clock ?? systemClock;
    this.logger = o.logger ?? silentLogger();
    this.userAgent = o.userAgent;
    this.timing = { t1: T1, t2: T2, ackTimeoutMs: o.ackTimeoutMs ?? TIMER_64T1 };
    if (o.keepalive && o.keepalive.intervalMs > 0) this.keepalive = o.keepalive;
    this.trust = new InboundTrust(o.trusted, o.inboundAuth, this.clock, this.logger);
  }

  static async start(o: UserAgentOptions): Promise<SipUserAgent> {
    const ua = new SipUserAgent(o);
    ua.transports = await TransportSet.open(o.listen.map(parseListen), {
      tls: o.tls,
      maxMessageBytes: o.maxMessageBytes ?? MAX_SIP_BYTES,
      logger: ua.logger,
      onMessage: (msg, source) => ua.bridge.receive(msg, source),
      connections: o.connections,
      inUse: (flow) => ua.flowInUse(flow),
    });
    ua.bridge = new TransactionBridge(
      ua.transports,
      {
        onRequest: (tx) => ua.onRequest(tx),
        onAck: (req) => ua.onAck(req),
        onStrayResponse: (res) => ua.onStrayResponse(res),
        ...(o.wireTap ? { onWire: wireTap(o.wireTap) } : {}),
      },
      ua.logger,
      o.wireLog ?? false,
      o.host,
    );
    ua.router = new Router(
      ua.transports,
      ua.bridge,
      o.resolver ?? systemDns,
      ua.logger,
      () => ua.stopped,
      (flow, sips) => ua.contact(flow, sips),
    );
    for (const t of o.trunks ?? []) {
      if (!t.register) continue;
      const reg = new Registration(ua, { trunk: t.name, ...t.register });
      reg.on('state', (s: RegistrationState) => ua.emit('registration', s));
      ua.regs.push(reg);
      // On the next turn, so that a listener added after start() sees the first state.
      setImmediate(() => reg.start());
    }
    const pk = o.peerKeepalive;
    if (pk && pk.intervalMs > 0 && pk.peers.length > 0) {
      ua.monitor = new PeerMonitor(
        pk.peers,
        pk,
        (uri) => ua.options(uri),
        isLocalFailure,
        ua.clock,
        (s) =>
          ua.logger.log(s.state === 'down' ? 'warn' : 'info', `SIP peer ${s.name} is ${s.state}`, {
            uri: s.uri,
            last: s.last,
          }),
      );
      ua.monitor.start();
    }
    ua.logger.info('SIP user agent listening', { addresses: ua.addresses() });
    return ua;
  }

  /** The bound sockets (with the real ports when 0 was asked). */
  addresses(): BoundSocket[] {
    return this.transports.bound();
  }

  liveDialogs(): number {
    return this.dialogs.size + this.serverInvites.size + this.clientInvites.size;
  }

  /** Inbound TCP/TLS connections open now (what `sip.connections.max` counts). */
  inboundConnections(): number {
    return this.transports.inboundConnections();
  }

  /**
   * Whether a dialog, or an INVITE not yet final either way, uses `flow`: the transport keeps its
   * connection however idle (RFC 3261 §18; the dialog's requests reuse it, RFC 5923 spirit).
   * Asked once per idle period of a quiet connection, so a scan is cheap enough.
   */
  private flowInUse(flow: Flow): boolean {
    const same = (f: Flow | undefined): boolean =>
      f !== undefined && f.transport === flow.transport && f.address === flow.address && f.port === flow.port;
    for (const d of this.dialogs.values()) if (same(d.flow)) return true;
    for (const si of this.serverInvites.values()) if (same(si.source)) return true;
    for (const ci of this.clientInvites) if (same(ci.flow)) return true;
    return false;
  }

  /**
   * New trunk credentials (a reload): challenges answered from now on, registration refreshes
   * included, use them. Trunks are matched by name; adding or removing one needs a restart.
   */
  updateTrunkCredentials(trunks: readonly TrunkOptions[]): void {
    const byName = new Map(trunks.map((t) => [t.name, t]));
    this.o.trunks = (this.o.trunks ?? []).map((t) => {
      const n = byName.get(t.name);
      return n === undefined ? t : { ...t, realm: n.realm, username: n.username, password: n.password };
    });
  }

  /** The OPTIONS keep-alive state of each probed next hop; empty when probes are off. */
  peers(): PeerStatus[] {
    return this.monitor?.states() ?? [];
  }

  registrations(): RegistrationState[] {
    return this.regs.map((r) => r.state());
  }

  // ---- UaCore -------------------------------------------------------------------------------

  contact(flow?: Flow, sips = false): string {
    const transport =
      flow?.transport ?? (sips && this.transports.supports('TLS') ? 'TLS' : this.preferredTransport());
    const local = this.transports.local(transport, flow && flow.address.includes(':') ? 6 : 4);
    const host = this.o.host ?? formatHost(local?.address ?? '127.0.0.1');
    // §8.1.1.8: a SIPS Contact (TLS implied) when the request or dialog is SIPS.
    return gatewayContact(host, local?.port ?? (sips ? 5061 : 5060), transport, sips);
  }

  private preferredTransport(): TransportName {
    return (['UDP', 'TCP', 'TLS'] as TransportName[]).find((t) => this.transports.supports(t)) ?? 'UDP';
  }

  credentials(realm: string, req: SipRequest): DigestCredentials | undefined {
    return trunkCredentials(this.o.trunks ?? [], realm, req);
  }

  addDialog(key: string, d: DialogLike): void {
    this.dialogs.set(key, d);
  }

  removeDialog(key: string): void {
    this.dialogs.delete(key);
  }

  send(req: SipRequest, onResponse: (res: SipResponse) => void, opts: SendOptions = {}): ClientRequestHandle {
    if (req.method !== 'BYE' && req.method !== 'CANCEL') return this.router.send(req, onResponse, opts);
    // Tracked so that stop() lets them finish: retransmissions over UDP, a 401/407 answered.
    const token = {};
    this.inflight.add(token);
    const settle = (): void => {
      if (this.inflight.delete(token)) this.checkIdle();
    };
    const handle = this.router.send(
      req,
      (res) => {
        try {
          onResponse(res); // first: a retry with credentials is tracked before this one ends
        } finally {
          if (res.status >= 200) settle();
        }
      },
      opts,
    );
    return {
      flow: () => handle.flow(),
      via: () => handle.via(),
      abort: () => {
        handle.abort();
        settle();
      },
    };
  }

  private busy(): boolean {
    return this.inflight.size > 0 || this.clientInvites.size > 0;
  }

  private checkIdle(): void {
    if (this.busy()) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Resolves when no BYE/CANCEL transaction and no outgoing INVITE is in flight. */
  idle(): Promise<void> {
    if (!this.busy() || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  sendAck(ack: SipRequest, preferFlow?: Flow): void {
    this.router.sendAck(ack, preferFlow);
  }

  // ---- API ----------------------------------------------------------------------------------

  invite(o: InviteOptions): ClientInvite {
    const hs = [...(o.headers ?? [])];
    if (this.o.outboundProxy !== undefined && !hs.some((h) => h.name.toLowerCase() === 'route')) {
      hs.unshift(outboundRoute(this.o.outboundProxy));
    }
    const ci = new ClientInvite(
      this,
      { sessionExpires: this.o.sessionExpires || undefined, ...o, headers: hs },
      (done) => {
        this.clientInvites.delete(done);
        this.checkIdle();
      },
    );
    // A peer that answers no OPTIONS would let this INVITE wait for Timer B (64·T1 = 32 s):
    // fail at once, with the reason (RFC 3261 §21.5.4: 503, the next hop is unavailable).
    // The next hop is the first Route (loose routing, §16.12: sip.outboundProxy) if any.
    const route = hs.find((h) => h.name.toLowerCase() === 'route')?.value;
    const down = this.monitor?.downFor(/<([^>]+)>/.exec(route ?? '')?.[1] ?? o.uri);
    if (this.stopping !== undefined || down !== undefined) {
      const why =
        down === undefined
          ? 'stopped'
          : `the trunk ${down.name} (${down.uri}) is not answering OPTIONS (${down.last ?? 'no answer'})`;
      setImmediate(() =>
        ci.emit(
          'failed',
          localFailure({ kind: 'request', method: 'INVITE', uri: o.uri, headers: [], body: '' }, 503, why),
        ),
      );
      return ci;
    }
    this.clientInvites.add(ci);
    ci.start();
    return ci;
  }

  /** An out-of-dialog OPTIONS (a ping); resolves with the final response. */
  options(
    uri: string,
    from = `sip:gw@${formatHost(this.transports.bound()[0]?.address ?? '127.0.0.1')}`,
  ): Promise<SipResponse> {
    const req: SipRequest = {
      kind: 'request',
      method: 'OPTIONS',
      uri,
      headers: [
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: `<${from}>;tag=${Math.random().toString(36).slice(2)}` },
        { name: 'To', value: `<${uri}>` },
        { name: 'Call-ID', value: `${Math.random().toString(36).slice(2)}@gw` },
        { name: 'CSeq', value: '1 OPTIONS' },
        { name: 'Accept', value: ACCEPT },
        { name: 'User-Agent', value: this.userAgent },
      ],
      body: '',
    };
    return new Promise((resolve) => this.send(req, (res) => res.status >= 200 && resolve(res)));
  }

  // ---- inbound ------------------------------------------------------------------------------

  private onRequest(tx: ServerTransaction): void {
    const req = tx.request;
    const callId = callIdOf(req);
    const toTag = tagOf(header(req, 'to'));
    // While stopping, dialogs and transactions still being ended take their requests; new INVITEs don't.
    if (this.stopped || (this.stopping !== undefined && req.method === 'INVITE' && toTag === undefined))
      return tx.respond(refusal(req, 503));
    const fromTag = tagOf(header(req, 'from')) ?? '';
    const mf = header(req, 'max-forwards');
    if (mf !== undefined && Number(mf) === 0 && req.method !== 'OPTIONS') {
      return tx.respond(refusal(req, 483)); // §16.3 / §8.2.x: Too Many Hops
    }
    // §8.2.1–§8.2.3 (method, Request-URI scheme, Require, body, Accept), in and out of dialogs.
    const refused = inspectRequest(req);
    if (refused) return tx.respond(refused);
    if (toTag !== undefined) {
      const d = this.dialogs.get(dialogKey(callId, toTag, fromTag));
      if (d) return d.handleRequest(tx);
      if (req.method === 'OPTIONS') return this.answerOptions(tx);
      // §12.2.2: a request for a dialog we don't know → 481.
      return tx.respond(refusal(req, 481));
    }
    switch (req.method) {
      case 'INVITE':
        return this.onInvite(tx);
      case 'CANCEL': {
        const key = this.inviteKey(req);
        const si = this.serverInvites.get(key);
        if (si) return si.handleCancel(tx);
        // §9.2: the INVITE was answered but its server transaction lives on: 200, no effect.
        const done = this.finishedInvites.get(key);
        if (done) return tx.respond(makeResponse(req, 200, { toTag: done.tag }));
        return tx.respond(refusal(req, 481));
      }
      case 'OPTIONS':
        return this.answerOptions(tx);
      default:
        // BYE, INFO, UPDATE, PRACK, NOTIFY, REFER outside a dialog (§12.2.2).
        return tx.respond(refusal(req, 481));
    }
  }

  private inviteKey(req: SipRequest): string {
    const branch = parseTopVia(topViaOf(req)).params.branch;
    return `${header(req, 'call-id')}\n${typeof branch === 'string' ? branch : ''}`;
  }

  private answerOptions(tx: ServerTransaction): void {
    tx.respond(optionsResponse(tx.request, this.userAgent));
  }

  private onInvite(tx: ServerTransaction): void {
    const req = tx.request;
    const contacts = headers(req, 'contact');
    if (contacts.length !== 1 || !remoteTargetOf(contacts[0], req.uri).ok) {
      // §8.1.1.8: an INVITE has exactly one Contact, a SIP(S) URI; `Contact: *` is REGISTER-only.
      return tx.respond(refusal(req, 400, { reason: 'Bad Contact' }));
    }
    if (!this.trust.check(tx)) return;
    const st = uasSessionTimer(req, this.o.minSe ?? MIN_SE, this.o.sessionExpires ?? 0);
    if (st.kind === 'too-small') {
      return tx.respond(refusal(req, 422, { headers: [{ name: 'Min-SE', value: String(st.minSe) }] }));
    }
    tx.respond(makeResponse(req, 100));
    const key = this.inviteKey(req);
    const si = new ServerInvite(this, tx, st.kind === 'use' ? st : undefined, (done) => {
      if (this.serverInvites.get(key) !== done) return;
      this.serverInvites.delete(key);
      const timer = this.clock.setTimeout(() => this.finishedInvites.delete(key), TIMER_64T1);
      this.finishedInvites.set(key, { tag: done.localTag, timer });
    });
    this.serverInvites.set(key, si);
    if (this.listenerCount('invite') === 0) {
      si.reject(480, 'No Handler');
      return;
    }
    try {
      this.emit('invite', si);
    } catch (e) {
      this.logger.error('invite handler threw', { error: (e as Error).stack });
      si.reject(500);
    }
  }

  private onAck(req: SipRequest): boolean {
    const d = this.dialogs.get(
      dialogKey(callIdOf(req), tagOf(header(req, 'to')) ?? '', tagOf(header(req, 'from')) ?? ''),
    );
    return d ? d.handleAck(req) : false;
  }

  private onStrayResponse(res: SipResponse): void {
    if (res.status < 200 || res.status >= 300) return;
    const d = this.dialogs.get(
      dialogKey(callIdOf(res), tagOf(header(res, 'from')) ?? '', tagOf(header(res, 'to')) ?? ''),
    );
    d?.handleStray2xx?.(res);
  }

  async stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.monitor?.stop();
    const unregistered = Promise.all(this.regs.map((r) => r.stop()));
    for (const si of [...this.serverInvites.values()]) si.abort();
    // CANCEL now, or with the first provisional (§9.1); a crossing 2xx is ACKed and BYEd.
    for (const ci of [...this.clientInvites]) ci.cancel();
    const byes: Promise<unknown>[] = [];
    for (const d of [...this.dialogs.values()]) {
      const dialog = d as DialogLike & { bye?: () => Promise<void> };
      if (dialog.bye) byes.push(dialog.bye().catch(() => undefined));
    }
    // Let the BYE/CANCEL transactions finish (retransmitted, challenged), bounded.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...byes, unregistered, this.idle()]),
      new Promise((r) => (timer = setTimeout(r, 2000))),
    ]);
    clearTimeout(timer);
    this.stopped = true;
    for (const ci of [...this.clientInvites]) ci.abort();
    for (const d of [...this.dialogs.values()]) {
      (d as DialogLike & { terminate?: (why: string) => void }).terminate?.('user agent stopped');
    }
    for (const f of this.finishedInvites.values()) f.timer.cancel();
    this.finishedInvites.clear();
    this.dialogs.clear();
    this.serverInvites.clear();
    this.clientInvites.clear();
    this.inflight.clear();
    for (const w of this.idleWaiters.splice(0)) w();
    this.bridge.destroy();
    this.trust.stop();
    await this.transports.close();
    this.removeAllListeners('invite');
  }
}
