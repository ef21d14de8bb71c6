/**
 * Issue 14, streams in an anchored call (docs/midcall.md §Streams), both ways, through a real
 * rtpengine between the XMPP client (ICE + DTLS-SRTP) and SIPp (plain RTP/AVP, no ICE):
 * - the client adds video: SIPp (e2e-uas-plain-video-anchored.xml) checks that the re-INVITE
 *   is rtpengine's rewrite with the new video m-line; the bot checks that its content-accept
 *   carries rtpengine's transport for the video — the ICE credentials, candidate and
 *   fingerprint of rtpengine's new stream toward the client, read back with ng `query`;
 * - SIPp adds video (e2e-uas-plain-video-anchored-in-accept/-reject.xml): the bot gets
 *   content-add with rtpengine's transport; its content-accept → SIPp's 200 has rtpengine's
 *   live video m-line, its content-reject → the video at port 0;
 * - the video removed again, each way: the client's content-remove → SIPp's re-INVITE has
 *   m=video 0; SIPp's m=video 0 → content-remove to the client, the 200 has port 0.
 * When video is accepted, RTP sent to rtpengine's SIP-side video port (the one its SDP gave
 * SIPp) is counted by rtpengine on that new stream. The test sends it, not SIPp (SIPp 3.6
 * sends video only from a pcap with `play_pcap_video`, and no VP8 capture is at hand); the
 * client side's counters stay at 0, as the bot does no ICE or DTLS.
 */
import { describeWithPeers, iqOk, jingleAction, jingleOf, useWorld, type Element } from './harness';
import {
  bundle01,
  bundleGroup,
  type Cand,
  candidateEl,
  CLIENT_FP,
  iceContent,
  CLIENT_PWD,
  CLIENT_UFRAG,
  jingleIq,
  NS_DTLS,
  NS_ICE,
  NS_RTP,
  terminate,
  TRICKLED,
  videoContent,
} from './stanzas';
import { CALLEE } from './harness';
import { rtpengineAvailable, startRtpengine, type Rtpengine } from '../support/rtpengine';
import { expectAnchorContentAdd, packetsCounted, sipVideoPort, videoStream } from './video-rtp';
import { xml } from '../../src/xmpp/stanza/xml';

const withRtpengine = rtpengineAvailable() ? describeWithPeers() : describe.skip;

