/**
 * Streams in an anchored call the SIP peer placed (SIP → XMPP; docs/midcall.md §Streams), both
 * ways, through a real rtpengine between SIPp (plain RTP/AVP, no ICE) and the XMPP client
 * (ICE + DTLS-SRTP), as test/e2e/anchored-video.test.ts does for calls the client placed:
 * - SIPp re-INVITEs adding video (e2e-uac-plain-video-anchored-in.xml): alice gets content-add
 *   with rtpengine's transport (the gateway speaks for SIPp, the session's initiator); her
 *   content-accept → the 200 SIPp gets is rtpengine's, with a live RTP/AVP video m-line (SIPp
 *   checks it), and RTP sent to that port is counted by rtpengine on the new stream;
 * - alice adds video (content-add bundled with her audio, no candidates of its own;
 *   e2e-uac-plain-video-anchored-out.xml): the re-INVITE SIPp gets is rtpengine's (RTP/AVP,
 *   no ICE, no fingerprint, not sendonly; SIPp checks it), and alice's content-accept carries
 *   rtpengine's transport toward her: its ICE credentials, candidate (the port of its new
 *   stream toward the client, read with ng `query`) and fingerprint.
 * The test sends the RTP, not SIPp (SIPp 3.6 sends video only from a pcap), and the client
 * side's counters stay at 0, as the bot does no ICE or DTLS.
 */
import { describeWithPeers, iqOk, jingleAction, jingleOf, proposed, useWorld, type Element } from './harness';
import {
  candidateEl,
  CLIENT_FP,
  CLIENT_PWD,
  CLIENT_UFRAG,
  dtlsAccept,
  fingerprint,
  jingleIq,
  jmi,
  NS_DTLS,
  NS_ICE,
  NS_GROUPING,
  NS_RTP,
  terminate,
  videoContent,
} from './stanzas';
import { rtpengineAvailable, startRtpengine, type Rtpengine } from '../support/rtpengine';
import { expectAnchorContentAdd, packetsCounted, sipVideoPort, videoStream } from './video-rtp';
import { xml } from '../../src/xmpp/stanza/xml';
import { jmiChild } from '../xmpp/bots';

const withRtpengine = rtpengineAvailable() ? describeWithPeers() : describe.skip;

