/**
 * Streams in an anchored call the SIP peer placed (SIP → XMPP; src/calls/content-reoffer.ts,
 * docs/midcall.md §Streams), both ways through the anchor, as on a call the XMPP client placed
 * (./anchored-content.test.ts) but with the Jingle side's description being the device's
 * session-accept (its answer to rtpengine's offer) and the client the Jingle responder: the
 * device's content-add/-remove/-modify → the Jingle side's new description as an ng offer from
 * the Jingle side → the re-INVITE with rtpengine's SDP → the peer's answer as an ng answer →
 * content-accept with rtpengine's transport; the peer's re-INVITE adding video → ng offer from
 * the SIP side → content-add with rtpengine's transport → the device's reply as an ng answer →
 * 200 with rtpengine's SDP. Every SDP of rtpengine's here is what rtpengine 10.5.3 (Debian)
 * wrote when this very call was driven against it by scripts/capture/rtpengine-video-sdp.js
 * (test/fixtures/captured/rtpengine-10.5.3-sip-video-*.sdp and -sip-peer-video-*.sdp); the
 * SIP peer is baresip 1.0.0 (its plain INVITE, then the video section of its video INVITE or
 * 200 OK), the device Chromium 156 (its audio answer's transport; the video section of its
 * audio+video BUNDLE offer, or of its answer cut to VP8). Pure.
 */
import { CallRegistry, SipCall } from '../../src/calls';
import type { CallEvent, Effect } from '../../src/calls/events';
import { CONTENT_WAIT_MS } from '../../src/calls/content-reoffer';
import { MAX_GLARE_RETRIES } from '../../src/calls/glare';
import type { Content, Jingle } from '../../src/jingle/types';
import { sdpToJingle } from '../../src/translate/description';
import { CH, iq as iqFrom, parsed } from './content-support';
import { context, DEVICE, kinds, okWith, one, pick, read, sip } from './support';
import type { SipRequest, SipResponse } from '../../src/sip/message/types';
import { tables } from '../support/tables';

const sid = 'ssid1';
const S = 'captured/rtpengine-10.5.3-sip-video-';
const T = 'captured/rtpengine-10.5.3-sip-peer-video-';
const proposeForXmpp = read(`${S}1-propose-for-xmpp.sdp`);
const answerForSip = read(`${S}2-answer-for-sip.sdp`);
const addForSip = read(`${S}3-add-for-sip.sdp`);
const addAnswerForXmpp = read(`${S}4-add-answer-for-xmpp.sdp`);
const port0ForXmpp = read(`${S}4-port0-answer-for-xmpp.sdp`);
const removeForSip = read(`${S}5-remove-for-sip.sdp`);
const removeAnswerForXmpp = read(`${S}6-remove-answer-for-xmpp.sdp`);
const modifyForSip = read(`${S}7-modify-for-sip.sdp`);
const modifyAnswerForXmpp = read(`${S}8-modify-answer-for-xmpp.sdp`);
const reofferForXmpp = read(`${T}1-reoffer-for-xmpp.sdp`);
const reanswerForSip = read(`${T}2-reanswer-for-sip.sdp`);
const port0ForSip = read(`${T}2-port0-for-sip.sdp`);
const peerRemoveForXmpp = read(`${T}3-remove-for-xmpp.sdp`);
const peerRemoveAnswerForSip = read(`${T}4-remove-answer-for-sip.sdp`);

const body = (f: string): string => read(f).split('\r\n\r\n').slice(1).join('\r\n\r\n');
/** `sdp` with its o= version one up (RFC 3264 §8). */
const bump = (sdp: string): string =>
  sdp.replace(/^(o=\S+ \S+ )(\d+)/m, (_, p: string, v: string) => `${p}${Number(v) + 1}`);
const portZero = (sdp: string): string => sdp.replace(/^m=video \d+/m, 'm=video 0');
const videoOf = (s: string): string => s.slice(s.indexOf('m=video'));
const invitePlain = body('captured/baresip-1.0.0-invite-plain.sip');
/** baresip's answer to our re-INVITE: its INVITE's audio SDP, o= +1, and its video 200's video section. */
const peerVideoAnswer = (port0 = false): string => {
  const v = videoOf(body('captured/baresip-1.0.0-200ok-video.sip'));
  return bump(invitePlain) + (port0 ? portZero(v) : v);
};
/** baresip's re-INVITE adding video: its INVITE's audio SDP, o= +1, and its video INVITE's video section. */
const peerVideoOffer = bump(invitePlain) + videoOf(body('captured/baresip-1.0.0-invite-video.sip'));
const flow = (sdp: string) => parsed(sdp).media.map((m) => [m.type, m.port !== 0]);

