/**
 * The gateway's XMPP leg: one XEP-0114 component connection and everything the XMPP side of a
 * call needs — Jingle IQs both ways, XEP-0353 ringing on every device, discovery, XEP-0100,
 * presence for SIP contacts — behind a typed API for the call layer.
 *
 * ```ts
 * const leg = XmppLeg.start(config, { logger, handler });   // connects (backoff + jitter)
 * leg.on('jmi', (n) => …);                                   // typed: ./events XmppLegEvents
 * await leg.propose({ from: '+15551234@gw', to: 'juliet@capulet.lit', id, media: ['audio'] });
 * // 'jmi' { kind: 'proceed', from: 'juliet@capulet.lit/phone', … }
 * await leg.sendJingle('juliet@capulet.lit/phone', sessionInitiate, '+15551234@gw/sip');
 * ```
 *
 * The events and their payloads are one map, {@link XmppLegEvents} (./events); a Jingle IQ is
 * answered by the {@link JingleHandler} delegate. Every timer (the connection's, the JMI sweep,
 * `whenOnline`) runs on the injected clock.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import winston, { type Logger } from 'winston';
import { every, systemClock, type Clock, type TimerHandle } from '../../clock';
import { addressContext } from '../../config/address-context';
import type { Mappings } from '../../config/mappings';
import type { GatewayConfig } from '../../config/config';
import { InputError } from '../../errors';
import { jingleToElement } from '../../jingle';
import type { Jingle, Reason, ReasonCondition } from '../../jingle/types';
import { normalBareJid } from '../../translate/jid';
import { ComponentConnection, xmppOptions, type XmppOptions } from '../connection';
import type { JmiDirection, JmiProposal, JmiTable, JmiTableOptions, LocalJmiDecision, Media } from '../jmi';
import type { CallRoute, PresenceTracker } from '../presence';
import { answerIq, mayPlaceCalls, type JingleHandler, type RouterContext } from '../routing';
import { NotConnectedError, xml, type XmlElement } from '../stanza';
import { Contacts } from './contacts';
import type { XmppLegEvents } from './events';
import { JmiMessages } from './jmi-messages';

export type { JmiErrorNotice, XmppLegEvents } from './events';

export interface XmppLegOptions {
  /** The mapping tables, loaded once at start (src/config/mappings.ts). */
  tables: Mappings;
  logger?: Logger;
  handler?: JingleHandler;
  /** The clock of every timer of the leg (tests: a fake one). Default: the system clock. */
  clock?: Clock;
  /** The clock of the JMI table only (tests); default: `clock`'s. */
  now?: () => number;
  /** The jitter source of the reconnect backoff (tests). */
  random?: () => number;
  jmi?: JmiTableOptions;
  /** Sees every top-level element of the component stream, in and out; must not throw. */
  wire?: (direction: 'in' | 'out', el: XmlElement) => void;
}

export type LocalJmiKind = 'propose' | LocalJmiDecision;

/** The bare JID's normal form (RFC 7622 §3). */
const bare = normalBareJid;

const VERSION = '0.1.0';
/** How often proposals left open are expired and old ones forgotten. */
const SWEEP_MS = 15_000;

export class XmppLeg extends EventEmitter<XmppLegEvents> {
  readonly options: XmppOptions;
  private readonly conn: ComponentConnection;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly router: RouterContext;
  private readonly jmiSide: JmiMessages;
  private readonly contacts: Contacts;
  private sweepTimer: TimerHandle | undefined;

