/**
 * The wire: UDP, TCP and TLS sockets, IPv4 and IPv6 (RFC 3261 §18). npm `sip`'s own transports
 * are not used (its UDP/TCP servers bind port 5060 when given 0, crash the process on a bind
 * error, decode UTF-8 as latin1, drop malformed input without a 400 and cannot report when they
 * are bound); its transaction layer sends through {@link TransportSet.connection} instead.
 *
 * Inbound bytes are size-checked, framed (streams) and parsed with our strict codec; a request
 * that fails to parse gets a stateless 400 (513 when too large, 505 for another SIP version),
 * anything else is dropped; both are logged once per source per 10 s (src/sip/log-throttle.ts).
 * Nothing thrown in a socket handler escapes.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Logger } from 'winston';
import { isInputError } from '../errors';
import { LogThrottle } from './log-throttle';
import { isUnsupportedVersion, parseSipMessage } from './message';
import { statelessReply } from './stateless';
import { StreamFramer } from './stream-framer';
import type { SipMessage } from './types';

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

export interface BoundSocket extends ListenSpec {
  family: 4 | 6;
}

export interface TransportOptions {
  tls?: { cert: string | Buffer; key: string | Buffer; ca?: string | Buffer; rejectUnauthorized?: boolean };
  maxMessageBytes: number;
  logger: Logger;
  onMessage(msg: SipMessage, source: Flow): void;
}

interface Stream {
  socket: net.Socket;
  framer: StreamFramer;
  /** Transactions' error callbacks, each with the timer that forgets it after 64 s. */
  errorHandlers: Map<(e: Error) => void, NodeJS.Timeout>;
}

const flowKey = (f: Flow): string => `${f.transport}|${f.address}|${f.port}`;
const familyOf = (address: string): 4 | 6 => (net.isIPv6(address) ? 6 : 4);

export class TransportSet {
  private readonly udp: Array<{ socket: dgram.Socket; bound: BoundSocket }> = [];
  private readonly servers: Array<{ server: net.Server; bound: BoundSocket }> = [];
  private readonly streams = new Map<string, Stream>();
  private closed = false;

  private constructor(private readonly opts: TransportOptions) {}

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
    return [...this.udp.map((u) => u.bound), ...this.servers.map((s) => s.bound)];
  }

  /** The listening address to advertise (Via sent-by, Contact) for a transport and family. */
  local(transport: TransportName, family: 4 | 6): BoundSocket | undefined {
    const all = this.bound().filter((b) => b.transport === transport);
    return all.find((b) => b.family === family) ?? all[0];
  }

  supports(transport: TransportName): boolean {
    return this.bound().some((b) => b.transport === transport);
  }

  private async listen(spec: ListenSpec): Promise<void> {
    const family = familyOf(spec.address);
    if (spec.transport === 'UDP') {
      const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: family === 6 });
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(spec.port, spec.address, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      socket.on('error', (e) => this.opts.logger.warn('UDP socket error', { error: e.message }));
      socket.on('message', (data, rinfo) =>
        this.onBytes(data, { transport: 'UDP', address: rinfo.address, port: rinfo.port }),
      );
      const a = socket.address();
      this.udp.push({ socket, bound: { transport: 'UDP', address: a.address, port: a.port, family } });
      return;
    }
    const onConnection = (socket: net.Socket): void => {
      const remote: Flow = {
        transport: spec.transport,
        address: socket.remoteAddress ?? '',
        port: socket.remotePort ?? 0,
      };
      this.attach(socket, remote);
    };
    let server: net.Server;
    if (spec.transport === 'TLS') {
      if (!this.opts.tls) throw new Error('TLS listen address without a certificate and key');
      server = tls.createServer({ cert: this.opts.tls.cert, key: this.opts.tls.key }, onConnection);
      server.on('tlsClientError', (e) => this.opts.logger.info('TLS handshake failed', { error: e.message }));
    } else {
      server = net.createServer(onConnection);
    }
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
      server,
      bound: { transport: spec.transport, address: a.address, port: a.port, family },
    });
  }

  private attach(socket: net.Socket, remote: Flow): Stream {
    const stream: Stream = {
      socket,
      framer: new StreamFramer(this.opts.maxMessageBytes),
      errorHandlers: new Map(),
    };
    const key = flowKey(remote);
    this.streams.set(key, stream);
    socket.setNoDelay?.(true);
    socket.on('data', (data: Buffer) => {
      try {
        for (const frame of stream.framer.push(data)) {
          if (frame.kind === 'message') this.onBytes(frame.bytes, remote, true);
          else this.reject(frame.bytes, remote, 400, frame.detail);
        }
        if (stream.framer.broken) socket.destroy();
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
    });
    socket.setTimeout(10 * 60_000, () => socket.destroy());
    return stream;
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
    await Promise.all([
      ...this.udp.map((u) => new Promise<void>((r) => u.socket.close(() => r()))),
      ...this.servers.map((s) => new Promise<void>((r) => s.server.close(() => r()))),
    ]);
  }
}
