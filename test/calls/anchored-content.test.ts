/**
 * Streams in an anchored XMPP → SIP call (src/calls/content-reoffer.ts, docs/midcall.md
 * §Streams), both ways through the anchor: the client's content-add → the Jingle side's new
 * description as an ng offer from the Jingle side → the re-INVITE with rtpengine's SDP → the
 * peer's answer as an ng answer → content-accept with rtpengine's transport for the new
 * content; the SIP peer's re-INVITE adding video → ng offer from the SIP side → content-add with
 * rtpengine's transport → the client's reply as an ng answer → 200 with rtpengine's SDP; and the
 * video removed again, each way. Every SDP of rtpengine's here is what rtpengine 10.5.3
 * (Debian) wrote when this very call was driven against it by
 * scripts/capture/rtpengine-video-sdp.js (test/fixtures/captured/rtpengine-10.5.3-video-add-*.sdp
 * and -peer-video-*.sdp); the client is Chromium 156 (its raw-IP audio offer, then the video
 * section of its audio+video BUNDLE offer on the audio's transport, or of its answer cut to
 * VP8), the SIP peer baresip 1.0.0 (its plain audio SDP with the video section of its video 200
 * OK or INVITE). Pure.
 */
import { CallRegistry, XmppCall } from '../../src/calls';
import type { CallEvent, Effect } from '../../src/calls/events';
import { MAX_GLARE_RETRIES } from '../../src/calls/glare';
import type { Jingle } from '../../src/jingle/types';
import { sdpToJingle } from '../../src/translate/description';
import { CH, client, gw, iq, named, parsed, sid } from './content-support';
import { context, kinds, okWith, one, pick, read } from './support';
import { tables } from '../support/tables';

const V = 'captured/rtpengine-10.5.3-video-add-';
const forSip = read(`${V}1-invite-for-sip.sdp`);
const forXmpp = read(`${V}2-accept-for-xmpp.sdp`);
const reinviteForSip = read(`${V}3-reinvite-for-sip.sdp`);
const answerForXmpp = read(`${V}4-reinvite-answer-for-xmpp.sdp`);
const port0ForXmpp = read(`${V}4-port0-answer-for-xmpp.sdp`);
const removeForSip = read(`${V}5-remove-for-sip.sdp`);
const removeAnswerForXmpp = read(`${V}6-remove-answer-for-xmpp.sdp`);
const modifyForSip = read(`${V}7-modify-for-sip.sdp`);
const modifyAnswerForXmpp = read(`${V}8-modify-answer-for-xmpp.sdp`);
/** `sdp` with its o= version one up (RFC 3264 §8). */
const bump = (sdp: string): string =>
  sdp.replace(/^(o=\S+ \S+ )(\d+)/m, (_, p: string, v: string) => `${p}${Number(v) + 1}`);
const body = (f: string): string => read(f).split('\r\n\r\n').slice(1).join('\r\n\r\n');
const plain = body('captured/baresip-1.0.0-200ok-plain.sip');

/** baresip's audio answer, o= +1, with its video section (as scripts/capture/rtpengine-video-sdp.js). */
function peerVideoAnswer(port0 = false): string {
  const bumped = plain.replace(/^(o=\S+ \S+ )(\d+)/m, (_, p: string, v: string) => `${p}${Number(v) + 1}`);
  const video = body('captured/baresip-1.0.0-200ok-video.sip');
  const v = video.slice(video.indexOf('m=video'));
  return bumped + (port0 ? v.replace(/^m=video \d+/, 'm=video 0') : v);
}

const initiate = sdpToJingle(read(`${CH}audio-rawip-offer.sdp`), tables, {
  action: 'session-initiate',
  sid,
  initiator: client,
});
const av = sdpToJingle(read(`${CH}av-bundle-offer.sdp`), tables, { action: 'session-initiate' });
/** Chromium's video content, bundled with the audio (RFC 8843 §4: on the audio's transport). */
const addVideo: Jingle = {
  action: 'content-add',
  sid,
  contents: av.contents
    .filter((c) => c.name === '1')
    .map((c) => ({ ...c, creator: 'initiator' as const, transport: initiate.contents[0]!.transport! })),
  groups: [{ semantics: 'BUNDLE', contents: ['0', '1'] }],
};

function anchored(random?: () => number) {
  const registry = new CallRegistry();
  const ctx = { ...context({}, { rtpengine: 'udp://127.0.0.1:22222', offer: ['rtp'] }), random };
  const { call } = XmppCall.start(iq(initiate, 'init'), ctx);
  registry.add(call);
  const h = (e: CallEvent): Effect[] => registry.handle(call, e);
  h({ kind: 'timer', name: 'gather' });
  h({ kind: 'media-done', purpose: 'invite', sdp: forSip });
  h({ kind: 'sip-answered', response: okWith(plain) });
  h({ kind: 'media-done', purpose: 'accept', sdp: forXmpp });
  h({ kind: 'sip-ack' });
  return { call, h };
}

/** content-add → the anchor's offer → the re-INVITE; returns the effects of each step. */
function addThroughAnchor(h: (e: CallEvent) => Effect[]) {
  const added = h({ kind: 'jingle', iq: iq(addVideo) });
  const reinvite = h({ kind: 'media-done', purpose: 'reinvite', sdp: reinviteForSip });
  return { added, reinvite };
}

