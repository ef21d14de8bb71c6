/**
 * A SIP peer's REFER carried out by the call (src/calls/transfers.ts; docs/midcall.md §Transfer):
 * the gateway, the XMPP user's transferee, answers 202, reports in NOTIFYs (RFC 3515 §2.4.4–§2.4.7)
 * and places the new call on a second leg of the same call (RFC 5589 §6 blind, §7 attended); on
 * its 2xx the client's media moves to the new peer and the new dialog becomes the call's. The
 * REFERs are RFC 5589 §6.1 Figure 2's (blind) and §7.1's (attended, with Replaces), put into the
 * dialogs these calls have; the new peer's answer is Chromium's captured answer with another ICE
 * user and candidate. Pure: events in, effects out; every path must leave no call behind.
 */
import { CallRegistry, SipCall, XmppCall } from '../../src/calls';
import type { Call } from '../../src/calls/call';
import type { CallEvent, Effect } from '../../src/calls/events';
import { REFERRER_BYE_WAIT_MS } from '../../src/calls/transfers';
import { parseSdp } from '../../src/sdp';
import { header } from '../../src/sip/message';
import type { SipRequest, SipResponse } from '../../src/sip/message/types';
import { tables } from '../support/tables';
import {
  BARESIP_INVITE as invite,
  CALLER as caller,
  context,
  DEVICE as device,
  DEVICE_ACCEPT_XML as acceptXml,
  iqOf,
  kinds,
  okWith,
  one,
  pick,
  read,
  sip,
} from './support';

const client = 'romeo@montague.lit/orchard';
const gw = '+15551230000@gw.localhost';
const offerXml = read('jingle-xep/xep0320-ex01-initiate-fingerprint.xml').replace(
  "to='juliet@capulet.lit/balcony'",
  `to='${gw}'`,
);
const peerSdp = read('captured/chromium-156.0.8078.79-audio-answer.sdp');
/** The transfer target's answer: another peer (its own ICE credentials and address). */
const targetSdp = peerSdp
  .replace('a=ice-ufrag:OcCS', 'a=ice-ufrag:TaRg')
  .replace(
    'a=ice-pwd:y44FNSfkhV+rwupRnNIkzoJx',
    'a=ice-pwd:targetpwdtargetpwdtarget\r\na=candidate:1 1 udp 2122260223 198.51.100.7 40100 typ host',
  );

type Handle = (e: CallEvent) => Effect[];

function xmppEstablished(media: object = {}) {
  const registry = new CallRegistry();
  const { call } = XmppCall.start(iqOf(offerXml), context({}, media));
  registry.add(call);
  const h: Handle = (e) => registry.handle(call, e);
  h({ kind: 'timer', name: 'gather' });
  h({ kind: 'sip-answered', response: okWith(peerSdp) });
  h({ kind: 'sip-ack' });
  return { registry, call, h, party: { from: gw, to: client } };
}

function sipEstablished() {
  const registry = new CallRegistry();
  const { call } = SipCall.start(invite, 'sid1', context());
  if (!call) throw new Error('refused');
  registry.add(call);
  const h: Handle = (e) => registry.handle(call, e);
  h({ kind: 'jmi', jmi: 'proceed', from: device });
  h({ kind: 'jingle', iq: iqOf(acceptXml) });
  one(h({ kind: 'timer', name: 'gather' }), 'sip-accept');
  h({ kind: 'sip-ack' });
  return { registry, call, h, party: { from: caller, to: device } };
}

/**
 * RFC 5589 §6.1 Figure 2, F1 (blind): the transferor's REFER, in our dialog. `refer` is the
 * Refer-To; `extra` more headers (Refer-Sub, a second Referred-By…).
 */
