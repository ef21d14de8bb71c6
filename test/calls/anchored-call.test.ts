/**
 * Calls whose media goes through the anchor, driven event by event. The anchor's answers are
 * rtpengine's own rewrites of captured SDPs (test/fixtures/captured/rtpengine-*.sdp), so no
 * socket is used; every way out must ask for the anchor session's delete.
 */
import { CallRegistry, SipCall, XmppCall } from '../../src/calls';
import type { Call } from '../../src/calls/call';
import type { Effect } from '../../src/calls/events';
import type { SipRequest } from '../../src/sip/message/types';
import { anchoredAcceptXml, context, iqOf, kinds, okWith, one, pick, read, sip } from './support';

const RTPENGINE = { rtpengine: 'udp://127.0.0.1:22222' };
const body = (f: string): string => read(f).split('\r\n\r\n').slice(1).join('\r\n\r\n');
const client = 'romeo@montague.lit/orchard';
const offerXml = read('jingle-xep/xep0320-ex01-initiate-fingerprint.xml').replace(
  "to='juliet@capulet.lit/balcony'",
  "to='+15551230000@gw.localhost'",
);
const forSip = read('captured/rtpengine-10.5.3-offer-rtp-for-sip.sdp');
const forXmpp = read('captured/rtpengine-10.5.3-answer-webrtc-for-xmpp.sdp');
const plainAnswer = okWith(body('captured/baresip-1.0.0-200ok-plain.sip'));

function xmppCall(media: object = RTPENGINE) {
  const registry = new CallRegistry();
  const { call, effects } = XmppCall.start(iqOf(offerXml), context({}, media));
  registry.add(call);
  const h = (e: Parameters<Call['handle']>[0]): Effect[] => registry.handle(call, e);
  return { registry, call, effects, h };
}

const failed = (status: number) => ({
  kind: 'sip-failed' as const,
  response: { ...plainAnswer, status, reason: 'Not Acceptable Here', body: '' },
});

