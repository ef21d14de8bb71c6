/**
 * A client of rtpengine's ng control protocol (docs/media.md §ng): each request is
 * `<cookie> <bencoded dictionary>` in one UDP datagram, the answer `<cookie> <dictionary>`.
 * A request not answered within `timeoutMs` is sent again with the same cookie, `retries` times;
 * rtpengine keeps answers by cookie, so a repeated `offer` is not applied twice.
 *
 * Written here rather than taken from npm `rtpengine-client`: that package requires `debug`
 * without declaring it, has no types, and keeps one socket per client without a bound on
 * outstanding requests (docs/media.md §Why our own client).
 */
import { randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { bdecode, bencode, type BValue } from './bencode';

export type NgDict = { [key: string]: BValue };

/** The ng options the gateway sets (rtpengine's ng protocol: offer/answer dictionary keys). */
export interface NgFlags {
  ICE?: 'force' | 'remove' | 'default';
  DTLS?: 'off' | 'passive' | 'active';
  'transport-protocol'?: string;
  'rtcp-mux'?: string[];
  SDES?: string[];
  flags?: string[];
  replace?: string[];
}

/** rtpengine answered `result: error` (or something that is no ng answer). */
export class NgError extends Error {
  constructor(
    readonly command: string,
    readonly reason: string,
  ) {
    super(`rtpengine ${command}: ${reason}`);
  }
}

/** No answer from rtpengine after every retry. */
export class NgTimeout extends Error {
  constructor(
    readonly command: string,
    readonly address: string,
  ) {
    super(`rtpengine at ${address} did not answer ${command}`);
  }
}

export interface NgClientOptions {
  host: string;
  port: number;
  /** Per try; default 500 ms. */
  timeoutMs?: number;
  /** Tries after the first; default 2. */
  retries?: number;
  /** Requests waiting for an answer at once; more are refused at once. Default 1000. */
  maxPending?: number;
}

interface Pending {
  command: string;
  resolve: (d: NgDict) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class NgClient {
  private readonly socket: dgram.Socket;
  private readonly pending = new Map<string, Pending>();
  private readonly prefix = randomBytes(4).toString('hex');
  private seq = 0;
  private closed = false;
  readonly address: string;

  constructor(private readonly o: NgClientOptions) {
    this.address = net.isIPv6(o.host) ? `[${o.host}]:${o.port}` : `${o.host}:${o.port}`;
    this.socket = dgram.createSocket(net.isIPv6(o.host) ? 'udp6' : 'udp4');
    this.socket.on('message', (msg) => this.onMessage(msg));
    // A send error (nothing listening: ECONNREFUSED on some systems) is a try that failed; the
    // timer decides. The socket itself never throws out of here.
    this.socket.on('error', () => undefined);
    this.socket.unref();
  }

  /** Sends one ng command; resolves with rtpengine's dictionary when `result` is `ok` or `pong`. */
  request(command: string, params: NgDict = {}): Promise<NgDict> {
    if (this.closed) return Promise.reject(new NgError(command, 'client closed'));
    if (this.pending.size >= (this.o.maxPending ?? 1000))
      return Promise.reject(new NgError(command, 'too many requests outstanding'));
    const cookie = `${this.prefix}${(this.seq++).toString(36)}`;
    const datagram = Buffer.concat([Buffer.from(`${cookie} `), bencode({ ...params, command })]);
    const timeout = this.o.timeoutMs ?? 500;
    let tries = 1 + (this.o.retries ?? 2);
    return new Promise<NgDict>((resolve, reject) => {
      const send = (): void => {
        tries -= 1;
        this.socket.send(datagram, this.o.port, this.o.host, () => undefined);
      };
      const onTimer = (): void => {
        const p = this.pending.get(cookie);
        if (!p) return;
        if (tries <= 0) {
          this.pending.delete(cookie);
          reject(new NgTimeout(command, this.address));
          return;
        }
        send();
        p.timer = setTimeout(onTimer, timeout);
      };
      this.pending.set(cookie, { command, resolve, reject, timer: setTimeout(onTimer, timeout) });
      send();
    }).then((d) => {
      const result = d.result;
      if (result === 'ok' || result === 'pong') return d;
      const why = d['error-reason'];
      throw new NgError(command, typeof why === 'string' ? why : `result ${String(result)}`);
    });
  }

  private onMessage(msg: Buffer): void {
    const space = msg.indexOf(0x20);
    if (space <= 0) return;
    const cookie = msg.toString('latin1', 0, space);
    const p = this.pending.get(cookie);
    if (!p) return; // a late answer to a request that already timed out, or a stranger's
    this.pending.delete(cookie);
    clearTimeout(p.timer);
    try {
      const { value } = bdecode(msg, space + 1);
      if (typeof value !== 'object' || Array.isArray(value)) throw new Error('not a dictionary');
      p.resolve(value);
    } catch (e) {
      p.reject(new NgError(p.command, `unreadable answer: ${(e as Error).message}`));
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new NgError(p.command, 'client closed'));
    }
    this.pending.clear();
    this.socket.close();
  }
}
