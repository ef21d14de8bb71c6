/**
 * Issue 5, e2e item 4: failures, both directions, with real Prosody and SIPp.
 * XMPP → SIP: 486 → `<busy/>`, 603 → `<decline/>`, 404 → `<gone/>` (each with the SIP text); no
 * answer → `<timeout/>` and CANCEL; the client hangs up while SIPp rings → CANCEL, 487; a SIP
 * BYE mid-call with a Q.850 Reason. SIP → XMPP: SIPp cancels while alice rings → `<retract>`;
 * alice rejects → 603, busy → 486; nobody answers → 480.
 */
import { jmiChild } from '../xmpp/bots';
import {
  CALLEE,
  describeE2e,
  iqOk,
  jingleAction,
  jingleOf,
  proposed,
  reasonOf,
  traced,
  type Bot,
  type Element,
  type Sipp,
} from './harness';
import { jmi, terminate } from './stanzas';
import { xml } from '../../src/xmpp/stanza/xml';

const NO_ANSWER_S = 1;

describeE2e('e2e: failures', { noAnswerSeconds: NO_ANSWER_S }, (bed) => {
  let alice: Bot;
  beforeAll(() => {
    alice = bed.device();
  });
  const xmppCall = (scenario: string) => bed.callOut(scenario);

  describe('XMPP → SIP', () => {
    test.each([
      [486, 'Busy Here', 'busy'],
      [603, 'Decline', 'decline'],
      [404, 'Not Found', 'gone'],
    ])('SIP %i %s → session-terminate <%s> with the SIP text', async (status, phrase, condition) => {
      const { sid, run } = await xmppCall(`e2e-uas-reject-${status}.xml`);
      await alice.waitFor(jingleAction(sid, 'session-info'), 8000, 'ringing');
      const term = await alice.waitFor(jingleAction(sid, 'session-terminate'), 8000, 'session-terminate');
      expect(reasonOf(term)).toEqual({ condition, text: `${status} ${phrase}` });
      await bed.passed(run);
    });

    test('no answer → <timeout/> to the client, CANCEL to SIP', async () => {
      const started = Date.now();
      const { sid, run } = await xmppCall('e2e-uas-ring-cancel.xml');
      await alice.waitFor(jingleAction(sid, 'session-info'), 8000, 'ringing');
      const term = await alice.waitFor(jingleAction(sid, 'session-terminate'), 8000, 'session-terminate');
      expect(reasonOf(term).condition).toBe('timeout');
      expect(Date.now() - started).toBeGreaterThanOrEqual(NO_ANSWER_S * 1000);
      const r = await bed.passed(run);
      expect(traced(r, 'received', 'CANCEL')).toBeDefined();
      // Nothing more for the client after its session ended (the 487 is the SIP leg's business).
      expect(alice.all(jingleAction(sid, 'session-terminate'))).toHaveLength(1);
    });

    test('the client hangs up while SIPp rings → CANCEL, 487, ACK', async () => {
      const { sid, run } = await xmppCall('e2e-uas-ring-cancel.xml');
      await alice.waitFor(jingleAction(sid, 'session-info'), 8000, 'ringing');
      await iqOk(alice, terminate({ to: CALLEE, sid, condition: 'cancel' }));
      const r = await bed.passed(run);
      const cancel = traced(r, 'received', 'CANCEL') ?? '';
      expect(cancel).toMatch(/^CANCEL sip:\+15551230000@127\.0\.0\.1:\d+ SIP\/2\.0/);
      expect(traced(r, 'received', 'ACK')).toMatch(/\r?\nCSeq: 1 ACK/);
      expect(alice.all(jingleAction(sid, 'session-terminate'))).toHaveLength(0);
    });

    test('a SIP BYE mid-call with Reason Q.850 cause 41 → <connectivity-error/>', async () => {
      const { sid, run } = await xmppCall('e2e-uas-bye-reason.xml');
      await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
      const term = await alice.waitFor(jingleAction(sid, 'session-terminate'), 8000, 'session-terminate');
      expect(reasonOf(term)).toEqual({ condition: 'connectivity-error', text: 'Temporary failure' });
      await bed.passed(run);
    });

    test('an IQ for the ended session is answered <unknown-session/>', async () => {
      const { sid, run } = await xmppCall('e2e-uas-reject-486.xml');
      await alice.waitFor(jingleAction(sid, 'session-terminate'), 8000, 'session-terminate');
      await bed.passed(run);
      const late = await alice.iq(terminate({ to: CALLEE, sid }));
      expect(late.attrs.type).toBe('error');
      expect(late.getChild('error')?.getChild('unknown-session', 'urn:xmpp:jingle:errors:1')).toBeDefined();
    });
  });

  describe('SIP → XMPP', () => {
    async function sipCall(scenario: string): Promise<{ id: string; caller: string; run: Sipp }> {
      alice.received.length = 0;
      const run = await bed.uac(scenario);
      const { id, caller } = await proposed(alice);
      return { id, caller, run };
    }

    test('SIPp cancels while alice rings → <retract>; SIPp gets 487', async () => {
      const { id, caller, run } = await sipCall('e2e-uac-cancel.xml');
      expect(caller).toBe('+15557654321@gw.localhost/sip');
      await alice.send(jmi('ringing', { to: caller, id }));
      const retract = await alice.waitFor((s) => jmiChild(s, 'retract')?.attrs.id === id, 8000, 'retract');
      expect(jmiChild(retract, 'retract')?.getChild('reason')?.getChild('cancel')).toBeDefined();
      await bed.passed(run);
    });

    test('alice rejects → 603', async () => {
      const { id, caller, run } = await sipCall('e2e-uac-refused-603.xml');
      await alice.send(jmi('reject', { to: caller, id }));
      await bed.passed(run);
    });

    test('alice is busy (reject <busy/>) → 486', async () => {
      const { id, caller, run } = await sipCall('e2e-uac-refused-486.xml');
      await alice.send(rejectWith(caller, id, 'busy'));
      await bed.passed(run);
    });

    test('nobody answers → 480, and the devices stop ringing', async () => {
      const { id, run } = await sipCall('e2e-uac-refused-480.xml');
      await bed.passed(run);
      await alice.waitFor((s) => jmiChild(s, 'retract')?.attrs.id === id, 4000, 'retract');
    });

    test('alice proceeds, then declines with session-terminate → 603', async () => {
      const { id, caller, run } = await sipCall('e2e-uac-refused-603.xml');
      await alice.send(jmi('proceed', { to: caller, id }));
      const initiate = await alice.waitFor(jingleAction(id, 'session-initiate'), 8000, 'session-initiate');
      expect(jingleOf(initiate)?.attrs.sid).toBe(id);
      await iqOk(alice, terminate({ to: caller, sid: id, condition: 'decline' }));
      await bed.passed(run);
    });
  });
});

function rejectWith(to: string, id: string, condition: string): Element {
  return xml(
    'message',
    { to, type: 'chat' },
    xml(
      'reject',
      { xmlns: 'urn:xmpp:jingle-message:0', id },
      xml('reason', { xmlns: 'urn:xmpp:jingle:1' }, xml(condition)),
    ),
    xml('store', { xmlns: 'urn:xmpp:hints' }),
  );
}
