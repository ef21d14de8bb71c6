/**
 * RFC 3264 §8: each new SDP of ours in an anchored call (a re-INVITE's offer, the answer to the
 * peer's re-INVITE) keeps the o= session id and has the next version. rtpengine keeps the o= line
 * of the SDP it is given, so the version must be right before it goes to the anchor. Found with
 * baresip in test/e2e/baresip-midcall.test.ts, where every re-INVITE and 200 said version 1.
 */
import { CallRegistry, XmppCall } from '../../src/calls';
import type { Call } from '../../src/calls/call';
import type { Effect } from '../../src/calls/events';
import { context, iqOf, okWith, one, read } from './support';

const body = (f: string): string => read(f).split('\r\n\r\n').slice(1).join('\r\n\r\n');
const client = 'romeo@montague.lit/orchard';
const offerXml = read('jingle-xep/xep0320-ex01-initiate-fingerprint.xml').replace(
  "to='juliet@capulet.lit/balcony'",
  "to='+15551230000@gw.localhost'",
);
const forSip = read('captured/rtpengine-10.5.3-offer-rtp-for-sip.sdp');
const forXmpp = read('captured/rtpengine-10.5.3-answer-webrtc-for-xmpp.sdp');
const plainAnswer = okWith(body('captured/baresip-1.0.0-200ok-plain.sip'));
const peer = body('captured/baresip-1.0.0-invite-plain.sip');
const sessionInfo = (child: string, id: string) =>
  iqOf(`<iq from='${client}' to='+15551230000@gw.localhost' type='set' id='${id}'>
    <jingle xmlns='urn:xmpp:jingle:1' action='session-info' sid='a73sjjvkla37jfea'>${child}</jingle></iq>`);
const info = (kind: string) => `<${kind} xmlns='urn:xmpp:jingle:apps:rtp:info:1'/>`;

/** An anchored XMPP → SIP call, answered and accepted (as in anchored-call.test.ts). */
function established() {
  const registry = new CallRegistry();
  const { call } = XmppCall.start(iqOf(offerXml), context({}, { rtpengine: 'udp://127.0.0.1:22222' }));
  registry.add(call);
  const h = (e: Parameters<Call['handle']>[0]): Effect[] => registry.handle(call, e);
  h({ kind: 'timer', name: 'gather' });
  h({ kind: 'media-done', purpose: 'invite', sdp: forSip });
  h({ kind: 'sip-answered', response: plainAnswer });
  h({ kind: 'media-done', purpose: 'accept', sdp: forXmpp });
  return h;
}

/** The o= session id and version of an SDP. */
function origin(sdp: string): [string, number] {
  const m = /^o=\S+ (\d+) (\d+) /m.exec(sdp) as RegExpExecArray;
  return [m[1] as string, Number(m[2])];
}

test("the answers to the peer's hold and resume re-INVITEs, given to the anchor, have versions 2 and 3", () => {
  const h = established();
  const answers = ['a=sendonly', 'a=sendrecv'].map((dir) => {
    h({ kind: 'sip-reoffer', id: 1, body: peer.replace('a=sendrecv', dir) });
    const reanswer = one(h({ kind: 'media-done', purpose: 'reoffer', sdp: forXmpp }), 'media');
    h({ kind: 'media-done', purpose: 'reanswer', sdp: forSip });
    return origin(reanswer.sdp);
  });
  expect(answers[1]![0]).toBe(answers[0]![0]);
  expect(answers.map(([, v]) => v)).toEqual([2, 3]);
});

test("the client's <hold/> and <active/> → offers to the anchor with versions 2 and 3", () => {
  const h = established();
  const offers = ['hold', 'active'].map((kind, i) => {
    const offer = one(h({ kind: 'jingle', iq: sessionInfo(info(kind), `h${i}`) }), 'media');
    h({ kind: 'media-done', purpose: 'reinvite', sdp: forSip });
    h({ kind: 'sip-reinvite-done', response: okWith(peer) });
    h({ kind: 'media-done', purpose: 'reinvite-answer', sdp: forXmpp });
    return origin(offer.sdp);
  });
  expect(offers[1]![0]).toBe(offers[0]![0]);
  expect(offers.map(([, v]) => v)).toEqual([2, 3]);
});