function referOf(call: Call, referTo: string, extra: Array<[string, string]> = [], cseq = 2): SipRequest {
  return {
    kind: 'request',
    method: 'REFER',
    uri: 'sip:gw@192.0.2.10',
    headers: [
      { name: 'Via', value: 'SIP/2.0/UDP transferor.example;branch=z9hG4bKnashds9' },
      { name: 'Max-Forwards', value: '70' },
      { name: 'To', value: '<sip:transferee@transferee.example>;tag=gw1' },
      { name: 'From', value: '<sip:transferor@transferor.example>;tag=peer1' },
      { name: 'Call-ID', value: call.callId },
      { name: 'CSeq', value: `${cseq} REFER` },
      { name: 'Refer-To', value: referTo },
      { name: 'Referred-By', value: '<sip:transferor@transferor.example>' },
      { name: 'Contact', value: '<sip:transferor@transferor.example>' },
      ...extra.map(([name, value]) => ({ name, value })),
    ],
    body: '',
  };
}

const TARGET = '<sip:+15551234567@target.example>';
const response = (status: number, reason: string, body = ''): SipResponse =>
  status === 200 ? okWith(body) : { ...okWith(''), status, reason, body };

const notifies = (e: Effect[]): Array<{ frag: string; state: string; event: string }> =>
  pick(e, 'sip-notify').map((n) => ({
    frag: n.body.trim(),
    state: n.headers.find((x) => x.name === 'Subscription-State')?.value ?? '',
    event: n.headers.find((x) => x.name === 'Event')?.value ?? '',
  }));
const steps = (e: Effect[]): string[] => pick(e, 'sip-transfer').map((t) => t.step);

