/**
 * Issue 10, "dead peers are noticed" (docs/policy.md §Dead peers): a SIP peer that vanishes
 * mid-call (SIPp killed with SIGKILL) is found out by the in-dialog OPTIONS probes, and an
 * anchored call whose media stops is found out by the rtpengine check; either way the call ends
 * on both legs with a reason, and no call or dialog is left (afterEach).
 * Timings are small for the test (probe every 1 s, 2 s without an answer; rtpengine --timeout=2,
 * a check every 0.5 s, 8 s of silence: rtpengine looks at its timeout on whole seconds and was
 * seen to drop a silent call 2.5–4.5 s after the answer, well before our own limit); the shipped
 * defaults' budget is held to ≤ 90 s by test/config/config.test.ts. `DEAD_PEER_REPORT=1` prints the detection times measured.
 */
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { rtpengineAvailable, startRtpengine, type Rtpengine } from '../support/rtpengine';
import { waitFor } from '../support/processes';
import {
  describeE2e,
  describeWithPeers,
  iqOk,
  jingleAction,
  offerCall,
  proposed,
  reasonOf,
  traced,
  useWorld,
  CALLEE,
  type Sipp,
  type World,
} from './harness';
import { dtlsAccept, fingerprint, jmi } from './stanzas';

/** SIGKILL to SIPp itself (the child of the `timeout` that test/support/sipp.ts runs), found in /proc. */
function killSipp(run: Sipp): void {
  const children = fs
    .readdirSync('/proc')
    .filter((d) => /^[0-9]+$/.test(d))
    .filter((d) => {
      try {
        // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so split after ")".
        const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === run.proc.pid;
      } catch {
        return false;
      }
    });
  expect(children.length).toBe(1);
  process.kill(Number(children[0]), 'SIGKILL');
}

/** SIP messages the gateway sent whose first line starts with `prefix` (the wire log). */
function sent(w: World, prefix: string): string[] {
  return w.log
    .filter((l) => l.message === 'send' && typeof l.text === 'string' && l.text.startsWith(prefix))
    .map((l) => l.text as string);
}

function report(what: string, ms: number): void {
  if (process.env.DEAD_PEER_REPORT) console.log(JSON.stringify({ what, detectedAfterMs: ms }));
}

describeE2e(
  'e2e: a SIP peer that vanishes mid-call (in-dialog OPTIONS probes)',
  { keepaliveYaml: '{ intervalSeconds: 1, timeoutSeconds: 2 }' },
  (bed) => {
    test('XMPP → SIP: SIPp killed; the client gets session-terminate <connectivity-error/> within the probe time', async () => {
      const world = bed.world;
      const alice = bed.device();
      const { sid, run } = await bed.callOut('e2e-uas-vanish.xml');
      await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
      // Probes answered keep the call up.
      await waitFor(() => sent(world, 'OPTIONS ').length >= 2, 5000, 'two OPTIONS probes');
      expect(world.gateway.liveCalls()).toBe(1);
      const killedAt = Date.now();
      killSipp(run);
      const term = await alice.waitFor(jingleAction(sid, 'session-terminate'), 10_000, 'session-terminate');
      const took = Date.now() - killedAt;
      report('XMPP → SIP, probes 1 s + 2 s', took);
      expect(reasonOf(term)).toEqual({
        condition: 'connectivity-error',
        text: 'no answer to in-dialog OPTIONS within 2 s',
      });
      // At most one interval of quiet plus the probe's timeout, and some slack for a loaded machine.
      expect(took).toBeLessThan(3000 + 3000);
      // The SIP leg was hung up too, saying why (RFC 3326).
      const bye = sent(world, 'BYE ').at(-1);
      expect(bye).toMatch(/\r\nReason: SIP;cause=\d{3};text="no answer to in-dialog OPTIONS within 2 s"\r\n/);
      await run.done;
    });

    test('SIP → XMPP: SIPp killed; the device gets session-terminate, the dialog is gone', async () => {
      const world = bed.world;
      const alice = bed.device();
      const run = await bed.uac('e2e-uac-vanish.xml');
      const { id, caller } = await proposed(alice);
      await alice.send(jmi('proceed', { to: caller, id }));
      const initiate = await alice.waitFor(jingleAction(id, 'session-initiate'), 8000, 'session-initiate');
      await iqOk(alice, dtlsAccept({ initiate, to: caller, from: alice.jid, fp: fingerprint('A1') }));
      await waitFor(() => sent(world, 'OPTIONS ').length >= 2, 5000, 'two OPTIONS probes');
      const probes = sent(world, 'OPTIONS ').length;
      await new Promise((r) => setTimeout(r, 1500));
      // Still up: SIPp answered every probe.
      expect(world.gateway.liveCalls()).toBe(1);
      expect(sent(world, 'OPTIONS ').length).toBeGreaterThan(probes);
      const killedAt = Date.now();
      killSipp(run);
      const term = await alice.waitFor(jingleAction(id, 'session-terminate'), 10_000, 'session-terminate');
      report('SIP → XMPP, probes 1 s + 2 s', Date.now() - killedAt);
      expect(reasonOf(term)).toEqual({
        condition: 'connectivity-error',
        text: 'no answer to in-dialog OPTIONS within 2 s',
      });
      expect(Date.now() - killedAt).toBeLessThan(6000);
      await run.done;
    });
  },
);

