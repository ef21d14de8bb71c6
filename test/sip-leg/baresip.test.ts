/** A real UA (baresip 1.0.0) places calls to the SIP leg and receives calls from it. */
import type { Dialog, ServerInvite } from '../../src/sip';
import type { SipRequest, SipResponse } from '../../src/sip/message/types';
import { startBaresip } from '../support/baresip';
import { freePort, sleep, waitFor } from '../support/processes';
import { cleanUp, SDP, startUa } from './helpers';

afterEach(cleanUp);

test('the UA calls baresip (auto-answer) and hangs up', async () => {
  const t = await startUa();
  const b = await startBaresip(await freePort(), await freePort());
  const call = t.ua.invite({ uri: `sip:bob@127.0.0.1:${b.sipPort}`, from: 'sip:alice@gw.test', body: SDP });
  const { res, dialog } = await new Promise<{ res: SipResponse; dialog?: Dialog }>((resolve) => {
    call.on('accepted', (r: SipResponse, d: Dialog) => resolve({ res: r, dialog: d }));
    call.on('failed', (r: SipResponse) => resolve({ res: r }));
  });
  if (res.status !== 200) console.log(b.proc.output());
  expect(res.status).toBe(200);
  expect(res.body).toMatch(/^m=audio \d+ RTP\/AVP 0/m);
  await sleep(500);
  await dialog?.bye();
  expect(t.log.some((l) => l.message === 'recv' || l.message === 'send')).toBe(true);
  expect(t.ua.liveDialogs()).toBe(0);
});

test('baresip calls the UA (ctrl_tcp dial), the UA answers, baresip hangs up', async () => {
  const t = await startUa();
  const b = await startBaresip(await freePort(), await freePort());
  const events: string[] = [];
  let offer = '';
  t.ua.on('invite', (inv: ServerInvite) => {
    offer = inv.request.body;
    inv.provisional(180);
    const d = inv.accept(SDP.replace('RTP/AVP 0 101', 'RTP/AVP 0 101'));
    inv.on('ack', () => events.push('ack'));
    d.on('bye', (req: SipRequest) => events.push(`bye ${req.method}`));
    d.on('terminated', () => events.push('terminated'));
  });
  await b.command('dial', `sip:gw@${t.addr()}`);
  await waitFor(() => events.includes('ack'), 8000, 'the ACK from baresip');
  expect(offer).toMatch(/^m=audio \d+ RTP\/AVP/m);
  await sleep(300);
  await b.command('hangup');
  await waitFor(() => events.includes('terminated'), 5000, 'BYE from baresip');
  expect(events).toEqual(['ack', 'bye BYE', 'terminated']);
  expect(t.ua.liveDialogs()).toBe(0);
});
