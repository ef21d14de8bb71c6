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
 */
import { randomUUID } from 'node:crypto';
import { startBaresip, startBaresipOnFreePorts, type Baresip, type SipTraced } from '../support/baresip';
import { freePort } from '../support/processes';
import { chromiumAvailable, WebrtcPeer } from '../support/webrtc';
import {
  describeWithPeers,
  expectNoLiveCalls,
  iqOk,
  jingleAction,
  useWorld,
  type Bot,
  type Element,
} from './harness';
import { terminate } from './stanzas';
import { body } from './sip-trace';
import { initiateFrom, restartOfferFrom, sdpOf, transportInfoFrom, ufragOf, until } from './webrtc-jingle';

const maybe = chromiumAvailable() ? describeWithPeers('baresip') : describe.skip;

/** The number A transfers to: the gateway's own route takes it to B (`sip.outbound`). */
const TARGET = '+15551239999';

const sent = (p: Baresip, prefix: string): SipTraced[] =>
  p.sipMessages().filter((m) => m.direction === 'sent' && m.firstLine.startsWith(prefix));
const received = (p: Baresip, prefix: string): SipTraced[] =>
  p.sipMessages().filter((m) => m.direction === 'received' && m.firstLine.startsWith(prefix));

maybe('e2e: transfer with baresip, no anchor — ICE + DTLS-SRTP from Chromium to A, then to B', () => {
  // As in baresip-midcall-direct: once in a few calls baresip 1.0.0 refuses Chromium's DTLS on a
  // second candidate pair ("dtls already accepted") before anything of the test happens.
  jest.retryTimes(1, { logErrorsBeforeRetry: true });
  let chrome: WebrtcPeer | undefined;
  const phones: Baresip[] = [];
  afterEach(async () => {
    await chrome?.stop();
    chrome = undefined;
    for (const p of phones.splice(0)) await p.proc.stop();
  });
  const bed = useWorld({});
  let alice: Bot;
  beforeAll(() => {
    alice = bed.device();
  });

  const ice = {
    sipTrace: true,
    dtls: true,
    modules: ['ice.so', 'rtcpsummary.so'],
    accountParams: ';medianat=ice',
    config: ['rtcp_mux\t\tyes'],
  };

  async function phoneA(): Promise<Baresip> {
    const p = await startBaresipOnFreePorts({ ...ice, user: 'a' });
    phones.push(p);
    return p;
  }

  async function phoneB(): Promise<Baresip> {
    const p = await startBaresip(bed.world.outboundPort, await freePort(), { ...ice, user: TARGET });
    phones.push(p);
    return p;
  }

  /** baresip's live RTP counts (menu's `audio_debug`: `TX: packets=…`, per source `rcvd=…`). */
  async function phoneRtp(p: Baresip): Promise<{ sent: number; received: number }> {
    const said = JSON.parse(await p.command('audio_debug')) as { data?: string };
    const text = said.data ?? '';
    return {
      sent: Number(/TX: packets=(\d+)/.exec(text)?.[1] ?? 0),
      received: [...text.matchAll(/ rcvd=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0),
    };
  }

  /** Audio both ways Chromium ⇄ `p`: Chromium's packets in and `p`'s in and out each grow by `n`. */
  async function audioBothWays(c: WebrtcPeer, p: Baresip, n = 100): Promise<void> {
    const counts = async (): Promise<Record<string, number>> => {
      const s = await c.stats();
      const r = await phoneRtp(p);
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
          .split('\n')
          .filter((l) => /ice|dtls|stream|srtp/i.test(l))
          .slice(-25)
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
  } {
    let restarts = 0;
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
          const answer = await c.answerRestart(restartOfferFrom(remote, s));
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
    return { restarts: () => restarts };
  }
  const stopGlue: (() => void)[] = [];
  afterEach(() => {
    for (const s of stopGlue.splice(0)) s();
  });

  // FAILS with the INVITE that carries the client's old ICE credentials (the fix follows): B's
  // ICE and DTLS start with Chromium's old credentials, Chromium restarts ICE on the
  // transport-info with new ones, the re-INVITE carrying them comes after B's DTLS association
  // ("dtls_srtp: dtls already accepted"): no audio either way after the transfer.
  test.failing(
    'XMPP → SIP: A transfers to a number; B gets our INVITE; the client is moved to B (ICE restart + new DTLS); audio Chromium ⇄ B with A gone',
    async () => {
      const a = await phoneA();
      const b = await phoneB();
      chrome = await WebrtcPeer.start();
      const sid = randomUUID();
      const peer = `a\\40127.0.0.1\\3a${a.sipPort}@gw.localhost`;
      const offer = await chrome.offer();
      await iqOk(alice, initiateFrom(offer, { from: alice.jid, to: peer, sid }));
      const accept = await alice.waitFor(jingleAction(sid, 'session-accept'), 10_000, 'session-accept');
      await chrome.takeAnswer(sdpOf(accept, offer));
      await audioBothWays(chrome, a);
      const glue = clientGlue(chrome, { sid, peer, remote: accept });

      const said = await a.command('transfer', `sip:${TARGET}@gw.localhost`);
      expect(JSON.parse(said)).toMatchObject({ ok: true });
      await until(
        () => received(a, 'NOTIFY ').some((n) => /^Subscription-State:\s*terminated/im.test(n.text)),
        15_000,
        () => `the final NOTIFY at A:\n${a.proc.output().slice(-3000)}`,
      );
      expect(body(received(a, 'NOTIFY ').at(-1)!).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
      const [invite] = received(b, 'INVITE ');
      expect(invite).toBeDefined();
      await until(
        () => glue.restarts() > 0,
        10_000,
        () => 'the transport-info moving the client to B (a new ufrag: an ICE restart)',
      );
      // Nobody but B on the SIP side.
      await a.proc.stop();
      await audioBothWays(chrome, b);
      // B's DTLS association is its own (RFC 8842 §5): a handshake at B.
      expect(b.proc.output()).toMatch(/DTLS-SRTP complete/);

      await iqOk(alice, terminate({ to: peer, sid }));
      await until(
        () => received(b, 'BYE ').length > 0,
        5000,
        () => `the BYE at B:\n${b.proc.output().slice(-2000)}`,
      );
      expect(sent(b, 'SIP/2.0 200').length).toBeGreaterThan(0);
      await expectNoLiveCalls(bed.world);
    },
  );
});
