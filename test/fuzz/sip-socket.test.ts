/**
 * Fuzz (issue 10): the SIP message path over real sockets. FUZZ_SIP datagrams (default 100,000),
 * mutations (test/fuzz/mutate.ts) of the RFC 4475 torture messages (test/fixtures/torture), the
 * captured SIPp and baresip messages (INVITE, 200, ACK, BYE: test/fixtures/captured) and the
 * bad-input SIP fixtures, most with a fresh Call-ID and branch so that each one is a new
 * transaction. About one in ten goes over TCP (a connection that the user agent may close on a
 * framing error is opened again), the rest over UDP, paced (this is not a loss test). The user agent
 * is the gateway's SipUserAgent on loopback (test/sip-leg/helpers.ts `startUa`), its INVITE
 * handler refusing every call with 486.
 *
 * Oracle: the user agent never throws out of a socket handler (no error-level log line: those are
 * what transport.ts logs when something other than InputError escapes), answers an OPTIONS over
 * UDP and TCP afterwards, `liveDialogs()` returns to 0, and the heap after a full GC, once the
 * transaction timers (64·T1) ran out, is within HEAP_SLACK of where it was before.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import type { ServerInvite } from '../../src/sip/dialog/server-invite';
import { cleanUp, startUa } from '../sip-leg/helpers';
import { sleep, waitFor } from '../support/processes';
import { fixtureTexts, fuzzOptions, mutatedText, runsFrom } from './mutate';
import { CountingLog, heapAfterGc, mb } from './world';

const COUNT = runsFrom('FUZZ_SIP', 100_000);
const SETTLE_MS = runsFrom('FUZZ_SETTLE_MS', 35_000);
const HEAP_SLACK = 40 * 1024 * 1024;
/** Largest UDP payload on loopback IPv4 (65,535 − 8 − 20). */
const MAX_DATAGRAM = 65_507;

const SEEDS = [
  ...fixtureTexts('torture', ['.sip']),
  ...fixtureTexts('captured', ['.sip']),
  ...fixtureTexts('bad-input/sip', ['.sip', '.bin']),
].map((f) => f.text);

/** A new Call-ID and branch (`i` made unique), so the user agent sees a new transaction. */
function fresh(text: string, i: number): string {
  return text
    .replace(/(\r?\n(?:call-id|i)[ \t]*:[ \t]*)[^\r\n]*/gi, `$1fz${i}@fuzz.invalid`)
    .replace(/branch[ \t]*=[ \t]*z9hG4bK[^;,\s]*/gi, `branch=z9hG4bKfz${i}`);
}

const input = fc.record({
  text: mutatedText(SEEDS, 5),
  fresh: fc.nat({ max: 9 }),
  tcp: fc.nat({ max: 9 }),
});