describe.each([
  ['XMPP → SIP', xmppEstablished],
  ['SIP → XMPP', sipEstablished],
])('%s call: a blind REFER (RFC 5589 §6.1)', (_, established) => {
  it('202, NOTIFY 100, a new INVITE by our routes with Referred-By; 180 → NOTIFY; 200 → transport-info, NOTIFY 200, switch; the transferor’s BYE; later BYE ends the call', () => {
    const { registry, call, h, party } = established();
    const accepted = h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    expect(kinds(accepted)).toBe('sip-request-answer, sip-notify, sip-transfer, sip-transfer');
    expect(one(accepted, 'sip-request-answer')).toMatchObject({ id: 1, status: 202 });
    // RFC 3515 §2.4.5: the first NOTIFY, at once: 100 Trying, the subscription active.
    expect(notifies(accepted)).toEqual([
      { frag: 'SIP/2.0 100 Trying', state: 'active;expires=120', event: 'refer' },
    ]);
    const n = one(accepted, 'sip-notify');
    expect(n.headers).toContainEqual({ name: 'Content-Type', value: 'message/sipfrag;version=2.0' });
    const inv = pick(accepted, 'sip-transfer')[1]!;
    if (inv.step !== 'invite') throw new Error(`not an invite: ${inv.step}`);
    // The number by the gateway's own route (sip.outbound), never target.example.
    expect(inv.uri).toBe(`sip:+15551234567@${context().config.sip.outbound.replace(/^sips?:/, '')}`);
    expect(inv.uri).not.toContain('target.example');
    // The new dialog's INVITE says what we take, as the call's own (RFC 6086 §5.2.3; end to end: trickle-ice).
    expect(inv.headers).toEqual([
      { name: 'Referred-By', value: '<sip:transferor@transferor.example>' },
      { name: 'Recv-Info', value: 'trickle-ice' },
    ]);
    // The Jingle side's description as an offer: sendrecv, its settled DTLS role (never actpass).
    const offer = parseSdp(inv.body, tables.hashes);
    expect(offer.media[0]!.setup).not.toBe('actpass');
    expect(offer.media[0]!.direction).toBe('sendrecv');
    expect(offer.media[0]!.fingerprints.length).toBeGreaterThan(0);

    const ringing = h({ kind: 'sip-transfer-response', response: response(180, 'Ringing') });
    expect(notifies(ringing)).toEqual([
      { frag: 'SIP/2.0 180 Ringing', state: 'active;expires=120', event: 'refer' },
    ]);
    expect(pick(ringing, 'send-jingle')).toEqual([]);

    const ok = h({ kind: 'sip-transfer-response', response: response(200, 'OK', targetSdp) });
    expect(kinds(ok)).toBe('send-jingle, sip-notify, sip-transfer, timer-start');
    const ti = one(ok, 'send-jingle');
    expect(ti).toMatchObject({ ...party, jingle: { action: 'transport-info', sid: call.sid } });
    const t = ti.jingle.contents[0]!.transport!;
    expect(t.kind === 'ice-udp' && t.ufrag).toBe('TaRg');
    expect(t.kind === 'ice-udp' && t.candidates.map((c) => `${c.ip} ${c.port}`)).toContain(
      '198.51.100.7 40100',
    );
    // RFC 3515 §2.4.7: the final NOTIFY ends the subscription.
    expect(notifies(ok)).toEqual([
      { frag: 'SIP/2.0 200 OK', state: 'terminated;reason=noresource', event: 'refer' },
    ]);
    expect(steps(ok)).toEqual(['switch']);
    expect(one(ok, 'timer-start')).toEqual({
      kind: 'timer-start',
      name: 'transfer',
      ms: REFERRER_BYE_WAIT_MS,
    });

    // RFC 5589 §6.1: the transferor hangs up on the NOTIFY 200; nothing more to do.
    expect(h({ kind: 'sip-referrer-gone' })).toEqual([{ kind: 'timer-stop', name: 'transfer' }]);
    expect(registry.size).toBe(1);
    expect(call.dialog.state).toBe('confirmed');
    // The new peer's BYE is the call's.
    const bye = h({ kind: 'sip-bye', request: sip('captured/sipp-3.6.1-uac-bye.sip') as SipRequest });
    expect(one(bye, 'send-jingle').jingle.action).toBe('session-terminate');
    expect(registry.size).toBe(0);
  });

  it('the transferor does not hang up: after REFERRER_BYE_WAIT_MS the gateway BYEs its dialog, the call goes on', () => {
    const { registry, call, h } = established();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    h({ kind: 'sip-transfer-response', response: response(200, 'OK', targetSdp) });
    const t = h({ kind: 'timer', name: 'transfer' });
    expect(t).toEqual([{ kind: 'sip-transfer', step: 'hang-up', leg: 'transferor' }]);
    expect(registry.size).toBe(1);
    // Its BYE crossing ours changes nothing.
    expect(h({ kind: 'sip-referrer-gone' })).toEqual([]);
    expect(registry.size).toBe(1);
  });

  it('the new call fails (486): NOTIFY 486 terminated, the transferor’s dialog is the call’s again', () => {
    const { registry, call, h } = established();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    const busy = h({ kind: 'sip-transfer-response', response: response(486, 'Busy Here') });
    expect(notifies(busy)).toEqual([
      { frag: 'SIP/2.0 486 Busy Here', state: 'terminated;reason=noresource', event: 'refer' },
    ]);
    expect(steps(busy)).toEqual(['abandon']);
    expect(pick(busy, 'send-jingle')).toEqual([]);
    expect(registry.size).toBe(1);
    // RFC 3515 §2.4.6: a second REFER in the dialog, its NOTIFYs name it by CSeq.
    const again = h({ kind: 'sip-refer', id: 2, request: referOf(call, TARGET, [], 7) });
    expect(one(again, 'sip-request-answer').status).toBe(202);
    expect(notifies(again)[0]!.event).toBe('refer;id=7');
    // The transferor hangs up afterwards: the new call is cancelled with the call.
    const bye = h({ kind: 'sip-bye', request: sip('captured/sipp-3.6.1-uac-bye.sip') as SipRequest });
    expect(kinds(bye)).toContain('ended');
    expect(bye).toContainEqual({ kind: 'sip-transfer', step: 'hang-up', leg: 'new' });
    expect(registry.size).toBe(0);
  });

  it('the transferor hangs up mid-transfer (after the 202): the transfer goes on; 200 → no NOTIFY, the new peer is the call’s', () => {
    const { registry, call, h } = established();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    expect(h({ kind: 'sip-referrer-gone' })).toEqual([]);
    expect(registry.size).toBe(1);
    // No NOTIFY can go in a dialog that has ended.
    expect(notifies(h({ kind: 'sip-transfer-response', response: response(180, 'Ringing') }))).toEqual([]);
    const ok = h({ kind: 'sip-transfer-response', response: response(200, 'OK', targetSdp) });
    expect(kinds(ok)).toBe('send-jingle, sip-transfer');
    expect(steps(ok)).toEqual(['switch']);
    expect(registry.size).toBe(1);
    const bye = h({ kind: 'sip-bye', request: sip('captured/sipp-3.6.1-uac-bye.sip') as SipRequest });
    expect(kinds(bye)).toContain('ended');
    expect(registry.size).toBe(0);
  });

  it('the transferor hangs up mid-transfer and the new call fails: the client hears why, the call ends', () => {
    const { registry, call, h, party } = established();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    h({ kind: 'sip-referrer-gone' });
    const failed = h({ kind: 'sip-transfer-response', response: response(404, 'Not Found') });
    expect(notifies(failed)).toEqual([]);
    const term = one(failed, 'send-jingle');
    expect(term).toMatchObject({ ...party, jingle: { action: 'session-terminate' } });
    expect(term.jingle.reason?.text).toMatch(/transfer failed: 404 Not Found/);
    // No BYE: the transferor's dialog is gone, the new one never was.
    expect(pick(failed, 'sip-bye')).toEqual([]);
    expect(kinds(failed)).toContain('ended');
    expect(registry.size).toBe(0);
  });

  it('the client hangs up mid-transfer: BYE to the transferor, the new INVITE is cancelled', () => {
    const { registry, call, h, party } = established();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    const sid = call.sid;
    const end = h({
      kind: 'jingle',
      iq: iqOf(`<iq from='${party.to}' to='${party.from}' type='set' id='t1'>
        <jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' sid='${sid}'><reason><success/></reason></jingle></iq>`),
    });
    expect(kinds(end)).toContain('sip-bye');
    expect(end).toContainEqual({ kind: 'sip-transfer', step: 'hang-up', leg: 'new' });
    expect(registry.size).toBe(0);
    // A late answer of the new call is not the call's any more.
    expect(h({ kind: 'sip-transfer-response', response: response(200, 'OK', targetSdp) })).toEqual([]);
  });

  it('Refer-Sub: false (RFC 4488 §4): 202 with Refer-Sub: false, and no NOTIFY at any step', () => {
    const { call, h } = established();
    const a = h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET, [['Refer-Sub', 'false']]) });
    expect(one(a, 'sip-request-answer')).toMatchObject({
      status: 202,
      headers: [{ name: 'Refer-Sub', value: 'false' }],
    });
    expect(pick(a, 'sip-notify')).toEqual([]);
    expect(
      pick(h({ kind: 'sip-transfer-response', response: response(180, 'Ringing') }), 'sip-notify'),
    ).toEqual([]);
    const ok = h({ kind: 'sip-transfer-response', response: response(200, 'OK', targetSdp) });
    expect(pick(ok, 'sip-notify')).toEqual([]);
    expect(steps(ok)).toEqual(['switch']);
  });

  it('a second REFER while one is carried out → 491; the first goes on', () => {
    const { call, h } = established();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    const second = h({ kind: 'sip-refer', id: 2, request: referOf(call, TARGET, [], 3) });
    expect(second).toEqual([{ kind: 'sip-request-answer', id: 2, status: 491 }]);
    expect(steps(h({ kind: 'sip-transfer-response', response: response(200, 'OK', targetSdp) }))).toEqual([
      'switch',
    ]);
  });

  it('a 2xx whose answer cannot be used: that leg is hung up, NOTIFY 488, the call goes on', () => {
    const { registry, call, h } = established();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    const bad = h({ kind: 'sip-transfer-response', response: response(200, 'OK', 'v=0\r\nnot sdp\r\n') });
    expect(bad).toContainEqual({ kind: 'sip-transfer', step: 'hang-up', leg: 'new' });
    expect(notifies(bad)[0]!.frag).toBe('SIP/2.0 488 Not Acceptable Here');
    expect(steps(bad)).toEqual(['hang-up', 'abandon']);
    expect(registry.size).toBe(1);
  });
});

