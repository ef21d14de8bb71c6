/**
 * The XEP-0114 component connection, made robust: reconnection with exponential backoff and
 * jitter (./backoff), a XEP-0199 ping keepalive that notices a dead server, a clear stop when
 * the server refuses the secret or the domain (no reconnect loop), an IQ caller with timeouts
 * that fails fast when the connection drops, and wire logging with the handshake masked.
 *
 * Built on @xmpp/component 0.13 (its own fixed-delay reconnect is switched off). What happens
 * reaches the owner through typed callbacks ({@link ConnectionCallbacks}); nothing thrown there
 * escapes into the socket. Every timer runs on the injected clock (src/clock), so tests drive the
 * backoff, the keepalive and the IQ timeouts with a fake one.
 *
 *   idle ─start─► connecting ─handshake ok─► online ─socket closed / ping timeout─► waiting
 *                   ▲   │ failure                                                    │
 *                   │   └──────────────────────────────► waiting ◄───────────────────┘
 *                   └────────── backoff delay ──────────────┘
 *   not-authorized / host-unknown (from any state) ─► refused (terminal, `onFatal`)
 *   stop() (from any state) ─► stopped (terminal)
 */
import { coalesceWrites, type Coalescable } from './coalesce';
import { component, type Component } from '@xmpp/component';
import type { Logger } from 'winston';
import { systemClock, type Clock, type TimerHandle } from '../../clock';
import { backoffDelay } from './backoff';
import { IqCaller } from './iq-caller';
import { iqQuery, iqReply } from './iq-callee';
import { Keepalive } from './keepalive';
import type { XmppOptions } from './options';
import { refusal } from './size-guard';
import { maskWire } from './wire';
import {
  ComponentRefusedError,
  IqTimeoutError,
  NotConnectedError,
  NS_PING,
  xml,
  type StanzaErrorSpec,
  type XmlElement,
} from '../stanza';

export type ConnectionState = 'idle' | 'connecting' | 'online' | 'waiting' | 'stopped' | 'refused';

/** What an IQ get/set is answered with: a result (with a payload, or empty) or an error. */
export type IqAnswer = XmlElement | true | { error: StanzaErrorSpec };

/** How long the connection was down when it came (back) online. */
export interface OnlineInfo {
  downtimeMs: number;
  attempts: number;
}

/** The connection's owner (the leg): the typed seam in place of emitted event names. */
export interface ConnectionCallbacks {
  /** IQ get/set addressed to the component. Must not throw (a throw is answered as internal-server-error). */
  onIq(stanza: XmlElement): Promise<IqAnswer>;
  /** Messages and presences. */
  onStanza(stanza: XmlElement): void;
  /** Handshake done: online (again). */
  onOnline?(info: OnlineInfo): void;
  /** Was online, is not: `'connection lost'` (reconnecting) or `'stopped'`. */
  onOffline?(reason: 'connection lost' | 'stopped'): void;
  /** The server refused the secret or the domain: stopped for good. */
  onFatal?(e: ComponentRefusedError): void;
  /** Every top-level element in and out (the handshake too: mask it), for onlookers; must not throw. */
  onWire?(direction: 'in' | 'out', el: XmlElement): void;
}

/** How long one attempt (TCP connect, stream open, handshake) may take. */
const ATTEMPT_TIMEOUT_MS = 5000;
/** How long stop() waits for the stream to close politely. */
const STOP_TIMEOUT_MS = 3000;

/** Stream errors that no retry can fix (RFC 6120 §4.9.3; XEP-0114 §3). */
const FATAL_CONDITIONS: Record<string, string> = {
  'not-authorized': 'refused the component secret (check xmpp.secret)',
  'host-unknown': 'does not know the component domain (check xmpp.domain and the server configuration)',
};

export class ComponentConnection {
  private readonly xmpp: Component;
  private state: ConnectionState = 'idle';
  private retry = 0;
  private generation = 0;
  private reconnectTimer: TimerHandle | undefined;
  private readonly keepalive: Keepalive;
  private readonly iqs: IqCaller;
  private offlineSince: number | undefined;
  /** The attempt under way, told when the socket closes before the handshake. */
  private attemptFailed: ((e: Error) => void) | undefined;

