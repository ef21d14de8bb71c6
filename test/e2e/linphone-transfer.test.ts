/**
 * Issue 14, transfer, with linphone 5.1 (Debian `linphone-cli`: `linphone-daemon` on stdin, its
 * SIP read from liblinphone's log; src/peers/linphone.ts) through the gateway, real Prosody and
 * rtpengine (anchor: auto), headless Chromium as the client (docs/midcall.md §Transfer, as wired).
 *
 * linphone as the transferor. Blind (RFC 5589 §6.1): `call-transfer <id> <uri>` sends a REFER in
 * the call's dialog at once (no hold first), `Refer-To:` the URI as given, `Referred-By:` its own
 * address. The gateway's INVITE goes by its own route (`sip.outbound`) to baresip B; linphone gets
 * 202 and NOTIFY 100, 180, 200 and hangs up itself on the 200; with linphone's process gone,
 * audio alice ⇄ B through the anchor (counted at rtpengine, Chromium and B). A B that declines
 * (linphone, `terminate`: 603): NOTIFY 603, and linphone keeps the call (RFC 5589 §6.2), unlike
 * baresip 1.0. Attended (§7.1): placing a second call pauses the first (a re-INVITE sendonly:
 * alice hears `<hold/>`); `call-transfer <id1> <id2>` sends `Refer-To: <sip:<the address it
 * called, without its port>?Replaces=…>`; the target, linphone B (which has RFC 3891 Replaces),
 * takes our INVITE with Replaces + Require: replaces at once (no 180), BYEs its own call with
 * linphone; linphone hangs up on the NOTIFY 200 and alice hears `<active/>` (the new dialog is
 * not on hold). Media after these: linphone sends next to no RTP without a sound card (see
 * linphone-midcall), so where B is linphone the anchor's re-pointing is checked, not the audio.
 *
 * linphone as the transferee (the client's XEP-0251 `<transfer/>` → our REFER): 202, a re-INVITE
 * sendonly holding us, its own INVITE to the target (baresip C) with `Referred-By` (baresip leaves
 * it out), NOTIFY 100 and NOTIFY 200 (not C's 180), `Event: refer` without id, the last with
 * `Subscription-State: terminated;reason=reason=noresource` — not RFC 6665 §8.2.3 grammar, which
 * the gateway once answered 400, so the client never heard `<transferred/>` (now read for its
 * state alone: parseSubstate). Then session-terminate `<success/><transferred/>`, our BYE, C's
 * audio to the port linphone offered it.
 *
 * The INVITE to the new peer is offered as a new call to it would be (issue 14): the route's
 * `media.offer` (here `[as-offered, rtp]`), not the profile the SIP side settled on with the
 * transferor (DTLS-SRTP, which linphone takes from Chromium's offer). B runs plain RTP: it refuses
 * the first, DTLS-SRTP offer 488 and takes the second, RTP/AVP — linphone hears neither the 488
 * nor anything but 100, 180, 200.
 */
import { linphoneAvailable, startLinphone, type Linphone } from '../../src/peers/linphone';
import { startBaresipOnFreePorts, type Baresip } from '../support/baresip';
import { freePort } from '../support/processes';
import { rtpengineAvailable } from '../support/rtpengine';
import { chromiumAvailable, type WebrtcPeer } from '../support/webrtc';
import { describeWithPeers, expectNoLiveCalls, iqOk, jingleAction, jingleOf, type Bot } from './harness';
import { terminate } from './stanzas';
import {
  audioPort,
  body,
  direction,
  hdr,
  received,
  responseTo,
  sent,
  sessionInfo,
  sipfrags,
} from './sip-trace';
import { until } from './webrtc-jingle';
import {
  aliceCalls,
  aliceTransfers,
  anchoredAudioBothWays,
  baresipRtp,
  byeAnswered,
  byeReached,
  expectBlindNotified,
  phoneCallsAlice,
  phoneJid,
  rtpengineEmpty,
  sipAdvertised,
  startTarget,
  TARGET,
  toTarget,
  useTransferWorld,
} from './phones';

const maybe =
  linphoneAvailable() && rtpengineAvailable() && chromiumAvailable()
    ? describeWithPeers('baresip')
    : describe.skip;

/** The URI of a name-addr or addr-spec header value (RFC 3261 §20.10). */
const uriOf = (v: string | undefined): string | undefined => /<?(sips?:[^>;\s]+)/.exec(v ?? '')?.[1];

