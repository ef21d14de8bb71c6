/**
 * A SIP peer's re-INVITE that adds a stream and restarts ICE (RFC 8839 §4.4.1.1.1: new
 * ice-ufrag/ice-pwd) in the same offer: both cross — transport-info with the new credentials for
 * the stream kept (XEP-0176 §2.2) and content-add for the new one (XEP-0166 §7.2) — and the 200
 * waits for the client's content-accept/-reject and its new credentials (RFC 8839 §4.4.1.1.2),
 * or is 488 when they do not come in time. Sessions from captured Chromium 156 traffic
 * (./content-support.ts): the peer restarts with the credentials of Chromium's audio+video
 * offer (its BUNDLE transport), the client answers with those of Chromium's answer. Pure.
 */
import { CONTENT_WAIT_MS } from '../../src/calls/content-reoffer';
import type { CallEvent } from '../../src/calls/events';
import type { Content } from '../../src/jingle/types';
import { kinds, one, pick } from './support';
import {
  answerSdp,
  audioTransportInfo,
  avAnswer,
  avOffer,
  established,
  iq,
  jingles,
  peerWithVideo,
  sid,
  video,
  withVideo,
} from './content-support';

/** The peer's audio (o= 3) with the BUNDLE credentials of its new video section, and the video. */
const restartAndAdd = peerWithVideo(avOffer, 3)
  .replace('a=ice-ufrag:OcCS', 'a=ice-ufrag:DjBZ')
  .replace('a=ice-pwd:y44FNSfkhV+rwupRnNIkzoJx', 'a=ice-pwd:+93v2JOZEPJPDSgwiH+Dx+Jn');
/** The same, only one more candidate on the audio instead of new credentials. */
const moveAndAdd = peerWithVideo(avOffer, 3).replace(
  'a=ice-ufrag:OcCS',
  'a=candidate:1 1 udp 1694498815 203.0.113.9 40404 typ srflx raddr 0.0.0.0 rport 0\r\na=ice-ufrag:OcCS',
);
const offer = (body: string): CallEvent => ({ kind: 'sip-reoffer', id: 7, body });
/** The client's ICE restart of its audio (content '0'), with the credentials of Chromium's answer. */
const clientRestart = audioTransportInfo(
  {
    ufrag: 'jFFT',
    pwd: 'kVmoVT+YxMziyL5TegkpfT4p',
    candidates: [
      {
        component: 1,
        foundation: '9',
        generation: 0,
        id: 'r1',
        ip: '198.51.100.41',
        port: 42000,
        priority: 2122260223,
        protocol: 'udp',
        type: 'host',
      },
    ],
  },
  't9',
);
const accept = (): CallEvent => ({
  kind: 'jingle',
  iq: iq(video('content-accept', avAnswer, 'responder'), 'a1'),
});
const transportOf = (c: Content | undefined) => (c?.transport?.kind === 'ice-udp' ? c.transport : undefined);

