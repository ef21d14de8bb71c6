/**
 * What happens during a call that is not anchored (media end to end): the SIP peer's
 * re-INVITE/UPDATE (hold, a new address, an ICE restart), INFO (DTMF, trickle, other packages),
 * REFER and NOTIFY reach the call and are answered by it; the client's hold and XEP-0181 tones
 * reach SIP. Pure: events in, effects out.
 */
import { CallRegistry, SipCall, XmppCall } from '../../src/calls';
import type { SipInfo } from '../../src/calls/events';
import { parseSdp } from '../../src/sdp';
import type { SipRequest } from '../../src/sip/message/types';
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
import { tables } from '../support/tables';

const client = 'romeo@montague.lit/orchard';
const gw = '+15551230000@gw.localhost';
const offerXml = read('jingle-xep/xep0320-ex01-initiate-fingerprint.xml').replace(
  "to='juliet@capulet.lit/balcony'",
  `to='${gw}'`,
);
/** The SIP peer's answer: Chromium's (ICE, DTLS, setup active), as in the XMPP → SIP tests. */
const peerSdp = read('captured/chromium-156.0.8078.79-audio-answer.sdp');
/**
 * The peer's later offers: its answer with what a re-INVITE changes (RFC 3264 §8): the
 * o= version +1, and hold (§8.4: a=sendonly), a new candidate, or new ICE credentials.
 */
const reoffer = (edit: (sdp: string) => string): string =>
  edit(peerSdp.replace('o=- 41886955684934916 2', 'o=- 41886955684934916 3'));
const hold = reoffer((s) => s.replace('a=recvonly', 'a=sendonly'));
const resume = reoffer((s) => s.replace('a=recvonly', 'a=sendrecv'));
const moved = reoffer((s) =>
  s.replace(
    'a=ice-ufrag:OcCS',
    'a=candidate:1 1 udp 1694498815 203.0.113.9 40404 typ srflx raddr 0.0.0.0 rport 0\r\na=ice-ufrag:OcCS',
  ),
);
const restarted = reoffer((s) =>
  s
    .replace('a=ice-ufrag:OcCS', 'a=ice-ufrag:N3wU')
    .replace('a=ice-pwd:y44FNSfkhV+rwupRnNIkzoJx', 'a=ice-pwd:n3wPwdn3wPwdn3wPwdn3wP'),
);

/** An XMPP → SIP call, answered by the peer and established. */
function established() {
  const registry = new CallRegistry();
  const { call } = XmppCall.start(iqOf(offerXml), context());
  registry.add(call);
  registry.handle(call, { kind: 'timer', name: 'gather' });
  registry.handle(call, { kind: 'sip-answered', response: okWith(peerSdp) });
  registry.handle(call, { kind: 'sip-ack' });
  return { registry, call };
}

const sessionInfo = (payload: string, id = 'si') =>
  iqOf(`<iq from='${client}' to='${gw}' type='set' id='${id}'>
    <jingle xmlns='urn:xmpp:jingle:1' action='session-info' sid='a73sjjvkla37jfea'>${payload}</jingle></iq>`);