withRtpengine('e2e: video added to an anchored call (rtpengine)', () => {
  let rtp: Rtpengine | undefined;
  const bed = useWorld({
    late: async () => {
      rtp = await startRtpengine();
      return { mediaYaml: [`rtpengine: ${rtp.uri}`, 'anchor: always', 'offer: [rtp]'] };
    },
  });
  afterAll(() => rtp?.stop());

  /** SIPp's re-INVITE adding video → content-add to alice with rtpengine's transport; returns it. */
  async function peerAdds(scenario: string) {
    const r = rtp as Rtpengine;
    const alice = bed.device();
    const { sid, run } = await bed.callOut(scenario);
    await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    const add = jingleOf(
      await alice.waitFor(jingleAction(sid, 'content-add'), 8000, 'content-add'),
    ) as Element;
    // The gateway speaks for SIPp, the session's responder.
    await expectAnchorContentAdd(add, r, 'responder');
    return { alice, sid, run };
  }

  /** The client's content-accept of SIPp's video (no candidates), with `extra` (a BUNDLE group). */
  async function acceptVideo(alice: ReturnType<typeof bed.device>, sid: string, ...extra: Element[]) {
    await iqOk(
      alice,
      jingleIq(
        CALLEE,
        { action: 'content-accept', sid },
        ...extra,
        videoContent({ creator: 'responder', name: 'video', setup: 'active' }),
      ),
    );
  }

  test("the client's content-add → re-INVITE with rtpengine's video m-line; SIPp's 200 → content-accept with rtpengine's transport; RTP reaches the new stream; content-remove → m=video 0", async () => {
    const r = rtp as Rtpengine;
    const alice = bed.device();
    const { sid, run } = await bed.callOut('e2e-uas-plain-video-anchored.xml');
    await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    const accepted = alice.waitFor(jingleAction(sid, 'content-accept'), 8000, 'content-accept');
    await iqOk(alice, jingleIq(CALLEE, { action: 'content-add', sid }, videoContent(), bundle01()));
    const accept = jingleOf(await accepted) as Element;
    const content = accept.getChild('content');
    expect(content?.attrs).toMatchObject({ creator: 'initiator', name: '1' });
    expect(content?.getChild('description', NS_RTP)?.attrs.media).toBe('video');
    // rtpengine's transport toward the client: its own ICE credentials, candidate and fingerprint.
    const t = content?.getChild('transport', NS_ICE);
    expect(t?.attrs.ufrag).toEqual(expect.any(String));
    expect(t?.attrs.ufrag).not.toBe(CLIENT_UFRAG);
    const fp = t?.getChild('fingerprint', NS_DTLS);
    expect(fp?.getText().toUpperCase()).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(fp?.getText().toUpperCase()).not.toBe(CLIENT_FP);
    expect(['active', 'passive']).toContain(fp?.attrs.setup);
    const cands = t?.getChildren('candidate') ?? [];
    expect(cands.length).toBeGreaterThan(0);
    const toClient = await videoStream(r, 'jingle');
    expect(cands.map((c) => Number(c.attrs.port))).toContain(toClient?.['local port']);
    // RTP where the re-INVITE told SIPp to send video is counted on rtpengine's new stream.
    const fromSip = await videoStream(r, 'sip');
    const port = fromSip?.['local port'] as number;
    expect(port).toBeGreaterThan(0);
    expect(await packetsCounted(r, port, 25)).toBeGreaterThanOrEqual(25);
    // content-remove → SIPp checks the re-INVITE has m=video 0; nothing more to the client.
    await iqOk(
      alice,
      jingleIq(
        CALLEE,
        { action: 'content-remove', sid },
        xml('content', { creator: 'initiator', name: '1' }),
      ),
    );
    await new Promise((res) => setTimeout(res, 1500));
    await iqOk(alice, terminate({ to: CALLEE, sid }));
    const result = await bed.passed(run);
    // The port the test sent to is the one rtpengine put in the re-INVITE's video m-line.
    const reinvite = result.trace.filter(
      (e) => e.direction === 'received' && e.firstLine.startsWith('INVITE'),
    )[1];
    expect(reinvite?.text).toMatch(new RegExp(`m=video ${port} RTP/AVP 96`));
  });

  test("SIPp's re-INVITE adding video → content-add with rtpengine's transport; content-accept → 200 with rtpengine's video m-line; RTP reaches the new stream; SIPp's m=video 0 → content-remove", async () => {
    const r = rtp as Rtpengine;
    const { alice, sid, run } = await peerAdds('e2e-uas-plain-video-anchored-in-accept.xml');
    // Bundled with the audio, without candidates of its own (RFC 8843 §7.1), as WebRTC clients
    // accept: the 200 must not be a hold (SIPp checks: no sendonly, no c=0.0.0.0).
    await acceptVideo(alice, sid, bundleGroup(['0', 'video']));
    // rtpengine's SIP-side video stream, once the 200 is out: RTP sent to it is counted there.
    const port = await sipVideoPort(r);
    expect(await packetsCounted(r, port, 25)).toBeGreaterThanOrEqual(25);
    // SIPp disables its video: the client hears content-remove (SIPp checks the 200's port 0).
    const removed = await alice.waitFor(jingleAction(sid, 'content-remove'), 10000, 'content-remove');
    expect(jingleOf(removed)?.getChild('content')?.attrs).toMatchObject({
      creator: 'responder',
      name: 'video',
    });
    await alice.waitFor(jingleAction(sid, 'session-terminate'), 10000, 'session-terminate');
    const result = await bed.passed(run);
    const ok = result.trace.filter(
      (e) => e.direction === 'received' && e.firstLine.startsWith('SIP/2.0 200'),
    )[0];
    expect(ok?.text).toMatch(new RegExp(`m=video ${port} RTP/AVP 96`));
  });

  test("content-accept of SIPp's video without candidates and not bundled → the 200 waits for the client's trickled candidate, then is no hold (no sendonly, no c=0.0.0.0); RTP reaches the new stream", async () => {
    const r = rtp as Rtpengine;
    const { alice, sid, run } = await peerAdds('e2e-uas-plain-video-anchored-in-accept.xml');
    // Its own transport, its candidates still to come (XEP-0176 §6): answered at once, rtpengine
    // would read port 9 / c=0.0.0.0 as a hold and offer SIPp sendonly (SIPp checks it is not).
    await acceptVideo(alice, sid);
    const candidate: Cand = { ...TRICKLED, ip: '127.0.0.1', port: 41002, type: 'host' };
    await iqOk(
      alice,
      jingleIq(
        CALLEE,
        { action: 'transport-info', sid },
        iceContent(
          { creator: 'responder', name: 'video', ufrag: CLIENT_UFRAG, pwd: CLIENT_PWD },
          candidateEl(candidate, 'v1'),
        ),
      ),
    );
    const port = await sipVideoPort(r);
    expect(await packetsCounted(r, port, 25)).toBeGreaterThanOrEqual(25);
    await alice.waitFor(jingleAction(sid, 'content-remove'), 10000, 'content-remove');
    await alice.waitFor(jingleAction(sid, 'session-terminate'), 10000, 'session-terminate');
    await bed.passed(run);
  });

  test("SIPp's re-INVITE adding video → content-add; content-reject → 200 with the video at port 0", async () => {
    const { alice, sid, run } = await peerAdds('e2e-uas-plain-video-anchored-in-reject.xml');
    await iqOk(
      alice,
      jingleIq(
        CALLEE,
        { action: 'content-reject', sid },
        xml('content', { creator: 'responder', name: 'video' }),
      ),
    );
    await alice.waitFor(jingleAction(sid, 'session-terminate'), 10000, 'session-terminate');
    await bed.passed(run);
  });
});
