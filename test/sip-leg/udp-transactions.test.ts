/**
 * UDP transaction and dialog behaviour against SIPp (issue 3, "over UDP ..."): INVITE
 * retransmission, 486 and 200 retransmitted until ACK, no ACK → BYE, 420 for 100rel, OPTIONS,
 * 481 and a stateless 400. Times come from the UA's own wire log (Date.now() at send).
 */
import type { ClientInvite, Dialog, ServerInvite } from '../../src/sip';
import type { SipResponse } from '../../src/sip/message/types';
import { freePort, waitFor } from '../support/processes';
import { startSipp, type Sipp } from '../support/sipp';
import { cleanUp, SDP, startUa, type TestUa } from './helpers';

afterEach(cleanUp);

const gaps = (ts: number[]): number[] => ts.slice(1).map((t, i) => t - (ts[i] as number));

/** A SIPp UAC scenario calling the UA `t`. */
async function sippCalling(t: TestUa, scenario: string): Promise<Sipp> {
  return startSipp({ scenario, remote: t.addr(), port: await freePort() });
}

/** Awaits SIPp and expects it passed (its output in the log when not). */
async function sippPassed(sipp: Sipp): Promise<void> {
  const r = await sipp.done;
  if (r.code !== 0) console.log(r.output);
  expect(r.code).toBe(0);
}

/** When the UA sent the 200 OK for the INVITE (each retransmission). */
const invite200Sends = (t: TestUa): number[] =>
  t
    .sent('SIP/2.0 200 OK')
    .filter((l) => String(l.meta.text).includes('INVITE\r\n'))
    .map((l) => l.at);

test('an ignored INVITE is retransmitted after about 500 ms; the 486 is ACKed', async () => {
  const t = await startUa();
  const port = await freePort();
  const sipp = await startSipp({ scenario: 'uas-ignore-then-486.xml', port });
  await new Promise((r) => setTimeout(r, 300)); // SIPp binds its socket
  const call: ClientInvite = t.ua.invite({
    uri: `sip:bob@127.0.0.1:${port}`,
    from: 'sip:alice@gw.test',
    body: SDP,
  });
  const failed = new Promise<SipResponse>((resolve) => call.on('failed', resolve));
  const res = await failed;
  expect(res.status).toBe(486);
  const r = await sipp.done;
  expect(r.code).toBe(0);
  const invites = t.sent('INVITE ').map((l) => l.at);
  const intervals = gaps(invites);
  console.log('INVITE retransmission intervals (ms):', intervals);
  expect(invites.length).toBeGreaterThanOrEqual(2);
  expect(intervals[0]).toBeGreaterThanOrEqual(400);
  expect(intervals[0]).toBeLessThanOrEqual(1500);
  expect(r.trace.filter((e) => e.direction === 'received' && e.firstLine.startsWith('INVITE')).length).toBe(
    invites.length,
  );
  expect(t.sent('ACK ').length).toBe(1);
  await waitFor(() => t.ua.liveDialogs() === 0, 2000, 'no live dialogs');
});

test('a 486 is retransmitted until the ACK comes, then no more', async () => {
  const t = await startUa();
  t.ua.on('invite', (inv: ServerInvite) => inv.reject(486));
  const sipp = await sippCalling(t, 'uac-486-late-ack.xml');
  await sippPassed(sipp);
  const sends = t.sent('SIP/2.0 486').map((l) => l.at);
  console.log('486 retransmission intervals (ms):', gaps(sends));
  // Sent at 0, ~500, ~1500 ms; the ACK at ~1700 ms stops the one due at ~3500 ms.
  expect(sends.length).toBe(3);
  expect(gaps(sends)[0]).toBeGreaterThanOrEqual(400);
  expect(gaps(sends)[0]).toBeLessThanOrEqual(1500);
  expect(gaps(sends)[1]).toBeGreaterThanOrEqual(800);
  expect(gaps(sends)[1]).toBeLessThanOrEqual(2500);
  expect(t.ua.liveDialogs()).toBe(0);
});

test('a 200 is retransmitted until the ACK comes; then BYE ends the dialog', async () => {
  const t = await startUa();
  const events: string[] = [];
  t.ua.on('invite', (inv: ServerInvite) => {
    inv.on('ack', () => events.push('ack'));
    const d: Dialog = inv.accept(SDP);
    d.on('bye', () => events.push('bye'));
    d.on('terminated', () => events.push('terminated'));
  });
  const sipp = await sippCalling(t, 'uac-200-late-ack.xml');
  await sippPassed(sipp);
  const sends = invite200Sends(t);
  console.log('200 retransmission intervals (ms):', gaps(sends));
  expect(sends.length).toBe(3); // 0, ~500, ~1500; the ACK at ~1700 stops them
  expect(gaps(sends)[0]).toBeGreaterThanOrEqual(400);
  expect(gaps(sends)[0]).toBeLessThanOrEqual(1500);
  expect(events).toEqual(['ack', 'bye', 'terminated']);
  expect(t.ua.liveDialogs()).toBe(0);
});

test('no ACK for the 200: retransmissions, then BYE at the ACK timeout', async () => {
  const t = await startUa({ ackTimeoutMs: 3000 }); // 64·T1 = 32 s by default; shortened here
  let ackTimeout = 0;
  t.ua.on('invite', (inv: ServerInvite) => {
    inv.on('ack-timeout', () => (ackTimeout = Date.now()));
    inv.accept(SDP);
  });
  const sipp = await sippCalling(t, 'uac-no-ack.xml');
  await sippPassed(sipp);
  const sends = invite200Sends(t);
  console.log('200 (never ACKed) send intervals (ms):', gaps(sends));
  expect(sends.length).toBeGreaterThanOrEqual(3);
  expect(ackTimeout - (sends[0] as number)).toBeGreaterThanOrEqual(2900);
  expect(t.sent('BYE ').length).toBe(1);
  await waitFor(() => t.ua.liveDialogs() === 0, 3000, 'no live dialogs');
});

test('Require: 100rel is answered with 420 and Unsupported: 100rel', async () => {
  const t = await startUa();
  let invited = false;
  t.ua.on('invite', () => (invited = true));
  const sipp = await sippCalling(t, 'uac-100rel.xml');
  await sippPassed(sipp);
  expect(invited).toBe(false);
  expect(t.ua.liveDialogs()).toBe(0);
});

test('OPTIONS → 200 with Allow; BYE for an unknown dialog → 481; a malformed request → stateless 400', async () => {
  const t = await startUa();
  const sipp = await sippCalling(t, 'uac-misc.xml');
  await sippPassed(sipp);
  expect(t.log.some((l) => l.message === 'malformed SIP messages' && l.meta.answered === 400)).toBe(true);
  expect(t.ua.liveDialogs()).toBe(0);
});

test('stop() ends a live dialog with BYE, then closes everything', async () => {
  const t = await startUa();
  let acked = false;
  t.ua.on('invite', (inv: ServerInvite) => {
    inv.on('ack', () => (acked = true));
    inv.accept(SDP);
  });
  const sipp = await sippCalling(t, 'uac-wait-bye.xml');
  await waitFor(() => acked, 3000, 'the ACK');
  expect(t.ua.liveDialogs()).toBe(1);
  await t.ua.stop();
  expect(t.ua.liveDialogs()).toBe(0);
  await sippPassed(sipp);
  expect(t.sent('BYE ').length).toBe(1);
});
