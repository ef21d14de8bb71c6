/**
 * Issue 14: our re-INVITEs and their answers, through the whole gateway (real Prosody, the XMPP
 * bot, SIPp as the callee): the client's XEP-0167 §7 `<hold/>` crosses SIPp's own re-INVITE —
 * 491 both ways (RFC 3261 §14.2), the gateway retries after the §14.1 wait of the Call-ID's owner
 * (2.1–4 s) and the hold IQ is answered once SIPp took it; then SIPp refuses the resume with 488
 * and the client's `<active/>` gets an IQ error (the session stays held, §14.1).
 * test/scenarios/sipp/e2e-uas-glare-hold.xml checks the SIP side.
 */
import { CALLEE, describeE2e, iqOk, jingleAction, type Bot } from './harness';
import { xml } from '../../src/xmpp/stanza/xml';
import { jingleIq, terminate } from './stanzas';
import { NS_INFO } from './sip-trace';

describeE2e('e2e: glare and refused re-INVITEs (XMPP → SIP)', {}, (bed) => {
  let alice: Bot;
  beforeAll(() => {
    alice = bed.device();
  });

  test('hold crosses the peer’s re-INVITE: 491 both ways, our retry after 2.1–4 s, the IQ answered then; a refused resume → IQ error', async () => {
    const { sid, run } = await bed.callOut('e2e-uas-glare-hold.xml');
    await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    const asked = Date.now();
    const hold = await alice.iq(
      jingleIq(CALLEE, { action: 'session-info', sid }, xml('hold', { xmlns: NS_INFO })),
      12000,
    );
    // Answered only once SIPp took the retried hold: after the back-off, not at once.
    expect(hold.attrs.type).toBe('result');
    expect(Date.now() - asked).toBeGreaterThanOrEqual(2000);
    const resume = await alice.iq(
      jingleIq(CALLEE, { action: 'session-info', sid }, xml('active', { xmlns: NS_INFO })),
      8000,
    );
    expect(resume.attrs.type).toBe('error');
    expect(resume.getChild('error')?.getChild('not-acceptable')).toBeDefined();
    expect(resume.getChild('error')?.getChildText('text')).toMatch(/488 Not Acceptable Here/);
    await iqOk(alice, terminate({ to: CALLEE, sid }));
    const r = await bed.passed(run);
    // RFC 3261 §14.1: the retry came no sooner than 2.1 s after SIPp's 491 (the gateway owns the Call-ID).
    const sent491 = r.trace.find((e) => e.direction === 'sent' && e.firstLine.startsWith('SIP/2.0 491'));
    const invites = r.trace.filter((e) => e.direction === 'received' && e.firstLine.startsWith('INVITE'));
    expect(sent491).toBeDefined();
    expect(invites).toHaveLength(4);
    expect(invites[2]!.at - sent491!.at).toBeGreaterThanOrEqual(2000);
    expect(invites[2]!.at - sent491!.at).toBeLessThan(6000);
  });
});