describe('XMPP → SIP, anchored', () => {
  it('early media: the 183 answer goes through the anchor (answer) → session-accept; the same 200 adds nothing', () => {
    const { h } = xmppCall();
    h({ kind: 'timer', name: 'gather' });
    h({ kind: 'media-done', purpose: 'invite', sdp: forSip });
    const early = h({
      kind: 'sip-provisional',
      response: { ...plainAnswer, status: 183, reason: 'Session Progress' },
    });
    expect(one(early, 'media')).toMatchObject({
      op: 'answer',
      purpose: 'early',
      toTag: 'sip',
      sdp: plainAnswer.body,
    });
    expect(pick(early, 'send-jingle')).toEqual([]);
    const accepted = h({ kind: 'media-done', purpose: 'early', sdp: forXmpp });
    expect(one(accepted, 'send-jingle').jingle.action).toBe('session-accept');
    const ok = h({ kind: 'sip-answered', response: plainAnswer });
    expect(pick(ok, 'media')).toEqual([]);
    expect(pick(ok, 'send-jingle')).toEqual([]);
  });

  it('offer → anchor → INVITE with its SDP; 200 → anchor → session-accept with ICE and DTLS; BYE → delete', () => {
    const { h, call } = xmppCall();
    const gathered = h({ kind: 'timer', name: 'gather' });
    expect(kinds(gathered)).toBe('media');
    const offer = one(gathered, 'media');
    expect(offer).toMatchObject({ op: 'offer', purpose: 'invite', fromTag: 'jingle' });
    expect(offer.flags).toMatchObject({ ICE: 'remove', 'transport-protocol': 'UDP/TLS/RTP/SAVP' });
    expect(offer.sdp).toMatch(/a=ice-ufrag:/);
    const invited = h({ kind: 'media-done', purpose: 'invite', sdp: forSip });
    expect(one(invited, 'sip-invite').body).toBe(forSip);
    const answered = h({ kind: 'sip-answered', response: plainAnswer });
    expect(one(answered, 'media')).toMatchObject({ op: 'answer', purpose: 'accept', toTag: 'sip' });
    expect(pick(answered, 'send-jingle')).toEqual([]);
    const accepted = h({ kind: 'media-done', purpose: 'accept', sdp: forXmpp });
    const accept = one(accepted, 'send-jingle').jingle;
    expect(accept.action).toBe('session-accept');
    const t = accept.contents[0]!.transport!;
    expect(t.kind).toBe('ice-udp');
    expect(t.fingerprints[0]!.setup).toBe('active');
    const bye = h({ kind: 'sip-bye', request: sip('captured/sipp-3.6.1-uac-bye.sip') as SipRequest });
    expect(kinds(bye)).toContain('media-delete');
    expect(call.ended).toBe(true);
  });

  it('a 488 → the next offer profile in a new INVITE; the last refusal ends the call and deletes', () => {
    const { h } = xmppCall({ ...RTPENGINE, offer: ['as-offered', 'rtp'] });
    h({ kind: 'timer', name: 'gather' });
    h({ kind: 'media-done', purpose: 'invite', sdp: forSip });
    const retry = h(failed(488));
    expect(one(retry, 'media').flags['transport-protocol']).toBe('RTP/AVP');
    expect(pick(retry, 'send-jingle')).toEqual([]);
    expect(one(h({ kind: 'media-done', purpose: 'invite', sdp: forSip }), 'sip-invite').body).toBe(forSip);
    const last = h(failed(488));
    expect(one(last, 'send-jingle').jingle.reason?.condition).toBe('incompatible-parameters');
    expect(kinds(last)).toContain('media-delete');
  });

  it('a 486 is not retried', () => {
    const { h } = xmppCall({ ...RTPENGINE, offer: ['as-offered', 'rtp'] });
    h({ kind: 'timer', name: 'gather' });
    h({ kind: 'media-done', purpose: 'invite', sdp: forSip });
    const busy = h(failed(486));
    expect(pick(busy, 'media')).toEqual([]);
    expect(one(busy, 'send-jingle').jingle.reason?.condition).toBe('busy');
  });

  it('the anchor failing → session-terminate <media-error/> with the cause, no INVITE, delete', () => {
    const { h } = xmppCall();
    h({ kind: 'timer', name: 'gather' });
    const out = h({
      kind: 'media-failed',
      purpose: 'invite',
      text: 'rtpengine at 127.0.0.1:22222 did not answer offer',
    });
    expect(pick(out, 'sip-invite')).toEqual([]);
    const reason = one(out, 'send-jingle').jingle.reason;
    expect(reason?.condition).toBe('media-error');
    expect(reason?.text).toMatch(/did not answer offer/);
    expect(kinds(out)).toContain('media-delete');
  });

  it('the caller hanging up while the anchor works: no INVITE goes out, the session is deleted', () => {
    const { h } = xmppCall();
    h({ kind: 'timer', name: 'gather' });
    const term = iqOf(`<iq from='${client}' to='+15551230000@gw.localhost' type='set' id='t'>
      <jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' sid='a73sjjvkla37jfea'><reason><success/></reason></jingle></iq>`);
    expect(kinds(h({ kind: 'jingle', iq: term }))).toBe('iq-result, media-delete, ended');
    expect(h({ kind: 'media-done', purpose: 'invite', sdp: forSip })).toEqual([]);
  });

  it('a peer declared ICE + DTLS keeps media end to end', () => {
    const { h } = xmppCall({ ...RTPENGINE, peer: { ice: true, dtls: true } });
    expect(kinds(h({ kind: 'timer', name: 'gather' }))).toBe('sip-invite, timer-start');
  });
});

describe('XMPP → SIP, end to end (no anchor): an answer that cannot work is refused', () => {
  it("baresip's DTLS answer without ICE → BYE and <unsupported-transports/> naming what is missing", () => {
    const { h } = xmppCall({});
    h({ kind: 'timer', name: 'gather' });
    const out = h({
      kind: 'sip-answered',
      response: okWith(body('captured/baresip-1.0.0-200ok-dtls_srtp.sip')),
    });
    expect(one(out, 'sip-bye').headers[0]!.value).toMatch(/^SIP;cause=488/);
    const reason = one(out, 'send-jingle').jingle.reason;
    expect(reason?.condition).toBe('unsupported-transports');
    expect(reason?.text).toMatch(/without ICE .*no media anchor is configured/);
  });
});