describe('a SIP peer re-INVITE in a call that is not anchored (XMPP → SIP)', () => {
  it('hold (a=sendonly) → 200 recvonly with the settled DTLS role, and <hold/> to the client; sendrecv → <active/>', () => {
    const { registry, call } = established();
    const h = registry.handle(call, { kind: 'sip-reoffer', id: 1, body: hold });
    const ans = one(h, 'sip-reoffer-answer');
    expect(ans.status).toBe(200);
    const sdp = parseSdp(ans.body!, tables.hashes);
    const m = sdp.media[0]!;
    // RFC 3264 §6.1: sendonly is answered recvonly.
    expect(m.direction).toBe('recvonly');
    // RFC 8842 §5.5: the peer was active, so we stay passive; never actpass in an answer.
    expect(m.setup).toBe('passive');
    // The client's own transport, not the gateway's earlier offer.
    expect(m.iceUfrag).toBe('8hhy');
    // RFC 3264 §8: a new answer, a new o= version.
    expect(sdp.origin.sessionVersion).toBe(2);
    const info = one(h, 'send-jingle');
    expect(info).toMatchObject({
      from: gw,
      to: client,
      jingle: { action: 'session-info', info: { kind: 'hold' } },
    });
    expect(call.offerAnswer.state).toBe('stable');

    const r = registry.handle(call, { kind: 'sip-reoffer', id: 2, body: resume });
    expect(parseSdp(one(r, 'sip-reoffer-answer').body!, tables.hashes).media[0]!.direction).toBe('sendrecv');
    // The peer's first answer was recvonly: its resume sendrecv also lets it send, which the
    // client hears as content-modify senders both (docs/midcall.md §Streams).
    expect(pick(r, 'send-jingle').map((j) => [j.jingle.action, j.jingle.info ?? j.jingle.contents])).toEqual([
      ['session-info', { kind: 'active' }],
      ['content-modify', [{ creator: 'initiator', name: 'voice', senders: 'both' }]],
    ]);
  });

  it('a new candidate → transport-info with it to the client, and a 200 at once', () => {
    const { registry, call } = established();
    const e = registry.handle(call, { kind: 'sip-reoffer', id: 1, body: moved });
    expect(kinds(e)).toBe('send-jingle, sip-reoffer-answer');
    const ti = one(e, 'send-jingle').jingle;
    expect(ti.action).toBe('transport-info');
    expect(ti.contents.map((c) => [c.creator, c.name])).toEqual([['initiator', 'voice']]);
    const t = ti.contents[0]!.transport!;
    expect(t.kind === 'ice-udp' && t.candidates.map((c) => c.ip)).toContain('203.0.113.9');
    expect(one(e, 'sip-reoffer-answer').status).toBe(200);
  });

  it("an ICE restart waits for the client's new credentials and answers with them", () => {
    const { registry, call } = established();
    const e = registry.handle(call, { kind: 'sip-reoffer', id: 7, body: restarted });
    const ti = one(e, 'send-jingle').jingle;
    const t = ti.contents[0]!.transport!;
    expect(t.kind === 'ice-udp' && t.ufrag).toBe('N3wU');
    expect(pick(e, 'sip-reoffer-answer')).toEqual([]);
    expect(one(e, 'timer-start').name).toBe('reoffer');
    const renewed = iqOf(`<iq from='${client}' to='${gw}' type='set' id='t2'>
      <jingle xmlns='urn:xmpp:jingle:1' action='transport-info' sid='a73sjjvkla37jfea'>
        <content creator='initiator' name='voice'><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='r3st' pwd='r3startr3startr3startr3'>
          <candidate component='1' foundation='9' generation='1' id='n9' ip='198.51.100.71' port='4100' priority='10' protocol='udp' type='host'/>
        </transport></content></jingle></iq>`);
    const a = registry.handle(call, { kind: 'jingle', iq: renewed });
    const ans = one(a, 'sip-reoffer-answer');
    expect(ans).toMatchObject({ id: 7, status: 200 });
    const m = parseSdp(ans.body!, tables.hashes).media[0]!;
    expect(m.iceUfrag).toBe('r3st');
    expect(m.candidates?.map((c) => c.ip)).toEqual(['198.51.100.71']);
    expect(pick(a, 'timer-stop').map((s) => s.name)).toEqual(['reoffer']);
    // The candidates are in the answer: no re-INVITE of ours follows.
    expect(pick(a, 'sip-reinvite')).toEqual([]);
  });

  it('an ICE restart the client does not follow is refused with 488; the session stays', () => {
    const { registry, call } = established();
    registry.handle(call, { kind: 'sip-reoffer', id: 3, body: restarted });
    const t = registry.handle(call, { kind: 'timer', name: 'reoffer' });
    expect(t).toEqual([{ kind: 'sip-reoffer-answer', id: 3, status: 488 }]);
    expect(call.ended).toBe(false);
    expect(call.offerAnswer.state).toBe('stable');
  });

  it('an offer that is not SDP → 488; an offerless re-INVITE → 200 with our last SDP', () => {
    const { registry, call } = established();
    expect(registry.handle(call, { kind: 'sip-reoffer', id: 1, body: 'garbage' })).toEqual([
      { kind: 'sip-reoffer-answer', id: 1, status: 488 },
    ]);
    const o = one(registry.handle(call, { kind: 'sip-reoffer', id: 2, body: '' }), 'sip-reoffer-answer');
    expect(o.status).toBe(200);
    expect(parseSdp(o.body!, tables.hashes).media[0]!.iceUfrag).toBe('8hhy');
  });
});

