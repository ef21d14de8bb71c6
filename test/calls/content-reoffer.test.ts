/**
 * Streams added, removed and redirected during a call (src/calls/content-reoffer.ts), both
 * ways: the client's XEP-0166 §7.2 content-add/-remove/-modify → a re-INVITE (RFC 3264 §8) and
 * the peer's answer → content-accept/-reject; the SIP peer's re-INVITE adding or disabling an
 * m-line → content-add/-remove and the 200 from the client's reply (RFC 3264 §6: a declined
 * stream at port 0). Sessions from captured Chromium 156 traffic (the audio call, then the video
 * section of its audio+video BUNDLE call) and baresip 1.0.0's video INVITE. Pure: events in,
 * effects out.
 */
import { CallRegistry, SipCall } from '../../src/calls';
import { CONTENT_WAIT_MS } from '../../src/calls/content-reoffer';
import type { CallEvent, Effect } from '../../src/calls/events';
import type { Jingle } from '../../src/jingle/types';
import type { SipRequest } from '../../src/sip/message/types';
import { CALLER, DEVICE, context, kinds, okWith, one, pick, read, sip } from './support';
import {
  client,
  gw,
  sid,
  audioAnswer,
  avOffer,
  avAnswer,
  parsed,
  videoSection,
  version,
  peerWithVideo,
  portZero,
  iq,
  video,
  named,
  reinviteDone,
  xmppCall,
  established,
  withVideo,
  reinviteSdp,
  answerSdp,
  jingles,
  baresipCall,
  baresipInvite,
  baresipVideoAnswer,
  baresipVideoInvite,
  deviceAddsVideo,
} from './content-support';