describe('SIP → XMPP, anchored', () => {
  const invite = sip('captured/baresip-1.0.0-invite-plain.sip') as SipRequest;
  const device = 'bob@localhost/phone';
  function sipCall() {
    const registry = new CallRegistry();
    const { call, effects } = SipCall.start(invite, 'sid1', context({ gatherWindowMs: 0 }, RTPENGINE));
    if (!call) throw new Error('refused');
    registry.add(call);
    return { call, effects, h: (e: Parameters<Call['handle']>[0]): Effect[] => registry.handle(call, e) };
  }

  it('INVITE → anchor → propose; the device gets ICE + DTLS; its answer → anchor → 200 with RTP/AVP', () => {
    const { effects, h } = sipCall();
    expect(kinds(effects)).toBe('timer-start, media');
    expect(one(effects, 'media')).toMatchObject({ op: 'offer', purpose: 'propose', fromTag: 'sip' });
    const proposed = h({
      kind: 'media-done',
      purpose: 'propose',
      sdp: read('captured/rtpengine-10.5.3-offer-webrtc-for-xmpp.sdp'),
    });
    expect(one(proposed, 'send-jmi').jmi).toBe('propose');
    const initiate = one(h({ kind: 'jmi', jmi: 'proceed', from: device }), 'send-jingle').jingle;
    const t = initiate.contents[0]!.transport!;
    expect(t.kind).toBe('ice-udp');
    expect(t.fingerprints[0]!.setup).toBe('actpass');
    const from = one(proposed, 'send-jmi').from;
    const accept = iqOf(anchoredAcceptXml(from, initiate.contents[0]!.name));
    const answered = h({ kind: 'jingle', iq: accept });
    expect(one(answered, 'media')).toMatchObject({
      op: 'answer',
      purpose: 'answer',
      fromTag: 'sip',
      toTag: 'jingle',
    });
    expect(pick(answered, 'sip-accept')).toEqual([]);
    const sdp = read('captured/rtpengine-10.5.3-answer-rtp-for-sip.sdp');
    expect(one(h({ kind: 'media-done', purpose: 'answer', sdp }), 'sip-accept').body).toBe(sdp);
    h({ kind: 'sip-ack' });
    const bye = h({ kind: 'sip-bye', request: sip('captured/sipp-3.6.1-uac-bye.sip') as SipRequest });
    expect(kinds(bye)).toBe('send-jingle, media-delete, ended');
  });

  it('the anchor failing → 503 with a Reason naming the cause; nobody was rung; delete', () => {
    const { h } = sipCall();
    const out = h({
      kind: 'media-failed',
      purpose: 'propose',
      text: 'rtpengine at 127.0.0.1:22222 did not answer offer',
    });
    const reject = one(out, 'sip-reject');
    expect(reject.status).toBe(503);
    expect(reject.headers[0]!.value).toMatch(/did not answer offer/);
    expect(pick(out, 'send-jmi')).toEqual([]);
    expect(kinds(out)).toContain('media-delete');
  });

  it('CANCEL while the anchor works → delete', () => {
    const { h } = sipCall();
    expect(kinds(h({ kind: 'sip-cancel' }))).toContain('media-delete');
  });
});

