/**
 * The wire: UDP, TCP and TLS sockets, IPv4 and IPv6 (RFC 3261 §18). npm `sip`'s own transports
 * are not used (its UDP/TCP servers bind port 5060 when given 0, crash the process on a bind
 * error, decode UTF-8 as latin1, drop malformed input without a 400 and cannot report when they
 * are bound); its transaction layer sends through {@link TransportSet.connection} instead.
 *
 * Inbound bytes are size-checked, framed (streams) and parsed with our strict codec; a request
 * that fails to parse gets a stateless 400 (513 when too large, 505 for another SIP version),
 * anything else is dropped; both are logged once per source per 10 s (src/sip/transport/log-throttle.ts).
 * Nothing thrown in a socket handler escapes.
 *
 * Stream connections are bounded (docs/policy.md §Connections): inbound ones by a cap in all and
 * per source address, every one by a deadline for each message (slowloris) and an idle timeout
 * that spares a connection a live dialog or transaction uses ({@link TransportOptions.inUse}).
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Logger } from 'winston';
import { isInputError } from '../../errors';
import {
  ConnectionCaps,
  DEFAULT_CONNECTION_LIMITS,
  RefusalCounter,
  type ConnectionLimits,
} from './connection-caps';
import { LogThrottle } from './log-throttle';
import { isUnsupportedVersion, parseSipMessage } from '../message/message';
import { statelessReply } from '../message/stateless';
import { StreamFramer } from './stream-framer';
import type { SipMessage } from '../message/types';

export type TransportName = 'UDP' | 'TCP' | 'TLS';

/** A remote end: where a message came from or goes to. */
export interface Flow {
  transport: TransportName;
  address: string;
  port: number;
  /**
   * Outbound TLS: the host name of the URI the flow was resolved from, sent as SNI and checked
   * against the server certificate (RFC 5922 §7). Not part of the flow's identity.
   */
  serverName?: string;
}

export interface ListenSpec {
  transport: TransportName;
  /** An IP address (IPv6 without brackets). */
  address: string;
  /** 0 picks a free port. */
  port: number;
}

/**
 * `udp|tcp|tls://address:port` (IPv6 in brackets) to the socket to open; the address must be an IP
 * address. Here, not in the user agent, so that config/check.ts can check listen addresses the
 * way the transport opens them without importing the UA (no config ⇄ sip/ua cycle).
 */
export function parseListen(s: string): ListenSpec {
  const m = /^(udp|tcp|tls):\/\/(\[[0-9A-Fa-f:.]+\]|[^:/[\]]+):([0-9]{1,5})$/.exec(s);
  if (!m) throw new Error(`not a udp|tcp|tls://host:port address: ${s}`);
  const address = m[2].replace(/^\[|\]$/g, '');
  if (net.isIP(address) === 0) throw new Error(`listen address must be an IP address: ${s}`);
  return { transport: m[1].toUpperCase() as TransportName, address, port: Number(m[3]) };
}

export interface BoundSocket extends ListenSpec {
  family: 4 | 6;
}

export interface TransportOptions {
  tls?: { cert: string | Buffer; key: string | Buffer; ca?: string | Buffer; rejectUnauthorized?: boolean };
  maxMessageBytes: number;
  logger: Logger;
  onMessage(msg: SipMessage, source: Flow): void;
  /** Caps and timeouts of stream connections; default {@link DEFAULT_CONNECTION_LIMITS}. */
  connections?: Partial<ConnectionLimits>;
  /**
   * Whether a live dialog or transaction uses this flow: its connection is then not closed for
   * being idle (RFC 3261 §18: kept while transactions need it; and while the dialog set up on it
   * lives, so that its requests reuse it in RFC 5923's spirit).
   */
  inUse?(flow: Flow): boolean;
  /** The receive and send buffer asked for each UDP socket; default {@link UDP_BUFFER_BYTES}. */
  udpBufferBytes?: number;
}

/**
 * 4 MiB for each UDP socket's receive and send buffer. The kernel default (≈ 200 KiB, about a
 * hundred datagrams) overflows during any stall of the event loop (GC, descheduling) under load,
 * and each dropped response is a failed call (issue 12: a 1.5 s stop, 361 RcvbufErrors). Linux caps
 * the request at net.core.rmem_max / wmem_max; what was granted is logged at startup.
 */
export const UDP_BUFFER_BYTES = 4 * 1024 * 1024;

interface Stream {
  socket: net.Socket;
  framer: StreamFramer;
  /** Transactions' error callbacks, each with the timer that forgets it after 64 s. */
  errorHandlers: Map<(e: Error) => void, NodeJS.Timeout>;
  /** When a SIP message was last sent or received on it (keep-alive CRLFs do not count). */
  lastActive: number;
  idleTimer?: NodeJS.Timeout;
  /** Runs while a message is partly received: its deadline. */
  messageTimer?: NodeJS.Timeout;
}

