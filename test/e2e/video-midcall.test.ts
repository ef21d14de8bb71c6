/**
 * Issue 14, streams (docs/midcall.md §Streams): video added to and removed from an audio call,
 * both ways, through real Prosody, the gateway and SIPp (media end to end, not anchored): our
 * content-add's 491 retried (RFC 3261 §14.1), SIPp's video turned off (→ content-modify), and
 * SIPp's re-INVITE adding video while restarting ICE. The SIPp scenarios check every SDP the
 * gateway sends (m-lines in place, port 0, BUNDLE, DTLS role, ICE credentials); the bot checks
 * the Jingle it gets (XEP-0166 §7.2 content-add / content-accept / content-modify, XEP-0176
 * transport-info).
 */
import { CALLEE, describeE2e, iqOk, jingleAction, jingleOf, reasonOf, type Element } from './harness';
import {
  bundle01,
  candidateEl,
  iceContent,
  CLIENT_FP,
  jingleIq,
  NS_DTLS,
  NS_GROUPING,
  NS_ICE,
  NS_RTP,
  terminate,
  videoContent,
} from './stanzas';
import { xml } from '../../src/xmpp/stanza/xml';

describeE2e('e2e: video during a call (XMPP client ⇄ gateway ⇄ SIPp)', {}, (bed) => {
  test("the client's content-add → re-INVITE with audio + video, SIPp's 200 → content-accept; content-remove → m=video 0", async () => {
    const alice = bed.device();
    const { sid, run } = await bed.callOut('e2e-uas-dtls-video-out.xml');
    await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    const accepted = alice.waitFor(jingleAction(sid, 'content-accept'), 8000, 'content-accept');
    // A WebRTC client offers actpass for a new m-line; the gateway keeps the settled role.
    await iqOk(alice, jingleIq(CALLEE, { action: 'content-add', sid }, videoContent(), bundle01()));
    const accept = jingleOf(await accepted) as Element;
    const content = accept.getChild('content');
    expect(content?.attrs).toMatchObject({ creator: 'initiator', name: '1' });
    const desc = content?.getChild('description', NS_RTP);
    expect(desc?.attrs.media).toBe('video');
    expect(desc?.getChildren('payload-type').map((p) => p.attrs.name)).toContain('VP8');
    expect(content?.getChild('transport', NS_ICE)?.attrs.ufrag).toBe('SiPp');
    expect(content?.getChild('transport', NS_ICE)?.getChild('fingerprint', NS_DTLS)?.attrs.setup).toBe(
      'active',
    );
    expect(
      accept
        .getChild('group', NS_GROUPING)
        ?.getChildren('content')
        .map((c) => c.attrs.name),
    ).toEqual(['0', '1']);

    await iqOk(
      alice,
      jingleIq(
        CALLEE,
        { action: 'content-remove', sid },
        xml('content', { creator: 'initiator', name: '1' }),
      ),
    );
    // The remove's re-INVITE is answered without a word to the client; give it time before the BYE.
    await new Promise((r) => setTimeout(r, 1500));
    await iqOk(alice, terminate({ to: CALLEE, sid }));
    await bed.passed(run);
  });

  test("the client's content-add gets 491 → retried after 2.1–4 s, then content-accept; SIPp's video a=inactive → content-modify senders none", async () => {
    const alice = bed.device();
    const { sid, run } = await bed.callOut('e2e-uas-dtls-video-glare.xml');
    await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    const accepted = alice.waitFor(jingleAction(sid, 'content-accept'), 12000, 'content-accept');
    const modified = alice.waitFor(jingleAction(sid, 'content-modify'), 16000, 'content-modify');
    await iqOk(alice, jingleIq(CALLEE, { action: 'content-add', sid }, videoContent(), bundle01()));
    // Nothing is said to the client about the 491: the retry's 200 is the answer.
    const accept = jingleOf(await accepted) as Element;
    expect(accept.getChild('content')?.attrs).toMatchObject({ creator: 'initiator', name: '1' });
    expect(alice.received.some((s) => jingleAction(sid, 'content-reject')(s))).toBe(false);
    // XEP-0166 §7.2: SIPp (the responder) turned its video off; the client's content is named.
    const modify = (jingleOf(await modified) as Element).getChild('content');
    expect(modify?.attrs).toMatchObject({ creator: 'initiator', name: '1', senders: 'none' });
    await iqOk(alice, terminate({ to: CALLEE, sid }));
    const r = await bed.passed(run);
    // RFC 3261 §14.1: the retry came no sooner than 2.1 s after SIPp's 491 (the gateway owns the Call-ID).
    const sent491 = r.trace.find((e) => e.direction === 'sent' && e.firstLine.startsWith('SIP/2.0 491'));
    const invites = r.trace.filter((e) => e.direction === 'received' && e.firstLine.startsWith('INVITE'));
    expect(sent491).toBeDefined();
    expect(invites).toHaveLength(3);
    expect(invites[2]!.at - sent491!.at).toBeGreaterThanOrEqual(2000);
  });

  test("SIPp's re-INVITE adding video → content-add; reject → 200 with m=video 0; offered again and accepted → 200 with video", async () => {
    const alice = bed.device();
    const { sid, run } = await bed.callOut('e2e-uas-dtls-video-in.xml');
    await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    const isAdd = jingleAction(sid, 'content-add');
    const first = await alice.waitFor(isAdd, 8000, 'content-add');
    const added = (jingleOf(first) as Element).getChild('content');
    // The gateway speaks for SIPp, the session's responder.
    expect(added?.attrs).toMatchObject({ creator: 'responder', name: '1' });
    expect(added?.getChild('description', NS_RTP)?.attrs.media).toBe('video');
    const second = alice.waitFor((s) => s !== first && isAdd(s), 8000, 'second content-add');
    await iqOk(
      alice,
      jingleIq(
        CALLEE,
        { action: 'content-reject', sid },
        xml('content', { creator: 'responder', name: '1' }),
      ),
    );
    await second;
    // SIPp is active (RFC 8842 §5.5): the client answers passive.
    await iqOk(
      alice,
      jingleIq(
        CALLEE,
        { action: 'content-accept', sid },
        videoContent({ creator: 'responder', setup: 'passive' }),
        bundle01(),
      ),
    );
    const term = await alice.waitFor(jingleAction(sid, 'session-terminate'), 8000, 'session-terminate');
    expect(reasonOf(term).condition).toBe('success');
    await bed.passed(run);
  });

  test("SIPp's re-INVITE adds video and restarts ICE → transport-info and content-add; the 200 waits for the client's content-accept and new credentials", async () => {
    const alice = bed.device();
    const { sid, run } = await bed.callOut('e2e-uas-dtls-video-restart.xml');
    await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    const info = jingleOf(await alice.waitFor(jingleAction(sid, 'transport-info'), 8000, 'transport-info'));
    const kept = info?.getChild('content');
    expect(kept?.attrs).toMatchObject({ creator: 'initiator', name: '0' });
    expect(kept?.getChild('transport', NS_ICE)?.attrs).toMatchObject({
      ufrag: 'SiP2',
      pwd: 'sipprestartpasswordsipp1',
    });
    const add = jingleOf(await alice.waitFor(jingleAction(sid, 'content-add'), 8000, 'content-add'));
    expect(add?.getChild('content')?.attrs).toMatchObject({ creator: 'responder', name: '1' });
    // The client takes the video and restarts its side of ICE (XEP-0176 §2.2: new ufrag/pwd).
    const [ufrag, pwd] = ['nEwC', 'newclientpasswordnewcli'];
    await iqOk(
      alice,
      jingleIq(
        CALLEE,
        { action: 'content-accept', sid },
        videoContent({ creator: 'responder', setup: 'passive', ufrag, pwd }),
        bundle01(),
      ),
    );
    const ended = alice.waitFor(jingleAction(sid, 'session-terminate'), 12000, 'session-terminate');
    const host = {
      foundation: '7',
      component: 1,
      protocol: 'udp' as const,
      priority: 2122260223,
      ip: '127.0.0.1',
      port: 40010,
      type: 'host' as const,
    };
    await iqOk(
      alice,
      jingleIq(
        CALLEE,
        { action: 'transport-info', sid },
        iceContent(
          { creator: 'initiator', name: '0', ufrag, pwd },
          xml('fingerprint', { xmlns: NS_DTLS, hash: 'sha-256', setup: 'passive' }, CLIENT_FP),
          candidateEl(host, 'r1'),
        ),
      ),
    );
    expect(reasonOf(await ended).condition).toBe('success');
    await bed.passed(run);
  });
});