  private constructor(config: GatewayConfig, opts: XmppLegOptions) {
    super();
    this.options = xmppOptions(config);
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? defaultLogger(config)).child({ leg: 'xmpp' });
    this.router = {
      domain: this.options.domain,
      allowedDomains: this.options.allowedDomains,
      address: addressContext(config, opts.tables),
      hashes: opts.tables.hashes,
      version: VERSION,
    };
    if (opts.handler !== undefined) this.router.handler = opts.handler;
    this.conn = new ComponentConnection(
      this.options,
      this.log,
      {
        onIq: (s) => answerIq(s, this.router),
        onStanza: (s) => this.onStanza(s),
        onOnline: (info) => {
          this.safely('online', () => this.emit('online', info));
          this.contacts.probe();
        },
        onOffline: (reason) => {
          this.contacts.tracker.clear();
          this.safely('offline', () => this.emit('offline', reason));
        },
        onFatal: (e) => {
          this.stopSweep();
          this.safely('fatal', () => this.emit('fatal', e));
        },
        ...(opts.wire ? { onWire: opts.wire } : {}),
      },
      opts.random,
      this.clock,
    );
    const allowed = (from: string): boolean => mayPlaceCalls(from, this.router);
    this.contacts = new Contacts(this.conn, this.log, {
      domain: this.options.domain,
      resource: this.options.resource,
      allowed,
    });
    this.jmiSide = new JmiMessages(
      {
        conn: this.conn,
        log: this.log,
        domain: this.options.domain,
        full: (jid) => this.full(jid),
        allowed,
        notice: (n) => this.safely('jmi', () => this.emit('jmi', n)),
        bounced: (n) => this.safely('jmi-error', () => this.emit('jmi-error', n)),
      },
      opts.now ?? (() => this.clock.now()),
      opts.jmi,
    );
  }

  /** Creates the leg and starts connecting (never throws for network reasons). */
  static start(config: GatewayConfig, opts: XmppLegOptions): XmppLeg {
    const leg = new XmppLeg(config, opts);
    leg.conn.start();
    leg.sweepTimer = every(leg.clock, SWEEP_MS, () => leg.jmiSide.sweep());
    return leg;
  }

  /** Sets (or replaces) the handler that answers Jingle IQs. */
  setHandler(handler: JingleHandler): void {
    this.router.handler = handler;
  }

  get isOnline(): boolean {
    return this.conn.isOnline;
  }

  /** Users' devices as their presences tell (read it; the leg keeps it). */
  get presence(): PresenceTracker {
    return this.contacts.tracker;
  }

  /** Resolves once online; rejects on 'fatal' or after `timeoutMs`. */
  whenOnline(timeoutMs = 10_000): Promise<void> {
    if (this.conn.isOnline) return Promise.resolve();
    if (this.conn.status === 'refused' || this.conn.status === 'stopped') {
      return Promise.reject(new NotConnectedError(`the leg is ${this.conn.status}`));
    }
    return new Promise((resolve, reject) => {
      const done = (e?: Error): void => {
        timer.cancel();
        this.off('online', onOnline);
        this.off('fatal', onFatal);
        if (e) reject(e);
        else resolve();
      };
      const onOnline = (): void => done();
      const onFatal = (e: Error): void => done(e);
      const timer = this.clock.setTimeout(
        () => done(new Error(`XMPP component not online within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.on('online', onOnline);
      this.on('fatal', onFatal);
    });
  }

  async stop(): Promise<void> {
    this.stopSweep();
    await this.conn.stop();
  }

  /** The proposals (read them; they change through the methods below). */
  get jmi(): { get(id: string): Readonly<JmiProposal> | undefined; readonly size: number } {
    const table: JmiTable = this.jmiSide.table;
    return table;
  }

  /** JMI, or the devices to send session-initiate to directly (see PresenceTracker.route). */
  routeFor(bareJid: string): CallRoute {
    return this.contacts.tracker.route(bareJid);
  }

  /**
   * Sends a Jingle IQ set; resolves on the result. Rejects with IqError (the peer's error, with
   * its Jingle condition and text), IqTimeoutError or NotConnectedError.
   */
  async sendJingle(to: string, jingle: Jingle, from: string): Promise<void> {
    this.assertOurs(from);
    const iq = xml('iq', { type: 'set', from, to, id: randomUUID() }, jingleToElement(jingle));
    await this.conn.request(iq);
  }

  /**
   * XEP-0353 §3.1: `<propose>` from our JID `from` (bare; the resource is added) to the callee's
   * bare JID, with directed presence and caps. `id` is also the Jingle sid to use later.
   */
  async propose(o: {
    from: string;
    to: string;
    id: string;
    media: Media[] | string[];
    nick?: string;
  }): Promise<void> {
    this.assertOurs(o.from);
    const p = { from: o.from, to: o.to, id: o.id, media: [...o.media] };
    await this.jmiSide.propose(o.nick === undefined ? p : { ...p, nick: o.nick });
  }

  /**
   * A local decision on proposal `id`: ringing / proceed / reject (incoming proposals), retract /
   * finish (either). The machine picks the element XEP-0353 wants for the state (a retract after
   * a device proceeded becomes a finish). Resolves false when the proposal is unknown or over.
   * `from`/`to` are accepted for symmetry with the call layer's effects; the proposal's own
   * addresses are used.
   */
  async sendJmi(
    kind: LocalJmiKind,
    o: { id: string; from?: string; to?: string; reason?: Reason; media?: string[]; nick?: string },
  ): Promise<boolean> {
    if (kind === 'propose') {
      if (o.from === undefined || o.to === undefined)
        throw new InputError('translate', 'JMI propose', 'from and to needed');
      const p = { from: o.from, to: o.to, id: o.id, media: o.media ?? ['audio'] };
      await this.propose(o.nick === undefined ? p : { ...p, nick: o.nick });
      return true;
    }
    return this.jmiSide.decide(kind, o.id, o.reason);
  }

  /**
   * The Jingle session `sid` ended with `condition`. If it began with a proposal (either way:
   * the proposal id is the sid) that is still open, the JMI machine ends it as its state
   * requires (XEP-0353 §3.5 `<finish>`); resolves whether anything was sent. `direction`: the
   * call's own side of the proposal (`out` for a SIP-originated call), so that only its own is ended.
   */
  endSession(sid: string, condition: ReasonCondition, direction?: JmiDirection): Promise<boolean> {
    return this.jmiSide.endSession(sid, condition, direction);
  }

  private onStanza(s: XmlElement): void {
    if (s.name === 'presence') this.contacts.onPresence(s);
    else if (s.name === 'message') this.jmiSide.onMessage(s);
  }

  /** Emits to the gateway; a listener that throws is logged, never crashes the leg. */
  private safely(event: keyof XmppLegEvents, emit: () => void): void {
    try {
      emit();
    } catch (e) {
      this.log.error(`xmpp leg '${event}' listener failed`, { error: (e as Error).stack ?? String(e) });
    }
  }

  /** Our JID with the configured resource (if it has none). */
  private full(jid: string): string {
    return jid.includes('/') ? jid : `${jid}/${this.options.resource}`;
  }

  private assertOurs(jid: string): void {
    const b = bare(jid);
    const domain = b.slice(b.indexOf('@') + 1);
    if (domain !== this.options.domain) {
      throw new InputError('translate', `address ${jid}`, `not at the gateway domain ${this.options.domain}`);
    }
  }

  private stopSweep(): void {
    this.sweepTimer?.cancel();
    this.sweepTimer = undefined;
  }
}

function defaultLogger(config: GatewayConfig): Logger {
  return winston.createLogger({
    level: config.log.level,
    format: winston.format.json(),
    transports: [new winston.transports.Console()],
  });
}
