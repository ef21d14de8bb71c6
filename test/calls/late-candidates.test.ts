/**
 * No candidate is ever dropped (docs/midcall.md §Streams): the client's candidates trickled
 * after the answer (XEP-0176 §6 transport-info) to a SIP peer that does not trickle go in a
 * re-INVITE (RFC 3264 §8); when that re-INVITE is refused with nothing to retry, or taken, every
 * later SDP of ours — a stream change's offer, the answer to the peer's re-offer, the offer of
 * an offerless re-INVITE (RFC 3261 §14.2) — still carries them. Sessions from captured Chromium
 * 156 traffic (./content-support.ts); the candidate is a documentation address (RFC 5737). Pure.
 */
import type { CallEvent } from '../../src/calls/events';
import { kinds, one, pick } from './support';
import {
  audioAnswer,
  audioTransportInfo,
  refused,
  avAnswer,
  avOffer,
  established,
  iq,
  jingles,
  parsed,
  peerWithVideo,
  reinviteDone,
  reinviteSdp,
  answerSdp,
  sid,
  version,
  video,
} from './content-support';

const LATE_IP = '198.51.100.40';
/** Chromium's audio content '0' (ufrag zkx0) with one more host candidate. */
const trickle = audioTransportInfo(
  {
    ufrag: 'zkx0',
    pwd: 'cGv6a77Hvfvzz1tH7/nVtQLa',
    candidates: [
      {
        component: 1,
        foundation: '3',
        generation: 0,
        id: 'late1',
        ip: LATE_IP,
        port: 41000,
        priority: 1518280447,
        protocol: 'udp',
        type: 'host',
      },
    ],
  },
  't1',
);
const addVideo = (): CallEvent => ({ kind: 'jingle', iq: iq(video('content-add', avOffer, 'initiator')) });
const audioCandidates = (body: string): string[] =>
  (parsed(body).media[0]!.candidates ?? []).map((c) => c.ip);

describe('late candidates to a peer without trickle', () => {
  it('their re-INVITE refused (488): no new offer just for them, but the next stream change offers them', () => {
    const { h } = established();
    const first = h(trickle);
    expect(kinds(first)).toBe('iq-result, sip-reinvite');
    expect(audioCandidates(one(first, 'sip-reinvite').body)).toContain(LATE_IP);
    const no = h(refused(488, 'Not Acceptable Here'));
    expect(pick(no, 'sip-reinvite')).toEqual([]);
    const add = h(addVideo());
    const offer = reinviteSdp(add);
    expect((offer.media[0]!.candidates ?? []).map((c) => c.ip)).toContain(LATE_IP);
    // The video's own transport is the client's content-add's, untouched.
    expect(offer.media[1]!.iceUfrag).toBe(parsed(avOffer).media[1]!.iceUfrag);
  });

  it('their re-INVITE taken (200): a later stream change still offers them', () => {
    const { h } = established();
    h(trickle);
    h(reinviteDone(version(audioAnswer, 3)));
    const offer = reinviteSdp(h(addVideo()));
    expect((offer.media[0]!.candidates ?? []).map((c) => c.ip)).toContain(LATE_IP);
  });

  it("their re-INVITE refused, then the peer's offerless re-INVITE: our offer in the 200 has them, o= +1", () => {
    const { h } = established();
    const sent = one(h(trickle), 'sip-reinvite').body;
    h(refused(500, 'Server Internal Error'));
    const r = h({ kind: 'sip-reoffer', id: 3, body: '' });
    const a = one(r, 'sip-reoffer-answer');
    expect(a.status).toBe(200);
    expect(audioCandidates(a.body!)).toContain(LATE_IP);
    expect(parsed(a.body!).origin.sessionVersion).toBe(Number(parsed(sent).origin.sessionVersion) + 1);
    // Offered once: the next offerless re-INVITE gets the same SDP (RFC 3264 §8: nothing changed).
    expect(one(h({ kind: 'sip-reoffer', id: 4, body: '' }), 'sip-reoffer-answer').body).toBe(a.body);
  });

  it("a candidate trickled while the client decides on the peer's video goes in the 200", () => {
    const { h } = established();
    h({ kind: 'sip-reoffer', id: 7, body: peerWithVideo(avOffer, 3) });
    // The peer's offer is out: no re-INVITE of ours now (RFC 3261 §14.1).
    expect(kinds(h(trickle))).toBe('iq-result');
    const accepted = h({ kind: 'jingle', iq: iq(video('content-accept', avAnswer, 'responder'), 'a1') });
    expect(audioCandidates(one(accepted, 'sip-reoffer-answer').body!)).toContain(LATE_IP);
    expect(answerSdp(accepted).media.map((m) => m.type)).toEqual(['audio', 'video']);
    // The answer carried it: nothing more to send.
    expect(pick(accepted, 'sip-reinvite')).toEqual([]);
  });

  it('candidates waiting for a glare retry ride on a stream change; when the peer refuses the change they get a re-INVITE of their own', () => {
    const { h } = established(() => 0);
    h({
      kind: 'jingle',
      iq: iq({ action: 'session-info', sid, contents: [], groups: [], info: { kind: 'hold' } }, 'h1'),
    });
    h(refused(491, 'Request Pending'));
    h(trickle);
    h(addVideo());
    const change = reinviteSdp(h({ kind: 'timer', name: 'glare' }));
    expect((change.media[0]!.candidates ?? []).map((c) => c.ip)).toContain(LATE_IP);
    const no = h(refused(488, 'Not Acceptable Here'));
    expect(jingles(no).map((j) => j.action)).toEqual(['content-reject']);
    const own = one(no, 'sip-reinvite').body;
    expect(audioCandidates(own)).toContain(LATE_IP);
    // The hold rides on it too (RFC 3264 §8.4), audio only as the session is.
    expect(parsed(own).media.map((m) => [m.type, m.direction])).toEqual([['audio', 'sendonly']]);
  });
});