describe("a SIP peer's new offer in an anchored call goes through the anchor", () => {
  /** An anchored XMPP → SIP call, answered and accepted. */
  function established() {
    const c = xmppCall();
    c.h({ kind: 'timer', name: 'gather' });
    c.h({ kind: 'media-done', purpose: 'invite', sdp: forSip });
    c.h({ kind: 'sip-answered', response: plainAnswer });
    c.h({ kind: 'media-done', purpose: 'accept', sdp: forXmpp });
    return c;
  }
  const hold = body('captured/baresip-1.0.0-invite-plain.sip').replace('a=sendrecv', 'a=sendonly');

  it('hold (a=sendonly): offer to the anchor, then the client’s side answers recvonly, DTLS role kept; 200 with the anchor’s SDP', () => {
    const { h } = established();
    const offered = h({ kind: 'sip-reoffer', id: 7, body: hold });
    expect(one(offered, 'media')).toMatchObject({
      op: 'offer',
      purpose: 'reoffer',
      fromTag: 'sip',
      toTag: 'jingle',
      sdp: hold,
    });
    expect(pick(offered, 'sip-reoffer-answer')).toEqual([]);
    const answered = h({ kind: 'media-done', purpose: 'reoffer', sdp: forXmpp });
    const reanswer = one(answered, 'media');
    expect(reanswer).toMatchObject({ op: 'answer', purpose: 'reanswer', fromTag: 'sip', toTag: 'jingle' });
    expect(reanswer.sdp).toMatch(/a=recvonly/);
    expect(reanswer.sdp).toMatch(/a=setup:passive/);
    expect(reanswer.sdp).not.toMatch(/a=setup:actpass/);
    const sdp = read('captured/rtpengine-10.5.3-offer-rtp-for-sip.sdp');
    expect(one(h({ kind: 'media-done', purpose: 'reanswer', sdp }), 'sip-reoffer-answer')).toEqual({
      kind: 'sip-reoffer-answer',
      id: 7,
      status: 200,
      body: sdp,
    });
  });

  it('the anchor failing on a re-offer → 488, the call goes on', () => {
    const { h, call } = established();
    h({ kind: 'sip-reoffer', id: 8, body: hold });
    const out = h({ kind: 'media-failed', purpose: 'reoffer', text: 'timeout' });
    expect(one(out, 'sip-reoffer-answer')).toMatchObject({ id: 8, status: 488 });
    expect(call.ended).toBe(false);
  });

  it('an offerless re-INVITE gets our last SDP as the offer; a re-offer after the end gets 481', () => {
    const { h, registry, call } = established();
    expect(one(h({ kind: 'sip-reoffer', id: 9, body: '' }), 'sip-reoffer-answer')).toMatchObject({
      status: 200,
      body: forSip,
    });
    h({ kind: 'sip-bye', request: sip('captured/sipp-3.6.1-uac-bye.sip') as SipRequest });
    expect(registry.handle(call, { kind: 'sip-reoffer', id: 10, body: hold })).toEqual([
      { kind: 'sip-reoffer-answer', id: 10, status: 481 },
    ]);
  });
});

