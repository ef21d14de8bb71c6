import { startSipp } from '../support/sipp';
import { freePort } from '../support/processes';
import { cleanUp, SDP, startUa } from './helpers';
import type { ServerInvite } from '../../src/sip/leg';

afterEach(cleanUp);

test('SIPp built-in uac calls the UA over UDP', async () => {
  const t = await startUa();
  t.ua.on('invite', (inv: ServerInvite) => {
    inv.provisional(180);
    inv.accept(SDP);
  });
  const sipp = await startSipp({ scenario: 'uac', remote: t.addr(), port: await freePort() });
  const r = await sipp.done;
  if (r.code !== 0) console.log(r.output, JSON.stringify(t.log.slice(-20), null, 1));
  expect(r.code).toBe(0);
  expect(r.stats['SuccessfulCall(C)']).toBe('1');
  expect(t.ua.liveDialogs()).toBe(0);
});