/**
 * Connections the gateway opens itself (to trunks, proxies) are few: the former fixed 10 minutes,
 * but never cut while in use.
 */
const OUTBOUND_IDLE_MS = 10 * 60_000;

const flowKey = (f: Flow): string => `${f.transport}|${f.address}|${f.port}`;
const familyOf = (address: string): 4 | 6 => (net.isIPv6(address) ? 6 : 4);

export class TransportSet {
  private readonly udp: Array<{ socket: dgram.Socket; bound: BoundSocket }> = [];
  /** `server` emits the connections (a tls.Server for TLS); `listener` owns the listening socket. */
  private readonly servers: Array<{ server: net.Server; listener: net.Server; bound: BoundSocket }> = [];
  private readonly streams = new Map<string, Stream>();
  /** Inbound stream sockets counted by {@link caps} (TLS ones from before their handshake). */
  private readonly inbound = new Set<net.Socket>();
  private readonly limits: ConnectionLimits;
  private readonly caps: ConnectionCaps;
  private readonly refusals = new RefusalCounter(10_000);
  private closed = false;

  private constructor(private readonly opts: TransportOptions) {
    this.limits = { ...DEFAULT_CONNECTION_LIMITS, ...opts.connections };
    this.caps = new ConnectionCaps(this.limits);
  }

  static async open(listen: ListenSpec[], opts: TransportOptions): Promise<TransportSet> {
    const set = new TransportSet(opts);
    try {
      for (const spec of listen) await set.listen(spec);
    } catch (e) {
      await set.close();
      throw e;
    }
    return set;
  }

  bound(): BoundSocket[] {
    return [...this.sockets()];
  }

  /**
   * The bound sockets, kept: `local` and `supports` run for every request (issue 12: ≈ 20 new
   * arrays per call), and the list changes only while listening starts.
   */
  private sockets(): readonly BoundSocket[] {
    return (this.boundList ??= [...this.udp.map((u) => u.bound), ...this.servers.map((s) => s.bound)]);
  }

  private boundList: readonly BoundSocket[] | undefined;

  /** The listening address to advertise (Via sent-by, Contact) for a transport and family. */
  local(transport: TransportName, family: 4 | 6): BoundSocket | undefined {
    let any: BoundSocket | undefined;
    for (const b of this.sockets()) {
      if (b.transport !== transport) continue;
      if (b.family === family) return b;
      any ??= b;
    }
    return any;
  }

  supports(transport: TransportName): boolean {
    return this.sockets().some((b) => b.transport === transport);
  }

