/**
 * The XEP-0114 component connection, made robust: reconnection with exponential backoff and
 * jitter (./backoff), a XEP-0199 ping keepalive that notices a dead server, a clear stop when
 * the server refuses the secret or the domain (no reconnect loop), an IQ caller with timeouts
 * that fails fast when the connection drops, and wire logging with the handshake masked.
 *
 * Built on @xmpp/component 0.13 (its own fixed-delay reconnect is switched off). Incoming
 * stanzas reach the owner through two callbacks; nothing thrown there escapes into the socket.
 *
 *   idle ─start─► connecting ─handshake ok─► online ─socket closed / ping timeout─► waiting
 *                   ▲   │ failure                                                    │
 *                   │   └──────────────────────────────► waiting ◄───────────────────┘
 *                   └────────── backoff delay ──────────────┘
 *   not-authorized / host-unknown (from any state) ─► refused (terminal, 'fatal' emitted)
 *   stop() (from any state) ─► stopped (terminal)
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { component, type Component, type MiddlewareContext } from '@xmpp/component';
import { Element } from 'ltx';
import type { Logger } from 'winston';
import { normalJid } from '../../translate/jid';
import { backoffDelay } from './backoff';
import {
  ComponentRefusedError,
  IqError,
  IqTimeoutError,
  NotConnectedError,
  errorElement,
  parseErrorElement,
  type StanzaErrorSpec,
} from '../stanza';
import { NS_PING } from '../stanza';
import type { XmppOptions } from './options';
import { maskWire } from './wire';
import { MAX_XML_DEPTH, MAX_XML_ELEMENTS } from '../../jingle/xml';
import { treeSize, xml, type XmlElement } from '../stanza';

export type ConnectionState = 'idle' | 'connecting' | 'online' | 'waiting' | 'stopped' | 'refused';

/** What an IQ get/set is answered with: a result (with a payload, or empty) or an error. */
export type IqAnswer = XmlElement | true | { error: StanzaErrorSpec };

export interface ConnectionCallbacks {
  /** IQ get/set addressed to the component. Must not throw (a throw is answered as internal-server-error). */
  onIq(stanza: XmlElement): Promise<IqAnswer>;
  /** Messages and presences. */
  onStanza(stanza: XmlElement): void;
  /** Every top-level element in and out (the handshake too: mask it), for onlookers; must not throw. */
  onWire?(direction: 'in' | 'out', el: XmlElement): void;
}

/** The largest stanza handled: a Jingle document at its limits (src/jingle/xml.ts) inside an `<iq>`. */
const STANZA_LIMITS = { elements: MAX_XML_ELEMENTS + 1, depth: MAX_XML_DEPTH + 1 };

/** How long one attempt (TCP connect, stream open, handshake) may take. */
const ATTEMPT_TIMEOUT_MS = 5000;

/** Stream errors that no retry can fix (RFC 6120 §4.9.3; XEP-0114 §3). */
const FATAL_CONDITIONS: Record<string, string> = {
  'not-authorized': 'refused the component secret (check xmpp.secret)',
  'host-unknown': 'does not know the component domain (check xmpp.domain and the server configuration)',
};