describe('hold in an anchored call, both ways (XEP-0167 §7 ⇄ RFC 3264 §8.4)', () => {
  function established() {
    const c = xmppCall();
    c.h({ kind: 'timer', name: 'gather' });
    c.h({ kind: 'media-done', purpose: 'invite', sdp: forSip });
    c.h({ kind: 'sip-answered', response: plainAnswer });
    c.h({ kind: 'media-done', purpose: 'accept', sdp: forXmpp });
    return c;
  }
  const peer = body('captured/baresip-1.0.0-invite-plain.sip');
  const anchorForSip = read('captured/rtpengine-10.5.3-offer-rtp-for-sip.sdp');
  /** One peer re-offer answered through the anchor; the effects once the 200 goes out. */
  function peerReoffer(h: ReturnType<typeof xmppCall>['h'], id: number, sdp: string): Effect[] {
    h({ kind: 'sip-reoffer', id, body: sdp });
    h({ kind: 'media-done', purpose: 'reoffer', sdp: forXmpp });
    return h({ kind: 'media-done', purpose: 'reanswer', sdp: anchorForSip });
  }
  const info = (out: Effect[]) => pick(out, 'send-jingle').map((e) => e.jingle.info?.kind);
  const sessionInfo = (child: string, id: string) =>
    iqOf(`<iq from='${client}' to='+15551230000@gw.localhost' type='set' id='${id}'>
      <jingle xmlns='urn:xmpp:jingle:1' action='session-info' sid='a73sjjvkla37jfea'>${child}</jingle></iq>`);
  const HOLD = "<hold xmlns='urn:xmpp:jingle:apps:rtp:info:1'/>";
  const ACTIVE = "<active xmlns='urn:xmpp:jingle:apps:rtp:info:1'/>";

  it('the peer’s sendonly → 200, then <hold/> to the client; sendrecv again → <active/>; no change → nothing', () => {
    const { h } = established();
    const held = peerReoffer(h, 1, peer.replace('a=sendrecv', 'a=sendonly'));
    expect(kinds(held)).toBe('sip-reoffer-answer, send-jingle');
    expect(one(held, 'send-jingle')).toMatchObject({
      from: '+15551230000@gw.localhost',
      to: client,
      jingle: { action: 'session-info', sid: 'a73sjjvkla37jfea', info: { kind: 'hold' } },
    });
    // inactive is still held: the client hears nothing new.
    expect(info(peerReoffer(h, 2, peer.replace('a=sendrecv', 'a=inactive')))).toEqual([]);
    expect(info(peerReoffer(h, 3, peer))).toEqual(['active']);
    expect(info(peerReoffer(h, 4, peer))).toEqual([]);
  });

  it('a refused hold re-offer (the anchor failed) tells the client nothing', () => {
    const { h } = established();
    h({ kind: 'sip-reoffer', id: 1, body: peer.replace('a=sendrecv', 'a=sendonly') });
    const out = h({ kind: 'media-failed', purpose: 'reoffer', text: 'timeout' });
    expect(kinds(out)).toBe('sip-reoffer-answer');
  });

  it('the client’s <hold/> → offer from the Jingle side through the anchor (sendonly, RTP/AVP flags) → re-INVITE with its SDP → the answer through the anchor; <active/> → sendrecv', () => {
    const { h } = established();
    const asked = h({ kind: 'jingle', iq: sessionInfo(HOLD, 'h1') });
    const offer = one(asked, 'media');
    expect(offer).toMatchObject({ op: 'offer', purpose: 'reinvite', fromTag: 'jingle', toTag: 'sip' });
    expect(offer.sdp).toMatch(/a=sendonly/);
    expect(offer.sdp).not.toMatch(/a=setup:actpass/);
    expect(offer.flags['transport-protocol']).toBe('RTP/AVP');
    expect(pick(asked, 'sip-reinvite')).toEqual([]);
    const held = anchorForSip.replace('a=sendrecv', 'a=sendonly');
    expect(one(h({ kind: 'media-done', purpose: 'reinvite', sdp: held }), 'sip-reinvite').body).toBe(held);
    const reply = okWith(peer.replace('a=sendrecv', 'a=recvonly'));
    const answer = one(h({ kind: 'sip-reinvite-done', response: reply }), 'media');
    expect(answer).toMatchObject({
      op: 'answer',
      purpose: 'reinvite-answer',
      fromTag: 'jingle',
      toTag: 'sip',
      sdp: reply.body,
    });
    // The peer took the hold: the client's IQ is answered now.
    expect(h({ kind: 'media-done', purpose: 'reinvite-answer', sdp: forXmpp })).toEqual([
      { kind: 'iq-result', to: client, from: '+15551230000@gw.localhost', id: 'h1' },
    ]);
    // A second <hold/> changes nothing; <active/> offers the Jingle side's own direction.
    expect(pick(h({ kind: 'jingle', iq: sessionInfo(HOLD, 'h2') }), 'media')).toEqual([]);
    const active = one(h({ kind: 'jingle', iq: sessionInfo(ACTIVE, 'a1') }), 'media');
    expect(active.purpose).toBe('reinvite');
    expect(active.sdp).not.toMatch(/a=sendonly/);
  });

  it('an offerless re-INVITE after a hold gets the held SDP; the peer refusing the re-INVITE → tried again on the next <hold/>', () => {
    const { h } = established();
    h({ kind: 'jingle', iq: sessionInfo(HOLD, 'h1') });
    const held = anchorForSip.replace('a=sendrecv', 'a=sendonly');
    h({ kind: 'media-done', purpose: 'reinvite', sdp: held });
    // RFC 3261 §14.1: refused, the session stays as it was; the client's IQ gets an error.
    expect(
      h({
        kind: 'sip-reinvite-done',
        response: { ...plainAnswer, status: 488, reason: 'Not Acceptable Here', body: '' },
      }),
    ).toEqual([
      expect.objectContaining({
        kind: 'iq-error',
        id: 'h1',
        condition: 'not-acceptable',
        text: 'the SIP peer did not take the hold: 488 Not Acceptable Here',
      }),
    ]);
    expect(one(h({ kind: 'sip-reoffer', id: 5, body: '' }), 'sip-reoffer-answer').body).toBe(forSip);
    expect(one(h({ kind: 'jingle', iq: sessionInfo(HOLD, 'h2') }), 'media').purpose).toBe('reinvite');
    h({ kind: 'media-done', purpose: 'reinvite', sdp: held });
    h({ kind: 'sip-reinvite-done', response: okWith(peer.replace('a=sendrecv', 'a=recvonly')) });
    h({ kind: 'media-done', purpose: 'reinvite-answer', sdp: forXmpp });
    expect(one(h({ kind: 'sip-reoffer', id: 6, body: '' }), 'sip-reoffer-answer').body).toBe(held);
  });

  it('glare: the peer’s re-offer while our hold re-INVITE is out → 491; our <hold/> while the peer’s is answered waits for it, and the answer carries it', () => {
    const { h } = established();
    h({ kind: 'jingle', iq: sessionInfo(HOLD, 'h1') });
    expect(one(h({ kind: 'sip-reoffer', id: 1, body: peer }), 'sip-reoffer-answer')).toMatchObject({
      status: 491,
    });
    const other = established();
    other.h({ kind: 'sip-reoffer', id: 2, body: peer });
    expect(pick(other.h({ kind: 'jingle', iq: sessionInfo(HOLD, 'h1') }), 'media')).toEqual([]);
    other.h({ kind: 'media-done', purpose: 'reoffer', sdp: forXmpp });
    const done = other.h({ kind: 'media-done', purpose: 'reanswer', sdp: anchorForSip });
    // The answer to the peer's offer says our hold (RFC 3264 §8.4): no re-INVITE is needed for it.
    expect(kinds(done)).toBe('sip-reoffer-answer, iq-result');
    expect(one(done, 'iq-result').id).toBe('h1');
  });
});

