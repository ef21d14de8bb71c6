/**
 * Our re-INVITEs and their answers at the call level (RFC 3261 §14.1, §14.2): the client's
 * XEP-0167 §7 hold is acknowledged only once the SIP peer took it, a refusal leaves the session
 * as it was and tells the client (IQ error), and glare both ways — the peer's offer while ours is
 * out gets 491, our 491 is tried again after the randomised wait (2.1–4 s when we chose the
 * Call-ID, 0–2 s when the peer did), as a new offer. Pure: events in, effects out.
 */
import { CallRegistry, SipCall, XmppCall, type CallContext } from '../../src/calls';
import type { CallEvent, Effect } from '../../src/calls/events';
import { glareBackoffMs, MAX_GLARE_RETRIES } from '../../src/calls/glare';
import { parseSdp } from '../../src/sdp';
import type { SipResponse } from '../../src/sip/message/types';
import { tables } from '../support/tables';
import {
  BARESIP_INVITE,
  CALLER as caller,
  context,
  DEVICE,
  DEVICE_ACCEPT_XML,
  iqOf,
  kinds,
  okWith,
  one,
  pick,
  read,
} from './support';

const client = 'romeo@montague.lit/orchard';
const gw = '+15551230000@gw.localhost';
const offerXml = read('jingle-xep/xep0320-ex01-initiate-fingerprint.xml').replace(
  "to='juliet@capulet.lit/balcony'",
  `to='${gw}'`,
);
/** The SIP peer's answer: Chromium's (ICE, DTLS, setup active), as in test/calls/mid-call.test.ts. */
const peerSdp = read('captured/chromium-156.0.8078.79-audio-answer.sdp');
/** The peer's own re-offer (RFC 3264 §8: o= version +1), saying sendrecv. */
const peerOffer = peerSdp
  .replace('o=- 41886955684934916 2', 'o=- 41886955684934916 3')
  .replace('a=recvonly', 'a=sendrecv');
const HOLD = "<hold xmlns='urn:xmpp:jingle:apps:rtp:info:1'/>";
const ACTIVE = "<active xmlns='urn:xmpp:jingle:apps:rtp:info:1'/>";
const sessionInfo = (payload: string, id: string) =>
  iqOf(`<iq from='${client}' to='${gw}' type='set' id='${id}'>
    <jingle xmlns='urn:xmpp:jingle:1' action='session-info' sid='a73sjjvkla37jfea'>${payload}</jingle></iq>`);

/** A final response to our re-INVITE: a captured SIPp 200, its status and reason replaced. */
function answer(status: number, reason: string, body = ''): SipResponse {
  return { ...okWith(body === '' ? peerSdp : body), status, reason, ...(body === '' ? { body: '' } : {}) };
}

/** An XMPP → SIP call, answered and established, with `random` for the glare wait. */
function established(random: () => number = () => 0.5) {
  const registry = new CallRegistry();
  const ctx: CallContext = { ...context(), random };
  const { call } = XmppCall.start(iqOf(offerXml), ctx);
  registry.add(call);
  registry.handle(call, { kind: 'timer', name: 'gather' });
  registry.handle(call, { kind: 'sip-answered', response: okWith(peerSdp) });
  registry.handle(call, { kind: 'sip-ack' });
  const h = (e: CallEvent): Effect[] => registry.handle(call, e);
  return { h, call, registry };
}

const direction = (body: string) => parseSdp(body, tables.hashes).media[0]!.direction;
const version = (body: string) => Number(parseSdp(body, tables.hashes).origin.sessionVersion);

describe('glareBackoffMs (RFC 3261 §14.1)', () => {
  it('2.1–4 s for the Call-ID owner, 0–2 s for the other side, in 10 ms units', () => {
    expect(glareBackoffMs(true, () => 0)).toBe(2100);
    expect(glareBackoffMs(true, () => 0.999999)).toBe(4000);
    expect(glareBackoffMs(false, () => 0)).toBe(0);
    expect(glareBackoffMs(false, () => 0.999999)).toBe(2000);
    for (const r of [0.1, 0.37, 0.5, 0.77]) {
      expect(glareBackoffMs(true, () => r) % 10).toBe(0);
      expect(glareBackoffMs(false, () => r) % 10).toBe(0);
    }
  });
});