const OPTIONS = (port: number, transport: 'UDP' | 'TCP', tag: string) =>
  [
    `OPTIONS sip:fuzz@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/${transport} 127.0.0.1:9;branch=z9hG4bK${tag};rport`,
    'Max-Forwards: 70',
    `From: <sip:probe@127.0.0.1>;tag=${tag}`,
    `To: <sip:fuzz@127.0.0.1:${port}>`,
    `Call-ID: ${tag}@probe.invalid`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');

/** A TCP connection to the user agent, opened again whenever it was closed; counts what came back. */
class TcpSender {
  private socket?: net.Socket;
  private pending = Promise.resolve();
  received = '';
  connections = 0;
  constructor(private readonly port: number) {}

  async send(data: Buffer): Promise<void> {
    if (this.socket === undefined || this.socket.destroyed) {
      this.connections++;
      const s = net.connect({ host: '127.0.0.1', port: this.port });
      s.on('data', (d: Buffer) => (this.received = (this.received + d.toString('latin1')).slice(-100_000)));
      s.on('error', () => undefined);
      this.socket = s;
      this.pending = new Promise<void>((resolve) => {
        s.once('connect', () => resolve());
        s.once('close', () => resolve());
      });
    }
    await this.pending;
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** Ends the connection (its framer state with it). */
  reset(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }
}

describe('fuzz: SIP messages over UDP and TCP to the user agent', () => {
  afterAll(() => cleanUp());

  it(`${COUNT} fuzzed messages: no throw, OPTIONS answered after, no dialog left, heap flat`, async () => {
    const log = new CountingLog();
    const t = await startUa({ logger: log.logger(), wireLog: false });
    let invites = 0;
    t.ua.on('invite', (inv: ServerInvite) => {
      invites++;
      inv.reject(486, 'Busy Here');
    });
    const udp = dgram.createSocket('udp4');
    const responses: Record<string, number> = {};
    udp.on('message', (m: Buffer) => {
      const first = /^SIP\/2\.0 ([0-9])/.exec(m.subarray(0, 12).toString('latin1'));
      const k = first ? `${first[1]}xx` : 'other';
      responses[k] = (responses[k] ?? 0) + 1;
    });
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    const tcp = new TcpSender(t.port('TCP'));
    const udpPort = t.port('UDP');

    const tally = { udp: 0, tcp: 0, truncated: 0 };
    const WARMUP = 1000;
    const BATCH = 1000;
    let heapBefore = 0;
    const baseSeed = fuzzOptions(1).seed ?? Math.floor(Math.random() * 2 ** 31);
    const t0 = performance.now();
    for (let i = 0; i < COUNT + WARMUP;) {
      const batch = fc.sample(input, { numRuns: BATCH, seed: baseSeed + i });
      for (const x of batch) {
        if (i === WARMUP) {
          await waitFor(() => t.ua.liveDialogs() === 0, 10_000, 'warm-up dialogs ended');
          heapBefore = heapAfterGc();
        }
        const text = x.fresh < 8 ? fresh(x.text, i) : x.text;
        let data = Buffer.from(text, 'latin1');
        if (x.tcp === 0) {
          tally.tcp++;
          await tcp.send(data);
          if (i % 100 === 0) tcp.reset();
        } else {
          if (data.length > MAX_DATAGRAM) {
            data = data.subarray(0, MAX_DATAGRAM);
            tally.truncated++;
          }
          tally.udp++;
          udp.send(data, udpPort, '127.0.0.1');
        }
        i++;
        // Paced: 10 messages, then a turn of the event loop for the user agent (same process).
        if (i % 10 === 0) await sleep(1);
        if (i >= COUNT + WARMUP) break;
      }
    }
    tcp.reset();
    const seconds = (performance.now() - t0) / 1000;

    await waitFor(() => t.ua.liveDialogs() === 0, 30_000, `liveDialogs() === 0 (is ${t.ua.liveDialogs()})`);
    // Still serving: an OPTIONS over UDP (from a fresh socket) and over TCP gets 200.
    const probe = dgram.createSocket('udp4');
    const udpAnswer = new Promise<string>((resolve) =>
      probe.once('message', (m: Buffer) => resolve(m.toString())),
    );
    probe.send(OPTIONS(udpPort, 'UDP', 'probeudp'), udpPort, '127.0.0.1');
    const tcpProbe = new TcpSender(t.port('TCP'));
    await tcpProbe.send(Buffer.from(OPTIONS(t.port('TCP'), 'TCP', 'probetcp')));
    let timer: NodeJS.Timeout | undefined;
    const okUdp = await Promise.race([
      udpAnswer,
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve('no answer'), 5000))),
    ]);
    clearTimeout(timer);
    await waitFor(() => tcpProbe.received.startsWith('SIP/2.0'), 5000, 'an answer to OPTIONS over TCP');
    tcpProbe.reset();
    probe.close();
    const heapAfter = heapAfterGc();
    await sleep(SETTLE_MS);
    const heapSettled = heapAfterGc();
    udp.close();
    console.log(
      `fuzz sip over sockets: ${JSON.stringify({ ...tally, invitesRefused: invites, tcpConnections: tcp.connections, responses })}, ` +
        `seed ${baseSeed}, ${seconds.toFixed(1)} s (${((COUNT + WARMUP) / seconds).toFixed(0)} messages/s); ` +
        `heap after GC: before ${mb(heapBefore)}, after ${mb(heapAfter)}, ${SETTLE_MS / 1000} s later ${mb(heapSettled)}; ` +
        `log lines ${JSON.stringify(log.counts)}`,
    );
    expect(tally.udp + tally.tcp).toBe(COUNT + WARMUP);
    expect(log.kept.filter((k) => k.level === 'error')).toEqual([]);
    expect(okUdp).toMatch(/^SIP\/2\.0 200 /);
    expect(tcpProbe.received).toMatch(/^SIP\/2\.0 200 /);
    expect(t.ua.liveDialogs()).toBe(0);
    // The mix reached the INVITE handler and got answers of several classes.
    expect(invites).toBeGreaterThan(COUNT / 100);
    expect(responses['4xx'] ?? 0).toBeGreaterThan(COUNT / 20);
    expect(heapSettled - heapBefore).toBeLessThan(HEAP_SLACK);
  }, 1_800_000);
});
