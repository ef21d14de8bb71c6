/**
 * The call setup the e2e tests with a real SIP phone (baresip, linphone) share: the phone calls
 * alice and she answers from Chromium, or Chromium calls the phone; the gateway's JID for a
 * phone's own address; the media config with rtpengine anchoring; the end-of-call checks; for the
 * transfer tests, the target on the gateway's own route, the transferor's REFER and NOTIFYs,
 * alice's XEP-0251 `<transfer/>`, and the audio counted through the anchor.
 */
import { randomUUID } from 'node:crypto';
import type { SipTraced } from '../../src/peers/baresip';
import { NS_TRANSFER } from '../../src/jingle/namespaces';
import { xml } from '../../src/xmpp/stanza/xml';
import { startBaresip, type Baresip, type BaresipOptions } from '../support/baresip';
import { freePort, freePortPair } from '../support/processes';
import { startRtpengine, type Rtpengine } from '../support/rtpengine';
import { WebrtcPeer } from '../support/webrtc';
import {
  iqOk,
  jingleAction,
  jingleOf,
  proposed,
  useWorld,
  type Bed,
  type BedOptions,
  type Bot,
  type Element,
  type WorldOptions,
} from './harness';
import { jingleIq, jmi } from './stanzas';
import { hdr, received, responseTo, sent, sipfrags, type Traced } from './sip-trace';
import { acceptFrom, anchorPackets, initiateFrom, sdpOf, until } from './webrtc-jingle';

/** What the helpers read of a phone: its process (for the failure text) and its SIP trace. */
export interface TracedPhone {
  proc: { output(): string };
  sipMessages(): SipTraced[];
}

/** What a test stops after it: a phone's process. */
export interface Stoppable {
  proc: { stop(): Promise<unknown> };
}

/**
 * {@link useWorld} for tests with real phones and Chromium, with an afterEach declared before
 * useWorld's hooks so that it runs first: Chromium and the phones of the test stop before the
 * check that no call is left (also after a failure).
 */
export function usePhoneWorld<P extends Stoppable>(
  o: BedOptions = {},
): {
  bed: Bed;
  /** The phones of the running test, in the order they started. */
  phones: readonly P[];
  /** Keeps the phone `started` to stop after the test. */
  phone<Q extends P>(started: Promise<Q>): Promise<Q>;
  /** Starts headless Chromium, stopped after the test. */
  chromium(): Promise<WebrtcPeer>;
} {
  let chrome: WebrtcPeer | undefined;
  const phones: P[] = [];
  afterEach(async () => {
    await chrome?.stop();
    chrome = undefined;
    for (const p of phones.splice(0)) await p.proc.stop();
  });
  return {
    bed: useWorld(o),
    phones,
    async phone(started) {
      const p = await started;
      phones.push(p);
      return p;
    },
    async chromium() {
      chrome = await WebrtcPeer.start();
      return chrome;
    },
  };
}

/** baresip with ICE, DTLS-SRTP and rtcp-mux, for media straight to Chromium (no anchor). */
export const ICE_BARESIP = {
  sipTrace: true,
  dtls: true,
  modules: ['ice.so', 'rtcpsummary.so'],
  accountParams: ';medianat=ice',
  // Chromium requires rtcp-mux (RFC 8843 bundles aside, JSEP §5.1.3).
  config: ['rtcp_mux\t\tyes'],
};

/** The gateway's media config anchoring through `rtp` where one side has no ICE (docs/media.md). */
export function anchoredMedia(rtp: Rtpengine): Pick<WorldOptions, 'mediaYaml' | 'gatherWindowMs'> {
  return {
    mediaYaml: [`rtpengine: ${rtp.uri}`, 'anchor: auto', 'offer: [as-offered, rtp]'],
    gatherWindowMs: 100,
  };
}

/** The JID for `user@127.0.0.1:<port>`, a phone's own address (XEP-0106 escaping). */
export const phoneJid = (user: string, port: number): string =>
  `${user}\\40127.0.0.1\\3a${port}@gw.localhost`;

/**
 * A phone calls alice (`dial` starts it), who accepts the JMI propose and answers the
 * session-initiate from Chromium; the sid (the JMI id), her peer's JID and the session-initiate.
 */