  constructor(
    private readonly o: XmppOptions,
    private readonly log: Logger,
    private readonly callbacks: ConnectionCallbacks,
    private readonly random: () => number = Math.random,
    private readonly clock: Clock = systemClock,
  ) {
    this.iqs = new IqCaller(clock, o.domain);
    this.keepalive = new Keepalive(clock, o.keepalive.intervalMs, () => this.ping());
    this.xmpp = component({ service: o.service, domain: o.domain, password: o.secret });
    // xmpp.js's only 'element' listener is its middleware (a koa chain with both addresses
    // parsed for every stanza): ./iq-callee and incoming() below do what the gateway needs of
    // it, for less (issue 12). Its other listeners (the handshake's sendReceive) come later.
    for (const l of this.xmpp.listeners('element') as Array<(el: XmlElement) => unknown>)
      this.xmpp.removeListener('element', l);
    this.xmpp.reconnect.stop();
    this.xmpp.timeout = ATTEMPT_TIMEOUT_MS;
    this.xmpp.on('error', (err: Error) => this.onError(err));
    this.xmpp.on('online', () => this.onOnline());
    this.xmpp.on('disconnect', () => this.onDisconnect());
    // The component stream is a TCP socket carrying small stanzas back to back: without
    // TCP_NODELAY each one can wait for the previous one's ACK (Nagle, up to ~40 ms with delayed
    // ACKs), which was most of the call setup latency measured in issue 12.
    this.xmpp.on('connect', () => {
      const socket = this.xmpp.socket;
      socket?.setNoDelay?.(true);
      // ./coalesce: one write syscall per event-loop turn, not per stanza.
      if (socket !== null) coalesceWrites(socket as unknown as Coalescable);
    });
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
      // every path that sends (IQ replies, the size guard's refusals), so the tap sees the order
      // of the wire.
      const send = this.xmpp.send.bind(this.xmpp);
      this.xmpp.send = (el: XmlElement) => {
        tap('out', el);
        return send(el);
      };
      // Before the listener below, which hands the stanza to the gateway at once.
      this.xmpp.prependListener('element', (el: XmlElement) => tap('in', el));
    }
    this.xmpp.on('element', (el: XmlElement) => {
      if (this.refusedAsTooLarge(el)) return;
      try {
        this.incoming(el);
      } catch (e) {
        this.log.warn('xmpp stanza dropped', {
          error: (e as Error).message,
          stanza: el.toString().slice(0, 500),
        });
      }
    });
  }

  /** ./size-guard: too large to handle; an IQ get/set gets its bad-request here. */
  private refusedAsTooLarge(el: XmlElement): boolean {
    const refused = refusal(el);
    if (refused === undefined) return false;
    this.log.warn('xmpp stanza too large: refused', {
      stanza: el.name,
      id: el.attrs.id,
      from: el.attrs.from,
    });
    if (refused.reply !== undefined) this.xmpp.send(refused.reply).catch(() => undefined);
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
    this.offlineSince = this.clock.now();
    void this.attempt();
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasOnline = this.state === 'online';
    this.setState('stopped');
    this.clearTimers();
    this.iqs.failAll('stopped');
    if (this.xmpp.socket !== null) {
      let timer: TimerHandle | undefined;
      await Promise.race([
        this.xmpp.stop().catch(() => undefined),
        new Promise((r) => (timer = this.clock.setTimeout(() => r(undefined), STOP_TIMEOUT_MS))),
      ]);
      timer?.cancel();
      this.xmpp.socket?.destroy();
    }
    if (wasOnline) this.callbacks.onOffline?.('stopped');
  }

  /** Sends a stanza; rejects with NotConnectedError when not online. */
  async send(el: XmlElement): Promise<void> {
    if (this.state !== 'online')
      throw new NotConnectedError(`cannot send <${el.name}> to ${el.attrs.to ?? '?'}`);
    await this.xmpp.send(el);
  }

  /**
   * Sends an IQ get/set and waits for its answer (./iq-caller): resolves with the result `<iq>`,
   * rejects with IqError (an error answer), IqTimeoutError, or NotConnectedError (also when the
   * connection drops while waiting).
   */
  request(iq: XmlElement, timeoutMs: number = this.o.iqTimeoutMs): Promise<XmlElement> {
    if (this.state !== 'online')
      return Promise.reject(new NotConnectedError(`cannot send an IQ to ${iq.attrs.to ?? this.o.domain}`));
    return this.iqs.request(iq, timeoutMs, (el) => this.xmpp.send(el));
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
    let timer: TimerHandle | undefined;
    let onOnline: () => void = () => undefined;
    try {
      const online = new Promise<void>((resolve, reject) => {
        timer = this.clock.setTimeout(
          () => reject(new Error(`no handshake within ${ATTEMPT_TIMEOUT_MS} ms`)),
          ATTEMPT_TIMEOUT_MS,
        );
        onOnline = resolve;
        this.attemptFailed = reject;
        this.xmpp.once('online', onOnline);
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
      timer?.cancel();
      this.xmpp.removeListener('online', onOnline);
      if (gen === this.generation) this.attemptFailed = undefined;
    }
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer !== undefined || this.ended) return;
    const delay = backoffDelay(this.retry++, this.o.reconnect, this.random);
    this.setState('waiting');
    this.log.info('xmpp reconnecting', { service: this.o.service, inMs: delay, attempt: this.retry });
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.attempt();
    }, delay);
  }

  private onOnline(): void {
    if (this.ended) return;
    const downtimeMs = this.offlineSince === undefined ? 0 : this.clock.now() - this.offlineSince;
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
    this.keepalive.start();
    this.callbacks.onOnline?.({ downtimeMs, attempts });
  }

  private onDisconnect(): void {
    const wasOnline = this.state === 'online';
    this.keepalive.stop();
    this.iqs.failAll('connection lost');
    this.attemptFailed?.(new Error('connection closed'));
    if (this.ended) return;
    if (wasOnline) {
      this.offlineSince = this.clock.now();
      this.log.warn('xmpp component offline', { service: this.o.service });
      this.callbacks.onOffline?.('connection lost');
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
    if (fatal !== undefined && err.condition !== undefined && !this.ended) {
      const detail = err.text ? ` (${err.condition}: ${err.text})` : ` (${err.condition})`;
      const e = new ComponentRefusedError(
        err.condition,
        `the XMPP server at ${this.o.service} ${fatal} for ${this.o.domain}${detail}; not reconnecting`,
      );
      this.setState('refused');
      this.clearTimers();
      this.iqs.failAll('refused');
      this.log.error(e.message);
      this.callbacks.onFatal?.(e);
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
    this.reconnectTimer?.cancel();
    this.reconnectTimer = undefined;
    this.keepalive.stop();
  }

  // ── keepalive (XEP-0199) ────────────────────────────────────────────────────────────────

  /** XEP-0199 §4.2: any answer, an error included, shows that the server is alive. */
  private async ping(): Promise<void> {
    if (this.state !== 'online') return;
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
    }
  }

  // ── incoming ────────────────────────────────────────────────────────────────────────────

  /** Every element from the server: IQ answers to the caller, queries and stanzas to the owner. */
  private incoming(stanza: XmlElement): void {
    if (stanza.name === 'iq') {
      const type = stanza.attrs.type;
      if (type === 'result' || type === 'error') {
        const forged = this.iqs.answer(stanza);
        if (forged !== undefined)
          this.log.warn('xmpp IQ answer from the wrong address dropped', {
            id: stanza.attrs.id,
            from: stanza.attrs.from,
            expected: forged.dropped,
          });
        return;
      }
      const query = iqQuery(stanza);
      if ('reply' in query) this.reply(query.reply);
      else void this.answer(stanza);
      return;
    }
    if (stanza.name === 'message' || stanza.name === 'presence') {
      try {
        this.callbacks.onStanza(stanza);
      } catch (e) {
        this.log.error('xmpp stanza handler failed', { error: (e as Error).stack ?? String(e) });
      }
    }
  }

  /** An IQ get/set: the owner's answer, or internal-server-error when it throws. */
  private async answer(iq: XmlElement): Promise<void> {
    let answer: IqAnswer;
    try {
      answer = await this.callbacks.onIq(iq);
    } catch (e) {
      this.log.error('xmpp IQ handler failed', { error: (e as Error).stack ?? String(e) });
      answer = { error: { condition: 'internal-server-error', text: 'internal error' } };
    }
    this.reply(iqReply(iq, answer));
  }

  /** A reply that cannot be sent (the connection dropped meanwhile) is only logged. */
  private reply(el: XmlElement): void {
    this.xmpp.send(el).catch((e: Error) => this.onError(e));
  }
}
