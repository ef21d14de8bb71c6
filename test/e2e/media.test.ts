/**
 * Issue 8: audio that flows. A real WebRTC stack on the XMPP side (headless Chromium; its SDP
 * turned into Jingle by our translator, the way a web client's library does it) and baresip as
 * the SIP phone, with rtpengine anchoring the media. Each call passes only if RTP flows both
 * ways for seconds: Chromium's getStats() shows inbound packets with audio energy (the page
 * plays the remote track), baresip counts received packets, and rtpengine's own counters show
 * both legs. Every way out deletes the rtpengine session (checked with `list`).
 */
import { randomUUID } from 'node:crypto';
import { startBaresip, type Baresip } from '../support/baresip';
import { freePort, freePortPair, sleep } from '../support/processes';
import { rtpengineAvailable, startRtpengine, type Rtpengine } from '../support/rtpengine';
import { chromiumAvailable, WebrtcPeer, type AudioStats } from '../support/webrtc';
import {
  describeWithPeers,
  expectNoLiveCalls,
  CALLEE,
  iqOk,
  jingleAction,
  proposed,
  reasonOf,
  useWorld,
  type Bot,
  type Element,
} from './harness';
import {
  CLIENT_CANDIDATES,
  conversationsOffer,
  dtlsAccept,
  fingerprint,
  jmi,
  NS_ICE,
  terminate,
} from './stanzas';
import { acceptFrom, initiateFrom, sdpOf } from './webrtc-jingle';

const maybe = rtpengineAvailable() && chromiumAvailable() ? describeWithPeers('baresip') : describe.skip;

// The XMPP user's client (SDP from Chromium ⇄ Jingle, as a web client library does it): ./webrtc-jingle.

/**
 * The RTP packets baresip received and sent in its call, from the line its rtcpsummary module
 * logs when the call ends (`…;PR=108;PS=112;…`); waits for that line. The counts are those of
 * baresip's last RTCP report, so they trail the call (seen: 54–123 after 3 s of audio, fewer
 * when baresip waited for DTLS first): the tests ask for more than 25 (half a second).
 */
async function baresipPackets(phone: Baresip): Promise<{ received: number; sent: number }> {
  await waitFor(
    () => /;PR=\d+;PS=\d+;/.test(phone.proc.output()),
    5000,
    `baresip's call summary:\n${phone.proc.output().slice(-1500)}`,
  );
  const m = /;PR=(\d+);PS=(\d+);/.exec(phone.proc.output()) as RegExpExecArray;
  return { received: Number(m[1]), sent: Number(m[2]) };
}

/**
 * Waits until rtpengine has received `n` packets from each leg of its one session (baresip waits
 * for DTLS before it sends, so its leg may start later than Chromium's); returns the counts.
 */
async function anchorFlowing(rtp: Rtpengine, n: number): Promise<Record<string, number>> {
  let legs: Record<string, number> = {};
  await waitFor(
    async () => {
      const [id] = await rtp.control.list();
      legs = id === undefined ? {} : await anchorPackets(rtp, id);
      return (legs.jingle ?? 0) >= n && (legs.sip ?? 0) >= n;
    },
    15_000,
    `${n} packets from each leg at rtpengine (${JSON.stringify(legs)})`,
  );
  return legs;
}

/** Packets rtpengine received from each leg of the session, by tag (`jingle`, `sip`). */
async function anchorPackets(rtp: Rtpengine, id: string): Promise<Record<string, number>> {
  const q = await rtp.control.query(id);
  const out: Record<string, number> = {};
  const tags = q.tags as Record<
    string,
    { medias?: Array<{ streams?: Array<{ stats?: { packets?: number } }> }> }
  >;
  for (const [tag, t] of Object.entries(tags ?? {})) {
    out[tag] = (t.medias ?? [])
      .flatMap((m) => m.streams ?? [])
      .reduce((n, s) => n + (s.stats?.packets ?? 0), 0);
  }
  return out;
}