describe('the client changes streams (XMPP → SIP, not anchored)', () => {
  it('content-add video → re-INVITE with audio in place and video appended, BUNDLE 0 1, o= +1, no actpass; 200 → content-accept', () => {
    const { h } = established();
    const e = h({ kind: 'jingle', iq: iq(video('content-add', avOffer, 'initiator')) });
    expect(kinds(e)).toBe('iq-result, sip-reinvite');
    const offer = reinviteSdp(e);
    expect(offer.media.map((m) => [m.type, m.mid, m.port !== 0])).toEqual([
      ['audio', '0', true],
      ['video', '1', true],
    ]);
    expect(offer.media[0]!.iceUfrag).toBe('zkx0');
    expect(offer.groups).toEqual([{ type: 'BUNDLE', mids: '0 1' }]);
    // Our INVITE was version 1 (RFC 3264 §8: each new SDP one up).
    expect(offer.origin.sessionVersion).toBe(2);
    // RFC 8842 §5.5: the peer was active, so every m-line of ours (the new one too) says passive.
    expect(offer.media.map((m) => m.setup)).toEqual(['passive', 'passive']);

    const done = h(reinviteDone(peerWithVideo(avAnswer, 3)));
    const [accept] = jingles(done);
    expect(accept).toMatchObject({ action: 'content-accept', sid });
    expect(accept!.contents.map((c) => [c.creator, c.name, c.description?.media])).toEqual([
      ['initiator', '1', 'video'],
    ]);
    const t = accept!.contents[0]!.transport;
    expect(t?.kind === 'ice-udp' && t.ufrag).toBe('jFFT');
    expect(one(done, 'send-jingle')).toMatchObject({ from: gw, to: client });
    expect(pick(done, 'sip-reinvite')).toEqual([]);
  });

  it('after the video was added, a hold re-INVITE carries both m-lines, both sendonly', () => {
    const { h } = withVideo();
    const hold = h({
      kind: 'jingle',
      iq: iq({ action: 'session-info', sid, contents: [], groups: [], info: { kind: 'hold' } }, 'h1'),
    });
    const offer = reinviteSdp(hold);
    expect(offer.media.map((m) => [m.type, m.direction])).toEqual([
      ['audio', 'sendonly'],
      ['video', 'sendonly'],
    ]);
    expect(offer.origin.sessionVersion).toBe(3);
  });

  it('the peer answers the video with port 0 → content-reject; a later re-INVITE keeps that m-line disabled', () => {
    const { h } = established();
    h({ kind: 'jingle', iq: iq(video('content-add', avOffer, 'initiator')) });
    const done = h(reinviteDone(portZero(peerWithVideo(avAnswer, 3))));
    expect(jingles(done)).toEqual([
      { action: 'content-reject', sid, contents: [{ creator: 'initiator', name: '1' }], groups: [] },
    ]);
    const hold = h({
      kind: 'jingle',
      iq: iq({ action: 'session-info', sid, contents: [], groups: [], info: { kind: 'hold' } }, 'h1'),
    });
    expect(reinviteSdp(hold).media.map((m) => [m.type, m.port === 0])).toEqual([
      ['audio', false],
      ['video', true],
    ]);
  });

  it('the peer refuses the re-INVITE (488) → content-reject; the session stays audio only', () => {
    const { h, call } = established();
    h({ kind: 'jingle', iq: iq(video('content-add', avOffer, 'initiator')) });
    const refused = h({
      kind: 'sip-reinvite-done',
      response: { ...okWith(''), status: 488, reason: 'Not Acceptable Here' },
    });
    expect(jingles(refused).map((j) => [j.action, j.contents.map((c) => c.name)])).toEqual([
      ['content-reject', ['1']],
    ]);
    expect(call.ended).toBe(false);
    const hold = h({
      kind: 'jingle',
      iq: iq({ action: 'session-info', sid, contents: [], groups: [], info: { kind: 'hold' } }, 'h1'),
    });
    expect(reinviteSdp(hold).media.map((m) => m.type)).toEqual(['audio']);
  });

  it('content-remove → re-INVITE with the video at port 0 and out of BUNDLE; later offers keep the m-line', () => {
    const { h } = withVideo();
    const e = h({ kind: 'jingle', iq: iq(named('content-remove', ['1']), 'r1') });
    expect(kinds(e)).toBe('iq-result, sip-reinvite');
    const offer = reinviteSdp(e);
    expect(offer.media.map((m) => [m.type, m.port])).toEqual([
      ['audio', offer.media[0]!.port],
      ['video', 0],
    ]);
    expect(offer.media[0]!.port).not.toBe(0);
    expect(offer.groups).toEqual([{ type: 'BUNDLE', mids: '0' }]);
    // The peer's answer disables it too: nothing to tell the client.
    const done = h(reinviteDone(portZero(peerWithVideo(avAnswer, 4))));
    expect(jingles(done)).toEqual([]);
    const hold = h({
      kind: 'jingle',
      iq: iq({ action: 'session-info', sid, contents: [], groups: [], info: { kind: 'hold' } }, 'h1'),
    });
    const later = reinviteSdp(hold);
    expect(later.media.map((m) => [m.type, m.port === 0])).toEqual([
      ['audio', false],
      ['video', true],
    ]);
    expect(later.groups).toEqual([{ type: 'BUNDLE', mids: '0' }]);
  });

  it('content-modify senders → re-INVITE with that direction; 200 → content-accept with the senders agreed', () => {
    const { h } = withVideo();
    // The client (initiator) alone sends video: a=sendonly from its side (XEP-0166 §7.2.3).
    const e = h({ kind: 'jingle', iq: iq(named('content-modify', ['1'], { senders: 'initiator' }), 'm1') });
    const offer = reinviteSdp(e);
    expect(offer.media.map((m) => m.direction)).toEqual([offer.media[0]!.direction, 'sendonly']);
    // Chromium's answer has the video recvonly: the client alone sends, as asked.
    const answer = peerWithVideo(avAnswer, 4);
    const done = h(reinviteDone(answer));
    expect(jingles(done)).toEqual([
      {
        action: 'content-accept',
        sid,
        contents: [{ creator: 'initiator', name: '1', senders: 'initiator' }],
        groups: [{ semantics: 'BUNDLE', contents: ['0', '1'] }],
      },
    ]);
  });

  it('bad input → bad-request and nothing to SIP: an unknown content, a content-add of a name in use', () => {
    const { h } = established();
    const unknown = h({ kind: 'jingle', iq: iq(named('content-remove', ['nope']), 'b1') });
    expect(one(unknown, 'iq-error')).toMatchObject({ id: 'b1', condition: 'bad-request' });
    expect(one(unknown, 'iq-error').text).toMatch(/nope/);
    const modify = h({
      kind: 'jingle',
      iq: iq(named('content-modify', ['nope'], { senders: 'none' }), 'b2'),
    });
    expect(one(modify, 'iq-error').condition).toBe('bad-request');
    const again = video('content-add', avOffer, 'initiator');
    again.contents[0]!.name = '0';
    const dup = h({ kind: 'jingle', iq: iq(again, 'b3') });
    expect(one(dup, 'iq-error').condition).toBe('bad-request');
    for (const e of [unknown, modify, dup]) expect(pick(e, 'sip-reinvite')).toEqual([]);
  });

  it('content-add while another offer is out → conflict + tie-break, nothing to SIP; the peer crossing ours gets 491', () => {
    const { h } = established();
    h({ kind: 'jingle', iq: iq(video('content-add', avOffer, 'initiator')) });
    const second = h({ kind: 'jingle', iq: iq(named('content-remove', ['0']), 'x2') });
    expect(one(second, 'iq-error')).toMatchObject({ condition: 'conflict', jingleCondition: 'tie-break' });
    expect(pick(second, 'sip-reinvite')).toEqual([]);
    const glare = h({ kind: 'sip-reoffer', id: 5, body: peerWithVideo(avOffer, 3) });
    expect(glare).toEqual([{ kind: 'sip-reoffer-answer', id: 5, status: 491 }]);
    // A hold waiting for our re-INVITE, as before (RFC 3261 §14.1).
    const hold = h({
      kind: 'jingle',
      iq: iq({ action: 'session-info', sid, contents: [], groups: [], info: { kind: 'hold' } }, 'h1'),
    });
    expect(pick(hold, 'sip-reinvite')).toEqual([]);
    const done = h(reinviteDone(peerWithVideo(avAnswer, 3)));
    expect(jingles(done).map((j) => j.action)).toEqual(['content-accept']);
    expect(reinviteSdp(done).media.map((m) => m.direction)).toEqual(['sendonly', 'sendonly']);
  });

  it('content-add before the answer → out-of-order; removing the last content → BYE, session-terminate, the call freed', () => {
    const c = xmppCall();
    c.h({ kind: 'timer', name: 'gather' });
    const early = c.h({ kind: 'jingle', iq: iq(video('content-add', avOffer, 'initiator')) });
    expect(one(early, 'iq-error')).toMatchObject({
      condition: 'unexpected-request',
      jingleCondition: 'out-of-order',
    });
    c.h({ kind: 'sip-answered', response: okWith(audioAnswer) });
    c.h({ kind: 'sip-ack' });
    const last = c.h({ kind: 'jingle', iq: iq(named('content-remove', ['0']), 'r0') });
    expect(kinds(last)).toContain('sip-bye');
    expect(jingles(last).map((j) => j.action)).toEqual(['session-terminate']);
    expect(c.call.ended).toBe(true);
    expect(c.registry.size).toBe(0);
  });
});

