/**
 * What the operations side (src/ops, docs/operations.md) costs the gateway.
 *
 * Run:   npm run build && npm run bench:ops        (node dist/bench/ops.js)
 *
 * Prints:
 * - per SIP message on the wire: the observer's work (metrics, correlation, the ladder's entry;
 *   its text, serialize + mask, is made when the ladder is read) in µs, for a message of a kept
 *   call and one of no call (an OPTIONS ping);
 *   and per stanza (the XEP-0320 example session-initiate of test/fixtures/jingle-xep);
 * - the memory of a full recorder: `http.recentCalls` 50 × `messagesPerCall` 200 of a 975-byte
 *   INVITE (the captured baresip-1.0.0-invite-srtp.sip), the default bounds, unread and with
 *   every ladder read;
 * - a /metrics scrape with 1000 live calls, and one call's /ladders/<sid> JSON (200 messages).
 * Inputs are test/fixtures/captured files (named below).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'ltx';
import { addressContext } from '../src/config/address-context';
import { defaultConfig } from '../src/config/config';
import { XmppCall } from '../src/calls';
import { parseJingleXml } from '../src/jingle';
import type { CallInfo } from '../src/gateway/observer';
import { correlateSip, correlateStanza } from '../src/ops/correlate';
import type { GatewayStatus } from '../src/ops/health';
import { LadderRecorder } from '../src/ops/ladder';
import { GatewayMetrics } from '../src/ops/metrics';
import { parseSipMessage, serializeSipMessage } from '../src/sip/message/message';
import type { SipMessage } from '../src/sip/message/types';
import { loadMappings } from '../src/config/mappings';

/** The mapping tables, read once (as the gateway does at start). */
const tables = loadMappings();

const FIX = path.join(__dirname, '..', '..', 'test', 'fixtures');
const read = (p: string): string => fs.readFileSync(path.join(FIX, p), 'utf8');

function timeUs(n: number, f: (i: number) => void): number {
  for (let i = 0; i < Math.min(n, 1000); i++) f(i); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) f(i);
  return Number(process.hrtime.bigint() - t0) / 1000 / n;
}

function info(sid: string, callId: string): CallInfo {
  return {
    sid,
    callId,
    direction: 'sip-to-xmpp',
    from: 'sip:bob@127.0.0.1',
    to: 'sip:alice@localhost',
    at: Date.now(),
  };
}