/**
 * The device's session-accept (as the capture script's `deviceAccept`): the offered audio content
 * with the offered PCMU, on the transport of Chromium's audio answer (ICE, DTLS active).
 */
function deviceAccept(initiate: Jingle): Jingle {
  const chromium = sdpToJingle(read(`${CH}audio-rawip-answer.sdp`), tables, { action: 'session-accept' });
  const offered = initiate.contents[0]!;
  const description = {
    ...offered.description!,
    payloadTypes: offered.description!.payloadTypes.filter((p) => p.id === 0),
  };
  return {
    action: 'session-accept',
    sid,
    responder: DEVICE,
    groups: [],
    contents: [
      {
        creator: 'initiator',
        name: offered.name,
        senders: 'both',
        description,
        transport: chromium.contents[0]!.transport!,
      },
    ],
  };
}

/** baresip's anchored call to the device, up to the ACK. */
function anchored(random?: () => number) {
  const registry = new CallRegistry();
  const ctx = { ...context({ gatherWindowMs: 0 }, { rtpengine: 'udp://127.0.0.1:22222' }), random };
  const started = SipCall.start(sip('captured/baresip-1.0.0-invite-plain.sip') as SipRequest, sid, ctx);
  const call = started.call!;
  registry.add(call);
  const h = (e: CallEvent): Effect[] => registry.handle(call, e);
  const gw = one(h({ kind: 'media-done', purpose: 'propose', sdp: proposeForXmpp }), 'send-jmi').from;
  const initiate = one(h({ kind: 'jmi', jmi: 'proceed', from: DEVICE }), 'send-jingle').jingle;
  const accept = deviceAccept(initiate);
  const iq = (j: Jingle, id = 'c1') => iqFrom(j, id, DEVICE, gw);
  h({ kind: 'jingle', iq: iq(accept, 'acc') });
  expect(kinds(h({ kind: 'media-done', purpose: 'answer', sdp: answerForSip }))).toBe('sip-accept');
  h({ kind: 'sip-ack' });
  const audio = accept.contents[0]!;
  return { call, h, gw, iq, audio };
}

type Call = ReturnType<typeof anchored>;

/** The device's video content (Chromium's, a=mid 1), bundled on its audio's transport (RFC 8843 §4). */
function addVideo(c: Call): Jingle {
  const av = sdpToJingle(read(`${CH}av-bundle-offer.sdp`), tables, { action: 'session-initiate' });
  return {
    action: 'content-add',
    sid,
    contents: av.contents
      .filter((k) => k.name === '1')
      .map((k) => ({ ...k, creator: 'responder' as const, transport: c.audio.transport! })),
    groups: [{ semantics: 'BUNDLE', contents: [c.audio.name, '1'] }],
  };
}

/** content-add → the anchor's offer → the re-INVITE. */
function addThroughAnchor(c: Call) {
  const added = c.h({ kind: 'jingle', iq: c.iq(addVideo(c)) });
  const reinvite = c.h({ kind: 'media-done', purpose: 'reinvite', sdp: addForSip });
  return { added, reinvite };
}

/** The device's video added and accepted by the peer; returns the peer's answer. */
function added(c: Call): string {
  addThroughAnchor(c);
  const answer = peerVideoAnswer();
  c.h({ kind: 'sip-reinvite-done', response: okWith(answer) });
  c.h({ kind: 'media-done', purpose: 'reinvite-answer', sdp: addAnswerForXmpp });
  return answer;
}

const hold = (c: Call): Effect[] =>
  c.h({
    kind: 'jingle',
    iq: c.iq({ action: 'session-info', sid, contents: [], groups: [], info: { kind: 'hold' } }, 'h1'),
  });
const refused = (status: number, reason: string): CallEvent => ({
  kind: 'sip-reinvite-done',
  response: { ...okWith(''), status, reason, body: '' } as SipResponse,
});
const named = (action: Jingle['action'], names: string[], extra: Partial<Content> = {}): Jingle => ({
  action,
  sid,
  contents: names.map((name) => ({ creator: 'responder' as const, name, ...extra })),
  groups: [],
});