describe('the SIP peer changes streams (XMPP → SIP call, not anchored)', () => {
  const addVideo: CallEvent = { kind: 'sip-reoffer', id: 7, body: peerWithVideo(avOffer, 3) };

  it('a re-INVITE adding video → content-add to the client; its content-accept → 200 with both m-lines', () => {
    const { h } = established();
    const e = h(addVideo);
    expect(pick(e, 'sip-reoffer-answer')).toEqual([]);
    expect(one(e, 'timer-start')).toEqual({ kind: 'timer-start', name: 'content', ms: CONTENT_WAIT_MS });
    const add = one(e, 'send-jingle');
    expect(add).toMatchObject({ from: gw, to: client, jingle: { action: 'content-add', sid } });
    // The gateway speaks for the peer, the session's responder.
    expect(add.jingle.contents.map((c) => [c.creator, c.name, c.description?.media])).toEqual([
      ['responder', '1', 'video'],
    ]);
    expect(add.jingle.groups).toEqual([{ semantics: 'BUNDLE', contents: ['0', '1'] }]);

    const accepted = h({ kind: 'jingle', iq: iq(video('content-accept', avAnswer, 'responder'), 'a1') });
    expect(one(accepted, 'iq-result').id).toBe('a1');
    expect(one(accepted, 'timer-stop').name).toBe('content');
    const ans = one(accepted, 'sip-reoffer-answer');
    expect(ans).toMatchObject({ id: 7, status: 200 });
    const sdp = answerSdp(accepted);
    expect(sdp.media.map((m) => [m.type, m.mid, m.port !== 0])).toEqual([
      ['audio', '0', true],
      ['video', '1', true],
    ]);
    // The client's own transport for audio (as before) and its video answer.
    expect(sdp.media[0]!.iceUfrag).toBe('zkx0');
    expect(sdp.media[1]!.iceUfrag).toBe('jFFT');
    // RFC 5763 §5: never actpass in an answer; the peer offered actpass, Chromium answered active.
    expect(sdp.media.map((m) => m.setup)).not.toContain('actpass');
    expect(sdp.groups).toEqual([{ type: 'BUNDLE', mids: '0 1' }]);
    expect(sdp.origin.sessionVersion).toBe(2);
  });

  it('the client rejects → 200 with the video at port 0 and the audio as it was (RFC 3264 §6)', () => {
    const { h } = established();
    h(addVideo);
    const r = h({ kind: 'jingle', iq: iq(named('content-reject', ['1'], { creator: 'responder' }), 'j1') });
    expect(one(r, 'iq-result').id).toBe('j1');
    const sdp = answerSdp(r);
    expect(one(r, 'sip-reoffer-answer').status).toBe(200);
    expect(sdp.media.map((m) => [m.type, m.port === 0])).toEqual([
      ['audio', false],
      ['video', true],
    ]);
    expect(sdp.media[0]!.iceUfrag).toBe('zkx0');
    expect(sdp.groups).toEqual([{ type: 'BUNDLE', mids: '0' }]);
  });

  it('no answer within the wait → 200 with port 0 and content-remove to the client; a late content-accept is out of order', () => {
    const { h } = established();
    h(addVideo);
    const t = h({ kind: 'timer', name: 'content' });
    expect(answerSdp(t).media.map((m) => m.port === 0)).toEqual([false, true]);
    expect(jingles(t).map((j) => [j.action, j.contents.map((c) => c.name)])).toEqual([
      ['content-remove', ['1']],
    ]);
    const late = h({ kind: 'jingle', iq: iq(video('content-accept', avAnswer, 'responder'), 'a9') });
    expect(one(late, 'iq-error')).toMatchObject({
      condition: 'unexpected-request',
      jingleCondition: 'out-of-order',
    });
    expect(pick(late, 'sip-reoffer-answer')).toEqual([]);
  });

  it('an IQ error to our content-add → 200 with the video at port 0', () => {
    const { h } = established();
    h(addVideo);
    const e = h({ kind: 'jingle-error', action: 'content-add', text: 'feature-not-implemented' });
    expect(answerSdp(e).media.map((m) => m.port === 0)).toEqual([false, true]);
  });

  it('a reply naming no pending content → bad-request, the re-INVITE still waits', () => {
    const { h } = established();
    h(addVideo);
    const e = h({ kind: 'jingle', iq: iq(named('content-accept', ['0']), 'a2') });
    expect(one(e, 'iq-error')).toMatchObject({ id: 'a2', condition: 'bad-request' });
    expect(pick(e, 'sip-reoffer-answer')).toEqual([]);
    const bare = h({
      kind: 'jingle',
      iq: iq(named('content-accept', ['1'], { creator: 'responder' }), 'a3'),
    });
    expect(one(bare, 'iq-error').condition).toBe('bad-request');
  });

  it('a re-INVITE disabling the video (port 0) → content-remove to the client and 200 with it at port 0', () => {
    const { h } = established();
    h(addVideo);
    h({ kind: 'jingle', iq: iq(video('content-accept', avAnswer, 'responder'), 'a1') });
    const e = h({ kind: 'sip-reoffer', id: 8, body: portZero(peerWithVideo(avOffer, 4)) });
    expect(jingles(e)).toEqual([
      { action: 'content-remove', sid, contents: [{ creator: 'responder', name: '1' }], groups: [] },
    ]);
    const sdp = answerSdp(e);
    expect(sdp.media.map((m) => [m.type, m.port === 0])).toEqual([
      ['audio', false],
      ['video', true],
    ]);
    expect(sdp.origin.sessionVersion).toBe(3);
  });

  it('the call ends while the client decides: the timer stops and the call is freed', () => {
    const { h, call, registry } = established();
    h(addVideo);
    const bye = h({ kind: 'sip-bye', request: sip('captured/sipp-3.6.1-uac-bye.sip') as SipRequest });
    expect(pick(bye, 'timer-stop').map((t) => t.name)).toContain('content');
    expect(call.ended).toBe(true);
    expect(registry.size).toBe(0);
  });
});

