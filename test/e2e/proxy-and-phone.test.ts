/**
 * Issue 5, e2e item 5: the gateway behind Kamailio as a Record-Routing proxy (`sip.outbound`
 * points at Kamailio, which relays to SIPp), and baresip as a real SIP phone (auto-answer,
 * DTLS-SRTP with `mediaenc=dtls_srtp`). Without a media anchor the ICE client's call to baresip
 * (no ICE) is refused with the reason; test/e2e/media.test.ts has the anchored calls with audio.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { startBaresip } from '../support/baresip';
import { kamailioReady, startKamailio } from '../support/kamailio';
import { freePort, freePortPair, waitFor } from '../support/processes';
import {
  CALLEE,
  describeWithPeers,
  useWorld,
  expectNoLiveCalls,
  iqOk,
  jingleAction,
  jingleOf,
  reasonOf,
  traced,
  type Bot,
  type World,
} from './harness';
import { CLIENT_CANDIDATES, conversationsOffer, NS_DTLS, NS_ICE, terminate } from './stanzas';

const maybe = describeWithPeers('kamailio', 'baresip');

/** The gateway's OPTIONS, for {@link kamailioReady}. */
function gatewayOptions(w: World): (uri: string) => Promise<{ status: number }> {
  return (uri) => w.gateway.sip.options(uri);
}

maybe('e2e: through Kamailio, and to baresip', () => {
  let kport: number;
  let sippPort: number;
  const dirs: string[] = [];
  const bed = useWorld({
    late: async () => {
      kport = await freePort();
      sippPort = await freePort();
      return { outboundPort: kport };
    },
    // Kamailio (test/support/kamailio.ts's Record-Routing config), except that a new request from
    // the gateway for Kamailio itself (the gateway's `sip.outbound`) is relayed on to SIPp.
    beforeDevices: async (w) => {
      const k = startKamailio(kport, w.sipPort, { nextHopPort: sippPort });
      dirs.push(k.dir);
      await kamailioReady(k, gatewayOptions(w));
    },
  });
  let alice: Bot;
  beforeAll(() => {
    alice = bed.device();
  });
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  test('XMPP client → gateway → Kamailio (Record-Route) → SIPp; the BYE follows the route set', async () => {
    const w = bed.world;
    const { sid, run } = await bed.callOut('e2e-uas-dtls-bye-in.xml', { port: sippPort });
    const accept = await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    const fp = jingleOf(accept)
      ?.getChild('content')
      ?.getChild('transport', NS_ICE)
      ?.getChild('fingerprint', NS_DTLS);
    expect(fp?.attrs.setup).toBe('active');
    await iqOk(alice, terminate({ to: CALLEE, sid }));
    const r = await bed.passed(run);
    const invite = traced(r, 'received', 'INVITE') ?? '';
    expect(invite).toMatch(new RegExp(`\\r?\\nRecord-Route: <sip:127\\.0\\.0\\.1:${kport};lr`));
    // The gateway's BYE went through Kamailio: two Vias, the proxy's on top.
    const bye = traced(r, 'received', 'BYE') ?? '';
    expect(bye).toMatch(
      new RegExp(
        `\\r?\\nVia: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${kport};branch=[^\\r\\n]*\\r?\\nVia: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${w.sipPort};`,
      ),
    );
    expect(
      w.log.some(
        (l) =>
          l.message === 'send' &&
          String(l.text).startsWith('ACK ') &&
          String(l.text).includes(`Route: <sip:127.0.0.1:${kport};lr`),
      ),
    ).toBe(true);
  });

  // Issue 8: without a media anchor (this world has no media.rtpengine) an ICE client and a
  // phone without ICE cannot meet; the call is refused on both legs with the reason, never
  // connected silently as it was before.
  test.each([
    ['DTLS-SRTP (mediaenc=dtls_srtp)', true],
    ['plain RTP', false],
  ])(
    'XMPP client (ICE) → gateway → baresip, %s, no anchor: BYE and <unsupported-transports/>',
    async (_what, dtls) => {
      const bport = await freePortPair();
      // baresip as the callee: auto-answer, opus + G.711, DTLS-SRTP when `dtls`.
      const phone = await startBaresip(bport, await freePort(), { opus: true, dtls });
      dirs.push(phone.dir);
      const callee = `bob\\40127.0.0.1\\3a${bport}@gw.localhost`;
      const sid = randomUUID();
      const offer = conversationsOffer({
        to: callee,
        from: alice.jid,
        sid,
        candidates: [CLIENT_CANDIDATES[0]!],
      });
      if (!dtls) {
        const t = offer.getChild('jingle')?.getChild('content')?.getChild('transport', NS_ICE);
        if (t) t.children = t.children.filter((c) => typeof c === 'string' || c.name !== 'fingerprint');
      }
      await iqOk(alice, offer);
      const term = await alice.waitFor(jingleAction(sid, 'session-terminate'), 10_000, 'session-terminate');
      expect(reasonOf(term).condition).toBe('unsupported-transports');
      expect(reasonOf(term).text).toMatch(/answered without ICE .*no media anchor is configured/);
      expect(alice.all(jingleAction(sid, 'session-accept'))).toEqual([]);
      await expectNoLiveCalls(bed.world);
      // baresip answered, then heard the BYE (its "session closed" on a BYE is ECONNRESET).
      await waitFor(
        () => /session closed/.test(phone.proc.output()),
        5000,
        `baresip closing the call:\n${phone.proc.output()}`,
      );
      await phone.proc.stop();
    },
  );
});

maybe('e2e: Kamailio as sip.outboundProxy (a loose Route), SIPp as sip.outbound', () => {
  let kport: number;
  let sippPort: number;
  const bed = useWorld({
    late: async () => {
      kport = await freePort();
      sippPort = await freePort();
      return { outboundPort: sippPort, sipYaml: [`outboundProxy: sip:127.0.0.1:${kport}`] };
    },
    // test/support/kamailio.ts as it is: requests from the gateway go to their Request-URI.
    beforeDevices: (w) => kamailioReady(startKamailio(kport, w.sipPort), gatewayOptions(w)),
  });

  test('the INVITE carries Route: <Kamailio;lr> and reaches SIPp through it; SIPp hangs up', async () => {
    const alice = bed.device();
    const { sid, run } = await bed.callOut('e2e-uas-dtls-bye-in.xml', { port: sippPort });
    await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    await iqOk(alice, terminate({ to: CALLEE, sid }));
    const r = await bed.passed(run);
    const invite = traced(r, 'received', 'INVITE') ?? '';
    expect(invite).toMatch(new RegExp(`\\r?\\nVia: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${kport};`));
    expect(invite).toMatch(new RegExp(`\\r?\\nRecord-Route: <sip:127\\.0\\.0\\.1:${kport};lr`));
  });
});
