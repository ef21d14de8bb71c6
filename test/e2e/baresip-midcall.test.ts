/**
 * Issue 14 with a real SIP phone: hold, resume and DTMF in calls between baresip 1.0.0 (plain
 * RTP, its `-s` SIP trace read back) and headless Chromium on the XMPP side, through the gateway,
 * real Prosody and rtpengine (anchor: auto; baresip has no ICE). Audio is counted at rtpengine
 * (packets from each leg) and at Chromium (getStats) before, during and after the hold; the
 * RFC 4733 events rtpengine relays are reported by its `--dtmf-log-dest`.
 *
 * What baresip 1.0.0 does, as seen here: `hold` sends a re-INVITE with `a=sendonly` and stops its
 * own RTP; `resume` re-INVITEs with `a=sendrecv`; `sndcode` sends RFC 4733 telephone-event in RTP
 * (never SIP INFO); an INFO `application/dtmf-relay` it receives is logged
 * `call: received DTMF: '<digit>'`.
 */
import * as dgram from 'node:dgram';
import { startBaresipOnFreePorts, type Baresip, type SipTraced } from '../support/baresip';
import { sleep } from '../support/processes';
import { rtpengineAvailable, startRtpengine, type Rtpengine } from '../support/rtpengine';
import { chromiumAvailable, type WebrtcPeer } from '../support/webrtc';
import { xml } from '../../src/xmpp/stanza/xml';
import {
  describeWithPeers,
  expectNoLiveCalls,
  iqOk,
  jingleAction,
  jingleOf,
  reasonOf,
  type Bot,
} from './harness';
import { jingleIq, terminate } from './stanzas';
import {
  body,
  direction,
  expectVersions,
  firstInvite,
  firstOk,
  NS_DTMF,
  NS_INFO,
  reinvites,
  sessionInfo,
} from './sip-trace';
import { anchorPackets, sdpOf, until } from './webrtc-jingle';
import {
  aliceCalls,
  anchoredMedia,
  byeReached,
  phoneCallsAlice,
  phoneJid,
  rtpengineEmpty,
  usePhoneWorld,
} from './phones';

const maybe = rtpengineAvailable() && chromiumAvailable() ? describeWithPeers('baresip') : describe.skip;

