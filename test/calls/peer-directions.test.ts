/**
 * A SIP peer's re-INVITE that redirects streams without holding the call (RFC 3264 §8.3) →
 * XEP-0166 §7.2 content-modify with the senders our answer agrees (src/translate/roles.ts), the
 * 200 at once with the directions RFC 3264 §6.1 allows from the client's own senders; an offer in
 * which every live stream is sendonly or inactive is a hold (§8.4) → `<hold/>` only, and its
 * resume is compared with the peer's SDP before the hold (docs/midcall.md §Streams). Sessions
 * from captured Chromium 156 traffic (./content-support.ts): the peer's audio and video both
 * start recvonly; baresip 1.0.0 for the SIP-originated call. Pure.
 */
import { CallRegistry, XmppCall } from '../../src/calls';
import type { CallEvent, Effect } from '../../src/calls/events';
import type { Jingle } from '../../src/jingle/types';
import { sdpToJingle } from '../../src/translate/description';
import { tables } from '../support/tables';
import { CALLER, context, DEVICE, kinds, okWith, one, pick, read } from './support';
import {
  audioAnswer,
  client,
  avAnswer,
  answerSdp,
  baresipCall,
  baresipInvite,
  established,
  iq,
  jingles,
  named,
  peerWithVideo,
  portZero,
  reinviteSdp,
  sid,
  version,
  withVideo,
} from './content-support';

const avOfferSdp = read('captured/chromium-156.0.8078.79-av-bundle-offer.sdp');

type Dir = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
/** The peer's audio+video SDP (o= `v`) with each m-section's direction attribute replaced. */
function avOffer(v: number, audio: Dir, videoDir: Dir): string {
  const sdp = peerWithVideo(avAnswer, v);
  const at = sdp.indexOf('m=video');
  const set = (part: string, d: Dir): string =>
    part.replace(/^a=(sendrecv|sendonly|recvonly|inactive)$/m, `a=${d}`);
  return set(sdp.slice(0, at), audio) + set(sdp.slice(at), videoDir);
}
const reoffer = (id: number, body: string): CallEvent => ({ kind: 'sip-reoffer', id, body });
const directions = (e: Parameters<typeof answerSdp>[0]) => answerSdp(e).media.map((m) => m.direction);
const modify = (contents: Jingle['contents']): Jingle => ({
  action: 'content-modify',
  sid,
  contents,
  groups: [],
});
const info = (kind: 'hold' | 'active'): Jingle => ({
  action: 'session-info',
  sid,
  contents: [],
  groups: [],
  info: { kind },
});

