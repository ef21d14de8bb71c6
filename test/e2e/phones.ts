/**
 * The call setup the e2e tests with a real SIP phone (baresip, linphone) share: the phone calls
 * alice and she answers from Chromium, or Chromium calls the phone; the gateway's JID for a
 * phone's own address; the media config with rtpengine anchoring; the end-of-call checks.
 */
import { randomUUID } from 'node:crypto';
import type { SipTraced } from '../../src/peers/baresip';
import type { Rtpengine } from '../support/rtpengine';
import { WebrtcPeer } from '../support/webrtc';
import {
  iqOk,
  jingleAction,
  proposed,
  useWorld,
  type Bed,
  type BedOptions,
  type Bot,
  type Element,
  type WorldOptions,
} from './harness';
import { jmi } from './stanzas';
import { acceptFrom, initiateFrom, sdpOf, until } from './webrtc-jingle';

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