describe('the peer’s answer to our re-INVITE (RFC 3264 §8)', () => {
  /** The client's ICE restart: new credentials and a candidate (XEP-0176 §2.2). */
  const restart = audioTransportInfo(
    {
      ufrag: 'nEw1',
      pwd: 'newclientpasswordnewclient',
      candidates: [
        {
          component: 1,
          foundation: '9',
          generation: 1,
          id: 'r1',
          ip: LATE_IP,
          port: 41002,
          priority: 2122260223,
          protocol: 'udp',
          type: 'host',
        },
      ],
    },
    't9',
  );

  it('an ICE restart answered with the peer’s new credentials (RFC 8839 §4.4.1.1.2) → transport-info to the client with them', () => {
    const { h } = established();
    const out = h(restart);
    expect(kinds(out)).toBe('iq-result, sip-reinvite');
    expect(
      parsed(one(out, 'sip-reinvite').body).media[0]!.iceUfrag ??
        parsed(one(out, 'sip-reinvite').body).iceUfrag,
    ).toBe('nEw1');
    // The peer (Chromium's captured answer) restarts too: new ufrag/pwd, o= +1.
    const answer = version(audioAnswer, 3)
      .replace('a=ice-ufrag:OcCS', 'a=ice-ufrag:PeR2')
      .replace('a=ice-pwd:y44FNSfkhV+rwupRnNIkzoJx', 'a=ice-pwd:peerrestartpasswordpeerre');
    const done = h(reinviteDone(answer));
    const [ti] = jingles(done);
    expect(ti?.action).toBe('transport-info');
    const t = ti!.contents[0]!.transport!;
    if (t.kind !== 'ice-udp') throw new Error('not ICE-UDP');
    expect([t.ufrag, t.pwd]).toEqual(['PeR2', 'peerrestartpasswordpeerre']);
    expect(t.candidates.length).toBeGreaterThan(0);
  });

  it('an answer with the transport the client already has (later candidates taken) tells the client nothing', () => {
    const { h } = established();
    h(trickle);
    const done = h(reinviteDone(version(audioAnswer, 3)));
    expect(jingles(done)).toEqual([]);
  });
});
