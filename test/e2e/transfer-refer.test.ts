/**
 * A SIP peer's blind REFER carried out by the gateway (src/calls/transfers.ts; docs/midcall.md
 * §Transfer; RFC 5589 §6.1 Figure 2), through real Prosody, the gateway, the XMPP bot and two
 * SIPp: the client calls SIPp A by address (not anchored, DTLS/ICE); A refers the call to a number,
 * which the gateway's own route (`sip.outbound`) takes to SIPp B. A's scenario
 * (e2e-uas-refer-blind.xml) checks 202, NOTIFY 100 Trying and NOTIFY 200, then hangs up; B's
 * (e2e-uas-refer-target.xml) checks the new INVITE's Referred-By and answers; the client is moved
 * onto B's transport by a transport-info, and its hang-up ends the call with B. A transferor that
 * does not hang up (e2e-uas-refer-blind-stays.xml) gets the gateway's BYE.
 */
import { randomUUID } from 'node:crypto';
import { describeE2e, iqOk, jingleAction, jingleOf, offerCall, type Bed, type Element } from './harness';
import { freePort } from '../support/processes';
import { fingerprint, NS_DTLS, NS_ICE, terminate } from './stanzas';
import type { SippResult } from '../support/sipp';

/** The client calls SIPp A (`scenario`), which refers it to SIPp B; A's result once the client is on B. */
async function transferred(bed: Bed, scenario: string): Promise<{ a: SippResult; end: () => Promise<void> }> {
  const alice = bed.device();
  const portA = await freePort();
  const transferor = await bed.uas(scenario, portA);
  const target = await bed.uas('e2e-uas-refer-target.xml');
  const to = `bob\\40127.0.0.1\\3a${portA}@gw.localhost`;
  const sid = randomUUID();
  const moved = alice.waitFor(
    (s) =>
      jingleAction(sid, 'transport-info')(s) &&
      jingleOf(s)?.getChild('content')?.getChild('transport', NS_ICE)?.attrs.ufrag === 'TaRg',
    15000,
    'the transport-info moving the client to the target',
  );
  await offerCall(alice, to, sid);
  await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
  const info = jingleOf(await moved) as Element;
  const transport = info.getChild('content')?.getChild('transport', NS_ICE);
  expect(transport?.attrs.pwd).toBe('targetpasswordtargetpass');
  expect(transport?.getChild('fingerprint', NS_DTLS)?.getText().toUpperCase()).toBe(fingerprint('5B'));
  expect(transport?.getChildren('candidate').map((c) => c.attrs.port)).toContain('49180');
  const a = await bed.passed(transferor);
  expect(a.trace.some((e) => e.direction === 'sent' && e.firstLine.startsWith('REFER'))).toBe(true);
  return {
    a,
    // The call goes on with the target: the client's hang-up reaches B.
    end: async () => {
      await iqOk(alice, terminate({ to, sid }));
      const b = await bed.passed(target);
      expect(b.trace.some((e) => e.direction === 'received' && e.firstLine.startsWith('BYE'))).toBe(true);
    },
  };
}

describeE2e('e2e: a SIP peer’s blind REFER (RFC 5589 §6.1)', {}, (bed) => {
  test('REFER → 202, NOTIFY 100, INVITE with Referred-By to the target by our route, NOTIFY 200, the client moved by transport-info', async () => {
    // The transferor ends its dialog on the NOTIFY 200 (its scenario sends the BYE).
    const { end } = await transferred(bed, 'e2e-uas-refer-blind.xml');
    await end();
  });

  test('a transferor that does not hang up after the NOTIFY 200 gets our BYE (after REFERRER_BYE_WAIT_MS)', async () => {
    const { a, end } = await transferred(bed, 'e2e-uas-refer-blind-stays.xml');
    const notified = a.trace.filter((e) => e.direction === 'received' && e.firstLine.startsWith('NOTIFY'));
    const bye = a.trace.find((e) => e.direction === 'received' && e.firstLine.startsWith('BYE'));
    expect(notified).toHaveLength(2);
    expect(bye).toBeDefined();
    // An upper bound on behaviour, and not at once: the transferor was given its time to hang up.
    expect(bye!.at - notified[1]!.at).toBeGreaterThanOrEqual(1500);
    expect(bye!.at - notified[1]!.at).toBeLessThan(8000);
    await end();
  });
});
