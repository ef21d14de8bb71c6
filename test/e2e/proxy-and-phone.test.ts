/**
 * Issue 5, e2e item 5: the gateway behind Kamailio as a Record-Routing proxy (`sip.outbound`
 * points at Kamailio, which relays to SIPp), and baresip as a real SIP phone (auto-answer,
 * DTLS-SRTP with `mediaenc=dtls_srtp`). The XMPP client calls, gets session-accept, hangs up.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kamailioConfig, startKamailio } from '../support/kamailio';
import { prosodyAvailable } from '../support/prosody';
import { freePort, spawnProc, waitFor, waitForTcp, type Proc } from '../support/processes';
import {
  connectBot,
  expectNoLiveCalls,
  iqOk,
  jingleAction,
  jingleOf,
  offerCall,
  peersAvailable,
  sipp,
  sippPassed,
  startWorld,
  stopWorld,
  traced,
  waitUdpBound,
  type Bot,
  type World,
} from './harness';
import { CLIENT_CANDIDATES, conversationsOffer, NS_DTLS, NS_ICE, terminate } from './stanzas';

const maybe = prosodyAvailable() && peersAvailable('sipp', 'kamailio', 'baresip') ? describe : describe.skip;
const CALLEE = '+15551230000@gw.localhost';

/**
 * Kamailio (test/support/kamailio.ts's Record-Routing config), except that a new request from the
 * gateway for Kamailio itself (the gateway's `sip.outbound`) is relayed on to `nextHopPort`.
 */
function startKamailioTo(
  port: number,
  gatewayPort: number,
  nextHopPort: number,
): { proc: Proc; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-kamailio-'));
  const base = kamailioConfig(port, gatewayPort);
  const relay = `  if (src_port == ${gatewayPort}) {\n    t_relay();`;
  if (!base.includes(relay)) throw new Error('test/support/kamailio.ts config changed');
  const cfg = base.replace(
    relay,
    `  if (src_port == ${gatewayPort}) {\n    if (uri == myself) { $du = "sip:127.0.0.1:${nextHopPort}"; }\n    t_relay();`,
  );
  fs.writeFileSync(path.join(dir, 'kamailio.cfg'), cfg);
  const proc = spawnProc('kamailio', 'kamailio', [
    '-f',
    path.join(dir, 'kamailio.cfg'),
    '-DD',
    '-E',
    '-m',
    '64',
    '-M',
    '8',
    '-P',
    path.join(dir, 'kamailio.pid'),
    '-Y',
    dir,
  ]);
  return { proc, dir };
}

/** baresip as the callee: auto-answer, opus + G.711, DTLS-SRTP when `dtls`. */
async function startPhone(
  sipPort: number,
  ctrlPort: number,
  dtls: boolean,
): Promise<{ proc: Proc; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-baresip-'));
  const modules = ['opus.so', 'g711.so', 'ausine.so', 'aubridge.so', ...(dtls ? ['dtls_srtp.so'] : [])];
  fs.writeFileSync(
    path.join(dir, 'config'),
    [
      'poll_method\t\tepoll',
      `sip_listen\t\t127.0.0.1:${sipPort}`,
      'net_interface\t\t127.0.0.1',
      'audio_player\t\taubridge,nil',
      'audio_source\t\tausine,440',
      'audio_alert\t\taubridge,nil',
      'ausrc_srate\t\t48000',
      'ausrc_channels\t\t2',
      'module_path\t\t/usr/lib/baresip/modules',
      ...modules.map((m) => `module\t\t\t${m}`),
      'module_app\t\taccount.so',
      'module_app\t\tmenu.so',
      'module_app\t\tctrl_tcp.so',
      `ctrl_tcp_listen\t\t127.0.0.1:${ctrlPort}`,
      '',
    ].join('\n'),
  );
  const enc = dtls ? ';mediaenc=dtls_srtp' : '';
  fs.writeFileSync(path.join(dir, 'accounts'), `<sip:bob@127.0.0.1>;answermode=auto;regint=0${enc}\n`);
  const proc = spawnProc('baresip', 'baresip', ['-f', dir]);
  await waitForTcp('127.0.0.1', ctrlPort, 8000);
  return { proc, dir };
}

