/**
 * XEP-0353 §"Tie Breaking", "No existing session", end to end (real Prosody, SIPp): SIPp calls
 * alice, and when her device gets the gateway's `<propose>` it proposes a call of its own to that
 * caller's JID. The lower id wins (i;octet): the device's id is chosen below or above the
 * gateway's.
 */
import { octetCompare } from '../../src/xmpp/jmi/tie-break';
import { jmiChild } from '../xmpp/bots';
import {
  describeE2e,
  iqOk,
  jingleAction,
  jingleOf,
  offerCall,
  proposed,
  reasonOf,
  sipp,
  traced,
  type Bot,
  type Element,
} from './harness';
import { freePort } from '../support/processes';
import { xml } from '../../src/xmpp/stanza/xml';
import { dtlsAccept, fingerprint, jmiPropose, NS_JMI } from './stanzas';

/** The JMI child `kind` of a message with this id, if it is one. */
const jmiOf = (s: Element, kind: string, id: string): Element | undefined => {
  const el = jmiChild(s, kind);
  return el?.attrs.id === id ? el : undefined;
};

/** `{ condition, text, tieBreak }` of a JMI element's reason and `<tie-break/>`. */
function tieBreakOf(el: Element | undefined): { condition?: string; text?: string; tieBreak: boolean } {
  const r = el?.getChild('reason');
  return {
    condition: r?.getChildElements().find((c) => c.name !== 'text')?.name,
    text: r?.getChildText('text') ?? undefined,
    tieBreak: el?.getChild('tie-break') !== undefined,
  };
}

const bareOf = (jid: string): string => jid.split('/')[0] as string;

describeE2e('e2e: XEP-0353 tie-break, both sides propose at once', {}, (bed) => {
  let phone: Bot;
  beforeAll(() => {
    phone = bed.device('phone');
  });

  /** SIPp calls alice; resolves once her device has the gateway's propose. */
  const ring = async (scenario: string, extra: string[] = []) => {
    phone.received.length = 0;
    const run = await sipp({
      scenario,
      remote: `127.0.0.1:${bed.world.sipPort}`,
      port: await freePort(),
      extra,
    });
    const { id, caller } = await proposed(phone);
    return { run, id, caller };
  };

  test('theirs lower: the gateway retracts its own (tie-break, expired), SIPp gets 486, the device’s propose is proceeded and its call placed', async () => {
    const { run, id: ours, caller } = await ring('e2e-uac-tie-break-486.xml');
    expect(caller).toBe('+15557654321@gw.localhost/sip');
    const theirs = `00000000-${ours}`;
    expect(octetCompare(theirs, ours)).toBeLessThan(0);
    await phone.send(jmiPropose({ to: bareOf(caller), id: theirs }));
    // A device that implements the rule rejects the gateway's higher id at once, with <tie-break/>:
    // the gateway, having retracted it, ignores that (SIPp's 486 stays a 486 with its reason).
    await phone.send(
      xml(
        'message',
        { to: caller, type: 'chat' },
        xml(
          'reject',
          { xmlns: NS_JMI, id: ours },
          xml('reason', { xmlns: 'urn:xmpp:jingle:1' }, xml('expired'), xml('text', {}, 'Tie-Break')),
          xml('tie-break'),
        ),
        xml('store', { xmlns: 'urn:xmpp:hints' }),
      ),
    );
    const retract = await phone.waitFor((s) => jmiOf(s, 'retract', ours) !== undefined, 8000, 'retract');
    expect(retract.attrs.from).toBe(caller);
    expect(tieBreakOf(jmiOf(retract, 'retract', ours))).toEqual({
      condition: 'expired',
      text: 'Tie-Break',
      tieBreak: true,
    });
    const proceed = await phone.waitFor((s) => jmiOf(s, 'proceed', theirs) !== undefined, 8000, 'proceed');
    expect(proceed.attrs.to).toBe(phone.jid);
    expect(bareOf(proceed.attrs.from as string)).toBe(bareOf(caller));
    const r = await bed.passed(run);
    expect(traced(r, 'received', 'SIP/2.0 486')).toMatch(/\r?\nReason: SIP;cause=486;text="Tie-Break"/);
    // Its session-initiate places the call to the SIP caller's number (sip.outbound: a SIPp UAS,
    // busy by now), with the proposal's id as sid.
    const uas = await bed.uas('e2e-uas-reject-486.xml');
    await offerCall(phone, bareOf(caller), theirs);
    const term = await phone.waitFor(jingleAction(theirs, 'session-terminate'), 8000, 'session-terminate');
    expect(reasonOf(term).condition).toBe('busy');
    await bed.passed(uas);
    expect(phone.all((s) => jmiChild(s, 'reject') !== undefined)).toHaveLength(0);
  });

  test('ours lower: the gateway rejects the device’s propose (tie-break, expired); its own call goes on and is answered', async () => {
    const { run, id: ours, caller } = await ring('e2e-uac-dtls-service.xml', ['-s', 'alice']);
    const theirs = `ffffffff-${ours}`;
    expect(octetCompare(ours, theirs)).toBeLessThan(0);
    await phone.send(jmiPropose({ to: bareOf(caller), id: theirs }));
    const reject = await phone.waitFor((s) => jmiOf(s, 'reject', theirs) !== undefined, 8000, 'reject');
    expect(reject.attrs.to).toBe(phone.jid);
    expect(tieBreakOf(jmiOf(reject, 'reject', theirs))).toEqual({
      condition: 'expired',
      text: 'Tie-Break',
      tieBreak: true,
    });
    // The device (it got the lower id) retracts its own and proceeds on the gateway's.
    await phone.send(
      xml(
        'message',
        { to: bareOf(caller), type: 'chat' },
        xml(
          'retract',
          { xmlns: NS_JMI, id: theirs },
          xml('reason', { xmlns: 'urn:xmpp:jingle:1' }, xml('expired'), xml('text', {}, 'Tie-Break')),
          xml('tie-break'),
        ),
        xml('store', { xmlns: 'urn:xmpp:hints' }),
      ),
    );
    await phone.send(
      xml('message', { to: caller, type: 'chat' }, xml('proceed', { xmlns: NS_JMI, id: ours })),
    );
    const initiate = await phone.waitFor(jingleAction(ours, 'session-initiate'), 8000, 'session-initiate');
    expect(jingleOf(initiate)?.attrs.initiator).toBe(caller);
    await iqOk(phone, dtlsAccept({ initiate, to: caller, from: phone.jid, fp: fingerprint('A1') }));
    const term = await phone.waitFor(jingleAction(ours, 'session-terminate'), 8000, 'session-terminate');
    expect(reasonOf(term).condition).toBe('success');
    const r = await bed.passed(run);
    expect(traced(r, 'received', 'SIP/2.0 200')).toMatch(/a=setup:active/);
    expect(phone.all((s) => jmiOf(s, 'proceed', theirs) !== undefined)).toHaveLength(0);
    expect(phone.all((s) => jmiOf(s, 'retract', ours) !== undefined)).toHaveLength(0);
  });
});