export async function phoneCallsAlice(
  alice: Bot,
  dial: () => unknown,
  c: WebrtcPeer,
): Promise<{ sid: string; peer: string; initiate: Element }> {
  const seen = new Set(alice.received.map((s) => s.toString()));
  await dial();
  const { id, caller } = await proposed(alice, (s) => !seen.has(s.toString()));
  await alice.send(jmi('proceed', { to: caller, id }));
  const initiate = await alice.waitFor(jingleAction(id, 'session-initiate'), 8000, 'session-initiate');
  await iqOk(alice, acceptFrom(await c.answerOffer(sdpOf(initiate)), initiate, alice.jid));
  return { sid: id, peer: caller, initiate };
}

/** Chromium calls `peer` (a phone's JID) and takes its answer; the sid and the session-accept. */
export async function aliceCalls(
  alice: Bot,
  peer: string,
  c: WebrtcPeer,
): Promise<{ sid: string; peer: string; accept: Element }> {
  const sid = randomUUID();
  const offer = await c.offer();
  await iqOk(alice, initiateFrom(offer, { from: alice.jid, to: peer, sid }));
  const accept = await alice.waitFor(jingleAction(sid, 'session-accept'), 10_000, 'session-accept');
  await c.takeAnswer(sdpOf(accept, offer));
  return { sid, peer, accept };
}

/** Waits for the gateway's BYE at the phone (alice hung up). */
export async function byeReached(p: TracedPhone): Promise<void> {
  await until(
    () => p.sipMessages().some((m) => m.direction === 'received' && m.firstLine.startsWith('BYE ')),
    5000,
    () => `the BYE at the phone:\n${p.proc.output().slice(-2000)}`,
  );
}

/** Waits for rtpengine to have no session left (the gateway deleted the call's). */
export async function rtpengineEmpty(rtp: Rtpengine): Promise<void> {
  await until(
    async () => (await rtp.control.list()).length === 0,
    3000,
    () => 'rtpengine session deleted',
  );
}

/**
 * {@link usePhoneWorld} for the transfer tests: rtpengine for the bed's media ({@link anchoredMedia},
 * `rtp()` once the bed is up, stopped after all) and a free `sip.outbound` port, the gateway's own
 * route to the transfer target ({@link startTarget}).
 */
export function useTransferWorld<P extends Stoppable>(): ReturnType<typeof usePhoneWorld<P>> & {
  rtp(): Rtpengine;
} {
  let rtp: Rtpengine | undefined;
  const world = usePhoneWorld<P>({
    late: async () => {
      rtp = await startRtpengine();
      return { outboundPort: await freePortPair(), ...anchoredMedia(rtp) };
    },
  });
  afterAll(() => rtp?.stop());
  return {
    ...world,
    rtp() {
      if (rtp === undefined) throw new Error('rtpengine not started (the bed is not up)');
      return rtp;
    },
  };
}

/** The number a phone transfers to: a number, so the gateway's own route takes it (`sip.outbound`). */
export const TARGET = '+15551239999';

/** baresip as the transfer target {@link TARGET}, traced, on the gateway's `sip.outbound` port. */
export async function startTarget(bed: Bed, o: BaresipOptions = {}): Promise<Baresip> {
  return startBaresip(bed.world.outboundPort, await freePort(), { ...o, user: TARGET, sipTrace: true });
}

/** The Request-URI of the gateway's INVITE to target `b` by its own route (the start of the line). */
export const toTarget = (b: { sipPort: number }): RegExp =>
  new RegExp(`^INVITE sip:\\${TARGET}@127\\.0\\.0\\.1:${b.sipPort}[ ;]`);

/** Waits for `p`'s BYE to be answered 200 (it hung up); `what` names it in the failure text. */
export async function byeAnswered(p: TracedPhone, what: string, ms = 15_000): Promise<void> {
  await until(
    () => received(p, 'SIP/2.0 200').some((m) => /^CSeq:\s*\d+ BYE/im.test(m.text)),
    ms,
    () => `${what}:\n${p.proc.output().slice(-3000)}`,
  );
}

/**
 * The transferor's side of a blind transfer the gateway carried out (RFC 5589 §6.1 Figure 2):
 * its REFER got 202, then NOTIFYs (RFC 3515 §2.4.5) 100 at once and each response of the new
 * call (the target rings, then answers), each `Event: refer` and message/sipfrag, the last ending
 * the subscription. The REFER and the NOTIFYs, for the test's own checks.
 */