describe('dead peers (docs/policy.md §Dead peers)', () => {
  /** An anchored XMPP → SIP call, answered and accepted. */
  function established() {
    const c = xmppCall();
    c.h({ kind: 'timer', name: 'gather' });
    c.h({ kind: 'media-done', purpose: 'invite', sdp: forSip });
    c.h({ kind: 'sip-answered', response: plainAnswer });
    c.h({ kind: 'media-done', purpose: 'accept', sdp: forXmpp });
    return c;
  }

  it('media-down (a silent side): BYE with Reason, session-terminate with the reason, delete', () => {
    const { h, call, registry } = established();
    const text = 'no media from the SIP side for 45 s';
    const out = h({ kind: 'media-down', condition: 'connectivity-error', text });
    expect(kinds(out)).toBe('sip-bye, send-jingle, media-delete, ended');
    expect(one(out, 'sip-bye').headers).toEqual([
      { name: 'Reason', value: expect.stringMatching(new RegExp(`^SIP;cause=\\d{3};text="${text}"$`)) },
    ]);
    expect(one(out, 'send-jingle').jingle).toMatchObject({
      action: 'session-terminate',
      reason: { condition: 'connectivity-error', text },
    });
    expect(call.ended).toBe(true);
    expect(registry.size).toBe(0);
  });

  it('sip-down with a reason (the session expired): <timeout/> and its text reach the client', () => {
    const { h } = established();
    const text = 'session expired: no refresh within 1800 s (RFC 4028)';
    const out = h({ kind: 'sip-down', condition: 'timeout', text });
    expect(one(out, 'send-jingle').jingle.reason).toEqual({ condition: 'timeout', text });
    expect(kinds(out)).toContain('media-delete');
  });

  it('SIP → XMPP: sip-down with a reason while ringing ends the call, the call sends no BYE (the dialog sends its own)', () => {
    const registry = new CallRegistry();
    const { call, effects } = SipCall.start(
      sip('captured/baresip-1.0.0-invite-plain.sip') as SipRequest,
      'sid9',
      context({}, RTPENGINE),
    );
    expect(call).toBeDefined();
    registry.add(call!);
    expect(kinds(effects)).toContain('media');
    const text = 'no answer to in-dialog OPTIONS within 32 s';
    // Not proceeded yet: the device is rung by JMI; the call ends with a retract and the reason.
    const out = registry.handle(call!, { kind: 'sip-down', condition: 'connectivity-error', text });
    expect(pick(out, 'sip-bye')).toEqual([]);
    expect(kinds(out)).toContain('ended');
    expect(registry.size).toBe(0);
  });
});
