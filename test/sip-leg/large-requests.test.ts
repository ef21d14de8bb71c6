/**
 * RFC 3261 §18.1.1 with real peers (issue 10: "a 200 kB Jingle sid/ufrag made INVITEs fail with
 * EMSGSIZE: no switch to TCP for large requests"): an INVITE over 1300 bytes to a `sip:` target
 * with no transport parameter goes over TCP, with a TCP Via; when the peer refuses TCP it is sent
 * again over UDP (the SHOULD of §18.1.1); when it cannot travel over UDP at all the call fails at
 * once with a 503 whose Warning says why, not after a timeout.
 */
import * as dgram from 'node:dgram';
import type { ClientInvite, Dialog } from '../../src/sip';
import type { SipResponse } from '../../src/sip/message/types';
import { header } from '../../src/sip/message/headers';
import { freePort, sleep } from '../support/processes';
import { startSipp, type TraceEntry } from '../support/sipp';
import { cleanUp, SDP, startUa } from './helpers';

afterEach(cleanUp);

/**
 * An offer as a WebRTC client's would be after translation: host candidates for many interfaces
 * (RFC 8839 §5.1 candidate-attribute syntax, documentation addresses of RFC 5737), which is what
 * pushes a real INVITE over the MTU.
 */
function largeSdp(candidates: number): string {
  const lines = SDP.trimEnd().split('\r\n');
  for (let i = 0; i < candidates; i++)
    lines.push(`a=candidate:${i + 1} 1 UDP ${2130706431 - i} 192.0.2.${i + 1} ${50000 + 2 * i} typ host`);
  return `${lines.join('\r\n')}\r\n`;
}

function finalOf(call: ClientInvite): Promise<{ res: SipResponse; dialog?: Dialog; at: number }> {
  return new Promise((resolve) => {
    call.on('accepted', (res: SipResponse, dialog: Dialog) => resolve({ res, dialog, at: Date.now() }));
    call.on('failed', (res: SipResponse) => resolve({ res, at: Date.now() }));
  });
}

const receivedInvite = (trace: TraceEntry[]): TraceEntry | undefined =>
  trace.find((e) => e.direction === 'received' && e.firstLine.startsWith('INVITE '));

test('an INVITE over 1300 bytes goes over TCP (Via rewritten) to a SIPp UAS listening on TCP only', async () => {
  const t = await startUa(); // UDP and TCP
  const port = await freePort();
  const sipp = await startSipp({ scenario: 'uas-answer.xml', port, transport: 't1' });
  await sleep(300);
  const call = t.ua.invite({
    uri: `sip:bob@127.0.0.1:${port}`,
    from: 'sip:alice@gw.test',
    body: largeSdp(24),
  });
  const { res, dialog } = await finalOf(call);
  expect(res.status).toBe(200);
  await dialog?.bye();
  const r = await sipp.done;
  if (r.code !== 0) console.log(r.output);
  expect(r.code).toBe(0);
  const invite = receivedInvite(r.trace);
  const bytes = Buffer.byteLength(invite?.text ?? '');
  console.log(
    `large INVITE: ${Buffer.byteLength(String(t.sent('INVITE ')[0]?.meta.text))} bytes sent, ${bytes} in SIPp's trace`,
  );
  expect(bytes).toBeGreaterThan(1300);
  expect(invite?.text).toMatch(/^Via: SIP\/2\.0\/TCP 127\.0\.0\.1:\d+;branch=z9hG4bK/m);
  const sent = t.sent('INVITE ');
  expect(sent.map((l) => String(l.meta.to))).toEqual([`TCP|127.0.0.1|${port}`]);
  // The Contact is for UDP, where a peer without TCP (next test) can reach us too.
  expect(invite?.text).toMatch(new RegExp(`^Contact: <sip:gw@127\\.0\\.0\\.1:${t.port('UDP')}>`, 'm'));
  expect(t.ua.liveDialogs()).toBe(0);
});

test('the peer has no TCP: the connection is refused, and the INVITE is sent again over UDP', async () => {
  const t = await startUa();
  const port = await freePort();
  const sipp = await startSipp({ scenario: 'uas-answer.xml', port, transport: 'u1' });
  await sleep(300);
  const call = t.ua.invite({
    uri: `sip:bob@127.0.0.1:${port}`,
    from: 'sip:alice@gw.test',
    body: largeSdp(24),
  });
  const { res, dialog } = await finalOf(call);
  expect(res.status).toBe(200);
  await dialog?.bye();
  const r = await sipp.done;
  if (r.code !== 0) console.log(r.output);
  expect(r.code).toBe(0);
  const invite = receivedInvite(r.trace);
  expect(Buffer.byteLength(invite?.text ?? '')).toBeGreaterThan(1300);
  expect(invite?.text).toMatch(/^Via: SIP\/2\.0\/UDP /m);
  expect(t.sent('INVITE ').map((l) => String(l.meta.to))).toEqual([
    `TCP|127.0.0.1|${port}`,
    `UDP|127.0.0.1|${port}`,
  ]);
  const refused = t.log.find(
    (l) => l.message === 'stream error' && l.meta.remote === `TCP|127.0.0.1|${port}`,
  );
  expect(String(refused?.meta.error)).toMatch(/ECONNREFUSED/);
});

