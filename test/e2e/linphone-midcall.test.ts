/**
 * Issue 14 with a second real SIP phone: linphone 5.1 (Debian `linphone-cli`, `linphone-daemon`
 * on stdin) through the gateway, real Prosody and rtpengine (anchor: auto), headless Chromium on
 * the XMPP side. `call-pause`/`call-resume` re-INVITE with sendonly/sendrecv; its DTMF goes as
 * SIP INFO application/dtmf-relay (`use_info=1`), the way baresip cannot send it. The SIP side is
 * read from liblinphone's log. This machine has no sound card, so linphone sends next to no RTP:
 * these tests check the signalling, not the audio (test/e2e/baresip-midcall*.test.ts do).
 */
import { linphoneAvailable, startLinphone, type Linphone } from '../../src/peers/linphone';
import { freePort } from '../support/processes';
import { rtpengineAvailable, startRtpengine, type Rtpengine } from '../support/rtpengine';
import { chromiumAvailable } from '../support/webrtc';
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
import { body, cseq, direction, expectVersions, NS_DTMF, NS_INFO, reinvites, sessionInfo } from './sip-trace';
import { until } from './webrtc-jingle';
import { aliceCalls, anchoredMedia, byeReached, phoneCallsAlice, phoneJid, usePhoneWorld } from './phones';

const maybe =
  linphoneAvailable() && rtpengineAvailable() && chromiumAvailable() ? describeWithPeers() : describe.skip;