describe("the SIP peer redirects a stream (XMPP → SIP call, the peer the session's responder)", () => {
  it('video recvonly → inactive, audio as it was → content-modify senders none, 200 with video inactive (RFC 3264 §6.1)', () => {
    const { h } = withVideo();
    const e = h(reoffer(8, avOffer(4, 'recvonly', 'inactive')));
    expect(jingles(e)).toEqual([modify([{ creator: 'initiator', name: '1', senders: 'none' }])]);
    expect(one(e, 'sip-reoffer-answer')).toMatchObject({ id: 8, status: 200 });
    // Audio answered sendonly (the peer only receives), video inactive.
    expect(directions(e)).toEqual(['sendonly', 'inactive']);
    expect(pick(e, 'sip-reinvite')).toEqual([]);
  });

  it('video recvonly → sendonly → senders responder (the peer alone sends), answered recvonly', () => {
    const { h } = withVideo();
    const e = h(reoffer(8, avOffer(4, 'recvonly', 'sendonly')));
    expect(jingles(e)).toEqual([modify([{ creator: 'initiator', name: '1', senders: 'responder' }])]);
    expect(directions(e)).toEqual(['sendonly', 'recvonly']);
  });

  it('the same offer again (a session refresh) changes nothing: no content-modify', () => {
    const { h } = withVideo();
    h(reoffer(8, avOffer(4, 'recvonly', 'inactive')));
    const again = h(reoffer(9, avOffer(5, 'recvonly', 'inactive')));
    expect(jingles(again)).toEqual([]);
    expect(one(again, 'sip-reoffer-answer').status).toBe(200);
  });

  it("the client's content-accept or content-reject of it → IQ result, nothing to SIP; an unknown one still out-of-order", () => {
    const { h } = withVideo();
    h(reoffer(8, avOffer(4, 'recvonly', 'inactive')));
    const accepted = h({
      kind: 'jingle',
      iq: iq(named('content-accept', ['1'], { senders: 'none' }), 'ma'),
    });
    expect(kinds(accepted)).toBe('iq-result');
    h(reoffer(9, avOffer(5, 'recvonly', 'sendonly')));
    const rejected = h({ kind: 'jingle', iq: iq(named('content-reject', ['1']), 'mr') });
    expect(kinds(rejected)).toBe('iq-result');
    const stray = h({ kind: 'jingle', iq: iq(named('content-reject', ['1']), 'ms') });
    expect(one(stray, 'iq-error')).toMatchObject({
      condition: 'unexpected-request',
      jingleCondition: 'out-of-order',
    });
  });

  it('audio only: recvonly → sendrecv (the peer starts sending) → content-modify senders both, 200 sendrecv', () => {
    const { h } = established();
    const e = h(reoffer(3, version(audioAnswer, 3).replace('a=recvonly', 'a=sendrecv')));
    expect(jingles(e)).toEqual([modify([{ creator: 'initiator', name: '0', senders: 'both' }])]);
    expect(directions(e)).toEqual(['sendrecv']);
  });
});

describe("the client's own senders absorb what they can (RFC 3264 §6.1)", () => {
  /** withVideo, then the client's content-modify: only it sends video (senders initiator), taken. */
  function clientSendsVideoOnly() {
    const c = withVideo();
    c.h({
      kind: 'jingle',
      iq: iq(modify([{ creator: 'initiator', name: '1', senders: 'initiator' }]), 'm1'),
    });
    // The peer's answer: video recvonly (it only receives), as Chromium's answer says.
    c.h({ kind: 'sip-reinvite-done', response: okWith(peerWithVideo(avAnswer, 4)) });
    return c;
  }

  it('the peer then offers video sendrecv: the answer keeps sendonly, the agreed senders stay: no content-modify', () => {
    const { h } = clientSendsVideoOnly();
    const e = h(reoffer(8, avOffer(5, 'recvonly', 'sendrecv')));
    expect(jingles(e)).toEqual([]);
    expect(directions(e)).toEqual(['sendonly', 'sendonly']);
  });

  it('the peer then offers video inactive: content-modify senders none', () => {
    const { h } = clientSendsVideoOnly();
    const e = h(reoffer(8, avOffer(5, 'recvonly', 'inactive')));
    expect(jingles(e)).toEqual([modify([{ creator: 'initiator', name: '1', senders: 'none' }])]);
    expect(directions(e)).toEqual(['sendonly', 'inactive']);
  });
});