describe('anchored: the client adds video through rtpengine', () => {
  it('content-add → IQ result and an ng offer from the Jingle side with audio and video in place, BUNDLE 0 1, the settled DTLS role, the SIP side’s RTP/AVP flags', () => {
    const { h } = anchored();
    const { added } = addThroughAnchor(h);
    expect(kinds(added)).toBe('iq-result, media');
    const offer = one(added, 'media');
    expect(offer).toMatchObject({ op: 'offer', purpose: 'reinvite', fromTag: 'jingle', toTag: 'sip' });
    expect(offer.flags).toMatchObject({ ICE: 'remove', 'transport-protocol': 'RTP/AVP' });
    const sdp = parsed(offer.sdp);
    expect(sdp.media.map((m) => [m.type, m.mid])).toEqual([
      ['audio', '0'],
      ['video', '1'],
    ]);
    expect(sdp.groups).toEqual([{ type: 'BUNDLE', mids: '0 1' }]);
    // rtpengine answered the first offer `active`: the Jingle side is passive, the new m-line too (RFC 8842 §5.5).
    expect(sdp.media.map((m) => m.setup ?? sdp.setup)).toEqual(['passive', 'passive']);
    expect(pick(added, 'send-jingle')).toEqual([]);
  });

  it('a bundled content-add without candidates takes the audio’s address and candidates (RFC 8843 §7.1), else rtpengine reads c=0.0.0.0 as a hold', () => {
    const { h } = anchored();
    const bare = structuredClone(addVideo);
    const t = bare.contents[0]!.transport!;
    if (t.kind !== 'ice-udp') throw new Error('not ICE-UDP');
    t.candidates = [];
    const sdp = parsed(one(h({ kind: 'jingle', iq: iq(bare) }), 'media').sdp);
    const [audio, video] = sdp.media;
    expect(video!.port).toBe(audio!.port);
    expect(video!.port).not.toBe(9);
    expect(video!.connection?.ip).toBe(audio!.connection?.ip);
    expect(video!.candidates?.map((c) => [c.ip, c.port])).toEqual(
      audio!.candidates?.map((c) => [c.ip, c.port]),
    );
  });

  it('rtpengine’s SDP → re-INVITE; the peer’s 200 → ng answer; rtpengine’s answer → content-accept with its ICE, candidate, fingerprint and setup for the video', () => {
    const { h, call } = anchored();
    const { reinvite } = addThroughAnchor(h);
    expect(one(reinvite, 'sip-reinvite').body).toBe(reinviteForSip);
    const peer = peerVideoAnswer();
    const done = h({ kind: 'sip-reinvite-done', response: okWith(peer) });
    expect(kinds(done)).toBe('media');
    expect(one(done, 'media')).toMatchObject({
      op: 'answer',
      purpose: 'reinvite-answer',
      fromTag: 'jingle',
      toTag: 'sip',
      sdp: peer,
    });
    const accepted = h({ kind: 'media-done', purpose: 'reinvite-answer', sdp: answerForXmpp });
    const accept = one(accepted, 'send-jingle');
    expect(accept.to).toBe(client);
    expect(accept.from).toBe(gw);
    expect(accept.jingle.action).toBe('content-accept');
    expect(accept.jingle.contents.map((c) => [c.creator, c.name])).toEqual([['initiator', '1']]);
    const video = parsed(answerForXmpp).media[1]!;
    const t = accept.jingle.contents[0]!.transport!;
    if (t.kind !== 'ice-udp') throw new Error('not ICE-UDP');
    expect([t.ufrag, t.pwd]).toEqual([video.iceUfrag, video.icePwd]);
    expect(t.candidates.map((c) => [c.ip, c.port])).toEqual([['127.0.0.1', video.port]]);
    expect(t.fingerprints[0]).toMatchObject({ setup: 'active', value: video.fingerprints[0]!.value });
    expect(accept.jingle.contents[0]!.description?.media).toBe('video');
    expect(call.ended).toBe(false);
  });

  it('after the add, the client’s <hold/> goes through the anchor with both m-lines', () => {
    const { h } = anchored();
    addThroughAnchor(h);
    h({ kind: 'sip-reinvite-done', response: okWith(peerVideoAnswer()) });
    h({ kind: 'media-done', purpose: 'reinvite-answer', sdp: answerForXmpp });
    const hold = iq({ action: 'session-info', sid, contents: [], groups: [], info: { kind: 'hold' } }, 'h1');
    const held = h({ kind: 'jingle', iq: hold });
    const sdp = parsed(one(held, 'media').sdp);
    expect(sdp.media.map((m) => [m.type, m.port !== 0, m.direction])).toEqual([
      ['audio', true, 'sendonly'],
      ['video', true, 'sendonly'],
    ]);
  });

  it('a candidate trickled after the add → refresh: the Jingle side now (audio + video, the new candidate) as the offer, the peer’s last answer (with video) as the answer; no re-INVITE', () => {
    const { h } = anchored();
    addThroughAnchor(h);
    const answer = peerVideoAnswer();
    h({ kind: 'sip-reinvite-done', response: okWith(answer) });
    h({ kind: 'media-done', purpose: 'reinvite-answer', sdp: answerForXmpp });
    const t = initiate.contents[0]!.transport!;
    if (t.kind !== 'ice-udp') throw new Error('not ICE-UDP');
    const late = { ...t.candidates[0]!, id: 'late1', foundation: '9', ip: '192.0.2.77', port: 50999 };
    const trickled = h({
      kind: 'jingle',
      iq: iq(
        {
          action: 'transport-info',
          sid,
          groups: [],
          contents: [{ creator: 'initiator', name: '0', transport: { ...t, candidates: [late] } }],
        },
        't1',
      ),
    });
    expect(pick(trickled, 'sip-reinvite')).toEqual([]);
    const [offer, again] = pick(trickled, 'media');
    expect(offer).toMatchObject({ op: 'offer', purpose: 'refresh', fromTag: 'jingle', toTag: 'sip' });
    const sdp = parsed(offer!.sdp);
    expect(sdp.media.map((m) => m.type)).toEqual(['audio', 'video']);
    expect(sdp.media[0]!.candidates?.map((c) => c.ip)).toContain('192.0.2.77');
    expect(again).toMatchObject({ op: 'answer', purpose: 'refresh', sdp: answer });
  });

  it('the peer answers the video with port 0 → rtpengine’s answer says port 0 too → content-reject', () => {
    const { h } = anchored();
    addThroughAnchor(h);
    const done = h({ kind: 'sip-reinvite-done', response: okWith(peerVideoAnswer(true)) });
    expect(parsed(one(done, 'media').sdp).media[1]!.port).toBe(0);
    const out = h({ kind: 'media-done', purpose: 'reinvite-answer', sdp: port0ForXmpp });
    const reject = one(out, 'send-jingle').jingle;
    expect(reject.action).toBe('content-reject');
    expect(reject.contents).toEqual([{ creator: 'initiator', name: '1' }]);
  });

  it('the peer refuses the re-INVITE (488) → content-reject, and the anchor gets the audio-only description again', () => {
    const { h, call } = anchored();
    addThroughAnchor(h);
    const refused = h({
      kind: 'sip-reinvite-done',
      response: { ...okWith(''), status: 488, reason: 'Not Acceptable Here' },
    });
    expect(one(refused, 'send-jingle').jingle).toMatchObject({
      action: 'content-reject',
      contents: [{ creator: 'initiator', name: '1' }],
    });
    const restore = one(refused, 'media');
    expect(restore).toMatchObject({ op: 'offer', purpose: 'refresh', fromTag: 'jingle', toTag: 'sip' });
    expect(parsed(restore.sdp).media.map((m) => m.type)).toEqual(['audio']);
    expect(pick(refused, 'sip-reinvite')).toEqual([]);
    expect(call.ended).toBe(false);
  });

  it('the anchor failing on the offer → content-reject, nothing to SIP', () => {
    const { h } = anchored();
    h({ kind: 'jingle', iq: iq(addVideo) });
    const out = h({ kind: 'media-failed', purpose: 'reinvite', text: 'rtpengine did not answer offer' });
    expect(one(out, 'send-jingle').jingle.action).toBe('content-reject');
    expect(pick(out, 'sip-reinvite')).toEqual([]);
  });

  it('one offer at a time: a second content-add while ours is out → tie-break; the peer’s re-INVITE → 491', () => {
    const { h } = anchored();
    addThroughAnchor(h);
    const again = h({
      kind: 'jingle',
      iq: iq({ ...addVideo, contents: [{ ...addVideo.contents[0]!, name: 'v2' }] }, 'c2'),
    });
    expect(one(again, 'iq-error')).toMatchObject({ condition: 'conflict', jingleCondition: 'tie-break' });
    const peer = h({ kind: 'sip-reoffer', id: 7, body: plain });
    expect(one(peer, 'sip-reoffer-answer').status).toBe(491);
  });

  it('content-modify (the client only sends video) → ng offer with the video a=sendonly → re-INVITE; the peer’s recvonly → content-accept senders=initiator', () => {
    const { h } = anchored();
    addThroughAnchor(h);
    const answer = peerVideoAnswer();
    h({ kind: 'sip-reinvite-done', response: okWith(answer) });
    h({ kind: 'media-done', purpose: 'reinvite-answer', sdp: answerForXmpp });
    const modified = h({
      kind: 'jingle',
      iq: iq(named('content-modify', ['1'], { senders: 'initiator' }), 'm1'),
    });
    expect(kinds(modified)).toBe('iq-result, media');
    const sdp = parsed(one(modified, 'media').sdp);
    expect(sdp.media.map((m) => m.direction ?? sdp.direction)).toEqual(['sendrecv', 'sendonly']);
    expect(one(h({ kind: 'media-done', purpose: 'reinvite', sdp: modifyForSip }), 'sip-reinvite').body).toBe(
      modifyForSip,
    );
    const peer = bump(answer).replace(/(m=video[^]*?)a=sendrecv/, '$1a=recvonly');
    h({ kind: 'sip-reinvite-done', response: okWith(peer) });
    const accepted = h({ kind: 'media-done', purpose: 'reinvite-answer', sdp: modifyAnswerForXmpp });
    expect(one(accepted, 'send-jingle').jingle).toMatchObject({
      action: 'content-accept',
      contents: [{ creator: 'initiator', name: '1', senders: 'initiator' }],
    });
    // The client's side says it from now on: a <hold/> keeps the video sendonly.
    const held = h({
      kind: 'jingle',
      iq: iq({ action: 'session-info', sid, contents: [], groups: [], info: { kind: 'hold' } }, 'h1'),
    });
    const h2 = parsed(one(held, 'media').sdp);
    expect(h2.media.map((m) => m.direction ?? h2.direction)).toEqual(['sendonly', 'sendonly']);
  });

  it('after the peer refused the video (port 0), the Jingle side keeps that m-line at port 0: a <hold/> offers both m-lines', () => {
    const { h } = anchored();
    addThroughAnchor(h);
    h({ kind: 'sip-reinvite-done', response: okWith(peerVideoAnswer(true)) });
    h({ kind: 'media-done', purpose: 'reinvite-answer', sdp: port0ForXmpp });
    const held = h({
      kind: 'jingle',
      iq: iq({ action: 'session-info', sid, contents: [], groups: [], info: { kind: 'hold' } }, 'h1'),
    });
    expect(parsed(one(held, 'media').sdp).media.map((m) => [m.type, m.port === 0])).toEqual([
      ['audio', false],
      ['video', true],
    ]);
  });

  it('content-remove of the added video → ng offer with m=video 0 in place, BUNDLE 0 → re-INVITE with rtpengine’s SDP; the peer’s answer → the anchor; nothing to the client', () => {
    const { h } = anchored();
    addThroughAnchor(h);
    const answer = peerVideoAnswer();
    h({ kind: 'sip-reinvite-done', response: okWith(answer) });
    h({ kind: 'media-done', purpose: 'reinvite-answer', sdp: answerForXmpp });
    const removed = h({ kind: 'jingle', iq: iq(named('content-remove', ['1']), 'r1') });
    expect(kinds(removed)).toBe('iq-result, media');
    const offer = one(removed, 'media');
    expect(offer).toMatchObject({ op: 'offer', purpose: 'reinvite', fromTag: 'jingle', toTag: 'sip' });
    const sdp = parsed(offer.sdp);
    expect(sdp.media.map((m) => [m.type, m.port === 0, m.mid])).toEqual([
      ['audio', false, '0'],
      ['video', true, '1'],
    ]);
    expect(sdp.groups).toEqual([{ type: 'BUNDLE', mids: '0' }]);
    const reinvite = h({ kind: 'media-done', purpose: 'reinvite', sdp: removeForSip });
    expect(one(reinvite, 'sip-reinvite').body).toBe(removeForSip);
    const peer = bump(answer).replace(/^m=video \d+/m, 'm=video 0');
    expect(one(h({ kind: 'sip-reinvite-done', response: okWith(peer) }), 'media')).toMatchObject({
      op: 'answer',
      purpose: 'reinvite-answer',
      sdp: peer,
    });
    expect(
      pick(h({ kind: 'media-done', purpose: 'reinvite-answer', sdp: removeAnswerForXmpp }), 'send-jingle'),
    ).toEqual([]);
    // The stream is gone from the Jingle side, its m-line kept: a <hold/> offers it at port 0.
    const held = h({
      kind: 'jingle',
      iq: iq({ action: 'session-info', sid, contents: [], groups: [], info: { kind: 'hold' } }, 'h1'),
    });
    expect(parsed(one(held, 'media').sdp).media.map((m) => m.port === 0)).toEqual([false, true]);
  });

  it('content-remove of the last content → session-terminate and BYE, nothing to the anchor but its delete', () => {
    const { h, call } = anchored();
    const out = h({ kind: 'jingle', iq: iq(named('content-remove', ['0']), 'r1') });
    expect(kinds(out)).toContain('iq-result');
    expect(pick(out, 'media')).toEqual([]);
    expect(kinds(out)).toContain('media-delete');
    expect(call.ended).toBe(true);
  });
});