describe('anchored SIP → XMPP: the device adds video through rtpengine', () => {
  it('content-add → IQ result and an ng offer from the Jingle side: the device’s audio answer in place (no a=mid, as rtpengine offered none), the video appended (a=mid 1), the DTLS role the device settled (active), the SIP side’s RTP/AVP flags', () => {
    const c = anchored();
    const { added: out } = addThroughAnchor(c);
    expect(kinds(out)).toBe('iq-result, media');
    const offer = one(out, 'media');
    expect(offer).toMatchObject({ op: 'offer', purpose: 'reinvite', fromTag: 'jingle', toTag: 'sip' });
    expect(offer.flags).toMatchObject({ ICE: 'remove', 'transport-protocol': 'RTP/AVP' });
    const sdp = parsed(offer.sdp);
    expect(sdp.media.map((m) => [m.type, m.mid, m.port !== 0])).toEqual([
      ['audio', undefined, true],
      ['video', '1', true],
    ]);
    // rtpengine's offer had no a=mid, so the device's answer has none (RFC 5888 §9.1): the
    // BUNDLE group names only the mids the offer has (RFC 8843 §7.1).
    expect(sdp.groups).toEqual([{ type: 'BUNDLE', mids: '1' }]);
    // The device answered rtpengine's actpass with active; the new m-line keeps it (RFC 8842 §5.5).
    expect(sdp.media.map((m) => m.setup ?? sdp.setup)).toEqual(['active', 'active']);
    expect(pick(out, 'send-jingle')).toEqual([]);
  });

  it('a bundled content-add without candidates takes the audio’s address and candidates (RFC 8843 §7.1), the audio named by its media type (no a=mid), else rtpengine reads c=0.0.0.0 as a hold', () => {
    const c = anchored();
    const bare = addVideo(c);
    const t = bare.contents[0]!.transport!;
    if (t.kind !== 'ice-udp') throw new Error('not ICE-UDP');
    bare.contents[0]!.transport = { ...t, candidates: [] };
    const sdp = parsed(one(c.h({ kind: 'jingle', iq: c.iq(bare) }), 'media').sdp);
    const [audio, video] = sdp.media;
    expect(video!.port).toBe(audio!.port);
    expect(video!.port).not.toBe(9);
    expect(video!.connection?.ip ?? sdp.connection?.ip).not.toBe('0.0.0.0');
    expect(video!.candidates?.map((k) => [k.ip, k.port])).toEqual(
      audio!.candidates?.map((k) => [k.ip, k.port]),
    );
    // Not bundled (no group in the content-add): it keeps its own (empty) transport.
    const alone = anchored();
    const own = { ...addVideo(alone), groups: [] };
    own.contents = own.contents.map((k) => ({ ...k, transport: { ...t, candidates: [] } }));
    const v2 = parsed(one(alone.h({ kind: 'jingle', iq: alone.iq(own) }), 'media').sdp).media[1]!;
    expect(v2.candidates ?? []).toEqual([]);
  });

  it('rtpengine’s SDP → re-INVITE; the peer’s 200 → ng answer; rtpengine’s answer → content-accept to the device, creator responder, with rtpengine’s ICE, candidate, fingerprint and setup for the video', () => {
    const c = anchored();
    const { reinvite } = addThroughAnchor(c);
    expect(one(reinvite, 'sip-reinvite').body).toBe(addForSip);
    const peer = peerVideoAnswer();
    const done = c.h({ kind: 'sip-reinvite-done', response: okWith(peer) });
    expect(one(done, 'media')).toMatchObject({
      op: 'answer',
      purpose: 'reinvite-answer',
      fromTag: 'jingle',
      toTag: 'sip',
      sdp: peer,
    });
    const accepted = c.h({ kind: 'media-done', purpose: 'reinvite-answer', sdp: addAnswerForXmpp });
    const accept = one(accepted, 'send-jingle');
    expect([accept.from, accept.to]).toEqual([c.gw, DEVICE]);
    expect(accept.jingle.action).toBe('content-accept');
    expect(accept.jingle.contents.map((k) => [k.creator, k.name])).toEqual([['responder', '1']]);
    const video = parsed(addAnswerForXmpp).media[1]!;
    const t = accept.jingle.contents[0]!.transport!;
    if (t.kind !== 'ice-udp') throw new Error('not ICE-UDP');
    expect([t.ufrag, t.pwd]).toEqual([video.iceUfrag, video.icePwd]);
    expect(t.candidates.map((k) => [k.ip, k.port])).toEqual([['127.0.0.1', video.port]]);
    expect(t.fingerprints[0]).toMatchObject({ setup: 'passive', value: video.fingerprints[0]!.value });
    expect(c.call.ended).toBe(false);
  });

  it('the peer answers the video with port 0 → rtpengine says port 0 too → content-reject; the m-line stays at port 0 on the Jingle side (a <hold/> offers both)', () => {
    const c = anchored();
    addThroughAnchor(c);
    c.h({ kind: 'sip-reinvite-done', response: okWith(peerVideoAnswer(true)) });
    const out = c.h({ kind: 'media-done', purpose: 'reinvite-answer', sdp: port0ForXmpp });
    expect(one(out, 'send-jingle').jingle).toMatchObject({
      action: 'content-reject',
      contents: [{ creator: 'responder', name: '1' }],
    });
    expect(flow(one(hold(c), 'media').sdp)).toEqual([
      ['audio', true],
      ['video', false],
    ]);
  });

  it('the peer refuses the re-INVITE (488) → content-reject, and the anchor gets the audio-only description again', () => {
    const c = anchored();
    addThroughAnchor(c);
    const out = c.h(refused(488, 'Not Acceptable Here'));
    expect(one(out, 'send-jingle').jingle).toMatchObject({
      action: 'content-reject',
      contents: [{ creator: 'responder', name: '1' }],
    });
    const restore = one(out, 'media');
    expect(restore).toMatchObject({ op: 'offer', purpose: 'refresh', fromTag: 'jingle', toTag: 'sip' });
    expect(flow(restore.sdp)).toEqual([['audio', true]]);
    expect(pick(out, 'sip-reinvite')).toEqual([]);
    expect(c.call.ended).toBe(false);
  });

  it('491 → the glare wait (0–2 s: the peer chose the Call-ID), the anchor gets the audio-only description back; the timer → a new ng offer (o= +1) with audio and video → re-INVITE → content-accept', () => {
    const c = anchored(() => 0.5);
    const { added: out } = addThroughAnchor(c);
    const first = parsed(one(out, 'media').sdp);
    const wait = c.h(refused(491, 'Request Pending'));
    expect(kinds(wait)).toBe('timer-start, media');
    expect(one(wait, 'timer-start')).toEqual({ kind: 'timer-start', name: 'glare', ms: 1000 });
    expect(flow(one(wait, 'media').sdp)).toEqual([['audio', true]]);
    expect(pick(wait, 'send-jingle')).toEqual([]);
    const retry = one(c.h({ kind: 'timer', name: 'glare' }), 'media');
    expect(retry).toMatchObject({ op: 'offer', purpose: 'reinvite', fromTag: 'jingle' });
    expect(flow(retry.sdp)).toEqual([
      ['audio', true],
      ['video', true],
    ]);
    expect(parsed(retry.sdp).origin.sessionVersion).toBeGreaterThan(Number(first.origin.sessionVersion));
    c.h({ kind: 'media-done', purpose: 'reinvite', sdp: addForSip });
    c.h({ kind: 'sip-reinvite-done', response: okWith(peerVideoAnswer()) });
    const accepted = c.h({ kind: 'media-done', purpose: 'reinvite-answer', sdp: addAnswerForXmpp });
    expect(one(accepted, 'send-jingle').jingle.action).toBe('content-accept');
  });

  it(`491 each time: tried again ${MAX_GLARE_RETRIES} times, then content-reject`, () => {
    const c = anchored(() => 0);
    addThroughAnchor(c);
    for (let i = 0; i < MAX_GLARE_RETRIES; i += 1) {
      expect(one(c.h(refused(491, 'Request Pending')), 'timer-start').name).toBe('glare');
      expect(one(c.h({ kind: 'timer', name: 'glare' }), 'media').purpose).toBe('reinvite');
      c.h({ kind: 'media-done', purpose: 'reinvite', sdp: addForSip });
    }
    const out = c.h(refused(491, 'Request Pending'));
    expect(one(out, 'send-jingle').jingle.action).toBe('content-reject');
    expect(flow(one(out, 'media').sdp)).toEqual([['audio', true]]);
  });

  it('one offer at a time: a second change while ours is out → tie-break; the peer’s re-INVITE → 491', () => {
    const c = anchored();
    addThroughAnchor(c);
    const again = c.h({
      kind: 'jingle',
      iq: c.iq(named('content-modify', ['1'], { senders: 'both' }), 'c2'),
    });
    expect(one(again, 'iq-error')).toMatchObject({ condition: 'conflict', jingleCondition: 'tie-break' });
    expect(one(c.h({ kind: 'sip-reoffer', id: 7, body: peerVideoOffer }), 'sip-reoffer-answer').status).toBe(
      491,
    );
  });

  it('after the add, a <hold/> goes through the anchor with both m-lines sendonly', () => {
    const c = anchored();
    added(c);
    const sdp = parsed(one(hold(c), 'media').sdp);
    expect(sdp.media.map((m) => [m.type, m.port !== 0, m.direction, m.setup])).toEqual([
      ['audio', true, 'sendonly', 'active'],
      ['video', true, 'sendonly', 'active'],
    ]);
  });

  it('a candidate trickled after the add → refresh: the Jingle side now (audio + video, the new candidate) as the offer, the peer’s last answer (with video) as the answer; no re-INVITE', () => {
    const c = anchored();
    const answer = added(c);
    const t = c.audio.transport!;
    if (t.kind !== 'ice-udp') throw new Error('not ICE-UDP');
    const late = { ...t.candidates[0]!, id: 'late1', foundation: '9', ip: '192.0.2.77', port: 50999 };
    const trickled = c.h({
      kind: 'jingle',
      iq: c.iq(
        {
          action: 'transport-info',
          sid,
          groups: [],
          contents: [{ creator: 'initiator', name: c.audio.name, transport: { ...t, candidates: [late] } }],
        },
        't1',
      ),
    });
    expect(pick(trickled, 'sip-reinvite')).toEqual([]);
    const [offer, again] = pick(trickled, 'media');
    expect(offer).toMatchObject({ op: 'offer', purpose: 'refresh', fromTag: 'jingle', toTag: 'sip' });
    const sdp = parsed(offer!.sdp);
    expect(sdp.media.map((m) => [m.type, m.setup])).toEqual([
      ['audio', 'active'],
      ['video', 'active'],
    ]);
    expect(sdp.media[0]!.candidates?.map((k) => k.ip)).toContain('192.0.2.77');
    expect(again).toMatchObject({ op: 'answer', purpose: 'refresh', sdp: answer });
  });

  it('content-modify (the device only sends video) → ng offer with the video a=sendonly → re-INVITE; the peer’s recvonly → content-accept senders=responder; a <hold/> then keeps it sendonly', () => {
    const c = anchored();
    const answer = added(c);
    const modified = c.h({
      kind: 'jingle',
      iq: c.iq(named('content-modify', ['1'], { senders: 'responder' }), 'm1'),
    });
    expect(kinds(modified)).toBe('iq-result, media');
    const sdp = parsed(one(modified, 'media').sdp);
    expect(sdp.media.map((m) => m.direction ?? sdp.direction)).toEqual(['sendrecv', 'sendonly']);
    const reinvite = c.h({ kind: 'media-done', purpose: 'reinvite', sdp: modifyForSip });
    expect(one(reinvite, 'sip-reinvite').body).toBe(modifyForSip);
    const peer = bump(answer).replace(/(m=video[^]*?)a=sendrecv/, '$1a=recvonly');
    c.h({ kind: 'sip-reinvite-done', response: okWith(peer) });
    const accepted = c.h({ kind: 'media-done', purpose: 'reinvite-answer', sdp: modifyAnswerForXmpp });
    expect(one(accepted, 'send-jingle').jingle).toMatchObject({
      action: 'content-accept',
      contents: [{ creator: 'responder', name: '1', senders: 'responder' }],
    });
    const held = parsed(one(hold(c), 'media').sdp);
    expect(held.media.map((m) => m.direction ?? held.direction)).toEqual(['sendonly', 'sendonly']);
  });

  it('content-remove of the added video → ng offer with m=video 0 in place → re-INVITE with rtpengine’s SDP; the peer’s answer → the anchor; nothing to the device; a <hold/> keeps the m-line at port 0', () => {
    const c = anchored();
    const answer = added(c);
    const removed = c.h({ kind: 'jingle', iq: c.iq(named('content-remove', ['1']), 'r1') });
    expect(kinds(removed)).toBe('iq-result, media');
    const sdp = parsed(one(removed, 'media').sdp);
    expect(sdp.media.map((m) => [m.type, m.port === 0, m.mid])).toEqual([
      ['audio', false, undefined],
      ['video', true, '1'],
    ]);
    const reinvite = c.h({ kind: 'media-done', purpose: 'reinvite', sdp: removeForSip });
    expect(one(reinvite, 'sip-reinvite').body).toBe(removeForSip);
    const peer = portZero(bump(answer));
    expect(one(c.h({ kind: 'sip-reinvite-done', response: okWith(peer) }), 'media')).toMatchObject({
      op: 'answer',
      purpose: 'reinvite-answer',
      sdp: peer,
    });
    expect(
      pick(c.h({ kind: 'media-done', purpose: 'reinvite-answer', sdp: removeAnswerForXmpp }), 'send-jingle'),
    ).toEqual([]);
    expect(flow(one(hold(c), 'media').sdp)).toEqual([
      ['audio', true],
      ['video', false],
    ]);
  });
});