export function expectBlindNotified(p: Traced): { refer?: SipTraced; notifies: SipTraced[] } {
  const [refer] = sent(p, 'REFER ');
  expect(responseTo(p, refer)).toMatch(/^SIP\/2\.0 202 /);
  const notifies = received(p, 'NOTIFY ');
  expect(sipfrags(notifies)).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 180 Ringing', 'SIP/2.0 200 OK']);
  for (const n of notifies) {
    expect(hdr(n, 'Event')).toMatch(/^refer\b/);
    expect(hdr(n, 'Content-Type')).toMatch(/^message\/sipfrag/);
  }
  expect(notifies.map((n) => hdr(n, 'Subscription-State')?.split(';')[0])).toEqual([
    'active',
    'active',
    'terminated',
  ]);
  return { refer, notifies };
}

/**
 * alice transfers her call `sid` with `peer` to `target` (XEP-0251 §2 Example 5) and the gateway
 * ends her session as transferred (Example 10); the session-terminate.
 */
export async function aliceTransfers(
  alice: Bot,
  { peer, sid }: { peer: string; sid: string },
  target: string,
): Promise<Element> {
  const ended = alice.waitFor(jingleAction(sid, 'session-terminate'), 15_000, 'session-terminate');
  await iqOk(
    alice,
    jingleIq(peer, { action: 'session-info', sid }, xml('transfer', { xmlns: NS_TRANSFER, to: target })),
  );
  const term = await ended;
  expect(jingleOf(term)?.getChild('reason')?.getChild('success')).toBeDefined();
  expect(jingleOf(term)?.getChild('reason')?.getChild('transferred', NS_TRANSFER)).toBeDefined();
  return term;
}

/**
 * baresip's own RTP counts, live: menu's `audio_debug` prints libre's RTCP session, with the
 * packets it sent (`TX: packets=…`) and, per source, those it received (`member …: … rcvd=…`),
 * and the address it sends to (`remote: <ip:port>/…`).
 */
export async function baresipRtp(p: Baresip): Promise<{ sent: number; received: number; remote?: string }> {
  const said = JSON.parse(await p.command('audio_debug')) as { data?: string };
  const text = said.data ?? '';
  const remote = /^\s*local: \S+, remote: ([^/\s]+)/m.exec(text)?.[1];
  return {
    sent: Number(/TX: packets=(\d+)/.exec(text)?.[1] ?? 0),
    received: [...text.matchAll(/ rcvd=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0),
    ...(remote === undefined ? {} : { remote }),
  };
}

/** Packets from each leg at rtpengine, into Chromium, and sent and received by baresip `p`, now. */
async function anchoredCounts(rtp: Rtpengine, c: WebrtcPeer, p: Baresip): Promise<Record<string, number>> {
  const legs = await anchorPackets(rtp);
  const phone = await baresipRtp(p);
  return {
    sip: legs.sip ?? 0,
    jingle: legs.jingle ?? 0,
    chrome: (await c.stats()).packetsReceived,
    phoneSent: phone.sent,
    phoneReceived: phone.received,
  };
}

/**
 * Audio both ways between Chromium and baresip `p` through the anchor `rtp`: each leg at
 * rtpengine, Chromium's packets in and `p`'s in and out each grow by `n` packets (50/s each way).
 */
export async function anchoredAudioBothWays(
  rtp: Rtpengine,
  c: WebrtcPeer,
  p: Baresip,
  n = 100,
): Promise<void> {
  const from = await anchoredCounts(rtp, c, p);
  let now = from;
  await until(
    async () => {
      now = await anchoredCounts(rtp, c, p);
      return Object.keys(from).every((k) => (now[k] ?? 0) - (from[k] ?? 0) >= n);
    },
    15_000,
    () => `${n} more packets each way (from ${JSON.stringify(from)} to ${JSON.stringify(now)})`,
  );
}

/**
 * The SIP side's RTP and RTCP ports as rtpengine was told them in SDP (the `sip` tag's
 * `advertised endpoint`s), not as it latched them from where packets came from: the target's
 * packets alone would move the latched `endpoint` (no strict-source), without the gateway's answer.
 */
export async function sipAdvertised(rtp: Rtpengine): Promise<number[]> {
  const [id] = await rtp.control.list();
  if (id === undefined) return [];
  const q = await rtp.control.query(id);
  type Stream = { 'advertised endpoint'?: { port?: number } };
  const tags = q.tags as Record<string, { medias?: Array<{ streams?: Stream[] }> }>;
  return (tags.sip?.medias ?? [])
    .flatMap((m) => m.streams ?? [])
    .map((s) => s['advertised endpoint']?.port ?? 0);
}
