/**
 * Issue 5, e2e item 5: the gateway behind Kamailio as a Record-Routing proxy (`sip.outbound`
 * points at Kamailio, which relays to SIPp), and baresip as a real SIP phone (auto-answer,
 * DTLS-SRTP with `mediaenc=dtls_srtp`). The XMPP client calls, gets session-accept, hangs up.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { startBaresip } from '../support/baresip';
import { kamailioReady, startKamailio } from '../support/kamailio';
import { freePort, waitFor } from '../support/processes';
import {
  CALLEE,
  describeWithPeers,
  useWorld,
  expectNoLiveCalls,
  iqOk,
  jingleAction,
  jingleOf,
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

  test.each([
    ['DTLS-SRTP (mediaenc=dtls_srtp)', true],
    ['plain RTP', false],
  ])('XMPP client → gateway → baresip, %s: auto-answered, then the client hangs up', async (_what, dtls) => {
    const bport = await freePort();
    // baresip as the callee: auto-answer, opus + G.711, DTLS-SRTP when `dtls`.
    const phone = await startBaresip(bport, await freePort(), { opus: true, dtls });
    dirs.push(phone.dir);
    const callee = `bob\\40127.0.0.1\\3a${bport}@gw.localhost`;
    const sid = randomUUID();
    // Loopback candidates only: baresip (no ICE module) sends media to the c=/m= address.
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
    const accept = await alice.waitFor(jingleAction(sid, 'session-accept'), 10_000, 'session-accept');
    const content = jingleOf(accept)?.getChild('content');
    expect(
      content
        ?.getChild('description')
        ?.getChildren('payload-type')
        .map((p) => p.attrs.name),
    ).toContain('opus');
    const fp = content?.getChild('transport')?.getChild('fingerprint', NS_DTLS);
    if (dtls) {
      expect(fp?.attrs.hash?.toLowerCase()).toBe('sha-256');
      expect(fp?.attrs.setup).toBe('active');
      expect(fp?.getText()).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/i);
    } else {
      expect(fp).toBeUndefined();
    }
    await new Promise((r) => setTimeout(r, 300));
    await iqOk(alice, terminate({ to: callee, sid }));
    await expectNoLiveCalls(bed.world);
    // baresip took the call and heard the BYE (its "session closed" on a BYE is ECONNRESET).
    await waitFor(
      () => /session closed/.test(phone.proc.output()),
      5000,
      `baresip closing the call:\n${phone.proc.output()}`,
    );
    expect(phone.proc.output()).toMatch(/Call established: sip:alice%40localhost@gw\.localhost/);
    if (dtls) expect(phone.proc.output()).toMatch(/dtls_srtp: media=audio -- start DTLS client/);
    await phone.proc.stop();
  });
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