  private async listen(spec: ListenSpec): Promise<void> {
    const family = familyOf(spec.address);
    if (spec.transport === 'UDP') {
      const asked = this.opts.udpBufferBytes ?? UDP_BUFFER_BYTES;
      const socket = dgram.createSocket({
        type: family === 6 ? 'udp6' : 'udp4',
        ipv6Only: family === 6,
        recvBufferSize: asked,
        sendBufferSize: asked,
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(spec.port, spec.address, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      // Linux reports twice what it grants (the doubling covers its bookkeeping; socket(7)).
      const k = process.platform === 'linux' ? 2 : 1;
      const got = { receive: socket.getRecvBufferSize() / k, send: socket.getSendBufferSize() / k };
      const buffers = { asked, ...got, address: spec.address, port: socket.address().port };
      if (got.receive < asked)
        this.opts.logger.warn('UDP receive buffer smaller than asked: raise net.core.rmem_max', buffers);
      else this.opts.logger.debug('UDP socket buffers', buffers);
      socket.on('error', (e) => this.opts.logger.warn('UDP socket error', { error: e.message }));
      socket.on('message', (data, rinfo) =>
        this.onBytes(data, { transport: 'UDP', address: rinfo.address, port: rinfo.port }),
      );
      const a = socket.address();
      this.udp.push({ socket, bound: { transport: 'UDP', address: a.address, port: a.port, family } });
      this.boundList = undefined;
      return;
    }
    const onConnection = (socket: net.Socket): void => {
      const remote: Flow = {
        transport: spec.transport,
        address: socket.remoteAddress ?? '',
        port: socket.remotePort ?? 0,
      };
      this.attach(socket, remote, true);
    };
    let tlsServer: tls.Server | undefined;
    if (spec.transport === 'TLS') {
      if (!this.opts.tls) throw new Error('TLS listen address without a certificate and key');
      // The handshake is bounded like a message (slowloris during the handshake).
      tlsServer = tls.createServer(
        { cert: this.opts.tls.cert, key: this.opts.tls.key, handshakeTimeout: this.limits.messageTimeoutMs },
        onConnection,
      );
      tlsServer.on('tlsClientError', (e) =>
        this.opts.logger.info('TLS handshake failed', { error: e.message }),
      );
    }
    // The caps are checked on the plain TCP connection, before any TLS work is done for it; an
    // admitted one is handed to the TLS server (net.Server's 'connection' event).
    const server = net.createServer((socket) => {
      if (!this.admit(socket)) return;
      if (tlsServer) tlsServer.emit('connection', socket);
      else onConnection(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: spec.port, host: spec.address, ipv6Only: family === 6 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.opts.logger.warn('listen socket error', { error: e.message }));
    const a = server.address() as net.AddressInfo;
    this.servers.push({
      server: tlsServer ?? server,
      listener: server,
      bound: { transport: spec.transport, address: a.address, port: a.port, family },
    });
    this.boundList = undefined;
  }

  /**
   * Counts an inbound connection against `sip.connections.max` and `.maxPerSource`, or closes it
   * at once; refusals are logged as a count at most once per 10 s, never once per connection.
   */
  private admit(socket: net.Socket): boolean {
    const source = socket.remoteAddress ?? '';
    const cap = this.closed ? 'max' : this.caps.admit(source);
    if (cap !== undefined) {
      socket.destroy();
      const summary = this.refusals.refused(cap, source, Date.now());
      if (summary !== undefined && !this.closed)
        this.opts.logger.warn('inbound connections refused: sip.connections cap reached', {
          byMax: summary.max,
          byMaxPerSource: summary.maxPerSource,
          lastSource: summary.last,
          open: this.caps.size,
          max: this.limits.max,
          maxPerSource: this.limits.maxPerSource,
        });
      return false;
    }
    this.inbound.add(socket);
    socket.once('close', () => {
      this.inbound.delete(socket);
      this.caps.release(source);
    });
    return true;
  }

  /** Inbound stream connections open now (counted against the caps). */
  inboundConnections(): number {
    return this.caps.size;
  }

  private attach(socket: net.Socket, remote: Flow, inbound = false): Stream {
    const stream: Stream = {
      socket,
      framer: new StreamFramer(this.opts.maxMessageBytes),
      errorHandlers: new Map(),
      lastActive: Date.now(),
    };
    const key = flowKey(remote);
    this.streams.set(key, stream);
    socket.setNoDelay?.(true);
    socket.on('data', (data: Buffer) => {
      try {
        const frames = stream.framer.push(data);
        for (const frame of frames) {
          if (frame.kind === 'message') this.onBytes(frame.bytes, remote, true);
          else this.reject(frame.bytes, remote, 400, frame.detail);
        }
        if (stream.framer.broken) socket.destroy();
        else this.watchMessage(stream, remote, frames.length > 0);
      } catch (e) {
        this.opts.logger.error('stream handler failed', { error: (e as Error).message });
      }
    });
    socket.on('error', (e) => {
      this.opts.logger.debug('stream error', { remote: key, error: e.message });
      for (const h of [...stream.errorHandlers.keys()]) h(e);
    });
    socket.on('close', () => {
      if (this.streams.get(key) === stream) this.streams.delete(key);
      // One listener per connection (not one per request sent) forgets every error callback.
      for (const t of stream.errorHandlers.values()) clearTimeout(t);
      stream.errorHandlers.clear();
      clearTimeout(stream.idleTimer);
      clearTimeout(stream.messageTimer);
    });
    this.watchIdle(stream, remote, inbound ? this.limits.idleMs : OUTBOUND_IDLE_MS);
    return stream;
  }

  /**
   * The slowloris deadline: a message (headers and body) must be complete within
   * `messageTimeoutMs` of its first byte, else the connection is closed. `completed`: a message
   * ended in these bytes, so what is pending now is a new one, with a new deadline.
   */
  private watchMessage(stream: Stream, remote: Flow, completed: boolean): void {
    if (completed) stream.lastActive = Date.now();
    if (!stream.framer.pending) {
      clearTimeout(stream.messageTimer);
      stream.messageTimer = undefined;
      return;
    }
    if (stream.messageTimer !== undefined && !completed) return;
    clearTimeout(stream.messageTimer);
    const ms = this.limits.messageTimeoutMs;
    stream.messageTimer = setTimeout(() => {
      this.opts.logger.debug('stream closed: message incomplete at its deadline', {
        remote: flowKey(remote),
        ms,
      });
      stream.socket.destroy();
    }, ms);
    stream.messageTimer.unref();
  }

  /**
   * Closes the connection after `idleMs` with no SIP message either way (RFC 3261 §18: "kept open
   * for some implementation-defined duration after the last message was sent or received"), unless
   * {@link TransportOptions.inUse} says a dialog or transaction still uses it.
   */
  private watchIdle(stream: Stream, remote: Flow, idleMs: number): void {
    const check = (): void => {
      const quiet = Date.now() - stream.lastActive;
      if (quiet < idleMs) {
        stream.idleTimer = setTimeout(check, idleMs - quiet);
      } else if (this.opts.inUse?.(remote) === true) {
        stream.lastActive = Date.now();
        stream.idleTimer = setTimeout(check, idleMs);
      } else {
        this.opts.logger.debug('stream closed: idle', { remote: flowKey(remote), ms: idleMs });
        stream.socket.destroy();
        return;
      }
      stream.idleTimer.unref();
    };
    stream.idleTimer = setTimeout(check, idleMs);
    stream.idleTimer.unref();
  }

  private onBytes(data: Buffer, source: Flow, framed = false): void {
    try {
      if (data.length > this.opts.maxMessageBytes) {
        this.reject(data, source, 513, `larger than ${this.opts.maxMessageBytes} bytes`);
        return;
      }
      if (!framed && /^\s*$/.test(data.subarray(0, 8).toString('latin1'))) return; // keep-alive
      let msg: SipMessage;
      try {
        msg = parseSipMessage(data);
      } catch (e) {
        if (!isInputError(e)) throw e;
        this.reject(data, source, isUnsupportedVersion(e) ? 505 : 400, e.message);
        return;
      }
      this.opts.onMessage(msg, source);
    } catch (e) {
      this.opts.logger.error('inbound message handler failed', { error: (e as Error).stack });
    }
  }

  /** Malformed messages are logged once per source address per 10 s, with a count (no log flood). */
  private malformedLog?: LogThrottle;

  private reject(raw: Buffer, source: Flow, status: number, detail: string): void {
    const reply = statelessReply(raw, status, detail);
    this.malformedLog ??= new LogThrottle({
      log: (address, count, latest) =>
        this.opts.logger.warn('malformed SIP messages', { address, count, ...latest }),
    });
    this.malformedLog.hit(source.address, {
      latest: `${source.transport} port ${source.port}: ${detail.slice(0, 200)}`,
      answered: reply === undefined ? 'dropped' : status,
    });
    if (reply !== undefined) this.send(source, reply);
  }

  /** Sends text to a flow; errors are reported to `onError` (and logged), never thrown. */
  send(flow: Flow, text: string, onError?: (e: Error) => void): void {
    const fail = (e: Error): void => {
      this.opts.logger.info('send failed', { remote: flowKey(flow), error: e.message });
      onError?.(e);
    };
    if (this.closed) return fail(new Error('transport closed'));
    const data = Buffer.from(text, 'utf8');
    try {
      if (flow.transport === 'UDP') {
        const fam = familyOf(flow.address);
        const u = this.udp.find((x) => x.bound.family === fam);
        if (!u) return fail(new Error(`no UDP socket for IPv${fam}`));
        u.socket.send(data, flow.port, flow.address, (e) => {
          if (e) fail(e);
        });
        return;
      }
      const stream = this.streamFor(flow);
      if (onError && !stream.socket.destroyed) {
        // Forgotten after 64·T1 (the longest transaction) or when the connection closes; a
        // retransmission by the same transaction just restarts its timer.
        clearTimeout(stream.errorHandlers.get(onError));
        const timer = setTimeout(() => stream.errorHandlers.delete(onError), 64_000);
        timer.unref();
        stream.errorHandlers.set(onError, timer);
      }
      if (stream.socket.destroyed) return fail(new Error('connection closed'));
      stream.socket.write(data);
      stream.lastActive = Date.now();
    } catch (e) {
      fail(e as Error);
    }
  }

  /** Whether a stream connection to this flow is open (for connection reuse). */
  hasStream(flow: Flow): boolean {
    const s = this.streams.get(flowKey(flow));
    return s !== undefined && !s.socket.destroyed;
  }

  private streamFor(flow: Flow): Stream {
    const existing = this.streams.get(flowKey(flow));
    if (existing && !existing.socket.destroyed) return existing;
    let socket: net.Socket;
    if (flow.transport === 'TLS') {
      const t = this.opts.tls;
      socket = tls.connect({
        host: flow.address,
        port: flow.port,
        ca: t?.ca,
        rejectUnauthorized: t?.rejectUnauthorized ?? true,
        servername: flow.serverName ?? (net.isIP(flow.address) ? undefined : flow.address),
      });
    } else {
      socket = net.connect({ host: flow.address, port: flow.port });
    }
    return this.attach(socket, flow);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.malformedLog?.stop();
    for (const s of this.streams.values()) s.socket.destroy();
    this.streams.clear();
    for (const s of this.inbound) s.destroy(); // and those still in their TLS handshake
    await Promise.all([
      ...this.udp.map((u) => new Promise<void>((r) => u.socket.close(() => r()))),
      ...this.servers.map((s) => new Promise<void>((r) => s.listener.close(() => r()))),
    ]);
  }
}