describe('the answer to our hold re-INVITE (RFC 3261 §14.1)', () => {
  it('the IQ of <hold/> is answered with the 2xx, not before', () => {
    const { h } = established();
    const asked = h({ kind: 'jingle', iq: sessionInfo(HOLD, 'h1') });
    // Not answered yet: the gateway's runner keeps the IQ open (iq-later) for the SIP answer.
    expect(kinds(asked)).toBe('sip-reinvite, iq-later');
    expect(one(asked, 'iq-later').id).toBe('h1');
    expect(direction(one(asked, 'sip-reinvite').body)).toBe('sendonly');
    const done = h({ kind: 'sip-reinvite-done', response: okWith(peerSdp) });
    expect(done).toEqual([{ kind: 'iq-result', to: client, from: gw, id: 'h1' }]);
    // Held now: a second <hold/> needs no re-INVITE and is answered at once.
    expect(h({ kind: 'jingle', iq: sessionInfo(HOLD, 'h2') })).toEqual([
      { kind: 'iq-result', to: client, from: gw, id: 'h2' },
    ]);
  });

  it('a 488 leaves the session as it was: the IQ gets not-acceptable, our answers and offers stay sendrecv', () => {
    const { h } = established();
    const first = one(h({ kind: 'jingle', iq: sessionInfo(HOLD, 'h1') }), 'sip-reinvite').body;
    const refused = h({ kind: 'sip-reinvite-done', response: answer(488, 'Not Acceptable Here') });
    expect(kinds(refused)).toBe('iq-error');
    expect(one(refused, 'iq-error')).toMatchObject({
      to: client,
      id: 'h1',
      condition: 'not-acceptable',
      text: 'the SIP peer did not take the hold: 488 Not Acceptable Here',
    });
    // Not held: the peer's re-offer is answered sendrecv, not sendonly.
    const r = h({ kind: 'sip-reoffer', id: 1, body: peerOffer });
    expect(direction(one(r, 'sip-reoffer-answer').body!)).toBe('sendrecv');
    // And the next <hold/> is a new offer again (o= version above every earlier one).
    const again = one(h({ kind: 'jingle', iq: sessionInfo(HOLD, 'h2') }), 'sip-reinvite').body;
    expect(direction(again)).toBe('sendonly');
    expect(version(again)).toBeGreaterThan(version(first));
  });

  it('no answer at all (the re-INVITE failed in the leg): the IQ gets an error too', () => {
    const { h } = established();
    h({ kind: 'jingle', iq: sessionInfo(HOLD, 'h1') });
    expect(one(h({ kind: 'sip-reinvite-done' }), 'iq-error')).toMatchObject({
      id: 'h1',
      text: 'the SIP peer did not take the hold: no answer',
    });
  });

  it('<active/> while the hold is out waits; a refused hold then leaves <active/> satisfied and <hold/> refused', () => {
    const { h } = established();
    h({ kind: 'jingle', iq: sessionInfo(HOLD, 'h1') });
    // One offer at a time (§14.1): the resume rides on what follows.
    expect(h({ kind: 'jingle', iq: sessionInfo(ACTIVE, 'a1') })).toEqual([{ kind: 'iq-later', id: 'a1' }]);
    const out = h({ kind: 'sip-reinvite-done', response: answer(403, 'Forbidden') });
    expect(pick(out, 'sip-reinvite')).toEqual([]);
    expect(out).toEqual([
      expect.objectContaining({ kind: 'iq-error', id: 'h1', condition: 'not-acceptable' }),
      { kind: 'iq-result', to: client, from: gw, id: 'a1' },
    ]);
  });

  it('hold then active, both taken: a second re-INVITE for the resume, each IQ answered', () => {
    const { h } = established();
    h({ kind: 'jingle', iq: sessionInfo(HOLD, 'h1') });
    h({ kind: 'jingle', iq: sessionInfo(ACTIVE, 'a1') });
    // The hold was taken: h1 is answered, and the resume goes out for a1.
    const first = h({ kind: 'sip-reinvite-done', response: okWith(peerSdp) });
    expect(kinds(first)).toBe('iq-result, sip-reinvite');
    expect(one(first, 'iq-result').id).toBe('h1');
    expect(direction(one(first, 'sip-reinvite').body)).toBe('sendrecv');
    const second = h({ kind: 'sip-reinvite-done', response: okWith(peerSdp) });
    expect(second).toEqual([{ kind: 'iq-result', to: client, from: gw, id: 'a1' }]);
  });

  it('the call ending while the IQ waits answers it (out-of-order)', () => {
    const { h } = established();
    h({ kind: 'jingle', iq: sessionInfo(HOLD, 'h1') });
    const out = h({ kind: 'sip-down', text: 'gone' });
    expect(one(out, 'iq-error')).toMatchObject({ id: 'h1', jingleCondition: 'out-of-order' });
    expect(kinds(out)).toContain('ended');
  });
});