const Q = 'captured/rtpengine-10.5.3-peer-video-';
const reofferForXmpp = read(`${Q}1-reoffer-for-xmpp.sdp`);
const reanswerForSip = read(`${Q}2-reanswer-for-sip.sdp`);
const port0ForSip = read(`${Q}2-port0-for-sip.sdp`);
const peerRemoveForXmpp = read(`${Q}3-remove-for-xmpp.sdp`);
const peerRemoveAnswerForSip = read(`${Q}4-remove-answer-for-sip.sdp`);
/** baresip's plain audio SDP, o= +1, with the video section of its video INVITE (as the capture script). */
function peerVideoOffer(): string {
  const bumped = plain.replace(/^(o=\S+ \S+ )(\d+)/m, (_, p: string, v: string) => `${p}${Number(v) + 1}`);
  const video = body('captured/baresip-1.0.0-invite-video.sip');
  return bumped + video.slice(video.indexOf('m=video'));
}
/** Chromium's video answer cut to the offered VP8 (96), on the audio's transport (as the capture script). */
function acceptVideo(name: string): Jingle {
  const answer = sdpToJingle(read(`${CH}av-bundle-answer.sdp`), tables, { action: 'session-accept' });
  const c = answer.contents.find((k) => k.description?.media === 'video')!;
  const description = {
    ...c.description!,
    payloadTypes: c.description!.payloadTypes.filter((p) => p.id === 96),
  };
  const transport = sdpToJingle(read(`${CH}audio-rawip-answer.sdp`), tables, { action: 'session-accept' })
    .contents[0]!.transport!;
  return {
    action: 'content-accept',
    sid,
    groups: [],
    contents: [{ creator: 'responder', name, description, transport }],
  };
}