maybe(
  'e2e: transfer with linphone — its REFER carried out, and the client’s <transfer/> to it; anchored',
  () => {
    // The phones hang up before the check that no call is left (usePhoneWorld).
    const { bed, phone: keep, chromium, rtp } = useTransferWorld<Linphone | Baresip>();
    let alice: Bot;
    beforeAll(() => {
      alice = bed.device();
    });

    async function linphone(autoAnswer = false): Promise<Linphone> {
      return keep(startLinphone(await freePort(), { autoAnswer }));
    }

    /** The target, baresip on the gateway's `sip.outbound` port. */
    const phoneB = (dtls: boolean): Promise<Baresip> => keep(startTarget(bed, { dtls }));

    async function streamsRunning(lp: Linphone): Promise<void> {
      await until(
        () => /LinphoneCallStreamsRunning/.test(lp.proc.output()),
        8000,
        () => `linphone's call up:\n${lp.proc.output().slice(-2000)}`,
      );
    }

    /** Chromium calls linphone (which answers by itself); the sid and the JID alice talks to. */
    async function aliceCallsLinphone(lp: Linphone, c: WebrtcPeer): Promise<{ sid: string; peer: string }> {
      const called = await aliceCalls(alice, phoneJid('linphone', lp.sipPort), c);
      await streamsRunning(lp);
      return called;
    }

    /** linphone calls alice, who answers from Chromium. */
    async function linphoneCallsAlice(lp: Linphone, c: WebrtcPeer): Promise<{ sid: string; peer: string }> {
      const called = await phoneCallsAlice(
        alice,
        () => lp.command(`call sip:alice@127.0.0.1:${bed.world.sipPort}`),
        c,
      );
      await streamsRunning(lp);
      return called;
    }

    /** Audio both ways Chromium ⇄ baresip `p` through the anchor. */
    const audioBothWays = (c: WebrtcPeer, p: Baresip): Promise<void> => anchoredAudioBothWays(rtp(), c, p);

    test.each([
      ['XMPP → SIP (alice called linphone)', aliceCallsLinphone, true],
      ['SIP → XMPP (linphone called alice)', linphoneCallsAlice, false],
    ])(
      '%s: linphone blind-transfers to a number → 202, NOTIFY 100, 180, 200 at linphone, which hangs up; B gets our INVITE with Referred-By; audio alice ⇄ B with linphone gone',
      async (_w, call, xmppToSip) => {
        const lp = await linphone(xmppToSip);
        // B without DTLS-SRTP, whatever linphone and alice agreed (media.offer walked, issue 14).
        const b = await phoneB(false);
        const chrome = await chromium();
        const { sid, peer } = await call(lp, chrome);
        const before = alice.all((s) => jingleOf(s)?.attrs.sid === sid).length;

        lp.command(`call-transfer ${lp.callId() ?? ''} sip:${TARGET}@gw.localhost`);
        // linphone's side (RFC 5589 §6.1 Figure 2): its REFER, our 202 and NOTIFYs, its BYE.
        await byeAnswered(lp, "linphone's BYE answered");
        const { refer, notifies } = expectBlindNotified(lp);
        expect(hdr(refer, 'Refer-To')).toBe(`sip:${TARGET}@gw.localhost`);
        // linphone takes each NOTIFY (200), within the REFER's dialog.
        for (const n of notifies) expect(responseTo(lp, n)).toMatch(/^SIP\/2\.0 200 /);
        // linphone ended its dialog with us itself (liblinphone: on the NOTIFY 200), not our BYE.
        expect(sent(lp, 'BYE ').map((m) => hdr(m, 'Call-ID'))).toEqual([hdr(refer, 'Call-ID')]);
        expect(received(lp, 'BYE ')).toEqual([]);
        await until(
          () => /LinphoneCallReleased/.test(lp.proc.output()),
          5000,
          () => `linphone's call released:\n${lp.proc.output().slice(-2000)}`,
        );

        // B's side: the gateway's INVITE to the number, by its own route, naming the transferor;
        // first as-offered (the Jingle side's DTLS-SRTP), refused 488, then rtp, taken.
        const invites = received(b, 'INVITE ');
        expect(invites.map((m) => /^m=audio \d+ (\S+)/m.exec(body(m))?.[1])).toEqual([
          'UDP/TLS/RTP/SAVP',
          'RTP/AVP',
        ]);
        expect(
          invites.map((m) =>
            sent(b, 'SIP/2.0 ')
              .find(
                (r) =>
                  hdr(r, 'CSeq') === hdr(m, 'CSeq') &&
                  hdr(r, 'Call-ID') === hdr(m, 'Call-ID') &&
                  !/^SIP\/2\.0 1/.test(r.firstLine),
              )
              ?.firstLine.slice(8, 11),
          ),
        ).toEqual(['488', '200']);
        const invite = invites[0];
        expect(invite?.firstLine).toMatch(toTarget(b));
        // RFC 3892 §3: the Referred-By linphone sent (its own address: its Contact's or its From's).
        const referrer = uriOf(hdr(refer, 'Referred-By'));
        expect(referrer).toMatch(/^sip:linphone@/);
        expect(uriOf(hdr(invite, 'Referred-By'))).toBe(referrer);
        expect(hdr(invite, 'From')).toContain('alice');

        // Nobody left but B on the SIP side: alice hears B and B hears alice, through the anchor.
        await lp.proc.stop();
        await audioBothWays(chrome, b);
        // Anchored: the client saw nothing of the transfer (no new Jingle action in its session).
        expect(alice.all((s) => jingleOf(s)?.attrs.sid === sid).slice(before)).toEqual([]);

        await iqOk(alice, terminate({ to: peer, sid }));
        await byeReached(b);
        await expectNoLiveCalls(bed.world);
      },
    );

    /** A transfer target the client names by address (XEP-0106), baresip on free ports. */
    const phoneC = (): Promise<Baresip> => keep(startBaresipOnFreePorts({ user: 'c', sipTrace: true }));

    test.each([
      ['XMPP → SIP (alice called linphone)', aliceCallsLinphone, true],
      ['SIP → XMPP (linphone called alice)', linphoneCallsAlice, false],
    ])(
      "%s: alice's XEP-0251 <transfer/> to baresip C → REFER to linphone, which calls C itself",
      async (_w, call, xmppToSip) => {
        const lp = await linphone(xmppToSip);
        const c = await phoneC();
        const chrome = await chromium();
        const { sid, peer } = await call(lp, chrome);
        await aliceTransfers(alice, { peer, sid }, phoneJid('c', c.sipPort));

        // linphone, the transferee: the gateway's REFER, its 202 and NOTIFYs, the gateway's BYE.
        await until(
          () => received(lp, 'BYE ').length > 0,
          5000,
          () => `the gateway's BYE at linphone:\n${lp.proc.output().slice(-3000)}`,
        );
        const [refer] = received(lp, 'REFER ');
        expect(hdr(refer, 'Refer-To')).toBe(`<sip:c@127.0.0.1:${c.sipPort}>`);
        expect(hdr(refer, 'Referred-By')).toContain('alice');
        expect(hdr(received(lp, 'BYE ')[0], 'Call-ID')).toBe(hdr(refer, 'Call-ID'));
        expect(responseTo(lp, refer)).toMatch(/^SIP\/2\.0 202 /);
        // linphone holds us first (a re-INVITE sendonly in our dialog, alice hears <hold/>) ...
        const held = sent(lp, 'INVITE ').filter((m) => hdr(m, 'Call-ID') === hdr(refer, 'Call-ID'));
        expect(held.map((m) => direction(body(m)))).toContain('sendonly');
        // ... notifies 100 at once and the final response (not C's 180), each answered 200 ...
        const notifies = sent(lp, 'NOTIFY ');
        expect(sipfrags(notifies)).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 200 Ok']);
        expect(notifies.map((n) => hdr(n, 'Subscription-State'))).toEqual([
          'active',
          // Not RFC 6665 §8.2.3 (reason=noresource): read for its state alone (parseSubstate).
          'terminated;reason=reason=noresource',
        ]);
        for (const n of notifies) {
          expect(hdr(n, 'Event')).toBe('refer');
          expect(responseTo(lp, n)).toMatch(/^SIP\/2\.0 200 /);
        }
        // ... and calls C itself, naming alice in Referred-By (RFC 3892 §3; baresip does not).
        const [invite] = received(c, 'INVITE ');
        expect(hdr(invite, 'From')).toMatch(/sip:linphone@127\.0\.0\.1/);
        expect(hdr(invite, 'Via')).toContain(`:${lp.sipPort}`);
        expect(hdr(invite, 'Referred-By')).toBe(uriOf(hdr(refer, 'Referred-By')));
        await expectNoLiveCalls(bed.world);
        await rtpengineEmpty(rtp());
        // linphone ⇄ C without us: C sends its audio to the port linphone offered it.
        const lpPort = audioPort(invite);
        const from = await baresipRtp(c);
        await until(
          async () => (await baresipRtp(c)).sent - from.sent >= 100,
          10_000,
          () => `C's audio to linphone (from ${JSON.stringify(from)})`,
        );
        expect((await baresipRtp(c)).remote).toBe(`127.0.0.1:${lpPort}`);
      },
    );

    test.each([
      ['XMPP → SIP (alice called linphone)', aliceCallsLinphone, true],
      ['SIP → XMPP (linphone called alice)', linphoneCallsAlice, false],
    ])(
      '%s, attended (RFC 5589 §7.1): linphone holds alice, calls linphone B, transfers alice’s call to that one; our INVITE with Replaces + Require: replaces; B replaces its call with ours (its BYE to linphone); NOTIFY 200; alice hears <hold/>, then <active/>, never a terminate',
      async (_w, call, xmppToSip) => {
        const lp = await linphone(xmppToSip);
        // B, linphone too (RFC 3891 Replaces, which baresip 1.0 lacks), on the `sip.outbound` port.
        const b = await keep(startLinphone(bed.world.outboundPort, { autoAnswer: true }));
        const chrome = await chromium();
        const { sid, peer } = await call(lp, chrome);
        const before = alice.all((s) => jingleOf(s)?.attrs.sid === sid).length;
        const first = lp.callId();
        // linphone pauses alice's call by itself before it places the second (its re-INVITE sendonly).
        lp.command(`call sip:${TARGET}@127.0.0.1:${b.sipPort}`);
        await alice.waitFor(sessionInfo(sid, 'hold'), 8000, 'session-info <hold/>');
        // The call to B by its own events: the first call's (its Paused) may come after B's,
        // so the last `Id:` is not B's (seen once under CI load).
        const placed = (): string | undefined =>
          [
            ...lp.proc.output().matchAll(/^Event: LinphoneCallOutgoingInit\n(?:[^\n]+\n)*?Id: (\d+)$/gm),
          ].pop()?.[1];
        const running = (id: string | undefined): boolean =>
          id !== undefined &&
          [
            ...lp.proc.output().matchAll(/^Event: LinphoneCallStreamsRunning\n(?:[^\n]+\n)*?Id: (\d+)$/gm),
          ].some((m) => m[1] === id);
        await until(
          () => placed() !== first && running(placed()),
          8000,
          () => `linphone's call with B up:\n${lp.proc.output().slice(-2000)}`,
        );
        const second = placed();
        expect(second).not.toBe(first);
        const ok = sent(b, 'SIP/2.0 200').find((m) => /^CSeq:\s*\d+ INVITE/im.test(m.text))!;
        const tag = (v: string | undefined): string => /;tag=([^;\s>]+)/.exec(v ?? '')?.[1] ?? '';
        // RFC 3891 §3: that dialog's Call-ID, to-tag B's own, from-tag linphone's.
        const replaces = `${hdr(ok, 'Call-ID')};to-tag=${tag(hdr(ok, 'To'))};from-tag=${tag(hdr(ok, 'From'))}`;

        lp.command(`call-transfer ${first ?? ''} ${second ?? ''}`);
        await alice.waitFor(sessionInfo(sid, 'active'), 10_000, 'session-info <active/>');
        await byeAnswered(lp, "linphone's BYE to us answered", 10_000);
        const [refer] = sent(lp, 'REFER ');
        expect(hdr(refer, 'Call-ID')).not.toBe(hdr(ok, 'Call-ID'));
        // Refer-To: B's address as linphone called it, without the port, and the Replaces.
        expect(hdr(refer, 'Refer-To')).toBe(
          `<sip:${TARGET}@127.0.0.1?Replaces=${encodeURIComponent(hdr(ok, 'Call-ID')!)}%3bfrom-tag%3d${tag(hdr(ok, 'From'))}%3bto-tag%3d${tag(hdr(ok, 'To'))}>`,
        );
        const notifies = received(lp, 'NOTIFY ');
        // B answers a replacing INVITE at once: no 180 (RFC 3891 §3).
        expect(sipfrags(notifies)).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 200 OK']);
        expect(hdr(notifies.at(-1), 'Subscription-State')).toBe('terminated;reason=noresource');

        // B: our INVITE by the number's route, replacing its call with linphone.
        const invite = received(b, 'INVITE ').find((m) => hdr(m, 'Call-ID') !== hdr(ok, 'Call-ID'));
        expect(invite?.firstLine).toMatch(toTarget(b));
        expect(hdr(invite, 'Replaces')).toBe(replaces);
        expect(hdr(invite, 'Require')).toBe('replaces');
        expect(uriOf(hdr(invite, 'Referred-By'))).toBe(uriOf(hdr(refer, 'Referred-By')));
        expect(
          sent(b, 'SIP/2.0 ').find(
            (m) =>
              hdr(m, 'Call-ID') === hdr(invite, 'Call-ID') &&
              /INVITE/.test(hdr(m, 'CSeq') ?? '') &&
              !/^SIP\/2\.0 1/.test(m.firstLine),
          )?.firstLine,
        ).toMatch(/^SIP\/2\.0 200 /);
        // B ended its own call with linphone (RFC 3891 §3: the replaced dialog is terminated).
        expect(sent(b, 'BYE ').map((m) => hdr(m, 'Call-ID'))).toEqual([hdr(ok, 'Call-ID')]);
        // linphone hung up on alice's call itself on the NOTIFY 200; we sent it no BYE.
        expect(sent(lp, 'BYE ').map((m) => hdr(m, 'Call-ID'))).toEqual([hdr(refer, 'Call-ID')]);
        expect(received(lp, 'BYE ').filter((m) => hdr(m, 'Call-ID') === hdr(refer, 'Call-ID'))).toEqual([]);

        // Anchored: rtpengine's SIP side is B's port now; the client saw hold, active and nothing more.
        const bOk = sent(b, 'SIP/2.0 200').find((m) => hdr(m, 'Call-ID') === hdr(invite, 'Call-ID'))!;
        const bPort = audioPort(bOk);
        await until(
          async () => (await sipAdvertised(rtp()))[0] === bPort,
          5000,
          () => `rtpengine told B's port ${bPort}`,
        );
        expect(
          alice
            .all((s) => jingleOf(s)?.attrs.sid === sid)
            .slice(before)
            .filter((s) => s.attrs.type === 'set')
            .map(
              (s) =>
                `${jingleOf(s)?.attrs.action} ${jingleOf(s)?.getChild('hold') ? 'hold' : jingleOf(s)?.getChild('active') ? 'active' : ''}`,
            ),
        ).toEqual(['session-info hold', 'session-info active']);

        await iqOk(alice, terminate({ to: peer, sid }));
        await until(
          () => received(b, 'BYE ').some((m) => hdr(m, 'Call-ID') === hdr(invite, 'Call-ID')),
          5000,
          () => `our BYE at B:\n${b.proc.output().slice(-2000)}`,
        );
        await expectNoLiveCalls(bed.world);
      },
    );

    test('XMPP → SIP: linphone blind-transfers to B, which declines: NOTIFY 100, 180, then the decline; linphone keeps the call (RFC 5589 §6.2), which alice then ends', async () => {
      const lp = await linphone(true);
      // B: linphone on the `sip.outbound` port, not answering by itself.
      const b = await keep(startLinphone(bed.world.outboundPort));
      const chrome = await chromium();
      const { sid, peer } = await aliceCallsLinphone(lp, chrome);
      lp.command(`call-transfer ${lp.callId() ?? ''} sip:${TARGET}@gw.localhost`);
      await until(
        () => /LinphoneCallIncomingReceived/.test(b.proc.output()),
        8000,
        () => `our INVITE at B:\n${b.proc.output().slice(-2000)}`,
      );
      b.command('terminate');
      await until(
        () => received(lp, 'NOTIFY ').some((n) => /^Subscription-State:\s*terminated/im.test(n.text)),
        8000,
        () => `the final NOTIFY at linphone:\n${lp.proc.output().slice(-3000)}`,
      );
      const [invite] = received(b, 'INVITE ');
      const refused = sent(b, 'SIP/2.0 ').find(
        (m) => hdr(m, 'Call-ID') === hdr(invite, 'Call-ID') && !/^SIP\/2\.0 1/.test(m.firstLine),
      );
      // liblinphone's `terminate` of a ringing call: 603 Decline.
      expect(refused?.firstLine).toBe('SIP/2.0 603 Decline');
      // RFC 3515 §2.4.7: the final NOTIFY carries the new call's failure.
      expect(sipfrags(received(lp, 'NOTIFY '))).toEqual([
        'SIP/2.0 100 Trying',
        'SIP/2.0 180 Ringing',
        refused!.firstLine,
      ]);
      // linphone keeps the call (unlike baresip 1.0, which hangs up on any final NOTIFY); so do we.
      await new Promise((r) => setTimeout(r, 3000));
      expect(sent(lp, 'BYE ')).toEqual([]);
      expect(received(lp, 'BYE ')).toEqual([]);
      expect(alice.all(jingleAction(sid, 'session-terminate'))).toEqual([]);
      expect(bed.world.gateway.liveCalls()).toBe(1);
      await iqOk(alice, terminate({ to: peer, sid }));
      await until(
        () => received(lp, 'BYE ').length > 0,
        5000,
        () => `our BYE at linphone:\n${lp.proc.output().slice(-2000)}`,
      );
      await expectNoLiveCalls(bed.world);
    });
  },
);