/** Polls an async condition every 100 ms. */
async function waitFor(cond: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Chromium receives RTP with audio energy (it plays the remote track) and sends RTP, for 3 s. */
async function chromeAudio(chrome: WebrtcPeer): Promise<AudioStats> {
  let last: AudioStats | undefined;
  await waitFor(
    async () => {
      last = await chrome.stats();
      return last.packetsReceived >= 150 && last.totalAudioEnergy > 0 && last.packetsSent >= 150;
    },
    15_000,
    `RTP both ways at Chromium (${JSON.stringify(last)})`,
  );
  return last as AudioStats;
}

/** MEDIA_REPORT=1 prints what each call measured (for the numbers in a closing note). */
function report(what: string, dtls: boolean, ...measured: unknown[]): void {
  if (process.env.MEDIA_REPORT) console.log(JSON.stringify({ what, dtls, measured }));
}

const jmiId = (s: Element): string => String(s.getChildElements()[0]?.attrs.id);

maybe('e2e: real audio through rtpengine, Chromium ⇄ baresip', () => {
  let rtp: Rtpengine;
  let chrome: WebrtcPeer | undefined;
  const bed = useWorld({
    late: async () => {
      rtp = await startRtpengine();
      return {
        mediaYaml: [`rtpengine: ${rtp.uri}`, 'anchor: auto', 'offer: [as-offered, rtp]'],
        gatherWindowMs: 100,
      };
    },
  });
  let alice: Bot;
  /** Proposals of earlier tests, which alice's history still holds. */
  const seen = new Set<string>();
  beforeAll(() => {
    alice = bed.device();
  });
  const phones: Baresip[] = [];
  afterEach(async () => {
    await chrome?.stop();
    chrome = undefined;
    for (const p of phones.splice(0)) await p.proc.stop();
  });
  afterAll(() => rtp?.stop());

  /** baresip on `port`, logging its RTP counts at the end of each call (rtcpsummary). */
  async function phone(dtls: boolean, port: number, opus = false): Promise<Baresip> {
    const p = await startBaresip(port, await freePort(), { dtls, opus, modules: ['rtcpsummary.so'] });
    phones.push(p);
    return p;
  }

  test.each([
    ['plain RTP', false],
    ['DTLS-SRTP without ICE', true],
  ])('XMPP → SIP: Chromium calls baresip (%s); audio both ways; the client hangs up', async (_w, dtls) => {
    const port = await freePortPair();
    const bob = await phone(dtls, port);
    chrome = await WebrtcPeer.start();
    const sid = randomUUID();
    // XEP-0106: bob@127.0.0.1:<port>, baresip's own address.
    const to = `bob\\40127.0.0.1\\3a${port}@gw.localhost`;
    const offer = await chrome.offer();
    await iqOk(alice, initiateFrom(offer, { from: alice.jid, to, sid }));
    const accept = await alice.waitFor(jingleAction(sid, 'session-accept'), 10_000, 'session-accept');
    // What the client gets is rtpengine's: ICE and DTLS-SRTP, whatever baresip speaks.
    const answer = sdpOf(accept, offer);
    expect(answer).toMatch(/a=ice-ufrag:/);
    expect(answer).toMatch(/a=fingerprint:sha-256 /i);
    await chrome.takeAnswer(answer);
    const flow = await chromeAudio(chrome);
    expect(flow.dtlsState).toBe('connected');
    const [id] = await rtp.control.list();
    expect(id).toMatch(/^jsg-/);
    expect(answer).toMatch(/a=setup:(active|passive)/);
    const legs = await anchorFlowing(rtp, 150);
    if (dtls) expect(bob.proc.output()).toMatch(/DTLS-SRTP complete|dtls_srtp: .*established/i);
    await iqOk(alice, terminate({ to, sid }));
    await expectNoLiveCalls(bed.world);
    const heard = await baresipPackets(bob);
    expect(heard.received).toBeGreaterThan(25);
    expect(heard.sent).toBeGreaterThan(25);
    report('XMPP → SIP', dtls, flow, legs, heard);
    await waitFor(async () => (await rtp.control.list()).length === 0, 3000, 'rtpengine session deleted');
    await bob.proc.stop();
  });

  test.each([
    ['plain RTP', false],
    ['DTLS-SRTP without ICE', true],
  ])(
    'SIP → XMPP: baresip (%s) calls alice on Chromium; audio both ways; baresip hangs up',
    async (_w, dtls) => {
      const bob = await phone(dtls, await freePort());
      chrome = await WebrtcPeer.start();
      await bob.command('dial', `sip:alice@127.0.0.1:${bed.world.sipPort}`);
      const { id, caller } = await proposed(alice, (s) => !seen.has(jmiId(s)));
      seen.add(id);
      await alice.send(jmi('proceed', { to: caller, id }));
      const initiate = await alice.waitFor(jingleAction(id, 'session-initiate'), 8000, 'session-initiate');
      const offer = sdpOf(initiate);
      expect(offer).toMatch(/a=ice-ufrag:/);
      expect(offer).toMatch(/ UDP\/TLS\/RTP\/SAVPF? /);
      const answer = await chrome.answerOffer(offer);
      await iqOk(alice, acceptFrom(answer, initiate, alice.jid));
      const flow = await chromeAudio(chrome);
      const legs = await anchorFlowing(rtp, 150);
      if (dtls) expect(bob.proc.output()).toMatch(/DTLS-SRTP complete/);
      await bob.command('hangup');
      await alice.waitFor(jingleAction(id, 'session-terminate'), 8000, 'session-terminate');
      await expectNoLiveCalls(bed.world);
      const heard = await baresipPackets(bob);
      expect(heard.received).toBeGreaterThan(25);
      expect(heard.sent).toBeGreaterThan(25);
      report('SIP → XMPP', dtls, flow, legs, heard);
      await waitFor(async () => (await rtp.control.list()).length === 0, 3000, 'rtpengine session deleted');
      await bob.proc.stop();
    },
  );

  test("the SIP peer's re-INVITE (new port, hold) goes through rtpengine, which follows it", async () => {
    const run = await bed.uac('e2e-uac-plain-reinvite-move.xml');
    const { id, caller } = await proposed(alice, (s) => !seen.has(jmiId(s)));
    seen.add(id);
    await alice.send(jmi('proceed', { to: caller, id }));
    const initiate = await alice.waitFor(jingleAction(id, 'session-initiate'), 8000, 'session-initiate');
    await iqOk(alice, dtlsAccept({ initiate, to: caller, from: alice.jid, fp: fingerprint('A1') }));
    // rtpengine's endpoint for the SIP leg moves from 49174 to the re-INVITE's 49188.
    const ports = async (): Promise<number[]> => {
      const [mid] = await rtp.control.list();
      if (mid === undefined) return [];
      const q = await rtp.control.query(mid);
      const sipTag = (
        q.tags as Record<string, { medias?: Array<{ streams?: Array<{ endpoint?: { port?: number } }> }> }>
      ).sip;
      return (sipTag?.medias ?? []).flatMap((m) => m.streams ?? []).map((st) => st.endpoint?.port ?? 0);
    };
    await waitFor(async () => (await ports()).includes(49188), 5000, 'rtpengine following the new port');
    await bed.passed(run);
    await alice.waitFor(jingleAction(id, 'session-terminate'), 8000, 'session-terminate');
    await expectNoLiveCalls(bed.world);
    await waitFor(async () => (await rtp.control.list()).length === 0, 3000, 'rtpengine session deleted');
  });

  test('a SIP failure (486) ends the call and deletes the rtpengine session', async () => {
    const run = await bed.uas('e2e-uas-reject-486.xml');
    const sid = randomUUID();
    await iqOk(alice, conversationsOffer({ to: CALLEE, from: alice.jid, sid }));
    const term = await alice.waitFor(jingleAction(sid, 'session-terminate'), 8000, 'session-terminate');
    expect(reasonOf(term).condition).toBe('busy');
    await bed.passed(run);
    await expectNoLiveCalls(bed.world);
    await waitFor(async () => (await rtp.control.list()).length === 0, 3000, 'rtpengine session deleted');
  });

  test('rtpengine stopped: calls that need it fail cleanly with the cause, both ways; logged once', async () => {
    await rtp.stop();
    const sid = randomUUID();
    await iqOk(alice, conversationsOffer({ to: CALLEE, from: alice.jid, sid }));
    const term = await alice.waitFor(jingleAction(sid, 'session-terminate'), 8000, 'session-terminate');
    expect(reasonOf(term)).toEqual({
      condition: 'media-error',
      text: expect.stringMatching(/media anchor failed: rtpengine at 127\.0\.0\.1:\d+ did not answer offer/),
    });
    // SIP → XMPP: SIPp's plain offer gets 503 (with the Reason), and alice never rings.
    const before = alice.received.length;
    await bed.passed(await bed.uac('e2e-uac-refused-503.xml'));
    expect(alice.received.slice(before).filter((st) => jmiId(st) !== 'undefined')).toEqual([]);
    await expectNoLiveCalls(bed.world);
    const warned = bed.world.log.filter((l) => /rtpengine at .* is unreachable/.test(String(l.message)));
    expect(warned).toHaveLength(1);
  });

  test('gateway shutdown with an anchored call up deletes its session', async () => {
    rtp = await startRtpengine(rtp.ngPort);
    const port = await freePortPair();
    // Opus: the Conversations-style offer has no G.711.
    const bob = await phone(false, port, true);
    const sid = randomUUID();
    const to = `bob\\40127.0.0.1\\3a${port}@gw.localhost`;
    await iqOk(alice, conversationsOffer({ to, from: alice.jid, sid, candidates: [CLIENT_CANDIDATES[0]!] }));
    await alice.waitFor(jingleAction(sid, 'session-accept'), 10_000, 'session-accept');
    expect(await rtp.control.list()).toHaveLength(1);
    await bed.world.gateway.stop();
    expect(await rtp.control.list()).toEqual([]);
    await waitFor(() => /session closed/.test(bob.proc.output()), 5000, 'baresip heard the BYE');
  });
});

describeWithPeers('baresip')('e2e: no bridge, no call — refusals with anchor: never', () => {
  const bed = useWorld({ mediaYaml: ['rtpengine: udp://127.0.0.1:9', 'anchor: never'] });
  let alice: Bot;
  beforeAll(() => {
    alice = bed.device();
  });

  async function callPlainPhone(dtls: boolean): Promise<{ condition?: string; text?: string }> {
    const port = await freePortPair();
    const bob = await startBaresip(port, await freePort(), { opus: true });
    const sid = randomUUID();
    const to = `bob\\40127.0.0.1\\3a${port}@gw.localhost`;
    const offer = conversationsOffer({ to, from: alice.jid, sid, candidates: [CLIENT_CANDIDATES[0]!] });
    if (!dtls) {
      const t = offer.getChild('jingle')?.getChild('content')?.getChild('transport', NS_ICE);
      if (t) t.children = t.children.filter((c) => typeof c === 'string' || c.name !== 'fingerprint');
    }
    await iqOk(alice, offer);
    const term = await alice.waitFor(jingleAction(sid, 'session-terminate'), 10_000, 'session-terminate');
    expect(alice.all(jingleAction(sid, 'session-accept'))).toEqual([]);
    await expectNoLiveCalls(bed.world);
    await bob.proc.stop();
    return reasonOf(term);
  }

  test('an ICE-only client calling a phone without ICE: <unsupported-transports/> naming the cause', async () => {
    const r = await callPlainPhone(false);
    expect(r.condition).toBe('unsupported-transports');
    expect(r.text).toMatch(/without ICE .*media anchoring is off \(media\.anchor: never\)/);
  });

  test('a DTLS-SRTP client calling a plain-RTP phone: refused, never downgraded', async () => {
    const r = await callPlainPhone(true);
    // baresip without DTLS refuses the UDP/TLS offer (488); had it answered RTP/AVP, the
    // gateway would end the call with <security-error/>.
    expect(['incompatible-parameters', 'security-error']).toContain(r.condition);
    expect(r.text).toMatch(/488|DTLS-SRTP/);
  });
});