async function main(): Promise<void> {
  const inviteText = read('captured/baresip-1.0.0-invite-srtp.sip');
  const invite = parseSipMessage(inviteText);
  const withCallId = (m: SipMessage, id: string): SipMessage => ({
    ...m,
    headers: m.headers.map((h) => (h.name.toLowerCase() === 'call-id' ? { ...h, value: id } : h)),
  });
  const config = defaultConfig();
  const ctx = { config, tables, address: addressContext(config, tables) };
  const calls: XmppCall[] = [];
  const status = (): GatewayStatus => ({
    xmppOnline: true,
    sipListening: ['udp://127.0.0.1:5060'],
    trunks: [],
    calls,
    draining: false,
  });
  const metrics = new GatewayMetrics(status);
  const N = 20_000;

  // ── per message ──
  const kept = new LadderRecorder({ calls: 50, messagesPerCall: 200, messageBytes: 8192 });
  kept.started(info('S', 'C'));
  const inCall = withCallId(invite, 'C');
  const perKept = timeUs(N, () => {
    metrics.observer.sipMessage?.('in', inCall, 'UDP|127.0.0.1|5090', 0);
    const c = correlateSip(inCall);
    if (c)
      kept.record({
        ...c,
        at: Date.now(),
        leg: 'sip',
        direction: 'in',
        peer: 'p',
        text: () => serializeSipMessage(inCall),
      });
  });
  const serializeOnly = timeUs(N, () => serializeSipMessage(inCall));
  const ping = withCallId({ ...invite, method: 'OPTIONS', body: '' } as SipMessage, 'ping');
  const perStray = timeUs(N, (i) => {
    const m = i % 2 ? ping : withCallId(ping, `ping-${i}`);
    metrics.observer.sipMessage?.('in', m, 'UDP|127.0.0.1|5090', 0);
    const c = correlateSip(m);
    if (c)
      kept.record({
        ...c,
        at: Date.now(),
        leg: 'sip',
        direction: 'in',
        peer: 'p',
        text: () => serializeSipMessage(m),
      });
  });
  const initiateXml = read('jingle-xep/xep0320-ex01-initiate-fingerprint.xml').replace(/<!--[\s\S]*?-->/, '');
  const initiate = parse(initiateXml);
  const sid = String(initiate.getChild('jingle')?.attrs.sid);
  kept.started(info(sid, 'C2'));
  const perStanza = timeUs(N, () => {
    metrics.observer.stanza?.('in', initiate, 0);
    const c = correlateStanza(initiate);
    if (c)
      kept.record({
        ...c,
        at: Date.now(),
        leg: 'xmpp',
        direction: 'in',
        peer: 'p',
        text: () => initiate.toString(),
      });
  });
  console.log(
    `per SIP message of a kept call (${inviteText.length} B INVITE): ${perKept.toFixed(1)} µs ` +
      `(serializing it again, ${serializeOnly.toFixed(1)} µs, is left for when its ladder is read)`,
  );
  console.log(`per SIP message of no call (OPTIONS; waits unread as an orphan): ${perStray.toFixed(1)} µs`);
  console.log(
    `per stanza of a kept call (XEP-0320 session-initiate, ${initiateXml.length} B): ${perStanza.toFixed(1)} µs`,
  );

  // ── memory of a full recorder ──
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  const full = new LadderRecorder({ calls: 50, messagesPerCall: 200, messageBytes: 8192 });
  for (let c = 0; c < 50; c++) {
    const m = withCallId(invite, `call-${c}`);
    full.started(info(`s${c}`, `call-${c}`));
    for (let i = 0; i < 200; i++)
      full.record({
        keys: [`call-id:call-${c}`],
        at: i,
        leg: 'sip',
        direction: 'in',
        label: 'INVITE',
        peer: 'p',
        text: () => serializeSipMessage(m),
      });
  }
  global.gc?.();
  const mb = (process.memoryUsage().heapUsed - before) / 1e6;
  // The worst case: every ladder read, so every text made and kept.
  for (const c of full.calls()) for (const m of c.messages) void m.text;
  global.gc?.();
  const readMb = (process.memoryUsage().heapUsed - before) / 1e6;
  console.log(
    `a full recorder (50 calls × 200 messages of ${inviteText.length} B): ${mb.toFixed(1)} MB of heap unread, ` +
      `${readMb.toFixed(1)} MB with every ladder read` +
      (global.gc ? '' : ' (run with --expose-gc for a steadier number)'),
  );

  // ── /metrics with 1000 live calls, /ladders/<sid> ──
  const offer = parseJingleXml(initiateXml, tables.hashes);
  for (let i = 0; i < 1000; i++) {
    const iq = { ...(offer.iq as NonNullable<typeof offer.iq>), jingle: { ...offer.jingle, sid: `s${i}` } };
    calls.push(XmppCall.start(iq, ctx, `c${i}@gw`).call);
  }
  const scrape: number[] = [];
  let size = 0;
  for (let i = 0; i < 50; i++) {
    const t0 = process.hrtime.bigint();
    size = (await metrics.text()).body.length;
    scrape.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  scrape.sort((a, b) => a - b);
  console.log(`/metrics with ${calls.length} live calls: ${scrape[25]?.toFixed(2)} ms median, ${size} B`);
  const ladder = full.call('s0');
  const t0 = process.hrtime.bigint();
  const json = JSON.stringify(ladder, null, 1);
  console.log(
    `/ladders/<sid> of 200 messages: ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(2)} ms, ${(json.length / 1e3).toFixed(0)} kB`,
  );
}

void main();
