/**
 * Glare on the client's stream changes (src/calls/content-reoffer.ts): our re-INVITE for a
 * content-add / content-remove / content-modify that gets 491 is offered again after the
 * RFC 3261 §14.1 wait (2.1–4 s when we chose the Call-ID, 0–2 s when the peer did), as a new
 * offer from the session as it is then (o= +1); after MAX_GLARE_RETRIES the client hears
 * content-reject, as for any refusal. Sessions from captured Chromium 156 traffic
 * (./content-support.ts), baresip 1.0.0 for the SIP-originated call. Pure.
 */
import type { CallEvent } from '../../src/calls/events';
import { MAX_GLARE_RETRIES } from '../../src/calls/glare';
import type { SipRequest } from '../../src/sip/message/types';
import { CALLER, DEVICE, kinds, one, pick, sip } from './support';
import {
  answerSdp,
  avAnswer,
  avOffer,
  baresipCall,
  baresipVideoAnswer,
  deviceAddsVideo,
  established,
  iq,
  jingles,
  named,
  peerWithVideo,
  portZero,
  reinviteDone,
  refused,
  reinviteSdp,
  sid,
  version,
  audioAnswer,
  withVideo,
} from './content-support';
import { video } from './content-support';

const pending = refused(491, 'Request Pending');
const glare: CallEvent = { kind: 'timer', name: 'glare' };
const addVideo = (): CallEvent => ({ kind: 'jingle', iq: iq(video('content-add', avOffer, 'initiator')) });
const holdIq = (id: string): CallEvent => ({
  kind: 'jingle',
  iq: iq({ action: 'session-info', sid, contents: [], groups: [], info: { kind: 'hold' } }, id),
});