describe('INFO, REFER and NOTIFY from the SIP peer', () => {
  const info = (i: SipInfo) => {
    const { registry, call } = established();
    return registry.handle(call, { kind: 'sip-info', id: 5, info: i });
  };

  it('a DTMF tone → XEP-0181 <dtmf> in a session-info, and 200', () => {
    const e = info({ kind: 'dtmf', code: '5', durationMs: 160 });
    expect(one(e, 'send-jingle').jingle.info).toEqual({ kind: 'dtmf', code: '5', duration: 160 });
    expect(one(e, 'sip-request-answer')).toEqual({ kind: 'sip-request-answer', id: 5, status: 200 });
  });

  it('trickled candidates (RFC 8840 sdpfrag) → transport-info to the client', () => {
    const frag =
      'a=ice-ufrag:OcCS\r\na=ice-pwd:y44FNSfkhV+rwupRnNIkzoJx\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:1 1 udp 1694498815 203.0.113.10 40500 typ srflx raddr 0.0.0.0 rport 0\r\n';
    const e = info({ kind: 'trickle', frag });
    const ti = one(e, 'send-jingle').jingle;
    expect(ti.action).toBe('transport-info');
    // The sdpfrag's a=mid:0 is the peer's; the content is the client's 'voice' (by m-section).
    expect(ti.contents.map((c) => [c.creator, c.name])).toEqual([['initiator', 'voice']]);
    expect(one(e, 'sip-request-answer').status).toBe(200);
  });

  it('another Info-Package → 469 with our Recv-Info (RFC 6086); another legacy body → 415; empty → 200', () => {
    const p = one(info({ kind: 'other', infoPackage: 'foo' }), 'sip-request-answer');
    expect(p.status).toBe(469);
    expect(p.headers).toEqual([{ name: 'Recv-Info', value: 'trickle-ice' }]);
    const l = one(info({ kind: 'other', contentType: 'text/plain' }), 'sip-request-answer');
    expect(l.status).toBe(415);
    expect(l.headers?.[0]?.name).toBe('Accept');
    expect(one(info({ kind: 'empty' }), 'sip-request-answer').status).toBe(200);
    expect(one(info({ kind: 'invalid', text: 'x' }), 'sip-request-answer').status).toBe(400);
  });

  it('REFER without a Refer-To → 400 (RFC 3515 §2.4.1); NOTIFY without our REFER → 481 (RFC 6665 §4.1.3)', () => {
    const { registry, call } = established();
    const req = (method: string, hs: Array<[string, string]>): SipRequest => ({
      kind: 'request',
      method,
      uri: 'sip:gw@192.0.2.10',
      headers: hs.map(([name, value]) => ({ name, value })),
      body: '',
    });
    expect(
      registry.handle(call, { kind: 'sip-refer', id: 1, request: req('REFER', [['CSeq', '5 REFER']]) }),
    ).toEqual([{ kind: 'sip-request-answer', id: 1, status: 400 }]);
    expect(
      registry.handle(call, { kind: 'sip-notify', id: 2, request: req('NOTIFY', [['Event', 'refer']]) }),
    ).toEqual([{ kind: 'sip-request-answer', id: 2, status: 481 }]);
  });
});

