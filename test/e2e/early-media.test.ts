/**
 * Issue 14, XMPP → SIP: early media (a 183 with SDP is the answer the client gets at once, as a
 * session-accept; docs/media.md §Early media) and the caller's XEP-0172 nick as the INVITE's
 * From display name. SIPp plays the callee (test/scenarios/sipp/e2e-uas-early-*.xml).
 */
import { randomUUID } from 'node:crypto';
import { xml } from '../../src/xmpp/stanza/xml';
import { jmiChild } from '../xmpp/bots';
import {
  CALLEE,
  describeE2e,
  iqOk,
  jingleAction,
  jingleOf,
  offerCall,
  reasonOf,
  traced,
  type Bot,
} from './harness';
import { jmiPropose, NS_ICE, terminate } from './stanzas';

describeE2e('e2e: XMPP client → gateway → SIPp with early media', {}, (bed) => {
  let alice: Bot;
  beforeAll(() => {
    alice = bed.device();
  });

  test('183 with SDP → session-accept before the 200; the same 200 changes nothing; BYE', async () => {
    const { sid, run } = await bed.callOut('e2e-uas-early-200.xml');
    const accept = await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    const acceptedAt = Date.now();
    const t = jingleOf(accept)?.getChild('content')?.getChild('transport', NS_ICE);
    expect(t?.attrs.ufrag).toBe('SiPp');
    // The client hears the far end now; it hangs up once the call is answered.
    await new Promise((r) => setTimeout(r, 2500));
    await iqOk(alice, terminate({ to: CALLEE, sid }));
    const r = await bed.passed(run);
    const ok = r.trace.find((e) => e.direction === 'sent' && e.firstLine.startsWith('SIP/2.0 200'));
    expect(ok).toBeDefined();
    // SIPp waits 1.5 s between its 183 and its 200: the accept came from the 183.
    expect(acceptedAt).toBeLessThan(ok!.at);
    // The 200 had the same answer: nothing more for the client.
    const more = alice.all(
      (s) =>
        jingleOf(s)?.attrs.sid === sid &&
        ['transport-info', 'description-info', 'session-accept'].includes(
          String(jingleOf(s)?.attrs.action),
        ) &&
        s !== accept,
    );
    expect(more).toHaveLength(0);
    expect(traced(r, 'received', 'ACK')).toBeDefined();
  });

  test('183 with SDP, then 486 → session-accept, then session-terminate <busy/>', async () => {
    const { sid, run } = await bed.callOut('e2e-uas-early-486.xml');
    await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    const term = await alice.waitFor(jingleAction(sid, 'session-terminate'), 8000, 'session-terminate');
    expect(reasonOf(term).condition).toBe('busy');
    await bed.passed(run);
  });

  test("the caller's XEP-0172 nick in its propose is the INVITE's From display name", async () => {
    const run = await bed.uas('e2e-uas-early-200.xml');
    const sid = randomUUID();
    const propose = jmiPropose({ to: CALLEE, id: sid });
    propose.cnode(xml('nick', { xmlns: 'http://jabber.org/protocol/nick' }, 'Alice Liddell'));
    await alice.send(propose);
    const proceed = await alice.waitFor((s) => jmiChild(s, 'proceed')?.attrs.id === sid, 4000, 'proceed');
    const to = proceed.attrs.from as string;
    await offerCall(alice, to, sid);
    await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    await new Promise((r) => setTimeout(r, 2500));
    await iqOk(alice, terminate({ to, sid }));
    const r = await bed.passed(run);
    expect(traced(r, 'received', 'INVITE')).toMatch(
      /^From: *"Alice Liddell" *<sip:alice%40localhost@gw\.localhost>/m,
    );
  });
});
