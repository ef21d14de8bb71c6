/**
 * The client's XEP-0251 transfer through real Prosody, the gateway and SIPp (not anchored): the
 * bot's session-info `<transfer to=…/>` (XEP-0251 §2 Example 5) → IQ result (Example 6) and a
 * REFER in the call's dialog, which SIPp checks (Refer-To the target by the gateway's routes,
 * Referred-By present; RFC 3515, RFC 3892). SIPp's final NOTIFY (RFC 3515 §2.4.5 sipfrag):
 * 200 → session-terminate `<success/><transferred/>` (Example 10) and the gateway's BYE
 * (RFC 5589 §6.1); 486 → the call goes on (RFC 5589 §6.2) until the client hangs up.
 */
import { CALLEE, describeE2e, iqOk, jingleAction, jingleOf, reasonOf, type Element } from './harness';
import { jingleIq, terminate } from './stanzas';
import { xml } from '../../src/xmpp/stanza/xml';
import { NS_TRANSFER } from '../../src/jingle/namespaces';

/** A number at the gateway's domain: the default e2e policy lets the client call it. */
const TARGET = '+15551239999@gw.localhost';

const transfer = (sid: string): Element =>
  jingleIq(CALLEE, { action: 'session-info', sid }, xml('transfer', { xmlns: NS_TRANSFER, to: TARGET }));

describeE2e('e2e: XEP-0251 transfer by the client (XMPP client ⇄ gateway ⇄ SIPp)', {}, (bed) => {
  test("<transfer/> → IQ result + REFER; SIPp's NOTIFY 200 → session-terminate <success/><transferred/> and BYE", async () => {
    const alice = bed.device();
    const { sid, run } = await bed.callOut('e2e-uas-refer-xep0251.xml');
    await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    const ended = alice.waitFor(jingleAction(sid, 'session-terminate'), 10000, 'session-terminate');
    await iqOk(alice, transfer(sid));
    const term = await ended;
    expect(reasonOf(term).condition).toBe('success');
    expect(jingleOf(term)?.getChild('reason')?.getChild('transferred', NS_TRANSFER)).toBeDefined();
    await bed.passed(run);
  });

  test("SIPp's NOTIFY 486 → the call goes on; the client's hang-up ends it with BYE", async () => {
    const alice = bed.device();
    const { sid, run } = await bed.callOut('e2e-uas-refer-xep0251-486.xml');
    await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    await iqOk(alice, transfer(sid));
    // The NOTIFY comes 200 ms after the 202: within 3 s the call must still be up.
    const early = await alice.waitFor(jingleAction(sid, 'session-terminate'), 3000, 'session-terminate').then(
      () => true,
      () => false,
    );
    expect(early).toBe(false);
    await iqOk(alice, terminate({ to: CALLEE, sid }));
    await bed.passed(run);
  });
});
