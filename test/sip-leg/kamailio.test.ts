/**
 * Through Kamailio as a Record-Routing proxy (issue 3): the route set is built from
 * Record-Route, in-dialog requests carry Route and go through the proxy, both directions.
 */
import type { Dialog, ServerInvite } from '../../src/sip';
import type { SipResponse } from '../../src/sip/message/types';
import { kamailioReady, startKamailio } from '../support/kamailio';
import { freePort, sleep, waitFor } from '../support/processes';
import { startSipp } from '../support/sipp';
import { cleanUp, SDP, startUa, type TestUa } from './helpers';

afterEach(cleanUp);

async function withKamailio(): Promise<{ t: TestUa; kport: number }> {
  const gwPort = await freePort();
  const kport = await freePort();
  const t = await startUa({ listen: [`udp://127.0.0.1:${gwPort}`], outboundProxy: `sip:127.0.0.1:${kport}` });
  // Ready when it answers OPTIONS.
  await kamailioReady(startKamailio(kport, gwPort), (uri) => t.ua.options(uri), 600);
  return { t, kport };
}

test('SIPp → Kamailio → UA: the UA hangs up and its BYE follows the Record-Route', async () => {
  const { t, kport } = await withKamailio();
  let dialog: Dialog | undefined;
  t.ua.on('invite', (inv: ServerInvite) => {
    dialog = inv.accept(SDP);
    inv.on('ack', () => setTimeout(() => void dialog?.bye(), 50));
  });
  const sipp = await startSipp({
    scenario: 'uac-rr.xml',
    remote: `127.0.0.1:${kport}`,
    port: await freePort(),
  });
  const r = await sipp.done;
  if (r.code !== 0) console.log(r.output);
  expect(r.code).toBe(0);
  expect(dialog?.routeSet).toEqual([
    expect.stringMatching(new RegExp(`^<sip:127.0.0.1:${kport};lr(;ftag=[^>]+)?>$`)),
  ]);
  const bye = t.sent('BYE ')[0];
  expect(bye?.meta.text).toMatch(new RegExp(`\r\nRoute: <sip:127.0.0.1:${kport};lr[;>]`));
  expect(bye?.meta.to).toBe(`UDP|127.0.0.1|${kport}`);
  await waitFor(() => t.ua.liveDialogs() === 0, 2000, 'no live dialogs');
});

test('UA → Kamailio (outbound proxy) → SIPp: ACK and BYE go through Kamailio with Route', async () => {
  const { t, kport } = await withKamailio();
  const sport = await freePort();
  const sipp = await startSipp({ scenario: 'uas-answer.xml', port: sport });
  await sleep(300);
  const call = t.ua.invite({ uri: `sip:bob@127.0.0.1:${sport}`, from: 'sip:alice@gw.test', body: SDP });
  const { res, dialog } = await new Promise<{ res: SipResponse; dialog?: Dialog }>((resolve) => {
    call.on('accepted', (r: SipResponse, d: Dialog) => resolve({ res: r, dialog: d }));
    call.on('failed', (r: SipResponse) => resolve({ res: r }));
  });
  expect(res.status).toBe(200);
  expect(dialog?.routeSet).toEqual([
    expect.stringMatching(new RegExp(`^<sip:127.0.0.1:${kport};lr(;ftag=[^>]+)?>$`)),
  ]);
  await dialog?.bye();
  const r = await sipp.done;
  if (r.code !== 0) console.log(r.output);
  expect(r.code).toBe(0);
  for (const m of ['INVITE ', 'ACK ', 'BYE ']) expect(t.sent(m)[0]?.meta.to).toBe(`UDP|127.0.0.1|${kport}`);
  expect(t.sent('ACK ')[0]?.meta.text).toMatch(/^ACK sip:sipp@127.0.0.1:\d+;transport=UDP SIP\/2.0/);
  expect(r.trace.find((e) => e.firstLine.startsWith('BYE'))?.text).toMatch(
    /Via: SIP\/2.0\/UDP 127.0.0.1:\d+;branch=z9hG4bK[^\r\n]*\r?\nVia: /,
  );
  await waitFor(() => t.ua.liveDialogs() === 0, 2000, 'no live dialogs');
});