interface Pending {
  to: string;
  resolve: (el: XmlElement) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class ComponentConnection extends EventEmitter {
  private readonly xmpp: Component;
  private state: ConnectionState = 'idle';
  private retry = 0;
  private generation = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private pingOutstanding = false;
  private readonly pending = new Map<string, Pending>();
  private offlineSince: number | undefined;

  constructor(
    private readonly o: XmppOptions,
    private readonly log: Logger,
    private readonly callbacks: ConnectionCallbacks,
    private readonly random: () => number = Math.random,
  ) {
    super();
    this.xmpp = component({ service: o.service, domain: o.domain, password: o.secret });
    this.xmpp.reconnect.stop();
    this.xmpp.timeout = ATTEMPT_TIMEOUT_MS;
    this.xmpp.on('error', (err: Error) => this.onError(err));
    this.xmpp.on('online', () => this.onOnline());
    this.xmpp.on('disconnect', () => this.onDisconnect());
    // The component stream is a TCP socket carrying small stanzas back to back: without
    // TCP_NODELAY each one can wait for the previous one's ACK (Nagle, up to ~40 ms with delayed
    // ACKs), which was most of the call setup latency measured in issue 12.
    this.xmpp.on('connect', () => this.xmpp.socket?.setNoDelay?.(true));
    if (o.debugWire || o.trace) {
      const level = o.trace ? 'info' : 'debug';
      this.xmpp.on('input', (s: string) =>
        this.log.log(level, 'xmpp wire in', { data: maskWire(s, o.secret) }),
      );
      this.xmpp.on('output', (s: string) =>
        this.log.log(level, 'xmpp wire out', { data: maskWire(s, o.secret) }),
      );
    }
    const tap = callbacks.onWire;
    if (tap) {
      // At the moment of sending (xmpp.js's 'send' event comes after the socket write), and for
      // what xmpp.js sends itself (IQ answers), so the tap sees the order of the wire.
      const send = this.xmpp.send.bind(this.xmpp);
      this.xmpp.send = (el: XmlElement) => {
        tap('out', el);
        return send(el);
      };
      // Before xmpp.js's own listener, which hands the stanza to the gateway at once.
      this.xmpp.prependListener('element', (el: XmlElement) => tap('in', el));
    }
    this.xmpp.middleware.use((ctx) => this.incoming(ctx));
    // xmpp.js builds each stanza's context (JIDs parsed) synchronously in its 'element'
    // listener; a throw there would escape into the socket's data handler. Guard it.
    for (const l of this.xmpp.listeners('element') as Array<(el: XmlElement) => unknown>) {
      this.xmpp.removeListener('element', l);
      this.xmpp.on('element', (el: XmlElement) => {
        if (this.refusedAsTooLarge(el)) return;
        try {
          l(el);
        } catch (e) {
          this.log.warn('xmpp stanza dropped', {
            error: (e as Error).message,
            stanza: el.toString().slice(0, 500),
          });
        }
      });
    }
  }

  /**
   * RFC 6120 §13.12 (denial of service): a stanza larger or deeper than any the gateway handles
   * is refused before xmpp.js sees it. Its IQ error reply would echo the payload back, and ltx
   * cannot even write one 5,000 levels deep (RangeError: the client got no answer; test/fuzz).
   * An IQ get/set gets bad-request without the payload; anything else is dropped.
   */
  private refusedAsTooLarge(el: XmlElement): boolean {
    const size = treeSize(el, STANZA_LIMITS);
    if (size.elements <= STANZA_LIMITS.elements && size.depth <= STANZA_LIMITS.depth) return false;
    const { id, from, to, type } = el.attrs;
    this.log.warn('xmpp stanza too large: refused', { stanza: el.name, id, from });
    if (el.name === 'iq' && (type === 'get' || type === 'set') && id !== undefined && from !== undefined) {
      const text = `stanza too large (more than ${MAX_XML_ELEMENTS} elements or ${MAX_XML_DEPTH} levels)`;
      const reply = xml(
        'iq',
        { type: 'error', id, from: to, to: from },
        errorElement({ condition: 'bad-request', text }),
      );
      this.xmpp.send(reply).catch(() => undefined);
    }
    return true;
  }

  get status(): ConnectionState {
    return this.state;
  }

  /** Stopped or refused: nothing will reconnect. */
  private get ended(): boolean {
    return this.state === 'stopped' || this.state === 'refused';
  }

  get isOnline(): boolean {
    return this.state === 'online';
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.offlineSince = Date.now();
    void this.attempt();
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasOnline = this.state === 'online';
    this.setState('stopped');
    this.clearTimers();
    this.failPending('stopped');
    if (this.xmpp.socket !== null) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.xmpp.stop().catch(() => undefined),
        new Promise((r) => (timer = setTimeout(r, 3000))),
      ]);
      clearTimeout(timer);
      this.xmpp.socket?.destroy();
    }
    if (wasOnline) this.emit('offline', 'stopped');
  }

  /** Sends a stanza; rejects with NotConnectedError when not online. */
  async send(el: XmlElement): Promise<void> {
    if (this.state !== 'online')
      throw new NotConnectedError(`cannot send <${el.name}> to ${el.attrs.to ?? '?'}`);
    await this.xmpp.send(el);
  }

  /**
   * Sends an IQ get/set and waits for its answer: resolves with the result `<iq>`, rejects with
   * IqError (an error answer), IqTimeoutError, or NotConnectedError (also when the connection
   * drops while waiting).
   */
  request(iq: XmlElement, timeoutMs: number = this.o.iqTimeoutMs): Promise<XmlElement> {
    if (iq.attrs.id === undefined) iq.attrs.id = randomUUID();
    const id = iq.attrs.id;
    const to = iq.attrs.to ?? this.o.domain;
    return new Promise<XmlElement>((resolve, reject) => {
      if (this.state !== 'online') {
        reject(new NotConnectedError(`cannot send an IQ to ${to}`));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new IqTimeoutError(to, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { to: normalJid(to), resolve, reject, timer });
      this.xmpp.send(iq).catch((e: Error) => {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new NotConnectedError(e.message));
      });
    });
  }

  // ── connecting ──────────────────────────────────────────────────────────────────────────

  private setState(s: ConnectionState): void {
    if (this.state === s) return;
    this.log.debug('xmpp connection state', { from: this.state, to: s });
    this.state = s;
  }

  private async attempt(): Promise<void> {
    if (this.ended) return;
    const gen = ++this.generation;
    this.setState('connecting');
    let timer: NodeJS.Timeout | undefined;
    let onOnline: () => void = () => undefined;
    let onFailed: (e: Error) => void = () => undefined;
    try {
      const online = new Promise<void>((resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no handshake within ${ATTEMPT_TIMEOUT_MS} ms`)),
          ATTEMPT_TIMEOUT_MS,
        );
        onOnline = resolve;
        onFailed = reject;
        this.xmpp.once('online', onOnline);
        this.once('attempt-failed', onFailed);
      });
      online.catch(() => undefined);
      await this.xmpp.connect(this.o.service);
      await this.xmpp.open({ domain: this.o.domain });
      await online;
    } catch (e) {
      if (gen !== this.generation || this.ended) return;
      this.log.debug('xmpp connection attempt failed', {
        service: this.o.service,
        error: (e as Error).message,
      });
      this.xmpp.socket?.destroy();
      this.scheduleReconnect();
    } finally {
      clearTimeout(timer);
      this.xmpp.removeListener('online', onOnline);
      this.removeListener('attempt-failed', onFailed);
    }
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer !== undefined || this.ended) return;
    const delay = backoffDelay(this.retry++, this.o.reconnect, this.random);
    this.setState('waiting');
    this.log.info('xmpp reconnecting', { service: this.o.service, inMs: delay, attempt: this.retry });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.attempt();
    }, delay);
  }

  private onOnline(): void {
    if (this.ended) return;
    const downtimeMs = this.offlineSince === undefined ? 0 : Date.now() - this.offlineSince;
    const attempts = this.retry + 1;
    this.retry = 0;
    this.offlineSince = undefined;
    this.setState('online');
    this.log.info('xmpp component online', {
      domain: this.o.domain,
      service: this.o.service,
      downtimeMs,
      attempts,
    });
    this.startKeepalive();
    this.emit('online', { downtimeMs, attempts });
  }

  private onDisconnect(): void {
    const wasOnline = this.state === 'online';
    this.stopKeepalive();
    this.failPending('connection lost');
    this.emit('attempt-failed', new Error('connection closed'));
    if (this.ended) return;
    if (wasOnline) {
      this.offlineSince = Date.now();
      this.log.warn('xmpp component offline', { service: this.o.service });
      this.emit('offline', 'connection lost');
    }
    this.scheduleReconnect();
  }

  private onError(err: Error & { condition?: string; text?: string }): void {
    const fatal =
      err.name === 'StreamError' &&
      err.condition !== undefined &&
      Object.hasOwn(FATAL_CONDITIONS, err.condition)
        ? FATAL_CONDITIONS[err.condition]
        : undefined;
    if (fatal !== undefined && !this.ended) {
      const detail = err.text ? ` (${err.condition}: ${err.text})` : ` (${err.condition})`;
      const e = new ComponentRefusedError(
        err.condition as string,
        `the XMPP server at ${this.o.service} ${fatal} for ${this.o.domain}${detail}; not reconnecting`,
      );
      this.setState('refused');
      this.clearTimers();
      this.failPending('refused');
      this.log.error(e.message);
      this.emit('fatal', e);
      return;
    }
    if (err.name === 'StreamError' && err.condition === 'conflict') {
      // Prosody's default component_conflict_resolve = "kick_new" refuses us while it still
      // holds a connection it has not noticed is dead; retrying with backoff gets through once
      // it does ("kick_old" on the server avoids the wait).
      this.log.warn('xmpp server still holds an older connection of this component; retrying', {
        text: err.text,
      });
      return;
    }
    this.log.debug('xmpp connection error', { error: err.message, condition: err.condition });
  }

  private clearTimers(): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.stopKeepalive();
  }

  private failPending(why: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new NotConnectedError(`${why} before ${p.to} answered`));
      this.pending.delete(id);
    }
  }

  // ── keepalive (XEP-0199) ────────────────────────────────────────────────────────────────

  private startKeepalive(): void {
    this.stopKeepalive();
    if (this.o.keepalive.intervalMs <= 0) return;
    this.keepaliveTimer = setInterval(() => void this.ping(), this.o.keepalive.intervalMs);
    this.keepaliveTimer.unref();
  }

  private stopKeepalive(): void {
    clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
    this.pingOutstanding = false;
  }

  /** XEP-0199 §4.2: any answer, an error included, shows that the server is alive. */
  private async ping(): Promise<void> {
    if (this.state !== 'online' || this.pingOutstanding) return;
    this.pingOutstanding = true;
    const iq = xml(
      'iq',
      { type: 'get', to: this.o.keepalive.target, from: this.o.domain },
      xml('ping', { xmlns: NS_PING }),
    );
    try {
      await this.request(iq, this.o.keepalive.timeoutMs);
    } catch (e) {
      if (e instanceof IqTimeoutError && this.state === 'online') {
        this.log.warn('xmpp server did not answer a ping: reconnecting', {
          timeoutMs: this.o.keepalive.timeoutMs,
        });
        this.xmpp.socket?.destroy();
      }
    } finally {
      this.pingOutstanding = false;
    }
  }

  // ── incoming ────────────────────────────────────────────────────────────────────────────

  /** The middleware step after xmpp.js's IQ callee: it wraps what IQ get/set return. */
  private async incoming(ctx: MiddlewareContext): Promise<unknown> {
    const { stanza } = ctx;
    if (stanza.name === 'iq') {
      const type = stanza.attrs.type;
      if (type === 'result' || type === 'error') {
        this.onIqAnswer(stanza);
        return undefined;
      }
      let answer: IqAnswer;
      try {
        answer = await this.callbacks.onIq(stanza);
      } catch (e) {
        this.log.error('xmpp IQ handler failed', { error: (e as Error).stack ?? String(e) });
        answer = { error: { condition: 'internal-server-error', text: 'internal error' } };
      }
      return answer === true || answer instanceof Element ? answer : errorElement(answer.error);
    }
    if (stanza.name === 'message' || stanza.name === 'presence') {
      try {
        this.callbacks.onStanza(stanza);
      } catch (e) {
        this.log.error('xmpp stanza handler failed', { error: (e as Error).stack ?? String(e) });
      }
    }
    return undefined;
  }

  private onIqAnswer(stanza: XmlElement): void {
    const id = stanza.attrs.id;
    const p = id === undefined ? undefined : this.pending.get(id);
    if (p === undefined || id === undefined) return;
    // RFC 6120 §8.2.3: the answer comes from whom the request went to (the server may answer
    // for a bare JID or its own domain). Anything else is a forgery and is dropped.
    const from = normalJid(stanza.attrs.from ?? this.o.domain);
    if (from !== p.to) {
      this.log.warn('xmpp IQ answer from the wrong address dropped', { id, from, expected: p.to });
      return;
    }
    clearTimeout(p.timer);
    this.pending.delete(id);
    if (stanza.attrs.type === 'result') {
      p.resolve(stanza);
      return;
    }
    const err = parseErrorElement(stanza.getChild('error'));
    p.reject(new IqError(p.to, err.condition, err.type, err.jingleCondition, err.text));
  }
}