describe('anchored: the SIP peer adds video through rtpengine', () => {
  /** The peer's re-INVITE → the anchor → content-add; returns it. */
  function peerAdds(h: (e: CallEvent) => Effect[]) {
    const offered = h({ kind: 'sip-reoffer', id: 5, body: peerVideoOffer() });
    const add = h({ kind: 'media-done', purpose: 'reoffer', sdp: reofferForXmpp });
    return { offered, add };
  }

  it('re-INVITE adding video → the whole offer to rtpengine from the SIP side (flags toward the client); rtpengine’s rewrite → content-add with its ICE, candidate and fingerprint', () => {
    const { h } = anchored();
    const { offered, add } = peerAdds(h);
    const toAnchor = one(offered, 'media');
    expect(toAnchor).toMatchObject({ op: 'offer', purpose: 'reoffer', fromTag: 'sip', toTag: 'jingle' });
    expect(toAnchor.flags).toMatchObject({ ICE: 'force', 'transport-protocol': 'UDP/TLS/RTP/SAVPF' });
    expect(toAnchor.sdp).toBe(peerVideoOffer());
    expect(pick(offered, 'sip-reoffer-answer')).toEqual([]);
    expect(kinds(add)).toBe('send-jingle, timer-start');
    const j = one(add, 'send-jingle').jingle;
    expect(j.action).toBe('content-add');
    // The gateway speaks for the SIP peer, the session's responder; baresip's m=video has no a=mid.
    expect(j.contents.map((c) => [c.creator, c.name, c.description?.media])).toEqual([
      ['responder', 'video', 'video'],
    ]);
    const m = parsed(reofferForXmpp).media[1]!;
    const t = j.contents[0]!.transport!;
    if (t.kind !== 'ice-udp') throw new Error('not ICE-UDP');
    expect([t.ufrag, t.pwd]).toEqual([m.iceUfrag, m.icePwd]);
    expect(t.candidates.map((c) => [c.ip, c.port])).toEqual([['127.0.0.1', m.port]]);
    expect(t.fingerprints[0]).toMatchObject({ setup: 'actpass', value: m.fingerprints[0]!.value });
  });

  it('content-accept → the Jingle side’s answer (audio in place, the client’s video, DTLS active) as an ng answer → 200 with rtpengine’s SIP-side SDP', () => {
    const { h, call } = anchored();
    peerAdds(h);
    const accepted = h({ kind: 'jingle', iq: iq(acceptVideo('video'), 'a1') });
    expect(kinds(accepted)).toBe('iq-result, timer-stop, media');
    const answer = one(accepted, 'media');
    expect(answer).toMatchObject({ op: 'answer', purpose: 'reanswer', fromTag: 'sip', toTag: 'jingle' });
    const sdp = parsed(answer.sdp);
    expect(sdp.media.map((m) => [m.type, m.port !== 0])).toEqual([
      ['audio', true],
      ['video', true],
    ]);
    expect(sdp.media[1]!.setup ?? sdp.setup).toBe('active');
    expect(sdp.media[1]!.rtp.map((r) => r.codec)).toEqual(['VP8']);
    const ok = h({ kind: 'media-done', purpose: 'reanswer', sdp: reanswerForSip });
    expect(one(ok, 'sip-reoffer-answer')).toMatchObject({ id: 5, status: 200, body: reanswerForSip });
    expect(call.ended).toBe(false);
    // The client's side has the video now: its <hold/> goes through the anchor with both m-lines.
    const held = h({
      kind: 'jingle',
      iq: iq({ action: 'session-info', sid, contents: [], groups: [], info: { kind: 'hold' } }, 'h1'),
    });
    expect(parsed(one(held, 'media').sdp).media.map((m) => m.type)).toEqual(['audio', 'video']);
  });

  it('a bundled content-accept without candidates: the video answers on the audio’s address and candidates (RFC 8843 §7.1), not port 9 / c=0.0.0.0 (a hold to rtpengine)', () => {
    const { h } = anchored();
    peerAdds(h);
    const accept = acceptVideo('video');
    const t = accept.contents[0]!.transport!;
    if (t.kind !== 'ice-udp') throw new Error('not ICE-UDP');
    t.candidates = [];
    const audio = initiate.contents[0]!.name;
    accept.groups = [{ semantics: 'BUNDLE', contents: [audio, 'video'] }];
    const sdp = parsed(one(h({ kind: 'jingle', iq: iq(accept, 'a2') }), 'media').sdp);
    const [a, v] = sdp.media;
    expect(v!.port).toBe(a!.port);
    expect(v!.port).not.toBe(9);
    expect((v!.connection ?? sdp.connection)?.ip).not.toBe('0.0.0.0');
    expect(v!.candidates?.map((c) => `${c.ip} ${c.port}`)).toEqual(
      a!.candidates?.map((c) => `${c.ip} ${c.port}`),
    );
    expect(v!.candidates?.length).toBeGreaterThan(0);
  });

  /** The client's accept of the video, not bundled, its candidates still to be trickled. */
  function acceptWithoutCandidates(): { accept: Jingle; candidates: Jingle } {
    const accept = acceptVideo('video');
    const t = accept.contents[0]!.transport!;
    if (t.kind !== 'ice-udp') throw new Error('not ICE-UDP');
    const later: Jingle = {
      action: 'transport-info',
      sid,
      groups: [],
      contents: [{ creator: 'responder', name: 'video', transport: structuredClone(t) }],
    };
    t.candidates = [];
    return { accept, candidates: later };
  }

  it('a content-accept without candidates, not bundled: the answer waits for its first trickled candidates (XEP-0176 §6), then carries them — never port 9 / c=0.0.0.0, which rtpengine turns into a=sendonly toward the peer', () => {
    const { h } = anchored();
    peerAdds(h);
    const { accept, candidates } = acceptWithoutCandidates();
    const accepted = h({ kind: 'jingle', iq: iq(accept, 'a3') });
    expect(kinds(accepted)).toBe('iq-result');
    const trickled = h({ kind: 'jingle', iq: iq(candidates, 't1') });
    expect(kinds(trickled)).toBe('iq-result, timer-stop, media');
    const sdp = parsed(one(trickled, 'media').sdp);
    const v = sdp.media[1]!;
    const sent = candidates.contents[0]!.transport!;
    if (sent.kind !== 'ice-udp') throw new Error('not ICE-UDP');
    expect(sent.candidates.length).toBeGreaterThan(0);
    expect(v.candidates?.map((c) => `${c.ip} ${c.port}`)).toEqual(
      sent.candidates.map((c) => `${c.ip} ${c.port}`),
    );
    expect(v.port).not.toBe(9);
    expect((v.connection ?? sdp.connection)?.ip).not.toBe('0.0.0.0');
    const ok = h({ kind: 'media-done', purpose: 'reanswer', sdp: reanswerForSip });
    expect(one(ok, 'sip-reoffer-answer')).toMatchObject({ id: 5, status: 200 });
    // The video is the client's now: its next candidates are known, not an unknown content.
    expect(kinds(h({ kind: 'jingle', iq: iq(candidates, 't2') }))).toBe('iq-result');
  });

  it('one transport-info with the video’s first candidate and a new one of the audio’s: both go in the answer to rtpengine, and the IQ gets one result', () => {
    const { h } = anchored();
    peerAdds(h);
    const { accept, candidates } = acceptWithoutCandidates();
    h({ kind: 'jingle', iq: iq(accept, 'a5') });
    const audio = structuredClone(initiate.contents[0]!);
    const at = audio.transport!;
    if (at.kind !== 'ice-udp') throw new Error('not ICE-UDP');
    at.candidates = [{ ...at.candidates[0]!, foundation: '9', port: 50999, priority: 100 }];
    const mixed: Jingle = {
      ...candidates,
      contents: [{ ...audio, description: undefined }, ...candidates.contents],
    };
    const out = h({ kind: 'jingle', iq: iq(mixed, 't3') });
    expect(pick(out, 'iq-result')).toHaveLength(1);
    expect(pick(out, 'iq-error')).toEqual([]);
    const answer = parsed(one(out, 'media').sdp);
    expect(answer.media[1]!.candidates?.length).toBeGreaterThan(0);
    expect((answer.media[1]!.connection ?? answer.connection)?.ip).not.toBe('0.0.0.0');
    // The audio's new candidate reaches rtpengine in that same answer, not at some later exchange.
    expect(answer.media[0]!.candidates?.map((c) => c.port)).toContain(50999);
  });

  it('a content-accept without candidates that never get trickled: at CONTENT_WAIT_MS the video is removed both ways (content-remove, port 0), not left on a hold', () => {
    const { h } = anchored();
    peerAdds(h);
    h({ kind: 'jingle', iq: iq(acceptWithoutCandidates().accept, 'a4') });
    const out = h({ kind: 'timer', name: 'content' });
    expect(one(out, 'send-jingle').jingle).toMatchObject({
      action: 'content-remove',
      contents: [{ name: 'video' }],
      reason: { condition: 'timeout' },
    });
    expect(parsed(one(out, 'media').sdp).media.map((m) => m.port === 0)).toEqual([false, true]);
  });

  it('content-reject → the answer has the video at port 0 → 200 with rtpengine’s port-0 video', () => {
    const { h } = anchored();
    peerAdds(h);
    const rejected = h({
      kind: 'jingle',
      iq: iq(
        { action: 'content-reject', sid, groups: [], contents: [{ creator: 'responder', name: 'video' }] },
        'r1',
      ),
    });
    const sdp = parsed(one(rejected, 'media').sdp);
    expect(sdp.media.map((m) => [m.type, m.port === 0])).toEqual([
      ['audio', false],
      ['video', true],
    ]);
    const ok = h({ kind: 'media-done', purpose: 'reanswer', sdp: port0ForSip });
    const body200 = parsed(one(ok, 'sip-reoffer-answer').body!);
    expect(body200.media.map((m) => m.port === 0)).toEqual([false, true]);
  });

  it('no answer within CONTENT_WAIT_MS → content-remove to the client and the video at port 0 through the anchor', () => {
    const { h } = anchored();
    peerAdds(h);
    const out = h({ kind: 'timer', name: 'content' });
    expect(one(out, 'send-jingle').jingle).toMatchObject({ action: 'content-remove' });
    expect(parsed(one(out, 'media').sdp).media.map((m) => m.port === 0)).toEqual([false, true]);
  });

  it('while the client decides: its own content-add → tie-break, the peer’s next re-INVITE → 491', () => {
    const { h } = anchored();
    peerAdds(h);
    const mine = h({ kind: 'jingle', iq: iq(addVideo, 'c9') });
    expect(one(mine, 'iq-error')).toMatchObject({ condition: 'conflict', jingleCondition: 'tie-break' });
    expect(one(h({ kind: 'sip-reoffer', id: 6, body: peerVideoOffer() }), 'sip-reoffer-answer').status).toBe(
      491,
    );
  });

  it('the anchor failing on the offer → 488, nothing to the client', () => {
    const { h } = anchored();
    h({ kind: 'sip-reoffer', id: 5, body: peerVideoOffer() });
    const out = h({ kind: 'media-failed', purpose: 'reoffer', text: 'rtpengine did not answer offer' });
    expect(one(out, 'sip-reoffer-answer').status).toBe(488);
    expect(pick(out, 'send-jingle')).toEqual([]);
  });

  it('the peer disables the video it added (m=video 0) → content-remove to the client; the offer through the anchor, answered with the video at port 0 → 200 with rtpengine’s SDP', () => {
    const { h } = anchored();
    peerAdds(h);
    h({ kind: 'jingle', iq: iq(acceptVideo('video'), 'a1') });
    h({ kind: 'media-done', purpose: 'reanswer', sdp: reanswerForSip });
    const off = bump(peerVideoOffer()).replace(/^m=video \d+/m, 'm=video 0');
    const e = h({ kind: 'sip-reoffer', id: 6, body: off });
    expect(kinds(e)).toBe('send-jingle, media');
    expect(one(e, 'send-jingle').jingle).toMatchObject({
      action: 'content-remove',
      contents: [{ creator: 'responder', name: 'video' }],
    });
    expect(one(e, 'media')).toMatchObject({ op: 'offer', purpose: 'reoffer', fromTag: 'sip', sdp: off });
    const answer = one(h({ kind: 'media-done', purpose: 'reoffer', sdp: peerRemoveForXmpp }), 'media');
    expect(parsed(answer.sdp).media.map((m) => [m.type, m.port === 0])).toEqual([
      ['audio', false],
      ['video', true],
    ]);
    const ok = h({ kind: 'media-done', purpose: 'reanswer', sdp: peerRemoveAnswerForSip });
    expect(one(ok, 'sip-reoffer-answer')).toMatchObject({ id: 6, status: 200, body: peerRemoveAnswerForSip });
  });
});