describe('a SIP-originated call (baresip), not anchored', () => {
  const invite = baresipInvite;
  const device = DEVICE;
  const caller = CALLER;
  const sipCall = () => baresipCall();

  /** baresip's audio INVITE with the video m-line of its own video INVITE appended, o= +1. */
  const addVideo = (): string =>
    invite.body.replace(/^(o=\S+ \S+ )(\d+)/m, (_, a: string, v: string) => `${a}${Number(v) + 1}`) +
    videoSection(baresipVideoInvite.body);

  it("baresip's re-INVITE adding video → content-add (creator initiator) to the device; its accept → 200 with video", () => {
    const { h } = sipCall();
    const e = h({ kind: 'sip-reoffer', id: 3, body: addVideo() });
    const add = one(e, 'send-jingle');
    expect(add).toMatchObject({ from: caller, to: device, jingle: { action: 'content-add' } });
    expect(add.jingle.contents.map((c) => [c.creator, c.name])).toEqual([['initiator', 'video']]);
    const accept: Jingle = { ...add.jingle, action: 'content-accept' };
    const r = h({ kind: 'jingle', iq: iq(accept, 'va', device, caller) });
    const sdp = answerSdp(r);
    expect(sdp.media.map((m) => [m.type, m.port !== 0])).toEqual([
      ['audio', true],
      ['video', true],
    ]);
    expect(sdp.media[1]!.rtp.map((r) => r.codec)).toContain('VP8');
  });

  it("the device's content-add → re-INVITE to baresip with the new m-line; 200 → content-accept", () => {
    const { h } = sipCall();
    const e = h({ kind: 'jingle', iq: iq(deviceAddsVideo(), 'da', device, caller) });
    expect(kinds(e)).toBe('iq-result, sip-reinvite');
    expect(reinviteSdp(e).media.map((m) => m.type)).toEqual(['audio', 'video']);
    const done = h(reinviteDone(baresipVideoAnswer));
    expect(jingles(done).map((x) => [x.action, x.contents.map((c) => [c.creator, c.name])])).toEqual([
      ['content-accept', [['responder', 'video']]],
    ]);
  });
});

