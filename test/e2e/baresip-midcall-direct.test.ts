/**
 * Issue 14 with a real SIP phone and no media anchor: baresip 1.0.0 with ICE (`medianat=ice`),
 * DTLS-SRTP and rtcp-mux talks straight to headless Chromium on the XMPP side, through the
 * gateway and real Prosody. Hold and resume both ways, DTMF both ways; the gateway's SDP in each
 * re-INVITE and 200 is read from baresip's `-s` trace: the direction RFC 3264 §6.1/§8.4 asks
 * for, the DTLS role, fingerprint and ICE credentials of the first exchange kept (RFC 8842 §5.5,
 * never `actpass` in an answer), the o= version one up each time (RFC 3264 §8). Audio is counted
 * at Chromium (getStats) and by baresip's rtcpsummary at the end of the call.
 *
 * What baresip does here besides: once ICE completes it re-INVITEs with its chosen candidates
 * (RFC 8445 §8.1.2 lets the controlling agent do so), which must change nothing for the client.
 */
import { startBaresipOnFreePorts, type Baresip } from '../support/baresip';
import { sleep } from '../support/processes';
import { chromiumAvailable, type WebrtcPeer } from '../support/webrtc';
import { xml } from '../../src/xmpp/stanza/xml';
import {
  describeWithPeers,
  expectNoLiveCalls,
  iqOk,
  jingleAction,
  jingleOf,
  proposed,
  reasonOf,
  type Bot,
} from './harness';
import { jingleIq, jmi, terminate } from './stanzas';
import {
  body,
  direction,
  expectVersions,
  firstInvite,
  firstOk,
  NS_DTMF,
  NS_INFO,
  reinvites,
  sessionInfo,
} from './sip-trace';
import { acceptFrom, sdpOf, until } from './webrtc-jingle';
import { aliceCalls, byeReached, ICE_BARESIP, phoneCallsAlice, phoneJid, usePhoneWorld } from './phones';

const maybe = chromiumAvailable() ? describeWithPeers('baresip') : describe.skip;

const attr = (sdp: string, name: string): string | undefined =>
  new RegExp(`^a=${name}:(\\S+)`, 'm').exec(sdp)?.[1];

/** The DTLS and ICE identity of an SDP (RFC 8842 §5.5: kept while the association is). */
const identity = (sdp: string) => ({
  setup: attr(sdp, 'setup'),
  fingerprint: /^a=fingerprint:(.+)$/m.exec(sdp)?.[1]?.trim(),
  ufrag: attr(sdp, 'ice-ufrag'),
});