const pending: CallEvent = {
  kind: 'sip-reinvite-done',
  response: { ...okWith(''), status: 491, reason: 'Request Pending' },
};
const glare: CallEvent = { kind: 'timer', name: 'glare' };
const media = (sdp: string) => parsed(sdp).media.map((m) => [m.type, m.port !== 0]);

describe("anchored: our stream change's 491 (RFC 3261 §14.1), as end to end (./content-glare.test.ts)", () => {
  it('content-add → 491 → the glare wait (2.1 s: we chose the Call-ID) and the anchor gets the audio-only description back, nothing to the client; the timer → a new ng offer with audio and video (o= +1) → re-INVITE; 200 → content-accept', () => {
    const { h, call } = anchored(() => 0);
    const { added } = addThroughAnchor(h);
    const first = parsed(one(added, 'media').sdp);
    const wait = h(pending);
    expect(kinds(wait)).toBe('timer-start, media');
    expect(one(wait, 'timer-start')).toEqual({ kind: 'timer-start', name: 'glare', ms: 2100 });
    const restore = one(wait, 'media');
    expect(restore).toMatchObject({ op: 'offer', purpose: 'refresh', fromTag: 'jingle', toTag: 'sip' });
    expect(media(restore.sdp)).toEqual([['audio', true]]);
    const retry = h(glare);
    expect(kinds(retry)).toBe('media');
    const offer = one(retry, 'media');
    expect(offer).toMatchObject({ op: 'offer', purpose: 'reinvite', fromTag: 'jingle', toTag: 'sip' });
    const sdp = parsed(offer.sdp);
    expect(sdp.media.map((m) => [m.type, m.mid, m.port !== 0])).toEqual([
      ['audio', '0', true],
      ['video', '1', true],
    ]);
    expect(sdp.groups).toEqual([{ type: 'BUNDLE', mids: '0 1' }]);
    expect(sdp.origin.sessionVersion).toBeGreaterThan(Number(first.origin.sessionVersion));
    expect(
      one(h({ kind: 'media-done', purpose: 'reinvite', sdp: reinviteForSip }), 'sip-reinvite').body,
    ).toBe(reinviteForSip);
    h({ kind: 'sip-reinvite-done', response: okWith(peerVideoAnswer()) });
    const accepted = h({ kind: 'media-done', purpose: 'reinvite-answer', sdp: answerForXmpp });
    expect(one(accepted, 'send-jingle').jingle).toMatchObject({
      action: 'content-accept',
      contents: [{ creator: 'initiator', name: '1' }],
    });
    expect(call.ended).toBe(false);
  });

  it(`491 each time: tried again ${MAX_GLARE_RETRIES} times, then content-reject and the anchor gets the audio-only description again`, () => {
    const { h } = anchored(() => 0.5);
    addThroughAnchor(h);
    for (let i = 0; i < MAX_GLARE_RETRIES; i += 1) {
      const wait = h(pending);
      expect(one(wait, 'timer-start').name).toBe('glare');
      expect(pick(wait, 'send-jingle')).toEqual([]);
      expect(one(h(glare), 'media').purpose).toBe('reinvite');
      h({ kind: 'media-done', purpose: 'reinvite', sdp: reinviteForSip });
    }
    const out = h(pending);
    expect(pick(out, 'timer-start')).toEqual([]);
    expect(one(out, 'send-jingle').jingle).toMatchObject({
      action: 'content-reject',
      contents: [{ creator: 'initiator', name: '1' }],
    });
    const restore = one(out, 'media');
    expect(restore).toMatchObject({ op: 'offer', purpose: 'refresh' });
    expect(media(restore.sdp)).toEqual([['audio', true]]);
  });

  it('in the wait the peer’s own re-INVITE goes through the anchor (no 491) and gets its 200; the timer then sends our change again', () => {
    const { h } = anchored(() => 0);
    addThroughAnchor(h);
    h(pending);
    const theirs = h({ kind: 'sip-reoffer', id: 7, body: bump(plain) });
    expect(one(theirs, 'media')).toMatchObject({ op: 'offer', purpose: 'reoffer', fromTag: 'sip' });
    expect(pick(theirs, 'sip-reoffer-answer')).toEqual([]);
    // The glare timer while the peer's offer is at the anchor: another wait (RFC 3261 §14.1).
    expect(kinds(h(glare))).toBe('timer-start');
    // forXmpp/forSip stand for rtpengine's rewrites of this audio-only exchange (their shape).
    const answer = one(h({ kind: 'media-done', purpose: 'reoffer', sdp: forXmpp }), 'media');
    expect(media(answer.sdp)).toEqual([['audio', true]]);
    expect(
      one(h({ kind: 'media-done', purpose: 'reanswer', sdp: forSip }), 'sip-reoffer-answer'),
    ).toMatchObject({
      id: 7,
      status: 200,
    });
    const retry = one(h(glare), 'media');
    expect(retry.purpose).toBe('reinvite');
    expect(media(retry.sdp)).toEqual([
      ['audio', true],
      ['video', true],
    ]);
  });

  it('content-remove → 491 → the anchor gets the video back (the peer still has it); the timer → m=video 0 again → re-INVITE', () => {
    const { h } = anchored(() => 0);
    addThroughAnchor(h);
    h({ kind: 'sip-reinvite-done', response: okWith(peerVideoAnswer()) });
    h({ kind: 'media-done', purpose: 'reinvite-answer', sdp: answerForXmpp });
    h({ kind: 'jingle', iq: iq(named('content-remove', ['1']), 'r1') });
    h({ kind: 'media-done', purpose: 'reinvite', sdp: removeForSip });
    const wait = h(pending);
    expect(one(wait, 'timer-start').name).toBe('glare');
    expect(media(one(wait, 'media').sdp)).toEqual([
      ['audio', true],
      ['video', true],
    ]);
    const retry = one(h(glare), 'media');
    expect(retry).toMatchObject({ op: 'offer', purpose: 'reinvite' });
    expect(media(retry.sdp)).toEqual([
      ['audio', true],
      ['video', false],
    ]);
    expect(one(h({ kind: 'media-done', purpose: 'reinvite', sdp: removeForSip }), 'sip-reinvite').body).toBe(
      removeForSip,
    );
  });
});

