/**
 * Issue 14: hold in an anchored call, both ways, against a real rtpengine (plain RTP/AVP on
 * the SIP side, ICE + DTLS toward the client). SIPp holds and unholds (e2e-uac-plain-hold-both.xml
 * checks every SDP the gateway sends it, and its empty Recv-Info: anchored, no Info-Package);
 * alice hears XEP-0167 §7 `<hold/>` / `<active/>`, and her own `<hold/>` reaches SIPp as a
 * re-INVITE through rtpengine saying sendonly.
 */
import { describeWithPeers, iqOk, jingleAction, jingleOf, proposed, reasonOf, useWorld } from './harness';
import { dtlsAccept, fingerprint, jingleIq, jmi } from './stanzas';
import { rtpengineAvailable, startRtpengine, type Rtpengine } from '../support/rtpengine';
import type { Element } from './harness';
import { xml } from '../../src/xmpp/stanza/xml';

const NS_INFO = 'urn:xmpp:jingle:apps:rtp:info:1';
const withRtpengine = rtpengineAvailable() ? describeWithPeers() : describe.skip;

withRtpengine('e2e: hold in an anchored call (rtpengine), both ways', () => {
  let rtp: Rtpengine | undefined;
  const bed = useWorld({
    late: async () => {
      rtp = await startRtpengine();
      return { mediaYaml: [`rtpengine: ${rtp.uri}`, 'anchor: always'] };
    },
  });
  afterAll(() => rtp?.stop());

  test("SIPp's sendonly → <hold/> to alice; alice's <hold/> → re-INVITE sendonly via rtpengine; SIPp's sendrecv → <active/>", async () => {
    const alice = bed.device();
    const run = await bed.uac('e2e-uac-plain-hold-both.xml');
    const { id, caller } = await proposed(alice);
    await alice.send(jmi('proceed', { to: caller, id }));
    const initiate = await alice.waitFor(jingleAction(id, 'session-initiate'), 8000, 'session-initiate');
    await iqOk(alice, dtlsAccept({ initiate, to: caller, from: alice.jid, fp: fingerprint('A1') }));
    const info = (kind: string) => (s: Element) =>
      jingleOf(s)?.attrs.sid === id && !!jingleOf(s)?.getChild(kind, NS_INFO);
    const hold = await alice.waitFor(info('hold'), 8000, 'session-info <hold/>');
    expect(jingleOf(hold)?.attrs.action).toBe('session-info');
    expect(hold.attrs.from).toBe(caller);
    await iqOk(alice, jingleIq(caller, { action: 'session-info', sid: id }, xml('hold', { xmlns: NS_INFO })));
    const active = await alice.waitFor(info('active'), 10000, 'session-info <active/>');
    expect(jingleOf(active)?.attrs.action).toBe('session-info');
    const term = await alice.waitFor(jingleAction(id, 'session-terminate'), 8000, 'session-terminate');
    expect(reasonOf(term).condition).toBe('success');
    await bed.passed(run);
  });
});
