/**
 * Issue 14, transfer, with media END TO END (no anchor): headless Chromium on the XMPP side talks
 * ICE + DTLS-SRTP straight to baresip 1.0.0 A (`medianat=ice`, dtls_srtp, rtcp-mux), through the
 * gateway and real Prosody. A blind-transfers the call (menu `transfer`, RFC 5589 §6.1) to a
 * number, which the gateway's own route (`sip.outbound`) takes to baresip B (ICE + DTLS too).
 *
 * For a browser, a transport-info with the new peer's ICE credentials is a remote ICE restart
 * (XEP-0176 §2.2; RFC 8839 §4.4.1.1.1; JSEP §5.3.1): the client answers it with NEW credentials
 * of its own, which B must learn; and B's new fingerprint is a new DTLS association (RFC 8842 §5,
 * RFC 5763 §5). The client glue here does what a web client's Jingle library does: the peer's
 * transport-info with a new ufrag → setRemoteDescription(offer with that transport) → the answer's
 * transport in a transport-info back. Audio both ways after the transfer, with A's process gone:
 * Chromium's getStats (packets in, DTLS connected) and B's live RTP counts (`audio_debug`).
 *
 * The gateway places the INVITE to B without an offer (RFC 3725 §4.1, src/calls/transfers.ts):
 * B's 200 offers, that offer reaches Chromium as the restart, and Chromium's answer is the ACK's.
 * As first wired (the INVITE carrying Chromium's current credentials) this test failed: B started
 * ICE and DTLS with Chromium's old credentials, Chromium restarted with new ones, the re-INVITE
 * that carried them came after B's DTLS ("dtls_srtp: dtls already accepted"): no audio either way.
 */
import { startBaresipOnFreePorts, type Baresip } from '../support/baresip';
import { chromiumAvailable, type WebrtcPeer } from '../support/webrtc';
import { describeWithPeers, expectNoLiveCalls, iqOk, jingleAction, type Bot, type Element } from './harness';
import { terminate } from './stanzas';
import { body, received, sent } from './sip-trace';
import { restartOfferFrom, transportInfoFrom, ufragOf, until } from './webrtc-jingle';
import {
  aliceCalls,
  baresipRtp,
  byeReached,
  ICE_BARESIP,
  phoneCallsAlice,
  phoneJid,
  startTarget,
  TARGET,
  usePhoneWorld,
} from './phones';

const maybe = chromiumAvailable() ? describeWithPeers('baresip') : describe.skip;

const attr = (sdp: string, name: string): string | undefined =>
  new RegExp(`^a=${name}:(\\S+)`, 'm').exec(sdp)?.[1];
const fingerprintOf = (sdp: string): string | undefined =>
  /^a=fingerprint:(.+)$/m.exec(sdp)?.[1]?.trim().toUpperCase();