describe('glare (RFC 3261 §14.1, §14.2)', () => {
  it("the peer's re-offer while our hold re-INVITE is out → 491", () => {
    const { h } = established();
    h({ kind: 'jingle', iq: sessionInfo(HOLD, 'h1') });
    expect(one(h({ kind: 'sip-reoffer', id: 1, body: peerOffer }), 'sip-reoffer-answer')).toEqual({
      kind: 'sip-reoffer-answer',
      id: 1,
      status: 491,
    });
  });

  it('our 491 → wait 2.1–4 s (we chose the Call-ID), then a new offer (o= +1), still sendonly; its 2xx answers the IQ', () => {
    const { h } = established(() => 0);
    const first = one(h({ kind: 'jingle', iq: sessionInfo(HOLD, 'h1') }), 'sip-reinvite').body;
    const wait = h({ kind: 'sip-reinvite-done', response: answer(491, 'Request Pending') });
    expect(wait).toEqual([{ kind: 'timer-start', name: 'glare', ms: 2100 }]);
    // A candidate during the wait goes in the retry, not in an offer of its own.
    const trickle = iqOf(`<iq from='${client}' to='${gw}' type='set' id='t1'>
      <jingle xmlns='urn:xmpp:jingle:1' action='transport-info' sid='a73sjjvkla37jfea'>
        <content creator='initiator' name='voice'>
          <transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='8hhy' pwd='asd88fgpdd777uzjYhagZg'>
            <candidate component='1' foundation='3' generation='0' id='c3' ip='198.51.100.40' port='41000' priority='1518280447' protocol='udp' type='host'/>
          </transport>
        </content></jingle></iq>`);
    expect(kinds(h({ kind: 'jingle', iq: trickle }))).toBe('iq-result');
    const retry = one(h({ kind: 'timer', name: 'glare' }), 'sip-reinvite').body;
    expect(direction(retry)).toBe('sendonly');
    expect(version(retry)).toBe(version(first) + 1);
    expect(retry).toContain('198.51.100.40');
    expect(h({ kind: 'sip-reinvite-done', response: okWith(peerSdp) })).toEqual([
      { kind: 'iq-result', to: client, from: gw, id: 'h1' },
    ]);
  });

  it("during the wait the peer's re-offer is taken (no 491), its answer says our hold; then nothing is left to retry", () => {
    const { h } = established(() => 0.999999);
    h({ kind: 'jingle', iq: sessionInfo(HOLD, 'h1') });
    expect(h({ kind: 'sip-reinvite-done', response: answer(491, 'Request Pending') })).toEqual([
      { kind: 'timer-start', name: 'glare', ms: 4000 },
    ]);
    const r = h({ kind: 'sip-reoffer', id: 2, body: peerOffer });
    const a = one(r, 'sip-reoffer-answer');
    expect(a.status).toBe(200);
    // RFC 3264 §6.1 + §8.4: sendrecv offered, the client holds → sendonly.
    expect(direction(a.body!)).toBe('sendonly');
    // The peer has our hold now: the IQ is answered; when the wait is over nothing is left to send.
    expect(one(r, 'iq-result').id).toBe('h1');
    expect(h({ kind: 'timer', name: 'glare' })).toEqual([]);
  });

  it(`491 every time: after ${MAX_GLARE_RETRIES} retries the IQ gets an error and the session stays active`, () => {
    const { h } = established();
    h({ kind: 'jingle', iq: sessionInfo(HOLD, 'h1') });
    for (let i = 0; i < MAX_GLARE_RETRIES; i++) {
      expect(kinds(h({ kind: 'sip-reinvite-done', response: answer(491, 'Request Pending') }))).toBe(
        'timer-start',
      );
      expect(kinds(h({ kind: 'timer', name: 'glare' }))).toBe('sip-reinvite');
    }
    const out = h({ kind: 'sip-reinvite-done', response: answer(491, 'Request Pending') });
    expect(one(out, 'iq-error')).toMatchObject({
      id: 'h1',
      text: 'the SIP peer did not take the hold: 491 Request Pending',
    });
    expect(
      direction(one(h({ kind: 'sip-reoffer', id: 3, body: peerOffer }), 'sip-reoffer-answer').body!),
    ).toBe('sendrecv');
  });

  it('SIP → XMPP: the peer chose the Call-ID, so our wait is 0–2 s', () => {
    const invite = BARESIP_INVITE;
    const device = DEVICE;
    const registry = new CallRegistry();
    const { call } = SipCall.start(invite, 'sid1', { ...context(), random: () => 0.999999 });
    if (!call) throw new Error('refused');
    registry.add(call);
    registry.handle(call, { kind: 'jmi', jmi: 'proceed', from: device });
    registry.handle(call, {
      kind: 'jingle',
      iq: iqOf(DEVICE_ACCEPT_XML),
    });
    registry.handle(call, { kind: 'timer', name: 'gather' });
    registry.handle(call, { kind: 'sip-ack' });
    const hold = iqOf(`<iq from='${device}' to='${caller}' type='set' id='h1'>
      <jingle xmlns='urn:xmpp:jingle:1' action='session-info' sid='sid1'>${HOLD}</jingle></iq>`);
    expect(direction(one(registry.handle(call, { kind: 'jingle', iq: hold }), 'sip-reinvite').body)).toBe(
      'sendonly',
    );
    expect(
      registry.handle(call, { kind: 'sip-reinvite-done', response: answer(491, 'Request Pending') }),
    ).toEqual([{ kind: 'timer-start', name: 'glare', ms: 2000 }]);
  });
});