const withRtpengine = rtpengineAvailable() ? describeWithPeers() : describe.skip;

withRtpengine('e2e: an anchored call whose media stops (rtpengine checks)', () => {
  let rtp: Rtpengine;
  const bed = useWorld({
    late: async () => {
      rtp = await startRtpengine(undefined, { timeoutSeconds: 2 });
      return {
        mediaYaml: [
          `rtpengine: ${rtp.uri}`,
          'anchor: always',
          'offer: [rtp]',
          'checkSeconds: 0.5',
          'silenceSeconds: 8',
        ],
      };
    },
  });
  afterAll(() => rtp?.stop());

  /** An anchored XMPP → SIP call to a plain-RTP SIPp that takes the BYE; resolves once accepted. */
  async function anchoredCall(): Promise<{ sid: string; run: Sipp; acceptedAt: number }> {
    const run = await bed.uas('e2e-uas-plain-bye-in.xml');
    const sid = randomUUID();
    await offerCall(bed.device(), CALLEE, sid);
    await bed.device().waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    return { sid, run, acceptedAt: Date.now() };
  }

  test('no media at all: rtpengine drops the call after its --timeout; both legs end (<media-error/>)', async () => {
    const { sid, run, acceptedAt } = await anchoredCall();
    expect((await rtp.control.list()).length).toBe(1);
    const term = await bed
      .device()
      .waitFor(jingleAction(sid, 'session-terminate'), 10_000, 'session-terminate');
    report('anchored, rtpengine --timeout=2, check 0.5 s', Date.now() - acceptedAt);
    expect(reasonOf(term)).toEqual({
      condition: 'media-error',
      text: 'the media anchor dropped the call: no media for its timeout',
    });
    const r = await bed.passed(run);
    expect(traced(r, 'received', 'BYE')).toMatch(
      /\r?\nReason: SIP;cause=\d{3};text="the media anchor dropped the call: no media for its timeout"/,
    );
  });

  test('the SIP side sends RTP, the XMPP side nothing: ended after 8 s of silence (<connectivity-error/>)', async () => {
    const { sid, run } = await anchoredCall();
    // Where the SIP side's media goes: the local port of the `sip` tag's RTP stream.
    const [id] = await rtp.control.list();
    const q = (await rtp.control.query(id as string)) as {
      tags: { sip: { medias: Array<{ streams: Array<{ 'local port': number }> }> } };
    };
    const port = q.tags.sip.medias[0]?.streams[0]?.['local port'] as number;
    const sock = dgram.createSocket('udp4');
    const rtpPacket = Buffer.alloc(172);
    rtpPacket[0] = 0x80;
    rtpPacket[1] = 111;
    let seq = 0;
    const sender = setInterval(() => {
      rtpPacket.writeUInt16BE(seq++ & 0xffff, 2);
      sock.send(rtpPacket, port, '127.0.0.1');
    }, 20);
    const startedAt = Date.now();
    try {
      const term = await bed
        .device()
        .waitFor(jingleAction(sid, 'session-terminate'), 10_000, 'session-terminate');
      report('anchored, XMPP side silent, 8 s + check 0.5 s', Date.now() - startedAt);
      expect(reasonOf(term)).toEqual({
        condition: 'connectivity-error',
        text: 'no media from the XMPP side for 8 s',
      });
      // The SIP side's packets reached rtpengine (so its own timeout did not end this one).
      expect(seq).toBeGreaterThan(100);
    } finally {
      clearInterval(sender);
      sock.close();
    }
    const r = await bed.passed(run);
    expect(traced(r, 'received', 'BYE')).toMatch(
      /\r?\nReason: SIP;cause=\d{3};text="no media from the XMPP side for 8 s"/,
    );
    const until = Date.now() + 3000;
    while ((await rtp.control.list()).length > 0) {
      if (Date.now() > until) throw new Error('the rtpengine session was not deleted');
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});