/** The peer's re-INVITE adding video → rtpengine → the content-add the device hears. */
function peerAdds(c: Call) {
  const out = c.h({ kind: 'sip-reoffer', id: 5, body: peerVideoOffer });
  const add = c.h({ kind: 'media-done', purpose: 'reoffer', sdp: reofferForXmpp });
  return { out, add };
}

/** The device's content-accept: Chromium's video answer cut to the offered VP8, its audio's transport. */
function acceptVideo(c: Call, name: string): Jingle {
  const av = sdpToJingle(read(`${CH}av-bundle-answer.sdp`), tables, { action: 'session-accept' });
  const v = av.contents.find((k) => k.description?.media === 'video')!;
  const description = {
    ...v.description!,
    payloadTypes: v.description!.payloadTypes.filter((p) => p.id === 96),
  };
  return {
    action: 'content-accept',
    sid,
    groups: [],
    contents: [{ creator: 'initiator', name, description, transport: c.audio.transport! }],
  };
}

describe('anchored SIP → XMPP: the SIP peer adds video through rtpengine', () => {
  it('re-INVITE adding video → the whole offer to rtpengine from the SIP side (flags toward the client); rtpengine’s rewrite → content-add, creator initiator, with its ICE, candidate and fingerprint (actpass)', () => {
    const c = anchored();
    const { out, add } = peerAdds(c);
    const toAnchor = one(out, 'media');
    expect(toAnchor).toMatchObject({ op: 'offer', purpose: 'reoffer', fromTag: 'sip', toTag: 'jingle' });
    expect(toAnchor.sdp).toBe(peerVideoOffer);
    expect(toAnchor.flags).toMatchObject({ ICE: 'force' });
    const msg = one(add, 'send-jingle');
    expect([msg.from, msg.to, msg.jingle.action]).toEqual([c.gw, DEVICE, 'content-add']);
    expect(msg.jingle.contents.map((k) => [k.creator, k.description?.media])).toEqual([
      ['initiator', 'video'],
    ]);
    const video = parsed(reofferForXmpp).media[1]!;
    const t = msg.jingle.contents[0]!.transport!;
    if (t.kind !== 'ice-udp') throw new Error('not ICE-UDP');
    expect([t.ufrag, t.candidates.map((k) => k.port)]).toEqual([video.iceUfrag, [video.port]]);
    expect(t.fingerprints[0]!.setup).toBe('actpass');
    expect(kinds(add)).toBe('send-jingle, timer-start');
  });

  it('content-accept → the Jingle side’s answer (the device’s audio in place, its video, DTLS active) as an ng answer → 200 with rtpengine’s live video m-line', () => {
    const c = anchored();
    const { add } = peerAdds(c);
    const name = one(add, 'send-jingle').jingle.contents[0]!.name;
    const accepted = c.h({ kind: 'jingle', iq: c.iq(acceptVideo(c, name), 'a1') });
    expect(kinds(accepted)).toBe('iq-result, timer-stop, media');
    const answer = one(accepted, 'media');
    expect(answer).toMatchObject({ op: 'answer', purpose: 'reanswer', fromTag: 'sip', toTag: 'jingle' });
    const sdp = parsed(answer.sdp);
    expect(sdp.media.map((m) => [m.type, m.port !== 0, m.setup])).toEqual([
      ['audio', true, 'active'],
      ['video', true, 'active'],
    ]);
    const ok = one(
      c.h({ kind: 'media-done', purpose: 'reanswer', sdp: reanswerForSip }),
      'sip-reoffer-answer',
    );
    expect([ok.id, ok.status, ok.body]).toEqual([5, 200, reanswerForSip]);
    expect(flow(ok.body!)).toEqual([
      ['audio', true],
      ['video', true],
    ]);
    // The video is the Jingle side's now: a <hold/> offers both m-lines, the device's roles kept.
    const held = parsed(one(hold(c), 'media').sdp);
    expect(held.media.map((m) => [m.type, m.port !== 0, m.direction, m.setup])).toEqual([
      ['audio', true, 'sendonly', 'active'],
      ['video', true, 'sendonly', 'active'],
    ]);
  });

  it('a content-accept without candidates, not bundled (trickle, XEP-0176 §6): the 200 waits for the device’s first candidates for the video and carries them, never port 9 / c=0.0.0.0 (a hold to rtpengine)', () => {
    const c = anchored();
    const { add } = peerAdds(c);
    const name = one(add, 'send-jingle').jingle.contents[0]!.name;
    const accept = acceptVideo(c, name);
    const full = accept.contents[0]!.transport!;
    if (full.kind !== 'ice-udp' || full.candidates.length === 0) throw new Error('no ICE-UDP candidates');
    accept.contents[0]!.transport = { ...full, candidates: [] };
    expect(kinds(c.h({ kind: 'jingle', iq: c.iq(accept, 'a2') }))).toBe('iq-result');
    const info: Jingle = {
      action: 'transport-info',
      sid,
      groups: [],
      contents: [{ creator: 'initiator', name, transport: full }],
    };
    const trickled = c.h({ kind: 'jingle', iq: c.iq(info, 't1') });
    expect(kinds(trickled)).toBe('iq-result, timer-stop, media');
    const sdp = parsed(one(trickled, 'media').sdp);
    const v = sdp.media[1]!;
    expect(v.candidates?.map((k) => `${k.ip} ${k.port}`)).toEqual(
      full.candidates.map((k) => `${k.ip} ${k.port}`),
    );
    expect((v.connection ?? sdp.connection)?.ip).not.toBe('0.0.0.0');
  });

  it('content-reject → the Jingle side’s answer with the video at port 0 → 200 with rtpengine’s port-0 video', () => {
    const c = anchored();
    const { add } = peerAdds(c);
    const name = one(add, 'send-jingle').jingle.contents[0]!.name;
    const rejected = c.h({
      kind: 'jingle',
      iq: c.iq(
        { action: 'content-reject', sid, groups: [], contents: [{ creator: 'initiator', name }] },
        'x1',
      ),
    });
    expect(flow(one(rejected, 'media').sdp)).toEqual([
      ['audio', true],
      ['video', false],
    ]);
    const ok = one(c.h({ kind: 'media-done', purpose: 'reanswer', sdp: port0ForSip }), 'sip-reoffer-answer');
    expect([ok.status, ok.body]).toEqual([200, port0ForSip]);
    expect(flow(ok.body!)).toEqual([
      ['audio', true],
      ['video', false],
    ]);
    expect(c.call.ended).toBe(false);
  });

  it(`no answer within CONTENT_WAIT_MS (${CONTENT_WAIT_MS} ms) → content-remove to the device and the video at port 0 through the anchor`, () => {
    const c = anchored();
    const { add } = peerAdds(c);
    expect(one(add, 'timer-start')).toEqual({ kind: 'timer-start', name: 'content', ms: CONTENT_WAIT_MS });
    const late = c.h({ kind: 'timer', name: 'content' });
    expect(one(late, 'send-jingle').jingle).toMatchObject({
      action: 'content-remove',
      reason: { condition: 'timeout' },
    });
    expect(one(late, 'send-jingle').jingle.contents.map((k) => k.creator)).toEqual(['initiator']);
    expect(flow(one(late, 'media').sdp)).toEqual([
      ['audio', true],
      ['video', false],
    ]);
    expect(
      one(c.h({ kind: 'media-done', purpose: 'reanswer', sdp: port0ForSip }), 'sip-reoffer-answer').status,
    ).toBe(200);
  });

  it('while the device decides: its own content-add → tie-break, the peer’s next re-INVITE → 491', () => {
    const c = anchored();
    peerAdds(c);
    const mine = c.h({ kind: 'jingle', iq: c.iq(addVideo(c), 'c9') });
    expect(one(mine, 'iq-error')).toMatchObject({ condition: 'conflict', jingleCondition: 'tie-break' });
    expect(
      one(c.h({ kind: 'sip-reoffer', id: 6, body: bump(peerVideoOffer) }), 'sip-reoffer-answer').status,
    ).toBe(491);
  });

  it('the peer disables the video it added (m=video 0) → content-remove to the device; the offer through the anchor, answered with the video at port 0 → 200 with rtpengine’s SDP', () => {
    const c = anchored();
    const { add } = peerAdds(c);
    const name = one(add, 'send-jingle').jingle.contents[0]!.name;
    c.h({ kind: 'jingle', iq: c.iq(acceptVideo(c, name), 'a1') });
    c.h({ kind: 'media-done', purpose: 'reanswer', sdp: reanswerForSip });
    const again = portZero(bump(peerVideoOffer));
    const out = c.h({ kind: 'sip-reoffer', id: 6, body: again });
    expect(one(out, 'send-jingle').jingle).toMatchObject({
      action: 'content-remove',
      contents: [{ creator: 'initiator', name }],
    });
    expect(one(out, 'media')).toMatchObject({ op: 'offer', purpose: 'reoffer', fromTag: 'sip', sdp: again });
    const answer = one(c.h({ kind: 'media-done', purpose: 'reoffer', sdp: peerRemoveForXmpp }), 'media');
    expect(flow(answer.sdp)).toEqual([
      ['audio', true],
      ['video', false],
    ]);
    const ok = one(
      c.h({ kind: 'media-done', purpose: 'reanswer', sdp: peerRemoveAnswerForSip }),
      'sip-reoffer-answer',
    );
    expect([ok.id, ok.status, ok.body]).toEqual([6, 200, peerRemoveAnswerForSip]);
  });

  it('the device removes the video the peer added → ng offer with m=video 0 in place → re-INVITE; nothing to the device', () => {
    const c = anchored();
    const { add } = peerAdds(c);
    const name = one(add, 'send-jingle').jingle.contents[0]!.name;
    c.h({ kind: 'jingle', iq: c.iq(acceptVideo(c, name), 'a1') });
    c.h({ kind: 'media-done', purpose: 'reanswer', sdp: reanswerForSip });
    const removed = c.h({
      kind: 'jingle',
      iq: c.iq(
        { action: 'content-remove', sid, groups: [], contents: [{ creator: 'initiator', name }] },
        'r1',
      ),
    });
    expect(kinds(removed)).toBe('iq-result, media');
    const offer = one(removed, 'media');
    expect(offer).toMatchObject({ op: 'offer', purpose: 'reinvite', fromTag: 'jingle', toTag: 'sip' });
    expect(flow(offer.sdp)).toEqual([
      ['audio', true],
      ['video', false],
    ]);
    expect(pick(removed, 'send-jingle')).toEqual([]);
  });
});

