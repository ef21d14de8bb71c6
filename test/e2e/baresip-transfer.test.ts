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
import { randomUUID } from 'node:crypto';
import { startBaresip, startBaresipOnFreePorts, type Baresip, type SipTraced } from '../support/baresip';
import { freePort } from '../support/processes';
import { rtpengineAvailable, startRtpengine, type Rtpengine } from '../support/rtpengine';
import { chromiumAvailable, WebrtcPeer } from '../support/webrtc';
import {
  describeWithPeers,
  expectNoLiveCalls,
  iqOk,
  jingleAction,
  jingleOf,
  proposed,
  reasonOf,
  useWorld,
  type Bot,
} from './harness';
import { jingleIq, jmi, terminate } from './stanzas';
import { body } from './sip-trace';
import { xml } from '../../src/xmpp/stanza/xml';
import { NS_TRANSFER } from '../../src/jingle/namespaces';
import { acceptFrom, anchorPackets, initiateFrom, sdpOf, until } from './webrtc-jingle';

const maybe = rtpengineAvailable() && chromiumAvailable() ? describeWithPeers('baresip') : describe.skip;

/** The number A transfers to: a number, so the gateway's own route takes it (`sip.outbound`). */
const TARGET = '+15551239999';

const sent = (p: Baresip, prefix: string): SipTraced[] =>
  p.sipMessages().filter((m) => m.direction === 'sent' && m.firstLine.startsWith(prefix));
const received = (p: Baresip, prefix: string): SipTraced[] =>
  p.sipMessages().filter((m) => m.direction === 'received' && m.firstLine.startsWith(prefix));
const hdr = (m: SipTraced | undefined, name: string): string | undefined =>
  m === undefined ? undefined : new RegExp(`^${name}:\\s*(.*?)\\s*$`, 'im').exec(m.text)?.[1];