maybe('e2e: transfer with baresip, no anchor — ICE + DTLS-SRTP from Chromium to A, then to B', () => {
  // As in baresip-midcall-direct: once in a few calls baresip 1.0.0 refuses Chromium's DTLS on a
  // second candidate pair ("dtls already accepted") before anything of the test happens.
  jest.retryTimes(2, { logErrorsBeforeRetry: true });
  // The phones hang up before the check that no call is left (usePhoneWorld).
  const { bed, phone: keep, chromium } = usePhoneWorld<Baresip>();
  let alice: Bot;
  beforeAll(() => {
    alice = bed.device();
  });

  async function phoneA(): Promise<Baresip> {
    return keep(startBaresipOnFreePorts({ ...ICE_BARESIP, user: 'a' }));
  }

  async function phoneB(): Promise<Baresip> {
    return keep(startTarget(bed, ICE_BARESIP));
  }

  /** Audio both ways Chromium ⇄ `p`: Chromium's packets in and `p`'s in and out each grow by `n`. */
  async function audioBothWays(c: WebrtcPeer, p: Baresip, n = 100): Promise<void> {
    const counts = async (): Promise<Record<string, number>> => {
      const s = await c.stats();
      const r = await baresipRtp(p);
      return { chrome: s.packetsReceived, phoneSent: r.sent, phoneReceived: r.received };
    };
    const from = await counts();
    let now = from;
    await until(
      async () => {
        now = await counts();
        return Object.keys(from).every((k) => (now[k] ?? 0) - (from[k] ?? 0) >= n);
      },
      15_000,
      () =>
        `${n} more packets each way (from ${JSON.stringify(from)} to ${JSON.stringify(now)}); ` +
        `the phone:\n${p.proc
          .output()
          .replace(/\s*\[\d+:\d+:\d+\] audio=\S+ \(bit\/s\)/g, '')
          .split('\n')
          .filter((l) => /ice|dtls|stream|srtp|candidate|setup|fingerprint|^(INVITE|ACK|SIP\/2\.0)/i.test(l))
          .slice(-60)
          .join('\n')}`,
    );
    expect((await c.stats()).dtlsState).toBe('connected');
  }

  /**
   * The client's side of a transport-info from the gateway: a new ufrag is an ICE restart
   * (answered with Chromium's new transport in a transport-info back); the same ufrag brings
   * candidates only (Chromium gathered every candidate it needs at once: nothing to do).
   */
  function clientGlue(
    c: WebrtcPeer,
    o: { sid: string; peer: string; remote: Element },
  ): {
    restarts: () => number;
    /** The restart offer Chromium was given and its answer, last. */
    last: () => { offer: string; answer: string } | undefined;
  } {
    let restarts = 0;
    let last: { offer: string; answer: string } | undefined;
    let handled = alice.received.length;
    let remote = o.remote;
    let busy = Promise.resolve();
    const timer = setInterval(() => {
      const fresh = alice.received.slice(handled);
      handled = alice.received.length;
      for (const s of fresh) {
        if (!jingleAction(o.sid, 'transport-info')(s)) continue;
        busy = busy.then(async () => {
          const ufrag = ufragOf(s);
          if (ufrag === undefined || ufrag === ufragOf(remote)) return;
          const offer = restartOfferFrom(remote, s);
          const answer = await c.answerRestart(offer);
          last = { offer, answer };
          remote = s;
          restarts += 1;
          await iqOk(
            alice,
            transportInfoFrom(answer, { from: alice.jid, to: o.peer, sid: o.sid, contents: o.remote }),
          );
        });
      }
    }, 50);
    stopGlue.push(() => clearInterval(timer));
    return { restarts: () => restarts, last: () => last };
  }
  const stopGlue: (() => void)[] = [];
  afterEach(() => {
    for (const s of stopGlue.splice(0)) s();
  });

  /** Chromium calls A; the sid, the JID alice talks to, and the IQ A's description came in. */
  async function aliceCallsA(a: Baresip, c: WebrtcPeer) {
    const { sid, peer, accept } = await aliceCalls(alice, phoneJid('a', a.sipPort), c);
    return { sid, peer, remote: accept };
  }

  /** A calls alice, who answers from Chromium. */
  async function aCallsAlice(a: Baresip, c: WebrtcPeer) {
    const dial = () => a.command('dial', `sip:alice@127.0.0.1:${bed.world.sipPort}`);
    const { sid, peer, initiate } = await phoneCallsAlice(alice, dial, c);
    return { sid, peer, remote: initiate };
  }

  test.each([
    ['XMPP → SIP (alice called A)', aliceCallsA],
    ['SIP → XMPP (A called alice)', aCallsAlice],
  ])(
    '%s: A transfers to a number; our INVITE to B has no offer (RFC 3725 §4.1); B’s offer reaches Chromium as an ICE restart; Chromium’s new credentials, candidates and DTLS role are our ACK’s answer; audio Chromium ⇄ B with A gone',
    async (_w, call) => {
      const a = await phoneA();
      const b = await phoneB();
      const chrome = await chromium();
      const { sid, peer, remote } = await call(a, chrome);
      await audioBothWays(chrome, a);
      const before = await chrome.remoteSdp();
      const glue = clientGlue(chrome, { sid, peer, remote });

      const said = await a.command('transfer', `sip:${TARGET}@gw.localhost`);
      expect(JSON.parse(said)).toMatchObject({ ok: true });
      await until(
        () => received(a, 'NOTIFY ').some((n) => /^Subscription-State:\s*terminated/im.test(n.text)),
        15_000,
        () => `the final NOTIFY at A:\n${a.proc.output().slice(-3000)}`,
      );
      expect(body(received(a, 'NOTIFY ').at(-1)!).split('\r\n')[0]).toBe('SIP/2.0 200 OK');

      // B: our INVITE without an offer; B's 200 offers (actpass, RFC 8842 §5.2); our ACK answers.
      const [invite] = received(b, 'INVITE ');
      expect(body(invite!)).toBe('');
      const ok = sent(b, 'SIP/2.0 200').find((m) => /^CSeq:\s*\d+ INVITE/im.test(m.text))!;
      const offered = body(ok);
      expect(attr(offered, 'setup')).toBe('actpass');
      await until(
        () => received(b, 'ACK ').length > 0,
        10_000,
        () => `our ACK at B:\n${b.proc.output().slice(-2000)}`,
      );
      const ack = body(received(b, 'ACK ')[0]!);
      // Chromium was told B's transport: B's ufrag, pwd and fingerprint — an ICE restart for it.
      const restart = glue.last();
      expect(restart).toBeDefined();
      expect(attr(restart!.offer, 'ice-ufrag')).toBe(attr(offered, 'ice-ufrag'));
      expect(attr(restart!.offer, 'ice-pwd')).toBe(attr(offered, 'ice-pwd'));
      expect(fingerprintOf(restart!.offer)).toBe(fingerprintOf(offered));
      // Chromium answered with new credentials (RFC 8445 §9), which B got in the ACK, with its
      // fingerprint and the DTLS role it took (RFC 8842 §5.3: active or passive, never actpass).
      expect(attr(restart!.answer, 'ice-ufrag')).not.toBe(attr(before, 'ice-ufrag'));
      expect(attr(ack, 'ice-ufrag')).toBe(attr(restart!.answer, 'ice-ufrag'));
      expect(attr(ack, 'ice-pwd')).toBe(attr(restart!.answer, 'ice-pwd'));
      expect(fingerprintOf(ack)).toBe(fingerprintOf(restart!.answer));
      expect(attr(ack, 'setup')).toBe(attr(restart!.answer, 'setup'));
      expect(attr(ack, 'setup')).toMatch(/^(active|passive)$/);
      expect(ack).toMatch(/^a=candidate:.* 127\.0\.0\.1 \d+ typ host/m);

      // Nobody but B on the SIP side: Chromium hears B and B hears Chromium, in a DTLS of B's own.
      await a.proc.stop();
      await audioBothWays(chrome, b);
      expect(b.proc.output()).toMatch(/DTLS-SRTP complete/);

      await iqOk(alice, terminate({ to: peer, sid }));
      await byeReached(b);
      await expectNoLiveCalls(bed.world);
    },
  );
});
