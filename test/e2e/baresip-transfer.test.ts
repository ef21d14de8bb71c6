/**
 * Issue 14, transfer, with a real SIP phone (baresip 1.0.0) both ways, through the gateway, real
 * Prosody and rtpengine (baresip speaks plain RTP, the client — headless Chromium — DTLS/ICE, so
 * the media is anchored). baresip A is in a call with alice, either way round.
 *
 * A's blind REFER (RFC 5589 §6.1), carried out by the gateway as a B2BUA (src/calls/transfers.ts;
 * docs/midcall.md §Transfer): A transfers to a number; the gateway's own route (`sip.outbound`)
 * takes it to baresip B. Read back from both phones' `-s` traces and from rtpengine: A gets 202
 * and NOTIFYs 100 Trying, 180 Ringing, 200 OK (message/sipfrag, RFC 3515 §2.4.5) and ends its
 * dialog; B gets the gateway's INVITE with Referred-By naming A (RFC 3892 §3); rtpengine is given
 * B's answer for the SIP side while alice sees no new Jingle action; with A's process stopped,
 * audio flows both ways: counted at rtpengine (each leg), at Chromium (getStats) and at B (its
 * live RTP counts, menu's `audio_debug`), B sending to the anchor.
 *
 * A's attended REFER (RFC 5589 §7; baresip has no attended transfer, so the Replaces is written
 * into the URI given to `transfer`), naming A's own call with B: the gateway's INVITE to B carries
 * Replaces and Require: replaces; baresip 1.0 has no Replaces (RFC 3891) and answers 420 Bad
 * Extension (Unsupported: replaces), which reaches A as the final NOTIFY; the gateway sends no BYE.
 *
 * alice's XEP-0251 `<transfer/>` (the gateway is the transferor): a REFER to A, which calls the
 * target, baresip C, itself; A's NOTIFY 200 → session-terminate `<success/><transferred/>` and
 * the gateway's BYE; A and C then talk straight to each other.
 *
 * What baresip 1.0.0 does, as seen here: menu's `transfer <uri>` (ctrl_tcp
 * `{"command":"transfer","params":"sip:…"}`) sends a REFER in the current call's dialog (`line <n>`
 * picks it) with `Refer-To:` the text given, verbatim, and no Referred-By; it builds no attended
 * transfer of its own. It sends BYE on the final NOTIFY. A REFER it receives gets 202, NOTIFY 100 (`Event: refer;id=<CSeq>` even for
 * the first), a new INVITE to the Refer-To URI (without Referred-By) and NOTIFY 200 once that is
 * answered (no NOTIFY for its 180); it leaves the old dialog for the transferor to end. As the
 * transferor it hangs up on the final NOTIFY whatever it says: after a failed transfer too.
 */
import { startBaresipOnFreePorts, type Baresip } from '../support/baresip';
import { rtpengineAvailable } from '../support/rtpengine';
import { chromiumAvailable, type WebrtcPeer } from '../support/webrtc';
import {
  describeWithPeers,
  expectNoLiveCalls,
  iqOk,
  jingleAction,
  jingleOf,
  reasonOf,
  type Bot,
} from './harness';
import { terminate } from './stanzas';
import { audioPort, hdr, received, responseTo, sent, sipfrags } from './sip-trace';
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

const maybe = rtpengineAvailable() && chromiumAvailable() ? describeWithPeers('baresip') : describe.skip;