withRtpengine('e2e: video added to an anchored call SIPp placed (rtpengine)', () => {
  let rtp: Rtpengine | undefined;
  const bed = useWorld({
    late: async () => {
      rtp = await startRtpengine();
      return { mediaYaml: [`rtpengine: ${rtp.uri}`, 'anchor: always'] };
    },
  });
  afterAll(() => rtp?.stop());
  const seen = new Set<string>();

  /** SIPp calls alice (plain RTP/AVP), the gateway anchors; alice answers with ICE + DTLS. */
  async function answered(scenario: string) {
    const alice = bed.device();
    const run = await bed.uac(scenario);
    // A fresh call's proposal: the bot keeps every stanza of the earlier tests too.
    const { id, caller } = await proposed(alice, (s) => !seen.has(String(jmiChild(s, 'propose')?.attrs.id)));
    seen.add(id);
    await alice.send(jmi('proceed', { to: caller, id }));
    const initiate = await alice.waitFor(jingleAction(id, 'session-initiate'), 8000, 'session-initiate');
    const audio = String(jingleOf(initiate)?.getChild('content')?.attrs.name);
    await iqOk(alice, dtlsAccept({ initiate, to: caller, from: alice.jid, fp: fingerprint('A1') }));
    return { alice, run, sid: id, caller, audio };
  }

  test("SIPp's re-INVITE adding video → content-add with rtpengine's transport; content-accept → 200 with rtpengine's live RTP/AVP video m-line; RTP reaches the new stream", async () => {
    const r = rtp as Rtpengine;
    const { alice, run, sid, caller } = await answered('e2e-uac-plain-video-anchored-in.xml');
    const add = jingleOf(
      await alice.waitFor(jingleAction(sid, 'content-add'), 10000, 'content-add'),
    ) as Element;
    // The gateway speaks for SIPp, the session's initiator.
    await expectAnchorContentAdd(add, r, 'initiator');
    // Her video on a host candidate of its own (not bundled): a content-accept without
    // candidates is written port 9 / c=0.0.0.0, which rtpengine reads as a hold (sendonly).
    const accepted = xml(
      'content',
      { creator: 'initiator', name: 'video', senders: 'both' },
      xml(
        'description',
        { xmlns: NS_RTP, media: 'video' },
        xml('payload-type', { id: '96', name: 'VP8', clockrate: '90000' }),
        xml('rtcp-mux'),
      ),
      xml(
        'transport',
        { xmlns: NS_ICE, ufrag: CLIENT_UFRAG, pwd: CLIENT_PWD },
        xml('fingerprint', { xmlns: NS_DTLS, hash: 'sha-256', setup: 'active' }, CLIENT_FP),
        candidateEl(
          {
            foundation: '2',
            component: 1,
            protocol: 'udp',
            priority: 2122260223,
            ip: '127.0.0.1',
            port: 41002,
            type: 'host',
          },
          'v1',
        ),
      ),
    );
    await iqOk(alice, jingleIq(caller, { action: 'content-accept', sid }, accepted));
    // rtpengine's SIP-side video stream, once the 200 is out: RTP sent to it is counted there.
    const port = await sipVideoPort(r);
    expect(port).toBeGreaterThan(0);
    expect(await packetsCounted(r, port, 25)).toBeGreaterThanOrEqual(25);
    await alice.waitFor(jingleAction(sid, 'session-terminate'), 15000, 'session-terminate');
    const result = await bed.passed(run);
    // The 200 to SIPp's re-INVITE is rtpengine's: its video m-line is the port RTP was counted on.
    const ok = result.trace.filter(
      (e) => e.direction === 'received' && e.firstLine.startsWith('SIP/2.0 200'),
    )[1];
    expect(ok?.text).toMatch(new RegExp(`m=video ${port} RTP/AVP 96`));
    expect(ok?.text).not.toMatch(/a=ice-ufrag|a=fingerprint/);
  });

  test("alice's content-add → the re-INVITE SIPp gets is rtpengine's (RTP/AVP, no ICE); SIPp's 200 → content-accept with rtpengine's transport", async () => {
    const r = rtp as Rtpengine;
    const { alice, run, sid, caller, audio } = await answered('e2e-uac-plain-video-anchored-out.xml');
    // The 200 and its ACK first (the session is up on the gateway's side).
    await new Promise((res) => setTimeout(res, 800));
    const accepted = alice.waitFor(jingleAction(sid, 'content-accept'), 10000, 'content-accept');
    // Bundled with her audio (XEP-0338, RFC 8843), no candidates of its own.
    const group = xml(
      'group',
      { xmlns: NS_GROUPING, semantics: 'BUNDLE' },
      xml('content', { name: audio }),
      xml('content', { name: '1' }),
    );
    await iqOk(
      alice,
      jingleIq(caller, { action: 'content-add', sid }, videoContent({ creator: 'responder' }), group),
    );
    const accept = jingleOf(await accepted) as Element;
    const content = accept.getChild('content');
    expect(content?.attrs).toMatchObject({ creator: 'responder', name: '1' });
    expect(content?.getChild('description', NS_RTP)?.attrs.media).toBe('video');
    const t = content?.getChild('transport', NS_ICE);
    expect(t?.attrs.ufrag).toEqual(expect.any(String));
    expect(t?.attrs.ufrag).not.toBe(CLIENT_UFRAG);
    const fp = t?.getChild('fingerprint', NS_DTLS);
    expect(fp?.getText().toUpperCase()).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(fp?.getText().toUpperCase()).not.toBe(CLIENT_FP);
    // The Jingle side's new m-line kept alice's settled role (active, RFC 8842 §5.5): rtpengine passive.
    expect(fp?.attrs.setup).toBe('passive');
    const toClient = await videoStream(r, 'jingle');
    expect((t?.getChildren('candidate') ?? []).map((c) => Number(c.attrs.port))).toContain(
      toClient?.['local port'],
    );
    const fromSip = await videoStream(r, 'sip');
    await iqOk(alice, terminate({ to: caller, sid }));
    const result = await bed.passed(run);
    const reinvite = result.trace.filter(
      (e) => e.direction === 'received' && e.firstLine.startsWith('INVITE'),
    )[0];
    expect(reinvite?.text).toMatch(new RegExp(`m=video ${fromSip?.['local port']} RTP/AVP 96`));
  });
});