/** Ready when Kamailio answers the gateway's OPTIONS. */
async function kamailioReady(w: World, kport: number, proc: Proc): Promise<void> {
  const until = Date.now() + 8000;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const res = await Promise.race([
      w.gateway.sip.options(`sip:127.0.0.1:${kport}`),
      new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 500))),
    ]);
    clearTimeout(timer);
    if (res?.status === 200) return;
    if (Date.now() > until) throw new Error(`kamailio not ready:\n${proc.output()}`);
  }
}

maybe('e2e: through Kamailio, and to baresip', () => {
  let w: World | undefined;
  let alice: Bot;
  let kport: number;
  let sippPort: number;
  const dirs: string[] = [];

  beforeAll(async () => {
    kport = await freePort();
    sippPort = await freePort();
    w = await startWorld({ users: [['alice', 'alicepass']], outboundPort: kport });
    const k = startKamailioTo(kport, w.sipPort, sippPort);
    dirs.push(k.dir);
    await kamailioReady(w, kport, k.proc);
    alice = await connectBot(w, 'alice', 'alicepass', 'phone');
  });
  afterEach(() => expectNoLiveCalls(w));
  afterAll(async () => {
    await stopWorld(w);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  test('XMPP client → gateway → Kamailio (Record-Route) → SIPp; the BYE follows the route set', async () => {
    const run = await sipp({ scenario: 'e2e-uas-dtls-bye-in.xml', port: sippPort });
    await waitUdpBound(sippPort, run);
    const sid = randomUUID();
    await offerCall(alice, CALLEE, sid);
    const accept = await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    const fp = jingleOf(accept)
      ?.getChild('content')
      ?.getChild('transport', NS_ICE)
      ?.getChild('fingerprint', NS_DTLS);
    expect(fp?.attrs.setup).toBe('active');
    await iqOk(alice, terminate({ to: CALLEE, sid }));
    const r = await sippPassed(run, w);
    const invite = traced(r, 'received', 'INVITE') ?? '';
    expect(invite).toMatch(new RegExp(`\\r?\\nRecord-Route: <sip:127\\.0\\.0\\.1:${kport};lr`));
    // The gateway's BYE went through Kamailio: two Vias, the proxy's on top.
    const bye = traced(r, 'received', 'BYE') ?? '';
    expect(bye).toMatch(
      new RegExp(
        `\\r?\\nVia: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${kport};branch=[^\\r\\n]*\\r?\\nVia: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${w?.sipPort};`,
      ),
    );
    expect(
      w?.log.some(
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
    const phone = await startPhone(bport, await freePort(), dtls);
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
    await expectNoLiveCalls(w);
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
  let w: World | undefined;
  let alice: Bot;
  let kport: number;
  let sippPort: number;

  beforeAll(async () => {
    kport = await freePort();
    sippPort = await freePort();
    w = await startWorld({
      users: [['alice', 'alicepass']],
      outboundPort: sippPort,
      sipYaml: [`outboundProxy: sip:127.0.0.1:${kport}`],
    });
    // test/support/kamailio.ts as it is: requests from the gateway go to their Request-URI.
    const k = startKamailio(kport, w.sipPort);
    await kamailioReady(w, kport, k.proc);
    alice = await connectBot(w, 'alice', 'alicepass', 'phone');
  });
  afterEach(() => expectNoLiveCalls(w));
  afterAll(() => stopWorld(w));

  test('the INVITE carries Route: <Kamailio;lr> and reaches SIPp through it; SIPp hangs up', async () => {
    const run = await sipp({ scenario: 'e2e-uas-dtls-bye-in.xml', port: sippPort });
    await waitUdpBound(sippPort, run);
    const sid = randomUUID();
    await offerCall(alice, CALLEE, sid);
    await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    await iqOk(alice, terminate({ to: CALLEE, sid }));
    const r = await sippPassed(run, w);
    const invite = traced(r, 'received', 'INVITE') ?? '';
    expect(invite).toMatch(new RegExp(`\\r?\\nVia: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${kport};`));
    expect(invite).toMatch(new RegExp(`\\r?\\nRecord-Route: <sip:127\\.0\\.0\\.1:${kport};lr`));
  });
});