maybe(
  'e2e: transfer with baresip — its REFER carried out, and the client’s <transfer/> to it; anchored',
  () => {
    let rtp: Rtpengine;
    let chrome: WebrtcPeer | undefined;
    const phones: Baresip[] = [];
    // Before useWorld's hooks, so it runs first: the phones hang up before the no-call check.
    afterEach(async () => {
      await chrome?.stop();
      chrome = undefined;
      for (const p of phones.splice(0)) await p.proc.stop();
    });
    const bed = useWorld({
      late: async () => {
        rtp = await startRtpengine();
        return {
          outboundPort: await freePort(),
          mediaYaml: [`rtpengine: ${rtp.uri}`, 'anchor: auto', 'offer: [as-offered, rtp]'],
          gatherWindowMs: 100,
        };
      },
    });
    let alice: Bot;
    beforeAll(() => {
      alice = bed.device();
    });
    afterAll(() => rtp?.stop());

    /** The transferor, on free ports. */
    async function phoneA(): Promise<Baresip> {
      const p = await startBaresipOnFreePorts({ user: 'a', sipTrace: true });
      phones.push(p);
      return p;
    }

    /** The target, on the gateway's `sip.outbound` port. */
    async function phoneB(): Promise<Baresip> {
      const p = await startBaresip(bed.world.outboundPort, await freePort(), {
        user: TARGET,
        sipTrace: true,
      });
      phones.push(p);
      return p;
    }

    /** A transfer target the client names by address (XEP-0106), on free ports. */
    async function phoneC(): Promise<Baresip> {
      const p = await startBaresipOnFreePorts({ user: 'c', sipTrace: true });
      phones.push(p);
      return p;
    }

    /** Packets from each leg at rtpengine, into Chromium, and sent and received by the phone, now. */
    async function counts(c: WebrtcPeer, p: Baresip): Promise<Record<string, number>> {
      const legs = await anchorPackets(rtp);
      const phone = await phoneRtp(p);
      return {
        sip: legs.sip ?? 0,
        jingle: legs.jingle ?? 0,
        chrome: (await c.stats()).packetsReceived,
        phoneSent: phone.sent,
        phoneReceived: phone.received,
      };
    }

    /**
     * Audio both ways between Chromium and phone `p`: each of {@link counts} grows by `n` packets
     * (50/s each way).
     */
    async function audioBothWays(c: WebrtcPeer, p: Baresip, n = 100): Promise<void> {
      const from = await counts(c, p);
      let now = from;
      await until(
        async () => {
          now = await counts(c, p);
          return Object.keys(from).every((k) => (now[k] ?? 0) - (from[k] ?? 0) >= n);
        },
        15_000,
        () => `${n} more packets each way (from ${JSON.stringify(from)} to ${JSON.stringify(now)})`,
      );
    }

    /**
     * The SIP side's RTP and RTCP ports as rtpengine was told them in SDP (the `sip` tag's
     * `advertised endpoint`s), not as it latched them from where packets came from: B's packets
     * alone would move the latched `endpoint` (no strict-source), without the gateway's answer.
     */
    async function sipAdvertised(): Promise<number[]> {
      const [id] = await rtp.control.list();
      if (id === undefined) return [];
      const q = await rtp.control.query(id);
      type Stream = { 'advertised endpoint'?: { port?: number } };
      const tags = q.tags as Record<string, { medias?: Array<{ streams?: Stream[] }> }>;
      return (tags.sip?.medias ?? [])
        .flatMap((m) => m.streams ?? [])
        .map((s) => s['advertised endpoint']?.port ?? 0);
    }

    /**
     * baresip's own RTP counts, live: menu's `audio_debug` prints libre's RTCP session, with the
     * packets it sent (`TX: packets=…`) and, per source, those it received (`member …: … rcvd=…`),
     * and the address it sends to (`remote: <ip:port>/…`).
     */
    async function phoneRtp(p: Baresip): Promise<{ sent: number; received: number; remote?: string }> {
      const said = JSON.parse(await p.command('audio_debug')) as { ok?: boolean; data?: string };
      const text = said.data ?? '';
      const remote = /^\s*local: \S+, remote: ([^/\s]+)/m.exec(text)?.[1];
      return {
        sent: Number(/TX: packets=(\d+)/.exec(text)?.[1] ?? 0),
        received: [...text.matchAll(/ rcvd=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0),
        ...(remote === undefined ? {} : { remote }),
      };
    }

    /** Chromium calls A; returns the sid and the JID alice talks to. */
    async function aliceCallsA(a: Baresip, c: WebrtcPeer): Promise<{ sid: string; peer: string }> {
      const sid = randomUUID();
      // XEP-0106: a@127.0.0.1:<port>, baresip's own address.
      const peer = `a\\40127.0.0.1\\3a${a.sipPort}@gw.localhost`;
      const offer = await c.offer();
      await iqOk(alice, initiateFrom(offer, { from: alice.jid, to: peer, sid }));
      const accept = await alice.waitFor(jingleAction(sid, 'session-accept'), 10_000, 'session-accept');
      await c.takeAnswer(sdpOf(accept, offer));
      return { sid, peer };
    }

    /** A calls alice, who answers from Chromium; returns the sid (the JMI id) and the caller's JID. */
    async function aCallsAlice(a: Baresip, c: WebrtcPeer): Promise<{ sid: string; peer: string }> {
      const seen = new Set(alice.received.map((s) => s.toString()));
      await a.command('dial', `sip:alice@127.0.0.1:${bed.world.sipPort}`);
      const { id, caller } = await proposed(alice, (s) => !seen.has(s.toString()));
      await alice.send(jmi('proceed', { to: caller, id }));
      const initiate = await alice.waitFor(jingleAction(id, 'session-initiate'), 8000, 'session-initiate');
      await iqOk(alice, acceptFrom(await c.answerOffer(sdpOf(initiate)), initiate, alice.jid));
      return { sid: id, peer: caller };
    }

    test.each([
      ['XMPP → SIP (alice called A)', aliceCallsA],
      ['SIP → XMPP (A called alice)', aCallsAlice],
    ])(
      '%s: A transfers to a number → 202, NOTIFY 100, 180, 200 at A, A hangs up; B gets our INVITE with Referred-By; rtpengine re-pointed to B; audio alice ⇄ B with A gone',
      async (_w, call) => {
        const a = await phoneA();
        const b = await phoneB();
        chrome = await WebrtcPeer.start();
        const { sid, peer } = await call(a, chrome);
        await audioBothWays(chrome, a);
        const [session] = await rtp.control.list();
        const before = alice.all((s) => jingleOf(s)?.attrs.sid === sid).length;

        const said = await a.command('transfer', `sip:${TARGET}@gw.localhost`);
        expect(JSON.parse(said)).toMatchObject({ response: true, ok: true });

        // A's side (RFC 5589 §6.1 Figure 2, F1–F3, F7 and its BYE), read from its trace.
        await until(
          () => received(a, 'SIP/2.0 200').some((m) => /^CSeq:\s*\d+ BYE/im.test(m.text)),
          15_000,
          () => `A's BYE answered:\n${a.proc.output().slice(-4000)}`,
        );
        const [refer] = sent(a, 'REFER ');
        expect(hdr(refer, 'Refer-To')).toContain(`sip:${TARGET}@gw.localhost`);
        const referCseq = hdr(refer, 'CSeq');
        expect(received(a, 'SIP/2.0 ').find((m) => hdr(m, 'CSeq') === referCseq)?.firstLine).toMatch(
          /^SIP\/2\.0 202 /,
        );
        const notifies = received(a, 'NOTIFY ');
        // RFC 3515 §2.4.5: 100 at once, then each response of the new call (B rings, then answers).
        expect(notifies.map((n) => body(n).split('\r\n')[0])).toEqual([
          'SIP/2.0 100 Trying',
          'SIP/2.0 180 Ringing',
          'SIP/2.0 200 OK',
        ]);
        for (const n of notifies) {
          expect(hdr(n, 'Event')).toMatch(/^refer\b/);
          expect(hdr(n, 'Content-Type')).toMatch(/^message\/sipfrag/);
        }
        expect(notifies.map((n) => hdr(n, 'Subscription-State')?.split(';')[0])).toEqual([
          'active',
          'active',
          'terminated',
        ]);

        // B's side: the gateway's INVITE to the number, by its own route, naming the transferor.
        const [invite] = received(b, 'INVITE ');
        expect(invite?.firstLine).toMatch(
          new RegExp(`^INVITE sip:\\${TARGET}@127\\.0\\.0\\.1:${b.sipPort}[ ;]`),
        );
        expect(hdr(invite, 'Referred-By')).toMatch(/^<?sip:a@127\.0\.0\.1[>;]?/);
        expect(hdr(invite, 'From')).toContain('alice');
        // The answer B sent, handed to rtpengine: its SIP side is B's RTP port, in the same session.
        const bOk = sent(b, 'SIP/2.0 200').find((m) => /^CSeq:\s*\d+ INVITE/im.test(m.text));
        const bPort = Number(/^m=audio (\d+) /m.exec(body(bOk!))?.[1]);
        expect(bPort).toBeGreaterThan(0);
        await until(
          async () => (await sipAdvertised())[0] === bPort,
          5000,
          () => `rtpengine told B's port ${bPort}`,
        );
        expect(await rtp.control.list()).toEqual([session]);

        // Nobody left but B on the SIP side: alice hears B and B hears alice.
        await a.proc.stop();
        await audioBothWays(chrome, b);
        // B sends to the anchor's SIP side, the address the gateway's INVITE offered.
        const offered = Number(/^m=audio (\d+) /m.exec(body(invite!))?.[1]);
        expect((await phoneRtp(b)).remote).toBe(`127.0.0.1:${offered}`);
        // Anchored: the client saw nothing of the transfer (no new Jingle action in its session).
        expect(alice.all((s) => jingleOf(s)?.attrs.sid === sid).slice(before)).toEqual([]);

        await iqOk(alice, terminate({ to: peer, sid }));
        await until(
          () => received(b, 'BYE ').length > 0,
          5000,
          () => `the BYE at B:\n${b.proc.output().slice(-2000)}`,
        );
        await expectNoLiveCalls(bed.world);
        await until(
          async () => (await rtp.control.list()).length === 0,
          3000,
          () => 'rtpengine session deleted',
        );
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
        chrome = await WebrtcPeer.start();
        const { sid, peer } = await call(a, chrome);
        await audioBothWays(chrome, a);
        const ended = alice.waitFor(jingleAction(sid, 'session-terminate'), 15_000, 'session-terminate');
        // XEP-0251 §2 Example 5; the target by address, c@127.0.0.1:<port> (XEP-0106).
        const target = `c\\40127.0.0.1\\3a${c.sipPort}@gw.localhost`;
        await iqOk(
          alice,
          jingleIq(
            peer,
            { action: 'session-info', sid },
            xml('transfer', { xmlns: NS_TRANSFER, to: target }),
          ),
        );
        const term = await ended;
        // XEP-0251 §2 Example 10.
        expect(jingleOf(term)?.getChild('reason')?.getChild('success')).toBeDefined();
        expect(jingleOf(term)?.getChild('reason')?.getChild('transferred', NS_TRANSFER)).toBeDefined();

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
        const referCseq = hdr(refer, 'CSeq');
        expect(sent(a, 'SIP/2.0 ').find((m) => hdr(m, 'CSeq') === referCseq)?.firstLine).toMatch(
          /^SIP\/2\.0 202 /,
        );
        // baresip notifies 100 at once and the final response (not C's 180), each answered 200.
        const notifies = sent(a, 'NOTIFY ');
        expect(notifies.map((n) => body(n).split('\r\n')[0])).toEqual([
          'SIP/2.0 100 Trying',
          'SIP/2.0 200 OK',
        ]);
        for (const n of notifies)
          expect(received(a, 'SIP/2.0 ').find((m) => hdr(m, 'CSeq') === hdr(n, 'CSeq'))?.firstLine).toMatch(
            /^SIP\/2\.0 200 /,
          );
        // C: A's own INVITE (baresip places the call; the gateway is not in it).
        const [invite] = received(c, 'INVITE ');
        expect(hdr(invite, 'From')).toMatch(/sip:a@127\.0\.0\.1/);
        expect(hdr(invite, 'Via')).toContain(`:${a.sipPort}`);
        await expectNoLiveCalls(bed.world);
        await until(
          async () => (await rtp.control.list()).length === 0,
          3000,
          () => 'rtpengine session deleted',
        );

        // A and C talk straight to each other: C sends to the RTP port A offered it, and both count.
        const aPort = Number(/^m=audio (\d+) /m.exec(body(invite!))?.[1]);
        const from = await phoneRtp(c);
        await until(
          async () => {
            const now = await phoneRtp(c);
            return now.sent - from.sent >= 100 && now.received - from.received >= 100;
          },
          10_000,
          () => `audio A ⇄ C (from ${JSON.stringify(from)})`,
        );
        expect((await phoneRtp(c)).remote).toBe(`127.0.0.1:${aPort}`);
      },
    );

    test("XMPP → SIP, attended: A REFERs alice's call to B with Replaces naming A's own call with B (RFC 5589 §7); our INVITE carries Replaces + Require: replaces, baresip B answers 420; NOTIFY 420 to A, no BYE from us (A then hangs up itself)", async () => {
      const a = await phoneA();
      const b = await phoneB();
      chrome = await WebrtcPeer.start();
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
      expect(received(a, 'NOTIFY ').map((n) => body(n).split('\r\n')[0])).toEqual([
        'SIP/2.0 100 Trying',
        'SIP/2.0 420 Bad Extension',
      ]);
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
