/** CANCEL both ways, the CANCEL/200 race, forked 2xx, re-INVITE glare (RFC 3261 §9, §13.2.2.4, §14). */
import type { ClientInvite, Dialog, ServerInvite } from '../../src/sip';
import type { SipResponse } from '../../src/sip/message/types';
import { freePort, sleep, waitFor } from '../support/processes';
import { startSipp } from '../support/sipp';
import { cleanUp, SDP, startUa } from './helpers';

afterEach(cleanUp);

test('CANCEL from the caller before the answer: 200, 487, the cancel event', async () => {
  const t = await startUa();
  const events: string[] = [];
  t.ua.on('invite', (inv: ServerInvite) => {
    inv.on('cancel', () => events.push('cancel'));
    inv.provisional(180);
  });
  const sipp = await startSipp({ scenario: 'uac-cancel.xml', remote: t.addr(), port: await freePort() });
  const r = await sipp.done;
  if (r.code !== 0) console.log(r.output);
  expect(r.code).toBe(0);
  expect(events).toEqual(['cancel']);
  expect(t.sent('SIP/2.0 487').length).toBeGreaterThanOrEqual(1);
  expect(t.ua.liveDialogs()).toBe(0);
});

async function callSipp(scenario: string, onCall: (c: ClientInvite) => void) {
  const t = await startUa();
  const port = await freePort();
  const sipp = await startSipp({ scenario, port });
  await sleep(300);
  const call = t.ua.invite({ uri: `sip:bob@127.0.0.1:${port}`, from: 'sip:alice@gw.test', body: SDP });
  onCall(call);
  return { t, sipp, call };
}

test('the UA cancels a ringing call: CANCEL, then the 487 is ACKed', async () => {
  let failed: SipResponse | undefined;
  const { t, sipp } = await callSipp('uas-cancel.xml', (call) => {
    call.on('provisional', () => call.cancel());
    call.on('failed', (r: SipResponse) => (failed = r));
  });
  const r = await sipp.done;
  if (r.code !== 0) console.log(r.output);
  expect(r.code).toBe(0);
  await waitFor(() => failed !== undefined, 2000, 'failed event');
  expect(failed?.status).toBe(487);
  expect(t.ua.liveDialogs()).toBe(0);
});

test('a 200 that crosses the CANCEL is ACKed and ended with BYE', async () => {
  let failed: SipResponse | undefined;
  let accepted = false;
  const { t, sipp } = await callSipp('uas-cancel-crossing-200.xml', (call) => {
    call.on('provisional', () => call.cancel());
    call.on('accepted', () => (accepted = true));
    call.on('failed', (r: SipResponse) => (failed = r));
  });
  const r = await sipp.done;
  if (r.code !== 0) console.log(r.output);
  expect(r.code).toBe(0);
  expect(accepted).toBe(false);
  expect(failed?.status).toBe(487);
  expect(t.sent('ACK ').length).toBe(1);
  expect(t.sent('BYE ').length).toBe(1);
  await waitFor(() => t.ua.liveDialogs() === 0, 2000, 'no live dialogs');
});

test('forked answers: the first 2xx makes the dialog, the second is ACKed and BYEd', async () => {
  let dialog: Dialog | undefined;
  const { t, sipp } = await callSipp('uas-fork.xml', (call) => {
    call.on('accepted', (_r: SipResponse, d: Dialog) => (dialog = d));
  });
  try {
    await waitFor(() => t.sent('BYE ').length === 1, 3000, 'BYE to the second fork');
  } catch (e) {
    console.log(
      sipp.proc.output(),
      t.log.map((l) => `${l.at} ${l.message} ${String(l.meta.text ?? '').split('\r\n')[0]}`),
    );
    throw e;
  }
  expect(dialog?.remoteTag).toMatch(/^forkA/);
  await dialog?.bye();
  const r = await sipp.done;
  if (r.code !== 0) console.log(r.output);
  expect(r.code).toBe(0);
  expect(t.sent('ACK ').length).toBe(2);
  expect(t.ua.liveDialogs()).toBe(0);
});

test('re-INVITE glare: 491 to theirs while ours is pending; ours gets 491 and is retried', async () => {
  const t = await startUa();
  let result: SipResponse | undefined;
  t.ua.on('invite', (inv: ServerInvite) => {
    const d = inv.accept(SDP);
    inv.on('ack', () => {
      void d.reinvite(SDP.replace('a=sendrecv', 'a=sendonly')).then((res) => (result = res));
    });
  });
  const sipp = await startSipp({
    scenario: 'uac-glare.xml',
    remote: t.addr(),
    port: await freePort(),
    timeoutSec: 15,
  });
  const r = await sipp.done;
  if (r.code !== 0) console.log(r.output);
  expect(r.code).toBe(0);
  expect(result?.status).toBe(200);
  expect(t.sent('SIP/2.0 491').length).toBe(1);
  const reinvites = t.sent('INVITE ').map((l) => l.at);
  expect(reinvites.length).toBe(2);
  console.log('re-INVITE retry after 491 (ms):', (reinvites[1] as number) - (reinvites[0] as number));
  expect(t.ua.liveDialogs()).toBe(0);
});
