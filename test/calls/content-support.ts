/**
 * Sessions for the stream-change tests (src/calls/content-reoffer.ts): captured Chromium 156
 * traffic (the audio call, then the video section of its audio+video BUNDLE call) as the
 * client's and the SIP peer's sides, and the calls built from them. Pure.
 */
import { CallRegistry, SipCall, XmppCall } from '../../src/calls';
import type { Call } from '../../src/calls/call';
import type { CallEvent, Effect } from '../../src/calls/events';
import type { Content, IceCandidate, Jingle, JingleIq } from '../../src/jingle/types';
import { parseSdp } from '../../src/sdp';
import type { Sdp } from '../../src/sdp/types';
import type { SipRequest, SipResponse } from '../../src/sip/message/types';
import { sdpToJingle } from '../../src/translate/description';
import { CALLER, context, DEVICE, okWith, one, pick, read, sip } from './support';
import { tables } from '../support/tables';

export const client = 'romeo@montague.lit/orchard';
export const gw = '+15551230000@gw.localhost';
export const sid = 'vsid1';
export const CH = 'captured/chromium-156.0.8078.79-';
export const audioOffer = read(`${CH}audio-offer.sdp`);
export const audioAnswer = read(`${CH}audio-answer.sdp`);
export const avOffer = read(`${CH}av-bundle-offer.sdp`);
export const avAnswer = read(`${CH}av-bundle-answer.sdp`);

export const parsed = (s: string): Sdp => parseSdp(s, tables.hashes);
export const videoSection = (s: string): string => s.slice(s.indexOf('m=video'));
export const version = (s: string, v: number): string => s.replace(/^(o=\S+ \S+ )\d+/m, `$1${v}`);
/**
 * The SIP peer's SDP (Chromium's audio answer) with the video section of Chromium's audio+video
 * call appended and both in the BUNDLE group, o= version `v` — what a peer adding video sends
 * (RFC 3264 §8.1: the new m-line after the old ones).
 */
export const peerWithVideo = (video: string, v: number): string =>
  version(audioAnswer, v).replace('a=group:BUNDLE 0\r\n', 'a=group:BUNDLE 0 1\r\n') + videoSection(video);
/** The same with the video m-line's port 0 (RFC 3264 §6 rejects, §8.2 disables a stream). */
export const portZero = (s: string): string => s.replace(/^m=video 9 /m, 'm=video 0 ');

export const iq = (jingle: Jingle, id = 'c1', from = client, to = gw): JingleIq => ({
  id,
  type: 'set',
  from,
  to,
  jingle,
});
/** Chromium's video content (a=mid 1) as the client speaks it in `action`. */
export function video(
  action: 'content-add' | 'content-accept',
  sdp: string,
  creator: Content['creator'],
): Jingle {
  const j = sdpToJingle(sdp, tables, {
    action: action === 'content-add' ? 'session-initiate' : 'session-accept',
  });
  return {
    action,
    sid,
    contents: j.contents.filter((c) => c.name === '1').map((c) => ({ ...c, creator })),
    groups: [{ semantics: 'BUNDLE', contents: ['0', '1'] }],
  };
}
export const named = (action: Jingle['action'], names: string[], extra: Partial<Content> = {}): Jingle => ({
  action,
  sid,
  contents: names.map((name) => ({ creator: 'initiator' as const, name, ...extra })),
  groups: [],
});
export const reinviteDone = (body: string): CallEvent => ({
  kind: 'sip-reinvite-done',
  response: okWith(body),
});
/** A final response to our re-INVITE: the captured SIPp 200 with its status replaced, no body. */
export const refused = (status: number, reason: string): CallEvent => ({
  kind: 'sip-reinvite-done',
  response: { ...okWith(''), status, reason, body: '' } as SipResponse,
});
/**
 * The client's XEP-0176 transport-info (IQ `id`) for its audio content '0' with `ufrag`/`pwd`
 * (Chromium's audio offer's: candidates only; others: an ICE restart, RFC 8839 §4.4.1.1.1) and
 * `candidates`.
 */