describe('the client during the call (XMPP → SIP)', () => {
  it('XEP-0181 <dtmf> → INFO application/dtmf-relay; before the answer → an IQ error', () => {
    const { registry, call } = established();
    const e = registry.handle(call, {
      kind: 'jingle',
      iq: sessionInfo("<dtmf xmlns='urn:xmpp:jingle:dtmf:0' code='#' duration='250'/>"),
    });
    expect(kinds(e)).toBe('sip-send-info, iq-result');
    expect(one(e, 'sip-send-info')).toMatchObject({
      contentType: 'application/dtmf-relay',
      body: 'Signal=#\r\nDuration=250\r\n',
    });
    const early = new CallRegistry();
    const { call: c2 } = XmppCall.start(iqOf(offerXml), context());
    early.add(c2);
    const err = early.handle(c2, {
      kind: 'jingle',
      iq: sessionInfo("<dtmf xmlns='urn:xmpp:jingle:dtmf:0' code='1'/>"),
    });
    expect(kinds(err)).toBe('iq-error');
  });

  it('<hold/> → re-INVITE sendonly with the settled role; <active/> → sendrecv', () => {
    const { registry, call } = established();
    const h = registry.handle(call, {
      kind: 'jingle',
      iq: sessionInfo("<hold xmlns='urn:xmpp:jingle:apps:rtp:info:1'/>"),
    });
    const m = parseSdp(one(h, 'sip-reinvite').body, tables.hashes).media[0]!;
    expect(m.direction).toBe('sendonly');
    expect(m.setup).toBe('passive');
    // A second <hold/> changes nothing.
    registry.handle(call, { kind: 'sip-reinvite-done', response: okWith(peerSdp) });
    expect(
      pick(
        registry.handle(call, {
          kind: 'jingle',
          iq: sessionInfo("<hold xmlns='urn:xmpp:jingle:apps:rtp:info:1'/>", 'h2'),
        }),
        'sip-reinvite',
      ),
    ).toEqual([]);
    const a = registry.handle(call, {
      kind: 'jingle',
      iq: sessionInfo("<active xmlns='urn:xmpp:jingle:apps:rtp:info:1'/>", 'a'),
    });
    expect(parseSdp(one(a, 'sip-reinvite').body, tables.hashes).media[0]!.direction).toBe('sendrecv');
  });

  it("while the client holds, its answer to the peer's re-offer says so (sendrecv → sendonly, sendonly → inactive)", () => {
    const { registry, call } = established();
    registry.handle(call, {
      kind: 'jingle',
      iq: sessionInfo("<hold xmlns='urn:xmpp:jingle:apps:rtp:info:1'/>"),
    });
    registry.handle(call, { kind: 'sip-reinvite-done', response: okWith(peerSdp) });
    const r = registry.handle(call, { kind: 'sip-reoffer', id: 1, body: resume });
    expect(parseSdp(one(r, 'sip-reoffer-answer').body!, tables.hashes).media[0]!.direction).toBe('sendonly');
    const h = registry.handle(call, {
      kind: 'sip-reoffer',
      id: 2,
      body: hold.replace('o=- 41886955684934916 3', 'o=- 41886955684934916 4'),
    });
    expect(parseSdp(one(h, 'sip-reoffer-answer').body!, tables.hashes).media[0]!.direction).toBe('inactive');
  });
});

describe('SIP → XMPP, not anchored', () => {
  const invite = BARESIP_INVITE;
  const device = DEVICE;
  const acceptXml = DEVICE_ACCEPT_XML;

  it("baresip's hold (a=sendonly) → 200 recvonly with the device's role and transport, <hold/> to the device", () => {
    const registry = new CallRegistry();
    const { call } = SipCall.start(invite, 'sid1', context());
    if (!call) throw new Error('refused');
    registry.add(call);
    registry.handle(call, { kind: 'jmi', jmi: 'proceed', from: device });
    registry.handle(call, { kind: 'jingle', iq: iqOf(acceptXml) });
    registry.handle(call, { kind: 'timer', name: 'gather' });
    registry.handle(call, { kind: 'sip-ack' });
    // RFC 3264 §8.4 hold as baresip writes it: the same offer, a=sendonly, o= version +1.
    const body = invite.body
      .replace('a=sendrecv', 'a=sendonly')
      .replace(/^(o=\S+ \S+ )(\d+)/m, (_, a: string, v: string) => `${a}${Number(v) + 1}`);
    const e = registry.handle(call, { kind: 'sip-reoffer', id: 1, body });
    const m = parseSdp(one(e, 'sip-reoffer-answer').body!, tables.hashes).media[0]!;
    expect(m.direction).toBe('recvonly');
    expect(m.setup).toBe('active');
    expect(m.iceUfrag).toBe('Yx4f');
    expect(one(e, 'send-jingle')).toMatchObject({
      from: caller,
      to: device,
      jingle: { info: { kind: 'hold' } },
    });
  });
});
