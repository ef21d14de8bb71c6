/**
 * What the operations side (src/ops, docs/operations.md) costs the gateway.
 *
 * Run:   npm run build && npm run bench:ops        (node dist/bench/ops.js)
 *
 * Prints:
 * - per call: one SIP → XMPP call's 7 SIP messages (the captured SIPp 3.6.1 INVITE, 180, 200,
 *   ACK, BYE, 200) and 9 stanzas (JMI propose/proceed, session-initiate/accept/terminate and their
 *   results) through `Ops.observer`, the seam the gateway calls, a new Call-ID and sid per call, CPU
 *   µs from process.cpuUsage after a warm-up. Many calls of varied messages, as under load: a
 *   loop over one message stays monomorphic and hid a slow object spread (issue 12);
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
import { Ops } from '../src/ops/ops';
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

  console.log(
    `per call (SIP → XMPP, 7 SIP messages + 9 stanzas through Ops.observer): ${(await perCall()).toFixed(1)} µs of CPU`,
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

/** CPU µs of Ops.observer per SIP → XMPP call (the messages are made outside the measure). */
async function perCall(): Promise<number> {
  const ops = await Ops.start({
    listen: '127.0.0.1:0',
    recentCalls: 50,
    messagesPerCall: 200,
    messageBytes: 8192,
  });
  const sip = (f: string): SipMessage => parseSipMessage(read(`captured/sipp-3.6.1-${f}.sip`));
  const [invite, ringing, ok, ack, bye, okBye] = [
    'uac-invite',
    'uas-180-ringing',
    'uas-200ok-invite',
    'uac-ack',
    'uac-bye',
    'uas-200ok-bye',
  ].map(sip) as SipMessage[];
  const gw = '+15551230000@gw.localhost/gateway';
  const user = 'alice0@localhost/bot';
  const jingle = (action: string, sid: string, inner = ''): string =>
    `<jingle xmlns="urn:xmpp:jingle:1" action="${action}" sid="${sid}"><content creator="initiator" name="0"/>${inner}</jingle>`;
  const call = (i: number): Array<(o: typeof ops.observer) => void> => {
    const sid = `sid${i}`;
    const callId = `cid${i}@127.0.0.1`;
    const m = (x: SipMessage): SipMessage => ({
      ...x,
      headers: x.headers.map((h) =>
        h.name.toLowerCase() === 'call-id' ? { name: h.name, value: callId } : h,
      ),
    });
    const [mInvite, mRinging, mOk, mAck, mBye, mOkBye] = [invite, ringing, ok, ack, bye, okBye].map(
      m,
    ) as SipMessage[];
    const st = (x: string): ReturnType<typeof parse> => parse(x);
    const el = {
      propose: st(
        `<message from="${gw}" to="alice0@localhost" id="${sid}"><propose xmlns="urn:xmpp:jingle-message:0" id="${sid}"><description xmlns="urn:xmpp:jingle:apps:rtp:1" media="audio"/></propose></message>`,
      ),
      proceed: st(
        `<message from="${user}" to="${gw}"><proceed xmlns="urn:xmpp:jingle-message:0" id="${sid}"/></message>`,
      ),
      initiate: st(
        `<iq from="${gw}" to="${user}" id="i${i}" type="set">${jingle('session-initiate', sid)}</iq>`,
      ),
      initiated: st(`<iq from="${user}" to="${gw}" id="i${i}" type="result"/>`),
      accept: st(`<iq from="${user}" to="${gw}" id="a${i}" type="set">${jingle('session-accept', sid)}</iq>`),
      accepted: st(`<iq from="${gw}" to="${user}" id="a${i}" type="result"/>`),
      terminate: st(
        `<iq from="${gw}" to="${user}" id="t${i}" type="set">${jingle('session-terminate', sid, '<reason><success/></reason>')}</iq>`,
      ),
      terminated: st(`<iq from="${user}" to="${gw}" id="t${i}" type="result"/>`),
    };
    const peer = 'UDP|127.0.0.1|5070';
    const at = i * 10;
    return [
      (o) => o.sipMessage?.('in', mInvite, peer, at),
      (o) => o.callStarted?.({ ...info(sid, callId), at }),
      (o) => o.sipMessage?.('out', mRinging, peer, at),
      (o) => o.stanza?.('out', el.propose, at),
      (o) => o.stanza?.('in', el.proceed, at),
      (o) => o.stanza?.('out', el.initiate, at),
      (o) => o.stanza?.('in', el.initiated, at),
      (o) => o.stanza?.('in', el.accept, at),
      (o) => o.stanza?.('out', el.accepted, at),
      (o) => o.sipMessage?.('out', mOk, peer, at),
      (o) => o.callAnswered?.(sid, at + 1),
      (o) => o.sipMessage?.('in', mAck, peer, at),
      (o) => o.sipMessage?.('in', mBye, peer, at),
      (o) => o.sipMessage?.('out', mOkBye, peer, at),
      (o) => o.stanza?.('out', el.terminate, at),
      (o) => o.stanza?.('in', el.terminated, at),
      (o) => o.callEnded?.(sid, 'success', at + 2),
    ];
  };
  const run = (from: number, n: number): number => {
    const steps = Array.from({ length: n }, (_, k) => call(from + k));
    const t0 = process.cpuUsage();
    for (const s of steps) for (const f of s) f(ops.observer);
    const t = process.cpuUsage(t0);
    return (t.user + t.system) / n;
  };
  run(0, 3000);
  const us = run(3000, 10_000);
  await ops.close();
  return us;
}

void main();
