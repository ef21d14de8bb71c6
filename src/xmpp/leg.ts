/**
 * The gateway's XMPP leg: one XEP-0114 component connection and everything the XMPP side of a
 * call needs — Jingle IQs both ways, XEP-0353 ringing on every device, discovery, XEP-0100,
 * presence for SIP contacts — behind a typed API for the call layer.
 *
 * ```ts
 * const leg = XmppLeg.start(config, { logger, handler });   // connects (backoff + jitter)
 * leg.on('online' | 'offline' | 'fatal' | 'jmi' | 'jmi-error', …);
 * await leg.propose({ from: '+15551234@gw', to: 'juliet@capulet.lit', id, media: ['audio'] });
 * // 'jmi' { kind: 'proceed', from: 'juliet@capulet.lit/phone', … }
 * await leg.sendJingle('juliet@capulet.lit/phone', sessionInitiate, '+15551234@gw/sip');
 * ```
 *
 * Events:
 * - `'online'` `{ downtimeMs, attempts }`: connected (again); `'offline'` `reason`: lost, will reconnect;
 * - `'fatal'` (ComponentRefusedError): the server refused the secret or domain; the leg stopped;
 * - `'jmi'` (JmiNotice, ./jmi): a JMI message changed a proposal (propose, ringing, proceed, reject,
 *   retract, finish, accept) or a proposal expired;
 * - `'jmi-error'` (JmiErrorNotice): a JMI message of ours bounced (e.g. the callee is offline).
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import winston, { type Logger } from 'winston';
import { addressContext } from '../config/address-context';
import type { GatewayConfig } from '../config/config';
import type { Mappings } from '../config/mappings';
import { InputError, isInputError } from '../errors';
import { jingleToElement } from '../jingle';
import { normalBareJid } from '../translate/jid';
import type { Jingle, Reason } from '../jingle/types';
import { ComponentConnection } from './connection';
import { capsVer, featuresOf, identitiesOf } from './disco';
import { errorElement, NotConnectedError, type StanzaCondition } from './errors';
import type { JmiEffect, Media } from './jmi';
import { JmiTable, type JmiTableOptions } from './jmi-table';
import { jmiMessageStanza, parseJmi } from './jmi-xml';
import { NS_DISCO_INFO, NS_NICK, NS_STANZAS } from './namespaces';
import { xmppOptions, type XmppOptions } from './options';
import { availablePresence, capsOf, PresenceTracker, presenceReplies, type CallRoute } from './presence';
import { answerIq, mayPlaceCalls, type JingleHandler, type RouterContext } from './router';
import { xml, type XmlElement } from './xml';

export interface XmppLegOptions {
  /** The mapping tables, loaded once at start (src/config/mappings.ts). */
  tables: Mappings;
  logger?: Logger;
  handler?: JingleHandler;
  /** The clock of the JMI table (tests). */
  now?: () => number;
  /** The jitter source of the reconnect backoff (tests). */
  random?: () => number;
  jmi?: JmiTableOptions;
  /** Sees every top-level element of the component stream, in and out; must not throw. */
  wire?: (direction: 'in' | 'out', el: XmlElement) => void;
}

/** A JMI message of ours came back as an error. */
export interface JmiErrorNotice {
  id: string;
  /** Who could not be reached. */
  from: string;
  condition: StanzaCondition;
  text?: string;
}

export type LocalJmiKind = 'propose' | 'ringing' | 'proceed' | 'reject' | 'retract' | 'finish';

/** The bare JID's normal form (RFC 7622 §3). */
const bare = normalBareJid;

const VERSION = '0.1.0';

export class XmppLeg extends EventEmitter {
  readonly options: XmppOptions;
  readonly presence = new PresenceTracker();
  private readonly jmiTable: JmiTable;
  private readonly conn: ComponentConnection;
  private readonly log: Logger;
  private readonly router: RouterContext;
  /** Stanza id of each JMI message sent → proposal id (for bounced messages). */
  private readonly sentJmi = new Map<string, string>();
  /** Our contact JID each user sent presence to: probed again after a reconnect. */
  private readonly contacts = new Map<string, string>();
  private sweepTimer: NodeJS.Timeout | undefined;