type Dir = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
/** `sdp` with the direction attribute of the m-section at `index` replaced. */
function direct(sdp: string, index: number, d: Dir): string {
  const parts = sdp.split(/(?=^m=)/m);
  parts[index + 1] = parts[index + 1]!.replace(/^a=(sendrecv|sendonly|recvonly|inactive)$/m, `a=${d}`);
  return parts.join('');
}

describe('anchored: the SIP peer redirects a stream (not a hold) → content-modify, as end to end (./peer-directions.test.ts)', () => {
  /** The peer's re-offer through the anchor: its offer, then rtpengine's rewrites (their shape). */
  function reoffer(
    h: (e: CallEvent) => Effect[],
    id: number,
    body: string,
    forJingle: string,
    forSipSide: string,
  ) {
    const offered = h({ kind: 'sip-reoffer', id, body });
    expect(one(offered, 'media')).toMatchObject({ op: 'offer', purpose: 'reoffer', fromTag: 'sip' });
    const answer = one(h({ kind: 'media-done', purpose: 'reoffer', sdp: forJingle }), 'media');
    return { answer, done: h({ kind: 'media-done', purpose: 'reanswer', sdp: forSipSide }) };
  }

  it('audio sendrecv → recvonly (the peer only receives): the 200 with rtpengine’s SDP at once, then content-modify senders initiator', () => {
    const { h } = anchored();
    const { answer, done } = reoffer(h, 7, direct(bump(plain), 0, 'recvonly'), forXmpp, forSip);
    const a = parsed(answer.sdp);
    expect(a.media.map((m) => m.direction ?? a.direction)).toEqual(['sendonly']);
    expect(kinds(done)).toBe('sip-reoffer-answer, send-jingle');
    expect(one(done, 'send-jingle').jingle).toEqual({
      action: 'content-modify',
      sid,
      contents: [{ creator: 'initiator', name: '0', senders: 'initiator' }],
      groups: [],
    });
    expect(one(done, 'sip-reoffer-answer')).toMatchObject({ id: 7, status: 200, body: forSip });
  });

  it('the same offer again (a session refresh) changes nothing more: one content-modify, then none', () => {
    const { h } = anchored();
    const recvonly = direct(bump(plain), 0, 'recvonly');
    expect(kinds(reoffer(h, 7, recvonly, forXmpp, forSip).done)).toBe('sip-reoffer-answer, send-jingle');
    expect(kinds(reoffer(h, 8, bump(recvonly), forXmpp, forSip).done)).toBe('sip-reoffer-answer');
  });

  it('after video was added through the anchor, the peer makes the video sendonly → content-modify of the video alone, senders responder', () => {
    const { h } = anchored();
    addThroughAnchor(h);
    const answer = peerVideoAnswer();
    h({ kind: 'sip-reinvite-done', response: okWith(answer) });
    h({ kind: 'media-done', purpose: 'reinvite-answer', sdp: answerForXmpp });
    const { done } = reoffer(h, 8, direct(bump(answer), 1, 'sendonly'), answerForXmpp, reinviteForSip);
    expect(one(done, 'send-jingle').jingle).toMatchObject({
      action: 'content-modify',
      contents: [{ creator: 'initiator', name: '1', senders: 'responder' }],
    });
    expect(one(done, 'sip-reoffer-answer').status).toBe(200);
  });

  it('a hold (audio sendonly) is <hold/> alone; a resume that also redirects (recvonly, against the SDP before the hold) is <active/> and content-modify', () => {
    const { h } = anchored();
    const held = reoffer(h, 7, direct(bump(plain), 0, 'sendonly'), forXmpp, forSip).done;
    expect(pick(held, 'send-jingle').map((s) => [s.jingle.action, s.jingle.info?.kind])).toEqual([
      ['session-info', 'hold'],
    ]);
    const resumed = reoffer(h, 8, direct(bump(bump(plain)), 0, 'recvonly'), forXmpp, forSip).done;
    expect(pick(resumed, 'send-jingle').map((s) => [s.jingle.action, s.jingle.info?.kind])).toEqual([
      ['session-info', 'active'],
      ['content-modify', undefined],
    ]);
  });
});