maybe('e2e: mid-call with baresip — hold, resume, DTMF; real audio through rtpengine', () => {
  let rtp: Rtpengine;
  let dtmfLog: dgram.Socket;
  /** What rtpengine reported on `--dtmf-log-dest` (one JSON object per event). */
  const dtmfEvents: Array<Record<string, unknown>> = [];
  // The phones hang up before the check that no call is left (usePhoneWorld).
  const phones = usePhoneWorld<Baresip>({
    late: async () => {
      dtmfLog = dgram.createSocket('udp4');
      dtmfLog.on('message', (m) => {
        try {
          dtmfEvents.push(JSON.parse(m.toString()) as Record<string, unknown>);
        } catch {
          dtmfEvents.push({ raw: m.toString() });
        }
      });
      const dtmfLogPort = await new Promise<number>((r) =>
        dtmfLog.bind(0, '127.0.0.1', () => r(dtmfLog.address().port)),
      );
      rtp = await startRtpengine(undefined, { dtmfLogPort });
      return anchoredMedia(rtp);
    },
  });
  const { bed, chromium } = phones;
  let alice: Bot;
  beforeAll(() => {
    alice = bed.device();
  });
  afterAll(async () => {
    await rtp?.stop();
    dtmfLog?.close();
  });

  async function phone(dtls = false): Promise<Baresip> {
    return phones.phone(startBaresipOnFreePorts({ sipTrace: true, dtls }));
  }

  /** baresip calls alice, who answers from Chromium; returns the sid (the JMI id). */
  const sipCallsAlice = (bob: Baresip, c: WebrtcPeer) =>
    phoneCallsAlice(alice, () => bob.command('dial', `sip:alice@127.0.0.1:${bed.world.sipPort}`), c);

  /** Chromium calls baresip; returns the sid and the JID alice talks to. */
  const aliceCallsSip = (bob: Baresip, c: WebrtcPeer) => aliceCalls(alice, phoneJid('bob', bob.sipPort), c);

  /** Packets from each leg at rtpengine and into Chromium, now. */
  async function counts(c: WebrtcPeer): Promise<{ sip: number; jingle: number; chrome: number }> {
    const legs = await anchorPackets(rtp);
    return { sip: legs.sip ?? 0, jingle: legs.jingle ?? 0, chrome: (await c.stats()).packetsReceived };
  }

  /** Audio both ways: each leg and Chromium's inbound grow by `n` packets (50/s each way). */
  async function audioBothWays(c: WebrtcPeer, n = 50): Promise<void> {
    const from = await counts(c);
    let now = from;
    await until(
      async () => {
        now = await counts(c);
        return now.sip - from.sip >= n && now.jingle - from.jingle >= n && now.chrome - from.chrome >= n;
      },
      15_000,
      () => `${n} more packets each way (from ${JSON.stringify(from)} to ${JSON.stringify(now)})`,
    );
  }

  /** Packets in 2 s from baresip's leg (at rtpengine) and into Chromium. */
  async function sipLegOver2s(c: WebrtcPeer): Promise<{ sip: number; chrome: number }> {
    const a = await counts(c);
    await sleep(2000);
    const b = await counts(c);
    return { sip: b.sip - a.sip, chrome: b.chrome - a.chrome };
  }

  test.each([
    ['plain RTP', false],
    ['DTLS-SRTP', true],
  ])(
    'SIP → XMPP (%s): baresip holds and resumes; alice hears <hold/> then <active/>; the answers say recvonly then sendrecv; audio stops while held and comes back; baresip hangs up',
    async (_w, dtls) => {
      const bob = await phone(dtls);
      const chrome = await chromium();
      const { sid } = await sipCallsAlice(bob, chrome);
      await audioBothWays(chrome);
      // baresip logs one per DTLS association (RTP, and RTCP without rtcp-mux): none may be added.
      const handshakes = (): number => bob.proc.output().match(/DTLS-SRTP complete/g)?.length ?? 0;
      const before = handshakes();
      if (dtls) expect(before).toBeGreaterThan(0);

      await bob.command('hold');
      const hold = await alice.waitFor(sessionInfo(sid, 'hold'), 8000, 'session-info <hold/>');
      expect(hold.attrs.type).toBe('set');
      await until(
        () => reinvites(bob, 'sent')[0]?.answer !== undefined,
        5000,
        () => `the 200 to baresip's hold:\n${bob.proc.output().slice(-3000)}`,
      );
      const [held] = reinvites(bob, 'sent');
      expect(direction(body(held!.offer))).toBe('sendonly');
      // RFC 3264 §6.1: the answer to sendonly is recvonly (or inactive); RFC 5763 §5: never actpass.
      expect(['recvonly', 'inactive']).toContain(direction(body(held!.answer!)));
      expect(body(held!.answer!)).not.toMatch(/a=setup:actpass/);
      expect(body(held!.answer!)).toMatch(/^m=audio [1-9]\d* /m);
      // baresip stops its RTP while it holds: nothing reaches Chromium (a few packets in flight).
      const whileHeld = await sipLegOver2s(chrome);
      expect(whileHeld.sip).toBeLessThan(15);
      expect(whileHeld.chrome).toBeLessThan(15);

      await bob.command('resume');
      await alice.waitFor(sessionInfo(sid, 'active'), 8000, 'session-info <active/>');
      await until(
        () => reinvites(bob, 'sent')[1]?.answer !== undefined,
        5000,
        () => `the 200 to baresip's resume:\n${bob.proc.output().slice(-3000)}`,
      );
      const resumed = reinvites(bob, 'sent')[1]!;
      expect(direction(body(resumed.offer))).toBe('sendrecv');
      expect(direction(body(resumed.answer!))).toBe('sendrecv');
      expect(body(resumed.answer!)).not.toMatch(/a=setup:actpass/);
      // The gateway's 200s: the first answer, then the hold's and the resume's, each a new version.
      expectVersions([body(firstOk(bob, 'received')!), body(held!.answer!), body(resumed.answer!)]);
      if (dtls) {
        // RFC 8842 §5.5: rtpengine's DTLS role toward baresip stays what its first answer said.
        const role = /^a=setup:(\w+)/m.exec(body(firstOk(bob, 'received')!))?.[1];
        expect(role).toMatch(/^(active|passive)$/);
        for (const a of [held!.answer!, resumed.answer!])
          expect(/^a=setup:(\w+)/m.exec(body(a))?.[1]).toBe(role);
      }
      await audioBothWays(chrome);
      expect(handshakes()).toBe(before);
      // Neither re-INVITE reached alice as anything but session-info (no extra session-* action).
      expect(alice.all((s) => jingleOf(s)?.attrs.sid === sid).map((s) => jingleOf(s)?.attrs.action)).toEqual([
        'session-initiate',
        'session-info',
        'session-info',
      ]);

      await bob.command('hangup');
      const term = await alice.waitFor(jingleAction(sid, 'session-terminate'), 8000, 'session-terminate');
      expect(reasonOf(term).condition).toBe('success');
      await expectNoLiveCalls(bed.world);
      await rtpengineEmpty(rtp);
    },
  );

  test('XMPP → SIP: alice holds and resumes; baresip gets re-INVITEs saying sendonly then sendrecv and answers; audio from baresip stops while held and comes back; alice hangs up', async () => {
    const bob = await phone();
    const chrome = await chromium();
    const { sid, peer } = await aliceCallsSip(bob, chrome);
    await audioBothWays(chrome);

    await iqOk(alice, jingleIq(peer, { action: 'session-info', sid }, xml('hold', { xmlns: NS_INFO })));
    await until(
      () => reinvites(bob, 'received')[0]?.answer !== undefined,
      8000,
      () => `baresip answering a re-INVITE:\n${bob.proc.output().slice(-3000)}`,
    );
    const [held] = reinvites(bob, 'received');
    expect(direction(body(held!.offer))).toBe('sendonly');
    expect(direction(body(held!.answer!))).toBe('recvonly');
    // baresip, told it is held, stops sending: nothing reaches Chromium.
    const whileHeld = await sipLegOver2s(chrome);
    expect(whileHeld.sip).toBeLessThan(15);
    expect(whileHeld.chrome).toBeLessThan(15);

    await iqOk(alice, jingleIq(peer, { action: 'session-info', sid }, xml('active', { xmlns: NS_INFO })));
    await until(
      () => reinvites(bob, 'received')[1]?.answer !== undefined,
      8000,
      () => `baresip answering the second re-INVITE:\n${bob.proc.output().slice(-3000)}`,
    );
    const resumed = reinvites(bob, 'received')[1]!;
    expect(direction(body(resumed.offer))).toBe('sendrecv');
    expect(direction(body(resumed.answer!))).toBe('sendrecv');
    // The gateway's offers: the INVITE baresip took, then the hold's and the resume's re-INVITEs.
    expectVersions([body(firstInvite(bob, 'received')!), body(held!.offer), body(resumed.offer)]);
    await audioBothWays(chrome);

    await iqOk(alice, terminate({ to: peer, sid }));
    await byeReached(bob);
    await expectNoLiveCalls(bed.world);
    await rtpengineEmpty(rtp);
  });

  test('both hold, anchored: alice holds, then baresip holds too — the answer via rtpengine says inactive; baresip resumes — sendonly; alice resumes — sendrecv, audio both ways again', async () => {
    const bob = await phone();
    const chrome = await chromium();
    const { sid, peer } = await sipCallsAlice(bob, chrome);
    await audioBothWays(chrome);

    await iqOk(alice, jingleIq(peer, { action: 'session-info', sid }, xml('hold', { xmlns: NS_INFO })));
    await until(
      () => reinvites(bob, 'received')[0]?.answer !== undefined,
      8000,
      () => `baresip answering alice's hold:\n${bob.proc.output().slice(-3000)}`,
    );
    expect(direction(body(reinvites(bob, 'received')[0]!.offer))).toBe('sendonly');

    await bob.command('hold');
    await alice.waitFor(sessionInfo(sid, 'hold'), 8000, 'session-info <hold/> from baresip');
    await until(
      () => reinvites(bob, 'sent')[0]?.answer !== undefined,
      8000,
      () => `the answer to baresip's hold:\n${bob.proc.output().slice(-3000)}`,
    );
    const both = reinvites(bob, 'sent')[0]!;
    expect(['sendonly', 'inactive']).toContain(direction(body(both.offer)));
    expect(direction(body(both.answer!))).toBe('inactive');

    await bob.command('resume');
    await alice.waitFor(sessionInfo(sid, 'active'), 8000, 'session-info <active/> from baresip');
    await until(
      () => reinvites(bob, 'sent')[1]?.answer !== undefined,
      8000,
      () => `the answer to baresip's resume:\n${bob.proc.output().slice(-3000)}`,
    );
    expect(direction(body(reinvites(bob, 'sent')[1]!.offer))).toBe('sendrecv');
    // alice still holds: her side's answer to sendrecv is sendonly.
    expect(direction(body(reinvites(bob, 'sent')[1]!.answer!))).toBe('sendonly');

    await iqOk(alice, jingleIq(peer, { action: 'session-info', sid }, xml('active', { xmlns: NS_INFO })));
    await until(
      () => reinvites(bob, 'received')[1]?.answer !== undefined,
      8000,
      () => `baresip answering alice's resume:\n${bob.proc.output().slice(-3000)}`,
    );
    expect(direction(body(reinvites(bob, 'received')[1]!.offer))).toBe('sendrecv');
    expect(direction(body(reinvites(bob, 'received')[1]!.answer!))).toBe('sendrecv');
    await audioBothWays(chrome);

    await bob.command('hangup');
    await alice.waitFor(jingleAction(sid, 'session-terminate'), 8000, 'session-terminate');
    await expectNoLiveCalls(bed.world);
    await rtpengineEmpty(rtp);
  });

  test("DTMF both ways: baresip's RFC 4733 events stay in RTP (telephone-event in both SDPs, relayed by rtpengine, no XEP-0181 copy); alice's XEP-0181 <dtmf/> reaches baresip as INFO", async () => {
    const bob = await phone();
    const chrome = await chromium();
    const { sid, peer } = await sipCallsAlice(bob, chrome);
    const initiate = alice.all(jingleAction(sid, 'session-initiate'))[0]!;
    // The telephone-event payload type of baresip's offer reaches alice, and comes back in the answer.
    expect(sdpOf(initiate)).toMatch(/^a=rtpmap:101 telephone-event\/8000/m);
    const isOk = (m: SipTraced): boolean =>
      m.direction === 'received' && m.firstLine.startsWith('SIP/2.0 200');
    await until(
      () => bob.sipMessages().some(isOk),
      5000,
      () => `the 200 at baresip:\n${bob.proc.output()}`,
    );
    const ok = bob.sipMessages().find(isOk);
    expect(body(ok!)).toMatch(/^m=audio \d+ RTP\/AVP( \d+)* 101( |\r|$)/m);
    expect(body(ok!)).toMatch(/^a=rtpmap:101 telephone-event\/8000/m);
    await audioBothWays(chrome);

    const before = dtmfEvents.length;
    await bob.command('sndcode', '5');
    await until(
      () => dtmfEvents.slice(before).length > 0,
      5000,
      () => `rtpengine relaying baresip's telephone-event:\n${rtp.proc.output().slice(-2000)}`,
    );
    expect(JSON.stringify(dtmfEvents.slice(before))).toMatch(/"event":5\b/);
    await sleep(500);
    // RTP DTMF is not turned into XEP-0181 as well (the client would hear it twice).
    expect(alice.all(sessionInfo(sid, 'dtmf', NS_DTMF))).toEqual([]);

    // XEP-0181 → SIP INFO application/dtmf-relay, which baresip logs.
    await iqOk(
      alice,
      jingleIq(
        peer,
        { action: 'session-info', sid },
        xml('dtmf', { xmlns: NS_DTMF, code: '7', duration: '200' }),
      ),
    );
    await until(
      () => /received DTMF: '7'/.test(bob.proc.output()),
      5000,
      () => `baresip receiving the DTMF:\n${bob.proc.output().slice(-3000)}`,
    );
    const info = bob.sipMessages().find((m) => m.direction === 'received' && m.firstLine.startsWith('INFO '));
    expect(info?.text).toMatch(/^Content-Type:\s*application\/dtmf-relay/im);
    expect(body(info!)).toMatch(/^Signal=7\r?$/m);

    // Chromium's RFC 4733 tones go to baresip in RTP, through rtpengine.
    const mark = dtmfEvents.length;
    await chrome.dtmf('9');
    await until(
      () => dtmfEvents.slice(mark).length > 0,
      5000,
      () => `rtpengine relaying Chromium's telephone-event:\n${rtp.proc.output().slice(-2000)}`,
    );
    expect(JSON.stringify(dtmfEvents.slice(mark))).toMatch(/"event":9\b/);
    // baresip logs an RFC 4733 event it receives as `received event: '<digit>' (end=…)`.
    await until(
      () => /received event: '9'/.test(bob.proc.output()),
      5000,
      () => `baresip receiving Chromium's RTP DTMF:\n${bob.proc.output().slice(-2000)}`,
    );

    await bob.command('hangup');
    await alice.waitFor(jingleAction(sid, 'session-terminate'), 8000, 'session-terminate');
    await expectNoLiveCalls(bed.world);
  });
});