maybe(
  'e2e: transfer with baresip — its REFER carried out, and the client’s <transfer/> to it; anchored',
  () => {
    // The phones hang up before the check that no call is left (usePhoneWorld).
    const { bed, phone: keep, chromium, rtp } = useTransferWorld<Baresip>();
    let alice: Bot;
    beforeAll(() => {
      alice = bed.device();
    });

    /** The transferor, on free ports. */
    const phoneA = (): Promise<Baresip> => keep(startBaresipOnFreePorts({ user: 'a', sipTrace: true }));
    /** The target, on the gateway's `sip.outbound` port. */
    const phoneB = (): Promise<Baresip> => keep(startTarget(bed));
    /** A transfer target the client names by address (XEP-0106), on free ports. */
    const phoneC = (): Promise<Baresip> => keep(startBaresipOnFreePorts({ user: 'c', sipTrace: true }));

    const audioBothWays = (c: WebrtcPeer, p: Baresip): Promise<void> => anchoredAudioBothWays(rtp(), c, p);

    /** Chromium calls A; returns the sid and the JID alice talks to. */
    const aliceCallsA = (a: Baresip, c: WebrtcPeer) => aliceCalls(alice, phoneJid('a', a.sipPort), c);

    /** A calls alice, who answers from Chromium; returns the sid (the JMI id) and the caller's JID. */
    const aCallsAlice = (a: Baresip, c: WebrtcPeer) =>
      phoneCallsAlice(alice, () => a.command('dial', `sip:alice@127.0.0.1:${bed.world.sipPort}`), c);

    test.each([
      ['XMPP → SIP (alice called A)', aliceCallsA],
      ['SIP → XMPP (A called alice)', aCallsAlice],
    ])(
      '%s: A transfers to a number → 202, NOTIFY 100, 180, 200 at A, A hangs up; B gets our INVITE with Referred-By; rtpengine re-pointed to B; audio alice ⇄ B with A gone',
      async (_w, call) => {
        const a = await phoneA();
        const b = await phoneB();
        const chrome = await chromium();
        const { sid, peer } = await call(a, chrome);
        await audioBothWays(chrome, a);
        const [session] = await rtp().control.list();
        const before = alice.all((s) => jingleOf(s)?.attrs.sid === sid).length;

        const said = await a.command('transfer', `sip:${TARGET}@gw.localhost`);
        expect(JSON.parse(said)).toMatchObject({ response: true, ok: true });

        // A's side (RFC 5589 §6.1 Figure 2, F1–F3, F7 and its BYE), read from its trace.
        await byeAnswered(a, "A's BYE answered");
        const { refer } = expectBlindNotified(a);
        expect(hdr(refer, 'Refer-To')).toContain(`sip:${TARGET}@gw.localhost`);

        // B's side: the gateway's INVITE to the number, by its own route, naming the transferor.
        const [invite] = received(b, 'INVITE ');
        expect(invite?.firstLine).toMatch(toTarget(b));
        expect(hdr(invite, 'Referred-By')).toMatch(/^<?sip:a@127\.0\.0\.1[>;]?/);
        expect(hdr(invite, 'From')).toContain('alice');
        // The answer B sent, handed to rtpengine: its SIP side is B's RTP port, in the same session.
        const bOk = sent(b, 'SIP/2.0 200').find((m) => /^CSeq:\s*\d+ INVITE/im.test(m.text));
        const bPort = audioPort(bOk);
        expect(bPort).toBeGreaterThan(0);
        await until(
          async () => (await sipAdvertised(rtp()))[0] === bPort,
          5000,
          () => `rtpengine told B's port ${bPort}`,
        );
        expect(await rtp().control.list()).toEqual([session]);

        // Nobody left but B on the SIP side: alice hears B and B hears alice.
        await a.proc.stop();
        await audioBothWays(chrome, b);
        // B sends to the anchor's SIP side, the address the gateway's INVITE offered.
        expect((await baresipRtp(b)).remote).toBe(`127.0.0.1:${audioPort(invite)}`);
        // Anchored: the client saw nothing of the transfer (no new Jingle action in its session).
        expect(alice.all((s) => jingleOf(s)?.attrs.sid === sid).slice(before)).toEqual([]);

        await iqOk(alice, terminate({ to: peer, sid }));
        await byeReached(b);
        await expectNoLiveCalls(bed.world);
        await rtpengineEmpty(rtp());
      },
    );

    test.each([
      ['XMPP → SIP (alice called A)', aliceCallsA],
      ['SIP → XMPP (A called alice)', aCallsAlice],
    ])(
      "%s: alice's XEP-0251 <transfer/> to baresip C → REFER to A, which calls C itself; A's NOTIFY 200 → session-terminate <success/><transferred/> and our BYE; audio A ⇄ C",
      async (_w, call) => {
        const a = await phoneA();
        const c = await phoneC();
        const chrome = await chromium();
        const { sid, peer } = await call(a, chrome);
        await audioBothWays(chrome, a);
        // The target by address, c@127.0.0.1:<port> (XEP-0106); the session ends <transferred/>.
        await aliceTransfers(alice, { peer, sid }, phoneJid('c', c.sipPort));

        // A, the transferee: the gateway's REFER, A's 202 and NOTIFYs, the gateway's BYE.
        await until(
          () => received(a, 'BYE ').length > 0,
          5000,
          () => `the gateway's BYE at A:\n${a.proc.output().slice(-3000)}`,
        );
        expect(hdr(received(a, 'BYE ')[0], 'Via')).toContain(`127.0.0.1:${bed.world.sipPort}`);
        const [refer] = received(a, 'REFER ');
        expect(hdr(refer, 'Refer-To')).toMatch(new RegExp(`^<?sip:c@127\\.0\\.0\\.1:${c.sipPort}>?$`));
        expect(hdr(refer, 'Referred-By')).toContain('alice');
        expect(responseTo(a, refer)).toMatch(/^SIP\/2\.0 202 /);
        // baresip notifies 100 at once and the final response (not C's 180), each answered 200.
        const notifies = sent(a, 'NOTIFY ');
        expect(sipfrags(notifies)).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 200 OK']);
        for (const n of notifies) expect(responseTo(a, n)).toMatch(/^SIP\/2\.0 200 /);
        // C: A's own INVITE (baresip places the call; the gateway is not in it). C's trace is its
        // stdout, read as it comes: it may trail A's, so wait for it rather than read it at once.
        await until(
          () => received(c, 'INVITE ').length > 0,
          5000,
          () => `A's INVITE at C:\n${c.proc.output().slice(-3000)}`,
        );
        const [invite] = received(c, 'INVITE ');
        expect(hdr(invite, 'From')).toMatch(/sip:a@127\.0\.0\.1/);
        expect(hdr(invite, 'Via')).toContain(`:${a.sipPort}`);
        await expectNoLiveCalls(bed.world);
        await rtpengineEmpty(rtp());

        // A and C talk straight to each other: C sends to the RTP port A offered it, and both count.
        const aPort = audioPort(invite);
        const from = await baresipRtp(c);
        await until(
          async () => {
            const now = await baresipRtp(c);
            return now.sent - from.sent >= 100 && now.received - from.received >= 100;
          },
          10_000,
          () => `audio A ⇄ C (from ${JSON.stringify(from)})`,
        );
        expect((await baresipRtp(c)).remote).toBe(`127.0.0.1:${aPort}`);
      },
    );

    test("XMPP → SIP, attended: A REFERs alice's call to B with Replaces naming A's own call with B (RFC 5589 §7); our INVITE carries Replaces + Require: replaces, baresip B answers 420; NOTIFY 420 to A, no BYE from us (A then hangs up itself)", async () => {
      const a = await phoneA();
      const b = await phoneB();
      const chrome = await chromium();
      const { sid } = await aliceCallsA(a, chrome);
      await audioBothWays(chrome, a);
      // A's own call with B (line 2), then back to alice's call (line 1) for the transfer.
      await a.command('dial', `sip:${TARGET}@127.0.0.1:${b.sipPort}`);
      await until(
        () => received(a, 'SIP/2.0 200').some((m) => hdr(m, 'To')?.includes(TARGET) ?? false),
        8000,
        () => `A's call with B:\n${a.proc.output().slice(-3000)}`,
      );
      const ok = received(a, 'SIP/2.0 200').find((m) => hdr(m, 'To')?.includes(TARGET) ?? false)!;
      const tag = (v: string | undefined): string => /;tag=([^;\s>]+)/.exec(v ?? '')?.[1] ?? '';
      // RFC 3891 §3: to-tag is B's own tag in that dialog, from-tag A's.
      const replaces = `${hdr(ok, 'Call-ID')};to-tag=${tag(hdr(ok, 'To'))};from-tag=${tag(hdr(ok, 'From'))}`;
      await a.command('line', '1');
      const before = alice.all((s) => jingleOf(s)?.attrs.sid === sid).length;
      const said = await a.command(
        'transfer',
        `<sip:${TARGET}@gw.localhost?Replaces=${encodeURIComponent(replaces)}>`,
      );
      expect(JSON.parse(said)).toMatchObject({ ok: true });

      await until(
        () => received(a, 'NOTIFY ').some((n) => /^Subscription-State:\s*terminated/im.test(n.text)),
        10_000,
        () => `the final NOTIFY at A:\n${a.proc.output().slice(-3000)}`,
      );
      const [refer] = sent(a, 'REFER ');
      expect(hdr(refer, 'Call-ID')).not.toBe(hdr(ok, 'Call-ID'));
      expect(hdr(refer, 'Refer-To')).toContain('?Replaces=');
      // B: the gateway's INVITE asks to replace A's call and requires it (src/transfer/refer.ts).
      const invite = received(b, 'INVITE ').find((m) => hdr(m, 'Call-ID') !== hdr(ok, 'Call-ID'));
      expect(hdr(invite, 'Replaces')).toBe(replaces);
      expect(hdr(invite, 'Require')).toBe('replaces');
      const refused = sent(b, 'SIP/2.0 ').find((m) => hdr(m, 'Call-ID') === hdr(invite, 'Call-ID'));
      expect(refused?.firstLine).toMatch(/^SIP\/2\.0 420 /);
      expect(hdr(refused, 'Unsupported')).toBe('replaces');
      // A: NOTIFY 100, then the new call's failure (RFC 3515 §2.4.7), and it keeps the call.
      expect(sipfrags(received(a, 'NOTIFY '))).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 420 Bad Extension']);
      // The gateway keeps the call (RFC 5589 §6.2: it sends no BYE), but baresip 1.0 hangs up on a
      // failed transfer too ("call: transfer failed: 420 Bad Extension", then its BYE): alice's
      // session ends as an ordinary hang-up, with nothing of the transfer in between.
      expect(received(a, 'BYE ')).toEqual([]);
      const term = await alice.waitFor(jingleAction(sid, 'session-terminate'), 8000, 'session-terminate');
      expect(reasonOf(term).condition).toBe('success');
      const byes = sent(a, 'BYE ');
      expect(byes.map((m) => hdr(m, 'Call-ID'))).toEqual([hdr(refer, 'Call-ID')]);
      expect(
        alice
          .all((s) => jingleOf(s)?.attrs.sid === sid)
          .slice(before)
          .map((s) => jingleOf(s)?.attrs.action),
      ).toEqual(['session-terminate']);
      await expectNoLiveCalls(bed.world);
      // A's own call with B is untouched by all this.
      expect(received(b, 'BYE ')).toEqual([]);
      await a.command('hangup');
      await until(
        () => received(b, 'BYE ').length > 0,
        5000,
        () => `A's BYE at B:\n${b.proc.output().slice(-2000)}`,
      );
    });
  },
);