describe('hold is not a senders change (RFC 3264 §8.4: every live stream sendonly or inactive)', () => {
  it('audio and video sendonly → <hold/> only; the resume with video now inactive → <active/> and content-modify against the SDP before the hold', () => {
    const { h } = withVideo();
    const held = h(reoffer(8, avOffer(4, 'sendonly', 'sendonly')));
    expect(jingles(held)).toEqual([info('hold')]);
    expect(directions(held)).toEqual(['recvonly', 'recvonly']);
    const resumed = h(reoffer(9, avOffer(5, 'recvonly', 'inactive')));
    // Audio is back to recvonly as before the hold (no change); video went recvonly → inactive.
    expect(jingles(resumed)).toEqual([
      info('active'),
      modify([{ creator: 'initiator', name: '1', senders: 'none' }]),
    ]);
    expect(directions(resumed)).toEqual(['sendonly', 'inactive']);
  });

  it('audio sendonly with video inactive is a hold too: <hold/>, no content-modify; resuming as before → <active/> only', () => {
    const { h } = withVideo();
    const held = h(reoffer(8, avOffer(4, 'sendonly', 'inactive')));
    expect(jingles(held)).toEqual([info('hold')]);
    expect(directions(held)).toEqual(['recvonly', 'inactive']);
    const resumed = h(reoffer(9, avOffer(5, 'recvonly', 'recvonly')));
    expect(jingles(resumed)).toEqual([info('active')]);
  });

  it('video inactive while audio stays sendrecv is no hold: content-modify, no <hold/>', () => {
    const { h } = withVideo();
    h(reoffer(8, avOffer(4, 'sendrecv', 'sendrecv')));
    const e = h(reoffer(9, avOffer(5, 'sendrecv', 'inactive')));
    expect(jingles(e)).toEqual([modify([{ creator: 'initiator', name: '1', senders: 'none' }])]);
    expect(directions(e)).toEqual(['sendrecv', 'inactive']);
  });
});

describe('a SIP-originated call (baresip 1.0.0, the session initiator)', () => {
  it("baresip's audio sendrecv → recvonly (it stops sending) → content-modify senders responder to the device, 200 sendonly", () => {
    const invite = baresipInvite;
    const { h } = baresipCall();
    const body = invite.body.replace('2002187394', '2002187395').replace('a=sendrecv', 'a=recvonly');
    const e = h(reoffer(2, body));
    const sent = one(e, 'send-jingle');
    expect(sent).toMatchObject({ from: CALLER, to: DEVICE });
    expect(sent.jingle).toEqual({
      action: 'content-modify',
      sid: 'sid2',
      contents: [{ creator: 'initiator', name: 'audio', senders: 'responder' }],
      groups: [],
    });
    expect(directions(e)).toEqual(['sendonly']);
  });
});

describe('a stream the first answer refused (RFC 3264 §6: port 0)', () => {
  /** The client offered Chromium's audio + video; the peer took the audio only. */
  function videoRefused() {
    const registry = new CallRegistry();
    const initiate = sdpToJingle(avOfferSdp, tables, { action: 'session-initiate', sid, initiator: client });
    const { call } = XmppCall.start(iq(initiate, 'init'), context());
    registry.add(call);
    const h = (e: CallEvent): Effect[] => registry.handle(call, e);
    h({ kind: 'timer', name: 'gather' });
    h({ kind: 'sip-answered', response: okWith(portZero(peerWithVideo(avAnswer, 2))) });
    h({ kind: 'sip-ack' });
    return h;
  }

  it('our hold re-INVITE keeps the refused video at port 0 and out of BUNDLE', () => {
    const h = videoRefused();
    const offer = reinviteSdp(h({ kind: 'jingle', iq: iq(info('hold'), 'h1') }));
    expect(offer.media.map((m) => [m.type, m.port === 0, m.direction])).toEqual([
      ['audio', false, 'sendonly'],
      ['video', true, undefined],
    ]);
    expect(offer.groups).toEqual([{ type: 'BUNDLE', mids: '0' }]);
  });

  it('its later offer enabling the video is a content-add', () => {
    const h = videoRefused();
    // A direction change first (the slots are laid out then), then the video enabled.
    h(reoffer(3, portZero(avOffer(3, 'sendrecv', 'recvonly'))));
    const e = h(reoffer(4, avOffer(4, 'sendrecv', 'sendrecv')));
    expect(jingles(e).map((j) => [j.action, j.contents.map((c) => [c.creator, c.name])])).toEqual([
      ['content-add', [['responder', '1']]],
    ]);
    expect(pick(e, 'sip-reoffer-answer')).toEqual([]);
  });
});
