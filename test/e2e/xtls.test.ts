/**
 * Issue 5, e2e item 3: the seed shape. A Jingle offer with the XTLS `<security>` (sha-1
 * fingerprint, x509 + srp) reaches SIPp as an RFC 5939 offer (RTP/AVP with a=tcap/a=pcfg/
 * a=fingerprint/a=setup); SIPp takes it (a=acfg:1 t=1) and the client sees its security accepted.
 * And the reverse: a SIPp tcap/pcfg INVITE reaches alice as `<security>`; she accepts with
 * security; SIPp sees a=acfg:1 t=1 in the 200.
 */
import { randomUUID } from 'node:crypto';
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
} from './harness';
import { fingerprint, jmi, NS_RAW, NS_XTLS, terminate, xtlsAccept, xtlsOffer } from './stanzas';

const SEED_FP = '3F:4A:91:0C:2B:7E:D5:66:18:A0:CC:4E:9B:12:F7:03:5D:E8:21:B9';

describeE2e('e2e: XTLS security ⇄ RFC 5939 capability negotiation, both ways', {}, (bed) => {
  let alice: Bot;
  beforeAll(() => {
    alice = bed.device();
  });

  test('XMPP → SIP: <security> becomes tcap/pcfg; SIPp answers acfg; the client gets <security> back', async () => {
    const run = await bed.uas('e2e-uas-xtls.xml');
    const sid = randomUUID();
    await iqOk(alice, xtlsOffer({ to: CALLEE, from: alice.jid, sid, fp: SEED_FP }));
    const accept = await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    const content = jingleOf(accept)?.getChild('content');
    expect(content?.attrs.name).toBe('audio');
    const security = content?.getChild('security', NS_XTLS);
    expect(security).toBeDefined();
    expect(security?.getChild('fingerprint')?.attrs.algo).toBe('sha-1');
    expect(security?.getChild('fingerprint')?.getText()).toBe(fingerprint('5A', 20));
    expect(content?.getChild('transport', NS_RAW)?.getChild('candidate')?.attrs).toMatchObject({
      ip: '127.0.0.1',
      port: '49172',
    });
    await iqOk(alice, terminate({ to: CALLEE, sid }));
    const r = await bed.passed(run);
    expect(traced(r, 'received', 'INVITE')).toMatch(/\r?\nm=audio 13540 RTP\/AVP 0 101\r?\n/);
  });

  test('SIP → XMPP: a tcap/pcfg INVITE reaches alice as <security>; her accept gives a=acfg:1 t=1', async () => {
    const run = await bed.uac('e2e-uac-xtls.xml');
    const { id, caller } = await proposed(alice);
    expect(caller).toBe('romeo\\40montague.lit@gw.localhost/sip');
    await alice.send(jmi('proceed', { to: caller, id }));
    const initiate = await alice.waitFor(jingleAction(id, 'session-initiate'), 8000, 'session-initiate');
    const security = jingleOf(initiate)?.getChild('content')?.getChild('security', NS_XTLS);
    expect(security?.getChild('fingerprint')?.attrs.algo).toBe('sha-1');
    expect(security?.getChild('fingerprint')?.getText()).toBe(
      '4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB',
    );
    expect(security?.getChildren('method').map((m) => m.attrs.name)).toEqual(['x509', 'srp']);
    await iqOk(alice, xtlsAccept({ initiate, to: caller, from: alice.jid, fp: fingerprint('A1', 20) }));
    const term = await alice.waitFor(jingleAction(id, 'session-terminate'), 8000, 'session-terminate');
    expect(reasonOf(term).condition).toBe('success');
    const r = await bed.passed(run);
    expect(traced(r, 'received', 'SIP/2.0 200')).not.toMatch(/a=setup:actpass/);
  });
});
