/**
 * Our Recv-Info (RFC 6086 §5.2.2, §5.2.3) in the effects a call asks of its SIP leg: every INVITE
 * and re-INVITE we send carries it; our 2xx to the peer's INVITE, re-INVITE or UPDATE carries it
 * exactly when that request had one. End to end the value is `trickle-ice` (RFC 8840 §4);
 * anchored it is empty (we take no package, §5.2.2). Legacy DTMF INFO needs no Recv-Info.
 * Pure: events in, effects out.
 */
import { CallRegistry, SipCall, XmppCall } from '../../src/calls';
import type { Call } from '../../src/calls/call';
import type { Effect } from '../../src/calls/events';
import type { SipHeader, SipRequest } from '../../src/sip/message/types';
import {
  anchoredAcceptXml,
  BARESIP_INVITE,
  context,
  DEVICE,
  DEVICE_ACCEPT_XML,
  iqOf,
  okWith,
  one,
  pick,
  read,
  sip,
} from './support';

const RTPENGINE = { rtpengine: 'udp://127.0.0.1:22222' };
const TRICKLE: SipHeader = { name: 'Recv-Info', value: 'trickle-ice' };
const NONE: SipHeader = { name: 'Recv-Info', value: '' };

const gw = '+15551230000@gw.localhost';
const client = 'romeo@montague.lit/orchard';
const offerXml = read('jingle-xep/xep0320-ex01-initiate-fingerprint.xml').replace(
  "to='juliet@capulet.lit/balcony'",
  `to='${gw}'`,
);
const body = (f: string): string => read(f).split('\r\n\r\n').slice(1).join('\r\n\r\n');
const peerSdp = read('captured/chromium-156.0.8078.79-audio-answer.sdp');
const forSip = read('captured/rtpengine-10.5.3-offer-rtp-for-sip.sdp');
const forXmpp = read('captured/rtpengine-10.5.3-answer-webrtc-for-xmpp.sdp');
const HOLD = "<hold xmlns='urn:xmpp:jingle:apps:rtp:info:1'/>";
const sessionInfo = (child: string, id: string) =>
  iqOf(`<iq from='${client}' to='${gw}' type='set' id='${id}'>
    <jingle xmlns='urn:xmpp:jingle:1' action='session-info' sid='a73sjjvkla37jfea'>${child}</jingle></iq>`);

/** A captured INVITE with Recv-Info lines added (as a UA of RFC 6086 §5.2.2 sends them). */
const withRecvInfo = (invite: SipRequest, ...values: string[]): SipRequest => ({
  ...invite,
  headers: [...invite.headers, ...values.map((value) => ({ name: 'Recv-Info', value }))],
});

function handler(call: Call) {
  const registry = new CallRegistry();
  registry.add(call);
  return (e: Parameters<Call['handle']>[0]): Effect[] => registry.handle(call, e);
}

describe('XMPP → SIP: our INVITE and re-INVITEs', () => {
  it('end to end: INVITE and the hold re-INVITE say Recv-Info: trickle-ice', () => {
    const h = handler(XmppCall.start(iqOf(offerXml), context()).call);
    expect(one(h({ kind: 'timer', name: 'gather' }), 'sip-invite').headers).toEqual([TRICKLE]);
    h({ kind: 'sip-answered', response: okWith(peerSdp) });
    h({ kind: 'sip-ack' });
    expect(one(h({ kind: 'jingle', iq: sessionInfo(HOLD, 'h1') }), 'sip-reinvite').headers).toEqual([
      TRICKLE,
    ]);
  });

  it('anchored: an empty Recv-Info in the INVITE and the hold re-INVITE; DTMF INFO still taken, trickle-ice 469', () => {
    const h = handler(XmppCall.start(iqOf(offerXml), context({}, RTPENGINE)).call);
    h({ kind: 'timer', name: 'gather' });
    expect(one(h({ kind: 'media-done', purpose: 'invite', sdp: forSip }), 'sip-invite').headers).toEqual([
      NONE,
    ]);
    h({ kind: 'sip-answered', response: okWith(body('captured/baresip-1.0.0-200ok-plain.sip')) });
    h({ kind: 'media-done', purpose: 'accept', sdp: forXmpp });
    h({ kind: 'sip-ack' });
    h({ kind: 'jingle', iq: sessionInfo(HOLD, 'h1') });
    const held = forSip.replace('a=sendrecv', 'a=sendonly');
    expect(one(h({ kind: 'media-done', purpose: 'reinvite', sdp: held }), 'sip-reinvite').headers).toEqual([
      NONE,
    ]);
    // Legacy INFO is no package (RFC 6086 §5.2.2 keeps it beside the mechanism): DTMF goes on.
    const dtmf = h({ kind: 'sip-info', id: 1, info: { kind: 'dtmf', code: '5', durationMs: 160 } });
    expect(one(dtmf, 'sip-request-answer')).toEqual({ kind: 'sip-request-answer', id: 1, status: 200 });
    expect(one(dtmf, 'send-jingle').jingle.info).toEqual({ kind: 'dtmf', code: '5', duration: 160 });
    const trickle = h({ kind: 'sip-info', id: 2, info: { kind: 'trickle', frag: 'a=mid:0\r\n' } });
    expect(one(trickle, 'sip-request-answer')).toMatchObject({ status: 469, headers: [NONE] });
  });
});