maybe('e2e: mid-call with baresip, no anchor — ICE + DTLS-SRTP straight to Chromium', () => {
  // Once in a few calls Chromium starts DTLS on one candidate pair and moves to another, and
  // baresip 1.0.0 refuses the second source ("dtls already accepted"): the call never gets media,
  // before anything mid-call happens (seen with Chromium checking from a second local address,
  // 192.0.2.2 on one test machine, failing twice in a row). Such a test runs up to twice more; a
  // gateway fault fails every time.
  jest.retryTimes(2, { logErrorsBeforeRetry: true });
  // The phones hang up before the check that no call is left (usePhoneWorld).
  const { bed, phones, phone: keep, chromium } = usePhoneWorld<Baresip>();
  let alice: Bot;
  beforeAll(() => {
    alice = bed.device();
  });

  async function phone(): Promise<Baresip> {
    return keep(startBaresipOnFreePorts(ICE_BARESIP));
  }

  /** baresip calls alice, who answers from Chromium. */
  const bobCallsAlice = (bob: Baresip, c: WebrtcPeer) =>
    phoneCallsAlice(alice, () => bob.command('dial', `sip:alice@127.0.0.1:${bed.world.sipPort}`), c);

  /** Chromium's inbound packets grow by `n` (baresip → Chromium, 50/s) and DTLS is up. */
  async function hearing(c: WebrtcPeer, n = 50): Promise<void> {
    const ice = (): string =>
      (phones[0]?.proc.output() ?? '')
        .split('\n')
        .filter((l) => /ice:|dtls|stream:/i.test(l))
        .slice(-20)
        .join('\n');
    const from = (await c.stats()).packetsReceived;
    let now = await c.stats();
    await until(
      async () => {
        now = await c.stats();
        return now.packetsReceived - from >= n && now.packetsSent > 0;
      },
      15_000,
      () => `${n} more packets into Chromium (from ${from}: ${JSON.stringify(now)}); baresip:\n${ice()}`,
    );
    expect(now.dtlsState).toBe('connected');
  }

  /** Packets into Chromium over 2 s. */
  async function heardOver2s(c: WebrtcPeer): Promise<number> {
    const a = (await c.stats()).packetsReceived;
    await sleep(2000);
    return (await c.stats()).packetsReceived - a;
  }

  /**
   * baresip's RTP counts of its last call (rtcpsummary's `…;PR=..;PS=..;` line at the end). They
   * are those of its last RTCP report, so they trail the call (test/e2e/media.test.ts): > 25.
   */
  async function baresipPackets(p: Baresip): Promise<{ received: number; sent: number }> {
    await until(
      () => /;PR=\d+;PS=\d+;/.test(p.proc.output()),
      5000,
      () => `baresip's call summary:\n${p.proc.output().slice(-1500)}`,
    );
    const m = /;PR=(\d+);PS=(\d+);/.exec(p.proc.output()) as RegExpExecArray;
    return { received: Number(m[1]), sent: Number(m[2]) };
  }

  const dtlsHandshakes = (p: Baresip): number => p.proc.output().match(/DTLS-SRTP complete/g)?.length ?? 0;

  /** The re-INVITE in `dir` whose offer says `d`, after `after` (answered). */
  async function reinviteSaying(p: Baresip, dir: 'sent' | 'received', d: string, after = -1) {
    let index = -1;
    const saying = (): number =>
      reinvites(p, dir).findIndex((r, i) => i > after && direction(body(r.offer)) === d);
    await until(
      () => {
        index = saying();
        return index >= 0 && reinvites(p, dir)[index]?.answer !== undefined;
      },
      8000,
      () => `a re-INVITE saying ${d}, answered:\n${p.proc.output().slice(-3000)}`,
    );
    return { ...reinvites(p, dir)[index]!, index };
  }

  test('SIP → XMPP: baresip holds and resumes; alice hears <hold/> then <active/>; the answers say recvonly then sendrecv with the first answer’s DTLS role, fingerprint and ufrag; audio stops while held and comes back; baresip hangs up', async () => {
    const bob = await phone();
    const chrome = await chromium();
    const { sid } = await bobCallsAlice(bob, chrome);
    await hearing(chrome);
    await until(
      () => firstOk(bob, 'received') !== undefined,
      5000,
      () => 'the 200 at baresip',
    );
    const first = body(firstOk(bob, 'received')!);
    expect(identity(first)).toEqual({
      setup: expect.stringMatching(/^(active|passive)$/),
      fingerprint: expect.stringMatching(/^sha-256 /),
      ufrag: expect.any(String),
    });

    await bob.command('hold');
    await alice.waitFor(sessionInfo(sid, 'hold'), 8000, 'session-info <hold/>');
    const held = await reinviteSaying(bob, 'sent', 'sendonly');
    expect(body(held.offer)).toMatch(/a=setup:actpass/);
    // RFC 3264 §6.1; RFC 8842 §5.5: the association stays, so the answer keeps its role.
    expect(['recvonly', 'inactive']).toContain(direction(body(held.answer!)));
    expect(identity(body(held.answer!))).toEqual(identity(first));
    expect(await heardOver2s(chrome)).toBeLessThan(15);

    await bob.command('resume');
    await alice.waitFor(sessionInfo(sid, 'active'), 8000, 'session-info <active/>');
    const resumed = await reinviteSaying(bob, 'sent', 'sendrecv', held.index);
    expect(direction(body(resumed.answer!))).toBe('sendrecv');
    expect(identity(body(resumed.answer!))).toEqual(identity(first));
    expectVersions([first, ...reinvites(bob, 'sent').map((r) => body(r.answer!))]);
    await hearing(chrome);
    expect(dtlsHandshakes(bob)).toBe(1);
    // baresip's ICE re-INVITE and its hold/resume reach alice as the two session-infos, nothing more.
    const infos = alice
      .all(jingleAction(sid, 'session-info'))
      .map((s) => jingleOf(s)?.getChildElements()[0]?.name);
    expect(infos).toEqual(['hold', 'active']);

    await bob.command('hangup');
    const term = await alice.waitFor(jingleAction(sid, 'session-terminate'), 8000, 'session-terminate');
    expect(reasonOf(term).condition).toBe('success');
    await expectNoLiveCalls(bed.world);
    const counted = await baresipPackets(bob);
    expect(counted.received).toBeGreaterThan(25);
    expect(counted.sent).toBeGreaterThan(25);
  });

  test('XMPP → SIP: alice holds and resumes; baresip gets re-INVITEs saying sendonly then sendrecv, the DTLS role and fingerprint of the first exchange kept; its audio stops while held and comes back; baresip hangs up', async () => {
    const bob = await phone();
    const chrome = await chromium();
    const { sid, peer } = await aliceCalls(alice, phoneJid('bob', bob.sipPort), chrome);
    await hearing(chrome);
    const invite = body(firstInvite(bob, 'received')!);
    const answered = body(firstOk(bob, 'sent')!);
    expect(identity(answered).setup).toMatch(/^(active|passive)$/);
    expect(identity(invite)).toEqual({
      setup: 'actpass',
      fingerprint: expect.stringMatching(/^sha-256 /),
      ufrag: expect.any(String),
    });
    const ours = { active: 'passive', passive: 'active' }[identity(answered).setup as 'active' | 'passive'];

    await iqOk(alice, jingleIq(peer, { action: 'session-info', sid }, xml('hold', { xmlns: NS_INFO })));
    const held = await reinviteSaying(bob, 'received', 'sendonly');
    expect(direction(body(held.answer!))).toBe('recvonly');
    // RFC 8842 §5.5: a re-offer that keeps the association keeps the role the answer gave us.
    expect(identity(body(held.offer))).toEqual({ ...identity(invite), setup: ours });
    expect(await heardOver2s(chrome)).toBeLessThan(15);

    await iqOk(alice, jingleIq(peer, { action: 'session-info', sid }, xml('active', { xmlns: NS_INFO })));
    const resumed = await reinviteSaying(bob, 'received', 'sendrecv', held.index);
    expect(direction(body(resumed.answer!))).toBe('sendrecv');
    expect(identity(body(resumed.offer))).toEqual({ ...identity(invite), setup: ours });
    expectVersions([invite, ...reinvites(bob, 'received').map((r) => body(r.offer))]);
    await hearing(chrome);
    expect(dtlsHandshakes(bob)).toBe(1);

    // The callee hangs up this time (the S → X test has the caller do it).
    await bob.command('hangup');
    const term = await alice.waitFor(jingleAction(sid, 'session-terminate'), 8000, 'session-terminate');
    expect(reasonOf(term).condition).toBe('success');
    await expectNoLiveCalls(bed.world);
    const counted = await baresipPackets(bob);
    expect(counted.received).toBeGreaterThan(25);
    expect(counted.sent).toBeGreaterThan(25);
  });

  test('both hold: alice holds, then baresip holds too — the answer says inactive (RFC 3264 §6.1, alice still holds); baresip resumes — sendonly; alice resumes — sendrecv, audio again', async () => {
    const bob = await phone();
    const chrome = await chromium();
    const { sid, peer: caller } = await bobCallsAlice(bob, chrome);
    await hearing(chrome);
    const first = body(firstOk(bob, 'received')!);

    const hold = xml('hold', { xmlns: NS_INFO });
    await iqOk(alice, jingleIq(caller, { action: 'session-info', sid }, hold));
    const ours = await reinviteSaying(bob, 'received', 'sendonly');
    expect(direction(body(ours.answer!))).toBe('recvonly');

    await bob.command('hold');
    await alice.waitFor(sessionInfo(sid, 'hold'), 8000, 'session-info <hold/> from baresip');
    const holding = (r: ReturnType<typeof reinvites>[number]): boolean =>
      r.answer !== undefined && direction(body(r.offer)) !== 'sendrecv';
    await until(
      () => reinvites(bob, 'sent').some(holding),
      8000,
      () => `baresip's hold answered:\n${bob.proc.output().slice(-3000)}`,
    );
    const index = reinvites(bob, 'sent').findIndex(holding);
    const both = reinvites(bob, 'sent')[index]!;
    expect(['sendonly', 'inactive']).toContain(direction(body(both.offer)));
    expect(direction(body(both.answer!))).toBe('inactive');
    expect(identity(body(both.answer!))).toEqual(identity(first));

    await bob.command('resume');
    await alice.waitFor(sessionInfo(sid, 'active'), 8000, 'session-info <active/> from baresip');
    const back = await reinviteSaying(bob, 'sent', 'sendrecv', index);
    // alice still holds: her side's answer to sendrecv is sendonly.
    expect(direction(body(back.answer!))).toBe('sendonly');

    await iqOk(alice, jingleIq(caller, { action: 'session-info', sid }, xml('active', { xmlns: NS_INFO })));
    const again = await reinviteSaying(bob, 'received', 'sendrecv', ours.index);
    expect(direction(body(again.answer!))).toBe('sendrecv');
    await hearing(chrome);
    expect(dtlsHandshakes(bob)).toBe(1);

    await bob.command('hangup');
    await alice.waitFor(jingleAction(sid, 'session-terminate'), 8000, 'session-terminate');
    await expectNoLiveCalls(bed.world);
  });

  test('DTMF: telephone-event in both SDPs; alice’s XEP-0181 <dtmf/> reaches baresip as INFO; Chromium’s RFC 4733 tones reach baresip in RTP; baresip’s RTP tones make no XEP-0181; alice hangs up', async () => {
    const bob = await phone();
    const chrome = await chromium();
    const seen = new Set(alice.received.map((s) => s.toString()));
    await bob.command('dial', `sip:alice@127.0.0.1:${bed.world.sipPort}`);
    const { id: sid, caller } = await proposed(alice, (s) => !seen.has(s.toString()));
    await alice.send(jmi('proceed', { to: caller, id: sid }));
    const initiate = await alice.waitFor(jingleAction(sid, 'session-initiate'), 8000, 'session-initiate');
    expect(sdpOf(initiate)).toMatch(/^a=rtpmap:101 telephone-event\/8000/m);
    const answer = await chrome.answerOffer(sdpOf(initiate));
    expect(answer).toMatch(/^a=rtpmap:101 telephone-event\/8000/m);
    await iqOk(alice, acceptFrom(answer, initiate, alice.jid));
    await hearing(chrome);
    const ok = body(firstOk(bob, 'received')!);
    expect(ok).toMatch(/^m=audio \d+ \S+( \d+)* 101( |\r|$)/m);
    expect(ok).toMatch(/^a=rtpmap:101 telephone-event\/8000/m);

    await iqOk(
      alice,
      jingleIq(
        caller,
        { action: 'session-info', sid },
        xml('dtmf', { xmlns: NS_DTMF, code: '#', duration: '200' }),
      ),
    );
    await until(
      () => /received DTMF: '#'/.test(bob.proc.output()),
      5000,
      () => `baresip receiving the INFO:\n${bob.proc.output().slice(-3000)}`,
    );
    const info = bob.sipMessages().find((m) => m.direction === 'received' && m.firstLine.startsWith('INFO '));
    expect(info?.text).toMatch(/^Content-Type:\s*application\/dtmf-relay/im);
    expect(body(info!)).toMatch(/^Signal=#\r?$/m);

    await chrome.dtmf('4');
    await until(
      // baresip logs an RFC 4733 event it receives as `received event: '<digit>' (end=…)`.
      () => /received event: '4'/.test(bob.proc.output()),
      5000,
      () => `baresip receiving Chromium's RTP DTMF:\n${bob.proc.output().slice(-3000)}`,
    );
    // Straight in RTP: no INFO for it.
    expect(bob.sipMessages().filter((m) => m.firstLine.startsWith('INFO '))).toHaveLength(1);

    await bob.command('sndcode', '3');
    await sleep(1000);
    expect(alice.all(sessionInfo(sid, 'dtmf', NS_DTMF))).toEqual([]);

    // alice (the callee) hangs up: baresip hears the BYE.
    await iqOk(alice, terminate({ to: caller, sid }));
    await byeReached(bob);
    await expectNoLiveCalls(bed.world);
  });
});