describe("the SIP peer's re-INVITE adds video and restarts ICE", () => {
  it('→ transport-info (new credentials, content 0) and content-add (video); the 200 waits for both answers of the client', () => {
    const { h } = established();
    const e = h(offer(restartAndAdd));
    expect(jingles(e).map((j) => [j.action, j.contents.map((c) => c.name)])).toEqual([
      ['transport-info', ['0']],
      ['content-add', ['1']],
    ]);
    const info = jingles(e)[0]!;
    expect(info.contents[0]!.creator).toBe('initiator');
    expect(transportOf(info.contents[0])).toMatchObject({ ufrag: 'DjBZ', pwd: '+93v2JOZEPJPDSgwiH+Dx+Jn' });
    expect(one(e, 'timer-start')).toEqual({ kind: 'timer-start', name: 'content', ms: CONTENT_WAIT_MS });
    expect(pick(e, 'sip-reoffer-answer')).toEqual([]);

    // The video accepted: still no 200, the client has not restarted yet.
    const accepted = h(accept());
    expect(kinds(accepted)).toBe('iq-result');
    // Its new credentials: the 200, the audio with them and the new candidate, the video accepted.
    const restarted = h(clientRestart);
    const ans = one(restarted, 'sip-reoffer-answer');
    expect(ans).toMatchObject({ id: 7, status: 200 });
    const sdp = answerSdp(restarted);
    expect(sdp.media.map((m) => [m.type, m.port !== 0])).toEqual([
      ['audio', true],
      ['video', true],
    ]);
    expect(sdp.media[0]!.iceUfrag).toBe('jFFT');
    expect(sdp.media[0]!.icePwd).toBe('kVmoVT+YxMziyL5TegkpfT4p');
    expect((sdp.media[0]!.candidates ?? []).map((c) => c.ip)).toContain('198.51.100.41');
    expect(sdp.media[1]!.iceUfrag).toBe('jFFT');
    expect(one(restarted, 'timer-stop').name).toBe('content');
    // Nothing more goes to SIP for these candidates: the answer had them.
    expect(pick(restarted, 'sip-reinvite')).toEqual([]);
  });

  it('the client restarts first, then accepts: the 200 goes with the content-accept', () => {
    const { h } = established();
    h(offer(restartAndAdd));
    expect(pick(h(clientRestart), 'sip-reoffer-answer')).toEqual([]);
    const done = h(accept());
    expect(one(done, 'sip-reoffer-answer').status).toBe(200);
    expect(answerSdp(done).media[0]!.iceUfrag).toBe('jFFT');
  });

  it('the client rejects the video but restarts: 200 with the video at port 0 and the new audio credentials', () => {
    const { h } = established();
    h(offer(restartAndAdd));
    h({
      kind: 'jingle',
      iq: iq(
        { action: 'content-reject', sid, contents: [{ creator: 'responder', name: '1' }], groups: [] },
        'j1',
      ),
    });
    const done = h(clientRestart);
    const sdp = answerSdp(done);
    expect(sdp.media.map((m) => m.port === 0)).toEqual([false, true]);
    expect(sdp.media[0]!.iceUfrag).toBe('jFFT');
  });

  it('no new credentials within the wait → 488 (the session stays), content-remove of the video; the call goes on', () => {
    const { h, call } = established();
    h(offer(restartAndAdd));
    h(accept());
    const t = h({ kind: 'timer', name: 'content' });
    expect(one(t, 'sip-reoffer-answer')).toEqual({ kind: 'sip-reoffer-answer', id: 7, status: 488 });
    expect(jingles(t).map((j) => [j.action, j.contents.map((c) => c.name), j.reason?.condition])).toEqual([
      ['content-remove', ['1'], 'timeout'],
    ]);
    expect(call.ended).toBe(false);
    // The peer's next offer is taken again (nothing left waiting).
    const next = h({ kind: 'sip-reoffer', id: 8, body: peerWithVideo(avOffer, 4) });
    expect(jingles(next).map((j) => j.action)).toContain('content-add');
  });

  it('a new candidate on the audio with the video added → transport-info and content-add; the 200 at the content-accept', () => {
    const { h } = established();
    const e = h(offer(moveAndAdd));
    expect(jingles(e).map((j) => j.action)).toEqual(['transport-info', 'content-add']);
    const candidates = transportOf(jingles(e)[0]!.contents[0])?.candidates.map((c) => c.ip);
    expect(candidates).toContain('203.0.113.9');
    const done = h(accept());
    expect(one(done, 'sip-reoffer-answer').status).toBe(200);
    // No restart: the client's audio credentials as before.
    expect(answerSdp(done).media[0]!.iceUfrag).toBe('zkx0');
  });
});

describe('a moved transport after a stream was disabled', () => {
  it('the peer disabled the audio; a new candidate on its video → transport-info naming the video content', () => {
    const { h } = withVideo();
    const noAudio = (v: number): string => peerWithVideo(avAnswer, v).replace(/^m=audio 9 /m, 'm=audio 0 ');
    const removed = h({ kind: 'sip-reoffer', id: 8, body: noAudio(4) });
    expect(jingles(removed).map((j) => [j.action, j.contents.map((c) => c.name)])).toEqual([
      ['content-remove', ['0']],
    ]);
    const moved = noAudio(5).replace(
      /(m=video[^]*?)a=ice-ufrag:jFFT/,
      '$1a=candidate:1 1 udp 1694498815 203.0.113.9 40404 typ srflx raddr 0.0.0.0 rport 0\r\na=ice-ufrag:jFFT',
    );
    const e = h({ kind: 'sip-reoffer', id: 9, body: moved });
    const info = jingles(e).find((j) => j.action === 'transport-info');
    expect(info?.contents.map((c) => [c.creator, c.name])).toEqual([['initiator', '1']]);
    expect(transportOf(info?.contents[0])?.candidates.map((c) => c.ip)).toContain('203.0.113.9');
    const ans = one(e, 'sip-reoffer-answer');
    expect(ans.status).toBe(200);
    expect(answerSdp(e).media.map((m) => [m.type, m.port === 0])).toEqual([
      ['audio', true],
      ['video', false],
    ]);
  });
});