describe('our 2xx to the peer’s requests (RFC 6086 §5.2.3)', () => {
  /** A SIP → XMPP call, not anchored, answered by the device: the effects of the 200. */
  function answered(invite: SipRequest) {
    const started = SipCall.start(invite, 'sid1', context());
    if (!started.call) throw new Error('refused');
    const h = handler(started.call);
    h({ kind: 'jmi', jmi: 'proceed', from: DEVICE });
    h({ kind: 'jingle', iq: iqOf(DEVICE_ACCEPT_XML) });
    return { h, ok: one(h({ kind: 'timer', name: 'gather' }), 'sip-accept') };
  }

  it('an INVITE with Recv-Info (even an empty one) → our 200 with ours; without → none (MUST NOT)', () => {
    expect(answered(withRecvInfo(BARESIP_INVITE, 'trickle-ice')).ok.headers).toEqual([TRICKLE]);
    expect(answered(withRecvInfo(BARESIP_INVITE, '')).ok.headers).toEqual([TRICKLE]);
    // baresip 1.0.0 sends no Recv-Info (test/fixtures/captured): our 200 must not either.
    expect(answered(BARESIP_INVITE).ok.headers).toBeUndefined();
  });

  it('a re-INVITE with Recv-Info → our 200 with the same value; without → none; a refusal never', () => {
    const { h } = answered(BARESIP_INVITE);
    h({ kind: 'sip-ack' });
    const reoffer = (version: number) =>
      BARESIP_INVITE.body.replace(/^(o=\S+ \S+ )(\d+)/m, (_, a: string) => `${a}${version}`);
    const asked = h({ kind: 'sip-reoffer', id: 1, body: reoffer(2), recvInfo: '' });
    expect(one(asked, 'sip-reoffer-answer')).toMatchObject({ id: 1, status: 200, headers: [TRICKLE] });
    const plain = h({ kind: 'sip-reoffer', id: 2, body: reoffer(3) });
    expect(one(plain, 'sip-reoffer-answer').headers).toBeUndefined();
    // An offerless re-INVITE gets our offer in its 200 (RFC 3261 §14.2): the same rule.
    const offerless = h({ kind: 'sip-reoffer', id: 3, body: '', recvInfo: 'trickle-ice' });
    expect(one(offerless, 'sip-reoffer-answer')).toMatchObject({ status: 200, headers: [TRICKLE] });
    // Garbage is refused: no 2xx, no Recv-Info.
    const bad = h({ kind: 'sip-reoffer', id: 4, body: 'v=0\r\nnonsense\r\n', recvInfo: 'trickle-ice' });
    const refusal = pick(bad, 'sip-reoffer-answer')[0];
    expect(refusal?.status).toBeGreaterThanOrEqual(400);
    expect(refusal?.headers).toBeUndefined();
  });

  it('anchored: an INVITE with Recv-Info → our 200 with an empty one', () => {
    const invite = withRecvInfo(sip('captured/baresip-1.0.0-invite-plain.sip') as SipRequest, 'trickle-ice');
    const started = SipCall.start(invite, 'sid1', context({ gatherWindowMs: 0 }, RTPENGINE));
    if (!started.call) throw new Error('refused');
    const h = handler(started.call);
    const proposed = h({
      kind: 'media-done',
      purpose: 'propose',
      sdp: read('captured/rtpengine-10.5.3-offer-webrtc-for-xmpp.sdp'),
    });
    const from = one(proposed, 'send-jmi').from;
    const initiate = one(h({ kind: 'jmi', jmi: 'proceed', from: DEVICE }), 'send-jingle').jingle;
    h({ kind: 'jingle', iq: iqOf(anchoredAcceptXml(from, initiate.contents[0]!.name)) });
    const sdp = read('captured/rtpengine-10.5.3-answer-rtp-for-sip.sdp');
    expect(one(h({ kind: 'media-done', purpose: 'answer', sdp }), 'sip-accept').headers).toEqual([NONE]);
  });
});