  private constructor(config: GatewayConfig, opts: XmppLegOptions) {
    super();
    this.options = xmppOptions(config);
    this.log = (opts.logger ?? defaultLogger(config)).child({ leg: 'xmpp' });
    this.jmiTable = new JmiTable(opts.now, opts.jmi);
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
        ...(opts.wire ? { onWire: opts.wire } : {}),
      },
      opts.random,
    );
    this.conn.on('online', (info) => {
      this.safeEmit('online', info);
      this.probeContacts();
    });
    this.conn.on('offline', (reason: string) => {
      this.presence.clear();
      this.safeEmit('offline', reason);
    });
    this.conn.on('fatal', (e: Error) => {
      this.stopSweep();
      this.safeEmit('fatal', e);
    });
  }

  /** Creates the leg and starts connecting (never throws for network reasons). */
  static start(config: GatewayConfig, opts: XmppLegOptions): XmppLeg {
    const leg = new XmppLeg(config, opts);
    leg.conn.start();
    leg.sweepTimer = setInterval(() => leg.runEffects(leg.jmiTable.sweep()), 15_000);
    leg.sweepTimer.unref();
    return leg;
  }

  /** Sets (or replaces) the handler that answers Jingle IQs. */
  setHandler(handler: JingleHandler): void {
    this.router.handler = handler;
  }

  get isOnline(): boolean {
    return this.conn.isOnline;
  }

  /** Resolves once online; rejects on 'fatal' or after `timeoutMs`. */
  whenOnline(timeoutMs = 10_000): Promise<void> {
    if (this.conn.isOnline) return Promise.resolve();
    if (this.conn.status === 'refused' || this.conn.status === 'stopped') {
      return Promise.reject(new NotConnectedError(`the leg is ${this.conn.status}`));
    }
    return new Promise((resolve, reject) => {
      const done = (e?: Error): void => {
        clearTimeout(timer);
        this.off('online', onOnline);
        this.off('fatal', onFatal);
        if (e) reject(e);
        else resolve();
      };
      const onOnline = (): void => done();
      const onFatal = (e: Error): void => done(e);
      const timer = setTimeout(
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

  /** The proposals' state machine (read it; change it through the methods below). */
  get jmi(): Pick<JmiTable, 'get' | 'size'> {
    return this.jmiTable;
  }

  /** JMI, or the devices to send session-initiate to directly (see PresenceTracker.route). */
  routeFor(bareJid: string): CallRoute {
    return this.presence.route(bareJid);
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
    /** The SIP caller's display name: a XEP-0172 nick in the presence and the propose. */
    nick?: string;
  }): Promise<void> {
    this.assertOurs(o.from);
    const result = this.jmiTable.proposeOut({
      id: o.id,
      local: o.from,
      peer: bare(o.to),
      media: [...o.media],
    });
    if (!result.accepted) throw new InputError('translate', `JMI id ${o.id}`, 'already in use');
    const nick = o.nick?.trim() ? o.nick.trim() : undefined;
    const presence = availablePresence(this.full(o.from), bare(o.to));
    if (nick !== undefined) presence.cnode(xml('nick', { xmlns: NS_NICK }, nick));
    await this.conn.send(presence);
    await this.runEffects(
      result.effects,
      true,
      nick === undefined ? undefined : xml('nick', { xmlns: NS_NICK }, nick),
    );
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
    const ev =
      o.reason === undefined
        ? { by: 'local' as const, kind }
        : { by: 'local' as const, kind, reason: o.reason };
    const result = this.jmiTable.apply(o.id, ev);
    if (!result.accepted) {
      this.log.debug('xmpp jmi local event refused', { id: o.id, kind, effects: result.effects });
      return false;
    }
    const rec = this.jmiTable.get(o.id);
    // XEP-0353 §3.4: the device that proceeds sends directed presence if none is shared.
    if (kind === 'proceed' && rec?.peerFull !== undefined) {
      await this.conn.send(availablePresence(this.full(rec.local), rec.peerFull));
    }
    await this.runEffects(result.effects, true);
    return true;
  }

  // ── incoming ────────────────────────────────────────────────────────────────────────────

  private onStanza(s: XmlElement): void {
    if (s.name === 'presence') this.onPresence(s);
    else if (s.name === 'message') this.onMessage(s);
  }

  private onMessage(s: XmlElement): void {
    const from = s.attrs.from;
    const to = s.attrs.to ?? this.options.domain;
    if (from === undefined) return;
    if (s.attrs.type === 'error') {
      const id = s.attrs.id === undefined ? undefined : this.sentJmi.get(s.attrs.id);
      if (id === undefined) return;
      const e = s.getChild('error');
      const condition = (e?.getChildElements().find((c) => c.getNS() === NS_STANZAS && c.name !== 'text')
        ?.name ?? 'undefined-condition') as StanzaCondition;
      const notice: JmiErrorNotice = { id, from, condition };
      const text = e
        ?.getChildElements()
        .find((c) => c.name === 'text')
        ?.getText();
      if (text) notice.text = text;
      this.log.info('xmpp jmi message bounced', { ...notice });
      this.safeEmit('jmi-error', notice);
      return;
    }
    let message;
    try {
      message = parseJmi(s);
    } catch (e) {
      if (!isInputError(e)) throw e;
      this.log.info('xmpp malformed jmi message', { from, error: e.message });
      this.replyError(s, 'bad-request', e.message);
      return;
    }
    if (message === undefined) {
      // XEP-0353 is the only message payload the gateway understands; a chat body gets an error.
      if (s.getChild('body') !== undefined && s.attrs.type !== 'groupchat' && s.attrs.type !== 'headline') {
        this.replyError(s, 'service-unavailable', 'this gateway carries calls, not chat messages');
      }
      return;
    }
    if (message.kind === 'propose') {
      const local = bare(to);
      if (!local.includes('@') || !mayPlaceCalls(from, this.router)) {
        const text = !local.includes('@')
          ? `nobody to call at ${local}`
          : `users of ${bare(from).split('@').pop()} may not place calls through ${this.options.domain}`;
        this.log.info('xmpp jmi propose refused', { from, to, text });
        void this.runEffects([
          {
            type: 'send',
            from: local,
            to: bare(from),
            message: { kind: 'reject', id: message.id, reason: { condition: 'decline', text } },
          },
        ]);
        return;
      }
      const effects = this.jmiTable.proposeIn(from, local, message).effects;
      const nick = s.getChildText('nick', NS_NICK)?.trim();
      if (nick) for (const e of effects) if (e.type === 'emit') e.notice.nick = nick;
      void this.runEffects(effects);
      return;
    }
    const rec = this.jmiTable.get(message.id);
    if (rec !== undefined && rec.local !== bare(to)) {
      this.log.info('xmpp jmi message to the wrong JID ignored', { id: message.id, to, expected: rec.local });
      return;
    }
    void this.runEffects(this.jmiTable.apply(message.id, { by: 'remote', from, message }).effects);
  }

  private onPresence(s: XmlElement): void {
    const from = s.attrs.from;
    const to = s.attrs.to ?? this.options.domain;
    if (from === undefined) return;
    const type = s.attrs.type ?? 'available';
    if (type === 'available') {
      this.contacts.set(bare(from), bare(to));
      const caps = capsOf(s);
      if (this.presence.available(from, caps) && caps !== undefined)
        void this.learnCaps(from, caps.node, caps.ver, caps.hash);
      return;
    }
    if (type === 'unavailable') {
      this.presence.unavailable(from);
      return;
    }
    const replies = presenceReplies({
      type,
      from,
      to,
      allowed: mayPlaceCalls(from, this.router),
      resource: this.options.resource,
    });
    for (const r of replies)
      this.conn
        .send(r)
        .catch((e: Error) => this.log.debug('xmpp presence reply not sent', { error: e.message }));
  }

  /** XEP-0115 §6.2: ask the device once per `ver` what it supports. */
  private async learnCaps(jid: string, node: string, ver: string, hash: string): Promise<void> {
    const iq = xml(
      'iq',
      { type: 'get', to: jid, from: this.options.domain },
      xml('query', { xmlns: NS_DISCO_INFO, node: `${node}#${ver}` }),
    );
    try {
      const result = await this.conn.request(iq);
      const q = result.getChild('query', NS_DISCO_INFO);
      if (q === undefined) return;
      // XEP-0115 §5.4: cache by ver only what hashes to it, so that one client cannot poison
      // the answer for every device advertising the same ver (answers with XEP-0128 forms do
      // not verify here and are kept per device).
      const verified = hash === 'sha-1' && capsVer(identitiesOf(q), featuresOf(q)) === ver;
      if (verified) this.presence.learnFeatures(ver, featuresOf(q));
      else this.presence.learnDeviceFeatures(jid, featuresOf(q));
    } catch (e) {
      this.log.debug('xmpp caps query failed', { jid, error: (e as Error).message });
    }
  }

  /** After a reconnect the tracker is empty: ask the users we knew for their presence again. */
  private probeContacts(): void {
    for (const [user, contact] of this.contacts) {
      const probe = xml('presence', { type: 'probe', from: contact, to: user });
      this.conn.send(probe).catch(() => undefined);
    }
  }

  // ── effects ─────────────────────────────────────────────────────────────────────────────

  private async runEffects(effects: JmiEffect[], rethrow = false, extra?: XmlElement): Promise<void> {
    for (const e of effects) {
      if (e.type === 'emit') {
        this.log.debug('xmpp jmi', { ...e.notice });
        this.safeEmit('jmi', e.notice);
      } else if (e.type === 'ignore') {
        this.log.debug('xmpp jmi ignored', { why: e.why });
      } else {
        const id = randomUUID();
        const stanza = jmiMessageStanza({
          from: this.full(e.from),
          to: e.to,
          message: e.message,
          private: e.private === true,
          id,
        });
        if (extra !== undefined) stanza.cnode(extra);
        this.sentJmi.set(id, e.message.id);
        if (this.sentJmi.size > 10_000) this.sentJmi.delete(this.sentJmi.keys().next().value as string);
        try {
          await this.conn.send(stanza);
        } catch (err) {
          if (rethrow) throw err;
          this.log.warn('xmpp jmi message not sent', {
            id: e.message.id,
            kind: e.message.kind,
            error: (err as Error).message,
          });
        }
      }
    }
  }

  private replyError(s: XmlElement, condition: StanzaCondition, text: string): void {
    if (s.attrs.type === 'error' || s.attrs.from === undefined) return;
    const reply = xml(
      'message',
      { from: s.attrs.to, to: s.attrs.from, type: 'error', id: s.attrs.id },
      errorElement({ condition, text }),
    );
    this.conn.send(reply).catch(() => undefined);
  }

  /** Emits to the call layer; a listener that throws is logged, never crashes the leg. */
  private safeEmit(event: string, value: unknown): void {
    try {
      this.emit(event, value);
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
    clearInterval(this.sweepTimer);
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