export const audioTransportInfo = (
  o: { ufrag: string; pwd: string; candidates: IceCandidate[] },
  id: string,
): CallEvent => ({
  kind: 'jingle',
  iq: iq(
    {
      action: 'transport-info',
      sid,
      contents: [
        {
          creator: 'initiator',
          name: '0',
          transport: {
            kind: 'ice-udp',
            ufrag: o.ufrag,
            pwd: o.pwd,
            fingerprints: [],
            candidates: o.candidates,
          },
        },
      ],
      groups: [],
    },
    id,
  ),
});

/** An XMPP → SIP call: the client offered Chromium's audio, the SIP peer answered with Chromium's answer. */
export function xmppCall(media: object = {}, random?: () => number) {
  const registry = new CallRegistry();
  const initiate = sdpToJingle(audioOffer, tables, { action: 'session-initiate', sid, initiator: client });
  const ctx = context({}, media);
  const { call } = XmppCall.start(iq(initiate, 'init'), random ? { ...ctx, random } : ctx);
  registry.add(call);
  const h = (e: CallEvent): Effect[] => registry.handle(call, e);
  return { registry, call, h };
}

export function established(random?: () => number) {
  const c = xmppCall({}, random);
  c.h({ kind: 'timer', name: 'gather' });
  c.h({ kind: 'sip-answered', response: okWith(audioAnswer) });
  c.h({ kind: 'sip-ack' });
  return c;
}

/** The client added video and the peer took it. */
export function withVideo(random?: () => number) {
  const c = established(random);
  c.h({ kind: 'jingle', iq: iq(video('content-add', avOffer, 'initiator')) });
  c.h(reinviteDone(peerWithVideo(avAnswer, 3)));
  return c;
}

/** baresip 1.0.0's INVITE with plain RTP audio (captured), the SIP side of {@link baresipCall}. */
export const baresipInvite = sip('captured/baresip-1.0.0-invite-plain.sip') as SipRequest;

/**
 * A SIP → XMPP call (sid `sid2`) from {@link baresipInvite}, not anchored, set up: the device
 * (DEVICE) proceeded and accepted with the INVITE's own SDP, the gather window closed, baresip ACKed.
 */
export function baresipCall(random?: () => number) {
  const registry = new CallRegistry();
  const { call } = SipCall.start(baresipInvite, 'sid2', random ? { ...context(), random } : context());
  if (!call) throw new Error('refused');
  registry.add(call);
  const h = (e: CallEvent): Effect[] => registry.handle(call as Call, e);
  h({ kind: 'jmi', jmi: 'proceed', from: DEVICE });
  const accept = sdpToJingle(baresipInvite.body, tables, { action: 'session-accept', sid: 'sid2' });
  h({ kind: 'jingle', iq: iq(accept, 'acc', DEVICE, CALLER) });
  h({ kind: 'timer', name: 'gather' });
  h({ kind: 'sip-ack' });
  return { registry, call, h };
}

/** baresip 1.0.0's audio+video INVITE and the body of its 200 to a re-INVITE adding video (captured). */
export const baresipVideoInvite = sip('captured/baresip-1.0.0-invite-video.sip') as SipRequest;
export const baresipVideoAnswer = read('captured/baresip-1.0.0-200ok-video.sip')
  .split('\r\n\r\n')
  .slice(1)
  .join('\r\n\r\n');

/** The device's content-add (creator responder) of the video of {@link baresipVideoInvite}, in `sid2`. */
export function deviceAddsVideo(): Jingle {
  const add = sdpToJingle(baresipVideoInvite.body, tables, { action: 'session-initiate', sid: 'sid2' });
  return {
    action: 'content-add',
    sid: 'sid2',
    contents: add.contents.filter((c) => c.name === 'video').map((c) => ({ ...c, creator: 'responder' })),
    groups: [],
  };
}

export const reinviteSdp = (e: Effect[]): Sdp => parsed(one(e, 'sip-reinvite').body);
export const answerSdp = (e: Effect[]): Sdp => parsed(one(e, 'sip-reoffer-answer').body!);
export const jingles = (e: Effect[]): Jingle[] => pick(e, 'send-jingle').map((s) => s.jingle);