/** baresip's REFER in the call's dialog (RFC 3515 §2.4.1), to a number our routes reach. */
function referOf(callId: string): SipRequest {
  return {
    kind: 'request',
    method: 'REFER',
    uri: 'sip:gw@192.0.2.10',
    headers: [
      { name: 'Via', value: 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKrefer1' },
      { name: 'Max-Forwards', value: '70' },
      { name: 'To', value: '<sip:bob@127.0.0.1:5090>;tag=gw1' },
      { name: 'From', value: '<sip:alice@127.0.0.1>;tag=bd321bdc0442baf9' },
      { name: 'Call-ID', value: callId },
      { name: 'CSeq', value: '1906 REFER' },
      { name: 'Refer-To', value: '<sip:+15551234567@target.example>' },
      { name: 'Referred-By', value: '<sip:alice@127.0.0.1>' },
      { name: 'Contact', value: '<sip:alice@127.0.0.1:5070>' },
    ],
    body: '',
  };
}

describe('anchored SIP → XMPP: a transfer after the device added video', () => {
  it('baresip’s REFER → the anchor’s offer for the target is the Jingle side now: audio and video live, the DTLS role settled (never actpass); after the switch a <hold/> offers both m-lines', () => {
    const c = anchored();
    added(c);
    const refer = c.h({ kind: 'sip-refer', id: 1, request: referOf(c.call.callId) });
    const offer = one(refer, 'media');
    expect(offer).toMatchObject({ op: 'offer', purpose: 'transfer', fromTag: 'jingle', toTag: 'sip' });
    const sdp = parsed(offer.sdp);
    expect(sdp.media.map((m) => [m.type, m.port !== 0, m.setup, m.direction])).toEqual([
      ['audio', true, 'active', 'sendrecv'],
      ['video', true, 'active', 'sendrecv'],
    ]);
    // rtpengine's SDP for the target (its re-INVITE SDP of the add stands in: audio and video).
    const invite = pick(c.h({ kind: 'media-done', purpose: 'transfer', sdp: addForSip }), 'sip-transfer');
    expect(invite.map((e) => e.step)).toContain('invite');
    c.h({ kind: 'sip-transfer-response', response: okWith(peerVideoAnswer()) });
    const done = c.h({ kind: 'media-done', purpose: 'transfer-answer', sdp: addAnswerForXmpp });
    expect(pick(done, 'sip-transfer').map((e) => e.step)).toContain('switch');
    expect(c.call.ended).toBe(false);
    expect(flow(one(hold(c), 'media').sdp)).toEqual([
      ['audio', true],
      ['video', true],
    ]);
  });
});