describe("our stream change's 491 (RFC 3261 §14.1)", () => {
  it('content-add → 491 → the glare wait (2.1 s: we chose the Call-ID), nothing to the client; then the same change, o= +1; 200 → content-accept', () => {
    const { h } = established(() => 0);
    const first = reinviteSdp(h(addVideo()));
    const wait = h(pending);
    expect(wait).toEqual([{ kind: 'timer-start', name: 'glare', ms: 2100 }]);
    const retry = h(glare);
    expect(kinds(retry)).toBe('sip-reinvite');
    const offer = reinviteSdp(retry);
    expect(offer.media.map((m) => [m.type, m.mid, m.port !== 0])).toEqual([
      ['audio', '0', true],
      ['video', '1', true],
    ]);
    expect(offer.origin.sessionVersion).toBe(Number(first.origin.sessionVersion) + 1);
    expect(offer.groups).toEqual([{ type: 'BUNDLE', mids: '0 1' }]);
    const done = h(reinviteDone(peerWithVideo(avAnswer, 3)));
    expect(jingles(done).map((j) => [j.action, j.contents.map((c) => c.name)])).toEqual([
      ['content-accept', ['1']],
    ]);
    expect(pick(done, 'sip-reinvite')).toEqual([]);
  });

  it(`491 every time: after ${MAX_GLARE_RETRIES} retries → content-reject, the session stays audio only`, () => {
    const { h, call } = established(() => 0.999999);
    h(addVideo());
    for (let i = 0; i < MAX_GLARE_RETRIES; i++) {
      expect(h(pending)).toEqual([{ kind: 'timer-start', name: 'glare', ms: 4000 }]);
      expect(kinds(h(glare))).toBe('sip-reinvite');
    }
    const out = h(pending);
    expect(pick(out, 'timer-start')).toEqual([]);
    expect(jingles(out)).toEqual([
      { action: 'content-reject', sid, contents: [{ creator: 'initiator', name: '1' }], groups: [] },
    ]);
    expect(call.ended).toBe(false);
    // The count starts again: a later change gets its own retries, and offers audio only before it.
    expect(reinviteSdp(h(holdIq('h1'))).media.map((m) => m.type)).toEqual(['audio']);
    expect(kinds(h(pending))).toBe('timer-start');
  });

  it("during the wait the peer's re-offer is taken (200, not 491), the client's next change gets tie-break; the retry follows the peer's o=", () => {
    const { h } = established(() => 0);
    h(addVideo());
    h(pending);
    // The peer's own re-offer (audio only, o= 3) crosses ours: answered now (RFC 3261 §14.1).
    const theirs = h({ kind: 'sip-reoffer', id: 9, body: version(audioAnswer, 3) });
    expect(one(theirs, 'sip-reoffer-answer')).toMatchObject({ id: 9, status: 200 });
    const answered = Number(reinviteSdpOf(one(theirs, 'sip-reoffer-answer').body!).origin.sessionVersion);
    const second = h({ kind: 'jingle', iq: iq(named('content-remove', ['0']), 'x2') });
    expect(one(second, 'iq-error')).toMatchObject({ condition: 'conflict', jingleCondition: 'tie-break' });
    const retry = reinviteSdp(h(glare));
    expect(retry.media.map((m) => m.type)).toEqual(['audio', 'video']);
    expect(retry.origin.sessionVersion).toBe(answered + 1);
  });

  it('the peer disables the stream during the wait: the retried content-modify no longer fits → content-reject, no re-INVITE', () => {
    const { h } = withVideo(() => 0);
    h({ kind: 'jingle', iq: iq(named('content-modify', ['1'], { senders: 'initiator' }), 'm1') });
    h(pending);
    const gone = h({ kind: 'sip-reoffer', id: 4, body: portZero(peerWithVideo(avOffer, 5)) });
    expect(jingles(gone).map((j) => j.action)).toEqual(['content-remove']);
    expect(one(gone, 'sip-reoffer-answer').status).toBe(200);
    const t = h(glare);
    expect(pick(t, 'sip-reinvite')).toEqual([]);
    expect(jingles(t)).toEqual([
      { action: 'content-reject', sid, contents: [{ creator: 'initiator', name: '1' }], groups: [] },
    ]);
  });

  it('the peer still has an offer out when the wait is over (the client decides on its video): another wait, then content-reject when they run out', () => {
    const { h } = established(() => 0);
    h({ kind: 'jingle', iq: iq(named('content-modify', ['0'], { senders: 'initiator' }), 'm1') });
    h(pending);
    // The peer adds video; the client has not answered yet when the timer fires.
    h({ kind: 'sip-reoffer', id: 6, body: peerWithVideo(avOffer, 3) });
    for (let i = 1; i < MAX_GLARE_RETRIES; i++)
      expect(h(glare)).toEqual([{ kind: 'timer-start', name: 'glare', ms: 2100 }]);
    const out = h(glare);
    expect(pick(out, 'sip-reinvite')).toEqual([]);
    expect(jingles(out).map((j) => [j.action, j.contents.map((c) => c.name)])).toEqual([
      ['content-reject', ['0']],
    ]);
  });

  it('a hold asked during the wait rides on the retry (sendonly); its 2xx answers the hold IQ, no second re-INVITE', () => {
    const { h } = established(() => 0);
    h(addVideo());
    h(pending);
    expect(h(holdIq('h1'))).toEqual([{ kind: 'iq-later', id: 'h1' }]);
    const retry = reinviteSdp(h(glare));
    expect(retry.media.map((m) => m.direction)).toEqual(['sendonly', 'sendonly']);
    const done = h(reinviteDone(peerWithVideo(avAnswer, 3)));
    expect(pick(done, 'sip-reinvite')).toEqual([]);
    expect(one(done, 'iq-result').id).toBe('h1');
    expect(jingles(done).map((j) => j.action)).toEqual(['content-accept']);
  });

  it("a content-add during a hold's glare wait waits for the same timer and carries the hold", () => {
    const { h } = established(() => 0);
    h(holdIq('h1'));
    expect(kinds(h(pending))).toBe('timer-start');
    const add = h(addVideo());
    expect(kinds(add)).toBe('iq-result');
    const retry = h(glare);
    expect(kinds(retry)).toBe('sip-reinvite');
    expect(reinviteSdp(retry).media.map((m) => [m.type, m.direction])).toEqual([
      ['audio', 'sendonly'],
      ['video', 'sendonly'],
    ]);
    const done = h(reinviteDone(peerWithVideo(avAnswer, 3)));
    expect(one(done, 'iq-result').id).toBe('h1');
    expect(pick(done, 'sip-reinvite')).toEqual([]);
  });

  it('content-remove → 491 → retried with the m-line at port 0; a 488 then is no retry', () => {
    const { h } = withVideo(() => 0);
    h({ kind: 'jingle', iq: iq(named('content-remove', ['1']), 'r1') });
    h(pending);
    const retry = reinviteSdp(h(glare));
    expect(retry.media.map((m) => [m.type, m.port === 0])).toEqual([
      ['audio', false],
      ['video', true],
    ]);
    const out = h(refused(488, 'Not Acceptable Here'));
    expect(pick(out, 'timer-start')).toEqual([]);
    // XEP-0166 §7.2.5 has no refusal of a content-remove: nothing to tell, and no offer for it alone.
    expect(jingles(out)).toEqual([]);
    expect(pick(out, 'sip-reinvite')).toEqual([]);
    // The client has dropped the video: our next offer disables it (RFC 3264 §8.2).
    const hold = reinviteSdp(h(holdIq('h1')));
    expect(hold.media.map((m) => [m.type, m.port === 0])).toEqual([
      ['audio', false],
      ['video', true],
    ]);
    expect(hold.groups).toEqual([{ type: 'BUNDLE', mids: '0' }]);
  });

  it("a refused content-remove: the peer's next offer still carrying the video is a new stream to the client", () => {
    const { h } = withVideo();
    h({ kind: 'jingle', iq: iq(named('content-remove', ['1']), 'r1') });
    h(refused(488, 'Not Acceptable Here'));
    const again = h({ kind: 'sip-reoffer', id: 5, body: peerWithVideo(avAnswer, 5) });
    expect(jingles(again).map((j) => [j.action, j.contents.map((c) => [c.creator, c.name])])).toEqual([
      ['content-add', [['responder', '1']]],
    ]);
    const no = h({
      kind: 'jingle',
      iq: iq(
        { action: 'content-reject', sid, contents: [{ creator: 'responder', name: '1' }], groups: [] },
        'j1',
      ),
    });
    expect(answerSdp(no).media.map((m) => m.port === 0)).toEqual([false, true]);
  });

  it('the call ends during the wait: the glare timer is stopped and the call freed', () => {
    const { h, call, registry } = established(() => 0);
    h(addVideo());
    h(pending);
    const bye = h({ kind: 'sip-bye', request: sip('captured/sipp-3.6.1-uac-bye.sip') as SipRequest });
    expect(pick(bye, 'timer-stop').map((t) => t.name)).toContain('glare');
    expect(call.ended).toBe(true);
    expect(registry.size).toBe(0);
  });

  it('SIP → XMPP (baresip chose the Call-ID): the wait is 0–2 s', () => {
    const { h } = baresipCall(() => 0.999999);
    const add = iq(deviceAddsVideo(), 'da', DEVICE, CALLER);
    expect(kinds(h({ kind: 'jingle', iq: add }))).toBe('iq-result, sip-reinvite');
    expect(h(pending)).toEqual([{ kind: 'timer-start', name: 'glare', ms: 2000 }]);
    expect(reinviteSdp(h(glare)).media.map((m) => m.type)).toEqual(['audio', 'video']);
    expect(jingles(h(reinviteDone(baresipVideoAnswer))).map((x) => x.action)).toEqual(['content-accept']);
  });
});

function reinviteSdpOf(body: string) {
  return reinviteSdp([{ kind: 'sip-reinvite', body }]);
}