describe('REFER refused: the call goes on, nothing is placed', () => {
  it.each([
    // Premium rate: mappings/policy.yaml's deny rules (no toll fraud).
    ['a denied number → 403', '<sip:+19005550123@target.example>', 403],
    // policy.sipHosts is empty by default: no open relay.
    ['a SIP host outside policy.sipHosts → 403', '<sip:carol@elsewhere.example>', 403],
    ['a malformed Refer-To → 400', '<sip:dave@denver.example.org?Replaces=x%3Bto-tag%3D1>', 400],
    ['an XMPP user of this gateway → 603', '<sip:juliet%40capulet.lit@gw.localhost>', 603],
    ['RFC 3515 §2.1 http: target → 603', 'http://www.ietf.org', 603],
  ])('%s', (_what, referTo, status) => {
    const { registry, call, h } = xmppEstablished();
    const e = h({ kind: 'sip-refer', id: 1, request: referOf(call, referTo) });
    expect(e).toEqual([{ kind: 'sip-request-answer', id: 1, status }]);
    expect(registry.size).toBe(1);
    expect(call.dialog.state).toBe('confirmed');
  });

  it('before the answer → 603 (RFC 3515 §2.4.2)', () => {
    const registry = new CallRegistry();
    const { call } = XmppCall.start(iqOf(offerXml), context());
    registry.add(call);
    registry.handle(call, { kind: 'timer', name: 'gather' });
    const e = registry.handle(call, { kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    expect(e).toEqual([{ kind: 'sip-request-answer', id: 1, status: 603 }]);
  });
});

describe('an attended REFER (RFC 5589 §7.1: Refer-To with Replaces)', () => {
  it('the new INVITE carries Replaces and Require: replaces (RFC 3891 §3)', () => {
    const { call, h } = xmppEstablished();
    const referTo =
      '<sip:+15551234567@target.example?Replaces=090459243588173445%3Bto-tag%3D7553452%3Bfrom-tag%3D31431>';
    const e = h({ kind: 'sip-refer', id: 1, request: referOf(call, referTo) });
    const inv = pick(e, 'sip-transfer').find((t) => t.step === 'invite');
    if (inv?.step !== 'invite') throw new Error('no invite');
    expect(inv.headers).toEqual([
      { name: 'Referred-By', value: '<sip:transferor@transferor.example>' },
      { name: 'Replaces', value: '090459243588173445;to-tag=7553452;from-tag=31431' },
      { name: 'Require', value: 'replaces' },
      { name: 'Recv-Info', value: 'trickle-ice' },
    ]);
    // A target that cannot replace: 420 → NOTIFY 420, the call goes on.
    const refused = h({ kind: 'sip-transfer-response', response: response(420, 'Bad Extension') });
    expect(notifies(refused)[0]!.frag).toBe('SIP/2.0 420 Bad Extension');
  });
});

describe('an anchored call: the anchor is re-pointed, the client sees nothing', () => {
  const RTPENGINE = { rtpengine: 'udp://127.0.0.1:22222' };
  const forSip = read('captured/rtpengine-10.5.3-offer-rtp-for-sip.sdp');
  const forXmpp = read('captured/rtpengine-10.5.3-answer-webrtc-for-xmpp.sdp');
  const body = (f: string): string => read(f).split('\r\n\r\n').slice(1).join('\r\n\r\n');
  const plain = body('captured/baresip-1.0.0-200ok-plain.sip');

  function anchored() {
    const registry = new CallRegistry();
    const { call } = XmppCall.start(iqOf(offerXml), context({}, RTPENGINE));
    registry.add(call);
    const h: Handle = (e) => registry.handle(call, e);
    h({ kind: 'timer', name: 'gather' });
    h({ kind: 'media-done', purpose: 'invite', sdp: forSip });
    h({ kind: 'sip-answered', response: okWith(plain) });
    h({ kind: 'media-done', purpose: 'accept', sdp: forXmpp });
    h({ kind: 'sip-ack' });
    return { registry, call, h };
  }

  it('REFER → the anchor offers from the Jingle side → INVITE with its SDP → 200 → the anchor takes the answer → NOTIFY 200, switch', () => {
    const { registry, call, h } = anchored();
    const a = h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    expect(kinds(a)).toBe('sip-request-answer, sip-notify, sip-transfer, media');
    expect(one(a, 'media')).toMatchObject({
      op: 'offer',
      purpose: 'transfer',
      fromTag: 'jingle',
      toTag: 'sip',
    });
    const inv = h({ kind: 'media-done', purpose: 'transfer', sdp: forSip });
    const step = one(inv, 'sip-transfer');
    expect(step.step === 'invite' && step.body).toBe(forSip);
    // Anchored, we take no Info-Package: an empty Recv-Info (RFC 6086 §5.2.2).
    expect(step.step === 'invite' && step.headers).toContainEqual({ name: 'Recv-Info', value: '' });
    const ok = h({ kind: 'sip-transfer-response', response: okWith(plain) });
    expect(one(ok, 'media')).toMatchObject({
      op: 'answer',
      purpose: 'transfer-answer',
      toTag: 'sip',
      sdp: plain,
    });
    expect(pick(ok, 'sip-notify')).toEqual([]);
    const done = h({ kind: 'media-done', purpose: 'transfer-answer', sdp: forSip });
    expect(kinds(done)).toBe('sip-notify, sip-transfer, timer-start');
    expect(pick(done, 'send-jingle')).toEqual([]);
    // Every way out still deletes the anchor session and ends the transferor's dialog.
    const end = h({ kind: 'shutdown' });
    expect(kinds(end)).toContain('media-delete');
    expect(end).toContainEqual({ kind: 'sip-transfer', step: 'hang-up', leg: 'transferor' });
    expect(registry.size).toBe(0);
  });

  it('the anchor failing on the transfer: NOTIFY 500, the call goes on as it was', () => {
    const { registry, call, h } = anchored();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    const f = h({ kind: 'media-failed', purpose: 'transfer', text: 'rtpengine did not answer' });
    expect(notifies(f)[0]!.frag).toBe('SIP/2.0 500 Server Internal Error');
    expect(steps(f)).toEqual(['abandon']);
    expect(registry.size).toBe(1);
  });
});

describe('NOTIFY', () => {
  it('a NOTIFY with no subscription of ours → 481 (RFC 6665 §4.1.3)', () => {
    const { call, h } = xmppEstablished();
    const n: SipRequest = {
      ...referOf(call, TARGET),
      method: 'NOTIFY',
      headers: [
        { name: 'Event', value: 'refer' },
        { name: 'Subscription-State', value: 'active' },
      ],
      body: 'SIP/2.0 200 OK\r\n',
    };
    expect(header(n, 'Event')).toBe('refer');
    expect(h({ kind: 'sip-notify', id: 9, request: n })).toEqual([
      { kind: 'sip-request-answer', id: 9, status: 481 },
    ]);
  });
});