test('an explicit transport=udp keeps a large INVITE on UDP (RFC 3263 §4.1)', async () => {
  const t = await startUa();
  const port = await freePort();
  const sipp = await startSipp({ scenario: 'uas-answer.xml', port, transport: 'u1' });
  await sleep(300);
  const call = t.ua.invite({
    uri: `sip:bob@127.0.0.1:${port};transport=udp`,
    from: 'sip:alice@gw.test',
    body: largeSdp(24),
  });
  const { res, dialog } = await finalOf(call);
  expect(res.status).toBe(200);
  await dialog?.bye();
  expect((await sipp.done).code).toBe(0);
  expect(t.sent('INVITE ').map((l) => String(l.meta.to))).toEqual([`UDP|127.0.0.1|${port}`]);
});

test('too large for any datagram, to a peer without TCP: a 503 at once, whose Warning says why', async () => {
  const t = await startUa();
  // The peer: a UDP socket and nothing on TCP. It must receive nothing (no EMSGSIZE attempt).
  const peer = dgram.createSocket('udp4');
  let datagrams = 0;
  peer.on('message', () => datagrams++);
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
  const port = peer.address().port;
  try {
    const started = Date.now();
    const body = largeSdp(1200); // ~ 80 kB
    const call = t.ua.invite({ uri: `sip:bob@127.0.0.1:${port}`, from: 'sip:alice@gw.test', body });
    const { res, at } = await finalOf(call);
    console.log(`${Buffer.byteLength(body)}-byte SDP, TCP refused: ${res.status} after ${at - started} ms`);
    expect(res.status).toBe(503);
    expect(at - started).toBeLessThan(5000); // not Timer B's 32 s
    const warning = header(res, 'warning') ?? '';
    expect(warning).toMatch(/^399 - "TCP to 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    expect(warning).toMatch(/\d+ bytes: too large for UDP, sent over TCP only \(RFC 3261 §18\.1\.1\)"$/);
    await sleep(200);
    expect(datagrams).toBe(0);
  } finally {
    peer.close();
  }
});

test('too large for UDP on a UA without TCP: refused before sending, with the reason', async () => {
  const t = await startUa({ listen: ['udp://127.0.0.1:0'] });
  const call = t.ua.invite({ uri: 'sip:bob@127.0.0.1:5', from: 'sip:alice@gw.test', body: largeSdp(1200) });
  const { res } = await finalOf(call);
  expect(res.status).toBe(503);
  expect(header(res, 'warning')).toMatch(/too large for UDP and we do not listen on TCP/);
  expect(t.sent('INVITE ')).toEqual([]);
  expect(t.log.find((l) => l.message === 'request not sent')?.meta.why).toMatch(/too large for UDP/);
});

test('the size is counted exactly as sent: 1300 bytes over UDP stays on UDP, 1301 tries TCP first', async () => {
  // Sizes are the same from call to call (the Call-ID, tags and branch are random but of fixed
  // length), so a first INVITE gives the size of the headers, and the next ones are padded to
  // the bound of RFC 3261 §18.1.1 and one byte past it.
  const t = await startUa();
  const port = await freePort();
  const sipp = await startSipp({ scenario: 'uas-answer.xml', port, transport: 'u1', calls: 3 });
  await sleep(300);
  const pad = (n: number): string => `${SDP}a=x-pad:${'p'.repeat(n)}\r\n`;
  const place = async (body: string): Promise<void> => {
    const { res, dialog } = await finalOf(
      t.ua.invite({ uri: `sip:bob@127.0.0.1:${port}`, from: 'sip:alice@gw.test', body }),
    );
    expect(res.status).toBe(200);
    await dialog?.bye();
  };
  await place(pad(100));
  const first = Buffer.byteLength(String(t.sent('INVITE ')[0]?.meta.text));
  expect(first).toBeLessThan(1300);
  await place(pad(100 + 1300 - first));
  const atBound = t.sent('INVITE ')[1];
  expect(Buffer.byteLength(String(atBound?.meta.text))).toBe(1300);
  expect(String(atBound?.meta.to)).toBe(`UDP|127.0.0.1|${port}`);
  await place(pad(100 + 1301 - first));
  expect(
    t
      .sent('INVITE ')
      .slice(2)
      .map((l) => String(l.meta.to)),
  ).toEqual([`TCP|127.0.0.1|${port}`, `UDP|127.0.0.1|${port}`]);
  expect((await sipp.done).code).toBe(0);
});