maybe('e2e: mid-call with linphone — hold, resume, DTMF as SIP INFO', () => {
  let rtp: Rtpengine;
  // The phones hang up before the check that no call is left (usePhoneWorld).
  const phones = usePhoneWorld<Linphone>({
    late: async () => {
      rtp = await startRtpengine();
      return anchoredMedia(rtp);
    },
  });
  const { bed, chromium } = phones;
  let alice: Bot;
  beforeAll(() => {
    alice = bed.device();
  });
  afterAll(() => rtp?.stop());

  async function phone(autoAnswer = false): Promise<Linphone> {
    return phones.phone(startLinphone(await freePort(), { autoAnswer }));
  }

  async function answered(p: Linphone, dir: 'sent' | 'received', n: number) {
    await until(
      () => reinvites(p, dir)[n]?.answer !== undefined,
      8000,
      () => `re-INVITE ${n} (${dir}) answered:\n${p.proc.output().slice(-2000)}`,
    );
    return reinvites(p, dir)[n]!;
  }

  test('SIP → XMPP: linphone pauses and resumes (alice hears <hold/>, <active/>; answers recvonly, sendrecv); its INFO DTMF reaches alice as XEP-0181; linphone hangs up', async () => {
    const lp = await phone();
    const chrome = await chromium();
    const dial = () => lp.command(`call sip:alice@127.0.0.1:${bed.world.sipPort}`);
    const { sid } = await phoneCallsAlice(alice, dial, chrome);
    await until(
      () => /LinphoneCallStreamsRunning/.test(lp.proc.output()),
      8000,
      () => `linphone's call up:\n${lp.proc.output().slice(-2000)}`,
    );
    const first = lp
      .sipMessages()
      .find((m) => m.direction === 'received' && m.firstLine.startsWith('SIP/2.0 200'));

    lp.command('call-pause');
    await alice.waitFor(sessionInfo(sid, 'hold'), 8000, 'session-info <hold/>');
    const held = await answered(lp, 'sent', 0);
    expect(direction(body(held.offer))).toBe('sendonly');
    expect(['recvonly', 'inactive']).toContain(direction(body(held.answer!)));
    expect(body(held.answer!)).not.toMatch(/a=setup:actpass/);

    await until(
      () => /LinphoneCallPaused\b/.test(lp.proc.output()),
      5000,
      () => 'linphone paused',
    );
    lp.command(`call-resume ${lp.callId() ?? ''}`);
    await alice.waitFor(sessionInfo(sid, 'active'), 8000, 'session-info <active/>');
    const resumed = await answered(lp, 'sent', 1);
    expect(direction(body(resumed.offer))).toBe('sendrecv');
    expect(direction(body(resumed.answer!))).toBe('sendrecv');
    expectVersions([body(first!), body(held.answer!), body(resumed.answer!)]);

    // SIP INFO application/dtmf-relay → XEP-0181 <dtmf code='5'/> (Duration from the INFO, ms).
    lp.command('dtmf 5');
    const dtmf = await alice.waitFor(sessionInfo(sid, 'dtmf', NS_DTMF), 8000, 'session-info <dtmf/>');
    expect(jingleOf(dtmf)?.getChild('dtmf', NS_DTMF)?.attrs.code).toBe('5');
    const info = lp.sipMessages().find((m) => m.direction === 'sent' && m.firstLine.startsWith('INFO '));
    expect(info?.text).toMatch(/^Content-Type:\s*application\/dtmf-relay/im);
    // XEP-0181 §2: duration in ms, as the INFO's Duration= says (when it says one).
    const sent = /^Duration=(\d+)/m.exec(body(info!))?.[1];
    const got = jingleOf(dtmf)?.getChild('dtmf', NS_DTMF)?.attrs.duration;
    if (sent !== undefined) expect(got).toBe(sent);
    await until(
      () => lp.sipMessages().some((m) => m.direction === 'received' && /^CSeq:\s*\d+ INFO/im.test(m.text)),
      5000,
      () => 'the INFO answered',
    );
    const infoAnswer = lp
      .sipMessages()
      .find((m) => m.direction === 'received' && /^CSeq:\s*\d+ INFO/im.test(m.text));
    expect(infoAnswer?.firstLine).toBe('SIP/2.0 200 OK');

    lp.command('terminate');
    const term = await alice.waitFor(jingleAction(sid, 'session-terminate'), 8000, 'session-terminate');
    expect(reasonOf(term).condition).toBe('success');
    await expectNoLiveCalls(bed.world);
  });

  test('XMPP → SIP: alice holds and resumes (linphone gets re-INVITEs sendonly, sendrecv and answers recvonly, sendrecv); her XEP-0181 <dtmf/> reaches linphone as INFO; alice hangs up', async () => {
    const lp = await phone(true);
    const chrome = await chromium();
    const { sid, peer } = await aliceCalls(alice, phoneJid('linphone', lp.sipPort), chrome);
    await until(
      () => /LinphoneCallStreamsRunning/.test(lp.proc.output()),
      8000,
      () => `linphone's call up:\n${lp.proc.output().slice(-2000)}`,
    );

    await iqOk(alice, jingleIq(peer, { action: 'session-info', sid }, xml('hold', { xmlns: NS_INFO })));
    const held = await answered(lp, 'received', 0);
    expect(direction(body(held.offer))).toBe('sendonly');
    expect(direction(body(held.answer!))).toBe('recvonly');

    await iqOk(alice, jingleIq(peer, { action: 'session-info', sid }, xml('active', { xmlns: NS_INFO })));
    const resumed = await answered(lp, 'received', 1);
    expect(direction(body(resumed.offer))).toBe('sendrecv');
    expect(direction(body(resumed.answer!))).toBe('sendrecv');

    await iqOk(
      alice,
      jingleIq(
        peer,
        { action: 'session-info', sid },
        xml('dtmf', { xmlns: NS_DTMF, code: '8', duration: '250' }),
      ),
    );
    await until(
      () => lp.sipMessages().some((m) => m.direction === 'received' && m.firstLine.startsWith('INFO ')),
      5000,
      () => `the INFO at linphone:\n${lp.proc.output().slice(-2000)}`,
    );
    const info = lp.sipMessages().find((m) => m.direction === 'received' && m.firstLine.startsWith('INFO '))!;
    expect(info.text).toMatch(/^Content-Type:\s*application\/dtmf-relay/im);
    expect(body(info)).toMatch(/^Signal=8\r?$/m);
    await until(
      () =>
        lp
          .sipMessages()
          .some(
            (m) => m.direction === 'sent' && m.firstLine.startsWith('SIP/2.0 200') && /INFO/.test(cseq(m)),
          ),
      5000,
      () => 'linphone taking the INFO',
    );

    await iqOk(alice, terminate({ to: peer, sid }));
    await byeReached(lp);
    await expectNoLiveCalls(bed.world);
  });
});
