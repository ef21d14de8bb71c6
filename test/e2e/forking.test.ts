/**
 * Issue 14, SIP forking through the whole gateway (RFC 3261 §13.2.2.4): an XMPP-originated call
 * whose INVITE forks — 180 from A, 183 with SDP from B (early media), 200 from A, then 200 from
 * B. The first 200 wins: the client gets exactly one session-accept and ends up with A's media;
 * B's 200 is ACKed and ended with BYE, and the client hears nothing of it. SIPp plays both forks
 * (test/scenarios/sipp/e2e-uas-fork.xml).
 */
import { CALLEE, describeE2e, iqOk, jingleOf, traced, type Bot, type Element } from './harness';
import { NS_ICE, terminate } from './stanzas';

describeE2e('e2e: XMPP client → gateway → a forking SIP callee', {}, (bed) => {
  let alice: Bot;
  beforeAll(() => {
    alice = bed.device();
  });

  test('first 200 wins: one session-accept, A’s media, B ACKed and BYEd', async () => {
    const { sid, run } = await bed.callOut('e2e-uas-fork.xml');
    const ofCall = (s: Element): boolean => s.attrs.type === 'set' && jingleOf(s)?.attrs.sid === sid;
    const ufrags = (s: Element): string[] =>
      (jingleOf(s)?.getChildren('content') ?? []).flatMap((c) => {
        const u = c.getChild('transport', NS_ICE)?.attrs.ufrag;
        return typeof u === 'string' ? [u] : [];
      });
    // A's 200 reaches the client (as the session-accept, or as the transport-info that moves it
    // from B's early answer to A's, docs/media.md §Early media).
    await alice.waitFor((s) => ofCall(s) && ufrags(s).includes('ForkA'), 8000, 'A’s answer (ForkA)');
    // SIPp sends B's 200 300 ms after our ACK of A's; the BYE to B follows at once.
    await new Promise((r) => setTimeout(r, 1500));
    await iqOk(alice, terminate({ to: CALLEE, sid }));
    const r = await bed.passed(run);

    const jingles = alice.all(ofCall).map((s) => ({ action: jingleOf(s)?.attrs.action, ufrags: ufrags(s) }));
    expect(jingles.filter((j) => j.action === 'session-accept')).toEqual([
      { action: 'session-accept', ufrags: ['ForkB'] }, // B's early answer (183), first to arrive
    ]);
    // The last transport the client was given is A's: nothing of B after A's 200.
    const last = jingles.filter((j) => j.ufrags.length > 0).pop();
    expect(last?.ufrags).toEqual(['ForkA']);
    // Only the session-terminate from the client's own hang-up: the BYE to B ended no session.
    expect(jingles.filter((j) => j.action === 'session-terminate')).toHaveLength(0);
    // SIPp checked the To tags of the ACKs and BYEs (check_it); the BYE to B came before the BYE to A.
    const byes = r.trace.filter((e) => e.direction === 'received' && e.firstLine.startsWith('BYE'));
    expect(byes.map((b) => /^To:.*tag=(fork[AB])/m.exec(b.text)?.[1])).toEqual(['forkB', 'forkA']);
    expect(traced(r, 'received', 'ACK')).toMatch(/^To:.*tag=forkA/m);
  });
});