describe('anchored calls: stream changes go to the anchor, on calls either side placed', () => {
  const RTPENGINE = { rtpengine: 'udp://127.0.0.1:22222' };
  const forSip = read('captured/rtpengine-10.5.3-offer-rtp-for-sip.sdp');
  const forXmpp = read('captured/rtpengine-10.5.3-answer-webrtc-for-xmpp.sdp');
  const body = (f: string): string => read(f).split('\r\n\r\n').slice(1).join('\r\n\r\n');
  const plain = body('captured/baresip-1.0.0-200ok-plain.sip');

  function anchored() {
    const c = xmppCall(RTPENGINE);
    c.h({ kind: 'timer', name: 'gather' });
    c.h({ kind: 'media-done', purpose: 'invite', sdp: forSip });
    c.h({ kind: 'sip-answered', response: okWith(plain) });
    c.h({ kind: 'media-done', purpose: 'accept', sdp: forXmpp });
    c.h({ kind: 'sip-ack' });
    return c;
  }

  it("the client's content-add goes to the anchor, not to SIP (test/calls/anchored-content.test.ts has the exchange); a change while it is out → tie-break", () => {
    const { h } = anchored();
    const e = h({ kind: 'jingle', iq: iq(video('content-add', avOffer, 'initiator')) });
    expect(kinds(e)).toBe('iq-result, media');
    expect(one(e, 'media')).toMatchObject({ op: 'offer', purpose: 'reinvite', fromTag: 'jingle' });
    // One offer at a time (RFC 3261 §14.1): a change while it is out → tie-break.
    const modify = h({
      kind: 'jingle',
      iq: iq(named('content-modify', ['0'], { senders: 'initiator' }), 'r1'),
    });
    expect(one(modify, 'iq-error')).toMatchObject({ condition: 'conflict', jingleCondition: 'tie-break' });
  });

  it("a call the SIP peer placed: its re-INVITE adding video → the whole offer to the anchor (test/calls/anchored-content-sip.test.ts has the exchange); the device's content-add meanwhile → tie-break", () => {
    const invite = sip('captured/baresip-1.0.0-invite-plain.sip') as SipRequest;
    const device = 'bob@localhost/phone';
    const registry = new CallRegistry();
    const started = SipCall.start(invite, 'sid1', context({ gatherWindowMs: 0 }, RTPENGINE));
    const call = started.call!;
    registry.add(call);
    const h = (e: CallEvent): Effect[] => registry.handle(call, e);
    const proposed = h({
      kind: 'media-done',
      purpose: 'propose',
      sdp: read('captured/rtpengine-10.5.3-offer-webrtc-for-xmpp.sdp'),
    });
    const from = one(proposed, 'send-jmi').from;
    const initiate = one(h({ kind: 'jmi', jmi: 'proceed', from: device }), 'send-jingle').jingle;
    const accept: Jingle = {
      action: 'session-accept',
      sid: 'sid1',
      responder: device,
      groups: [],
      contents: initiate.contents.map((c) => ({
        ...c,
        transport:
          c.transport?.kind === 'ice-udp'
            ? {
                ...c.transport,
                fingerprints: c.transport.fingerprints.map((f) => ({ ...f, setup: 'active' })),
              }
            : c.transport,
      })),
    };
    h({ kind: 'jingle', iq: iq(accept, 'acc', device, from) });
    h({
      kind: 'media-done',
      purpose: 'answer',
      sdp: read('captured/rtpengine-10.5.3-answer-rtp-for-sip.sdp'),
    });
    h({ kind: 'sip-ack' });
    const offer = body('captured/baresip-1.0.0-invite-plain.sip');
    const withVideo = version(offer, 2) + videoSection(body('captured/baresip-1.0.0-invite-video.sip'));
    const e = h({ kind: 'sip-reoffer', id: 4, body: withVideo });
    const toAnchor = one(e, 'media');
    expect(toAnchor).toMatchObject({ op: 'offer', purpose: 'reoffer', fromTag: 'sip' });
    expect(parsed(toAnchor.sdp).media.map((m) => m.type)).toEqual(['audio', 'video']);
    expect(pick(e, 'send-jingle')).toEqual([]);
    // One offer at a time (RFC 3261 §14.1): the device's own change meanwhile → tie-break.
    const add = h({ kind: 'jingle', iq: iq(video('content-add', avOffer, 'responder'), 'c5', device, from) });
    expect(one(add, 'iq-error')).toMatchObject({ condition: 'conflict', jingleCondition: 'tie-break' });
    expect(call.ended).toBe(false);
  });
});
