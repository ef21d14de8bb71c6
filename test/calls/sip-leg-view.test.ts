/**
 * The call's view of its SIP leg (src/calls/sip-leg-view.ts): derived from the leg's events and
 * the call's own SIP requests, read as the call writes them, never moving a dialog backwards.
 */
import type { CallEvent, Effect } from '../../src/calls/events';
import { SipLegView } from '../../src/calls/sip-leg-view';
import type { SipResponse } from '../../src/sip/message/types';

const res = (status: number, body = ''): SipResponse => ({
  kind: 'response',
  status,
  reason: '',
  headers: body === '' ? [] : [{ name: 'Content-Type', value: 'application/sdp' }],
  body,
});
const SDP =
  'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
const invite: Effect = {
  kind: 'sip-invite',
  uri: 'sip:b@x',
  from: 'sip:a@y',
  to: 'sip:b@x',
  body: SDP,
  callId: 'c',
};

describe('SipLegView (the call sees where the SIP leg stands)', () => {
  test('an outgoing call: INVITE → 100 → 183 with SDP (the answer) → 200 → BYE', () => {
    const v = new SipLegView();
    const out: Effect[] = [];
    v.track(out);
    expect([v.dialog, v.offer]).toEqual(['none', 'stable']);
    out.push(invite);
    // Read as written: no call to the view between the push and the read.
    expect([v.dialog, v.offer]).toEqual(['calling', 'have-local']);
    v.heard({ kind: 'sip-provisional', response: res(100) });
    expect(v.dialog).toBe('proceeding');
    v.heard({ kind: 'sip-provisional', response: res(183, SDP) });
    expect([v.dialog, v.offer]).toEqual(['early', 'stable']);
    // A late 100 does not move an early dialog back (RFC 3261 §12).
    v.heard({ kind: 'sip-provisional', response: res(100) });
    expect(v.dialog).toBe('early');
    v.heard({ kind: 'sip-answered', response: res(200, SDP) });
    expect(v.dialog).toBe('confirmed');
    v.heard({
      kind: 'sip-bye',
      request: { kind: 'request', method: 'BYE', uri: 'sip:x', headers: [], body: '' },
    });
    expect(v.dialog).toBe('terminated');
  });

  test('an incoming call starts with the peer offer outstanding; our 2xx answers it', () => {
    const v = new SipLegView('invited');
    const out: Effect[] = [];
    v.track(out);
    expect([v.dialog, v.offer]).toEqual(['calling', 'have-remote']);
    out.push({ kind: 'sip-provisional', status: 180 });
    expect(v.dialog).toBe('early');
    out.push({ kind: 'sip-accept', body: SDP });
    expect([v.dialog, v.offer]).toEqual(['confirmed', 'stable']);
  });

  test("glare: the peer's offer counts as outstanding against ours and against another of its own", () => {
    const v = new SipLegView();
    const out: Effect[] = [invite];
    v.track(out);
    v.heard({ kind: 'sip-answered', response: res(200, SDP) });
    out.push({ kind: 'sip-reinvite', body: SDP });
    const reoffer: CallEvent = { kind: 'sip-reoffer', id: 4, body: SDP };
    v.heard(reoffer);
    expect(v.offerOutstanding(4)).toBe(true); // ours is out
    v.heard({ kind: 'sip-reinvite-done', response: res(200, SDP) });
    expect(v.offerOutstanding(4)).toBe(false);
    expect(v.offer).toBe('have-remote');
    v.heard({ kind: 'sip-reoffer', id: 5, body: SDP });
    expect(v.offerOutstanding(5)).toBe(true); // 4 is still unanswered
    out.push({ kind: 'sip-reoffer-answer', id: 4, status: 200, body: SDP });
    out.push({ kind: 'sip-reoffer-answer', id: 5, status: 491 });
    expect(v.offer).toBe('stable');
    // An offerless re-INVITE asks for our offer: it starts no exchange of the peer's.
    v.heard({ kind: 'sip-reoffer', id: 6, body: '' });
    expect(v.offer).toBe('stable');
  });

  test('a refused offer profile: the next INVITE, prepared by the anchor, is a new dialog', () => {
    const v = new SipLegView();
    const out: Effect[] = [invite];
    v.track(out);
    v.heard({ kind: 'sip-failed', response: res(488) });
    expect([v.dialog, v.offer]).toEqual(['terminated', 'stable']);
    out.push({ kind: 'media', op: 'offer', purpose: 'invite', fromTag: 'jingle', sdp: SDP, flags: {} });
    expect(v.dialog).toBe('none');
    out.push(invite);
    expect([v.dialog, v.offer]).toEqual(['calling', 'have-local']);
  });
});
