/**
 * XMPP → SIP calls, driven event by event (no sockets, no clock: timers are effects).
 */
import { parseSdpFrag } from '../../src/sdp';
import { CallRegistry, XmppCall } from '../../src/calls';
import type { IceUdpTransport } from '../../src/jingle/types';
import { parseSdp } from '../../src/sdp';
import { parseSipMessage } from '../../src/sip/message';
import type { SipRequest, SipResponse } from '../../src/sip/message/types';
import { context, iqOf, kinds, okWith, one, pick, read, sip } from './support';
import { tables } from '../support/tables';

const offerXml = read('jingle-xep/xep0320-ex01-initiate-fingerprint.xml').replace(
  "to='juliet@capulet.lit/balcony'",
  "to='+15551230000@gw.localhost'",
);
const client = 'romeo@montague.lit/orchard';

function terminateIq(condition: string) {
  return iqOf(`<iq from='${client}' to='+15551230000@gw.localhost' type='set' id='term'>
    <jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' sid='a73sjjvkla37jfea'><reason><${condition}/></reason></jingle></iq>`);
}

const ringing = sip('captured/sipp-3.6.1-uas-180-ringing.sip') as SipResponse;
/** An answer the ICE + DTLS offer can use end to end: Chromium's (ICE, DTLS, setup active). */
const answer = okWith(read('captured/chromium-156.0.8078.79-audio-answer.sdp'));
/** The client's transport-info with one relay candidate at `port` (XEP-0176 §6). */
const trickle = (port: number) =>
  iqOf(`<iq from='${client}' to='+15551230000@gw.localhost' type='set' id='ti${port}'>
      <jingle xmlns='urn:xmpp:jingle:1' action='transport-info' sid='a73sjjvkla37jfea'>
        <content creator='initiator' name='voice'><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='8hhy' pwd='asd88fgpdd777uzjYhagZg'>
          <candidate component='1' foundation='9' generation='0' id='x${port}' ip='198.51.100.7' port='${port}' priority='100' protocol='udp' type='relay' rel-addr='10.0.1.1' rel-port='8998'/>
        </transport></content></jingle></iq>`);

/** A call that has sent its INVITE; returns it with the registry. */
function invited() {
  const registry = new CallRegistry();
  const { call, effects } = XmppCall.start(iqOf(offerXml), context());
  registry.add(call);
  expect(kinds(effects)).toBe('iq-result, timer-start');
  const sent = registry.handle(call, { kind: 'timer', name: 'gather' });
  return { registry, call, invite: one(sent, 'sip-invite'), sent };
}

describe('XMPP → SIP call', () => {
  it('session-initiate → IQ result, gather window, then an INVITE with every candidate and actpass', () => {
    const { invite, sent, call } = invited();
    expect(invite.uri).toBe('sip:+15551230000@127.0.0.1:5090');
    expect(invite.from).toBe('sip:romeo%40montague.lit@gw.localhost');
    expect(invite.callId).toBe('a73sjjvkla37jfea@127.0.0.1');
    const m = parseSdp(invite.body, tables.hashes).media[0]!;
    expect(m.candidates).toHaveLength(2);
    expect(m.setup).toBe('actpass');
    expect(one(sent, 'timer-start')).toEqual({ kind: 'timer-start', name: 'no-answer', ms: 60000 });
    expect(call.dialog.state).toBe('calling');
  });

  it('180 → <ringing/> once; 200 → session-accept named after the offer, setup active; hang-up → BYE', () => {
    const { registry, call } = invited();
    const r1 = registry.handle(call, { kind: 'sip-provisional', response: ringing });
    expect(one(r1, 'send-jingle').jingle.info).toEqual({ kind: 'ringing' });
    expect(registry.handle(call, { kind: 'sip-provisional', response: ringing })).toEqual([]);
    const a = registry.handle(call, { kind: 'sip-answered', response: answer });
    const accept = one(a, 'send-jingle');
    expect(accept.to).toBe(client);
    expect(accept.jingle.action).toBe('session-accept');
    expect(accept.jingle.contents.map((c) => c.name)).toEqual(['voice']);
    expect(accept.jingle.contents[0]!.transport!.fingerprints[0]!.setup).toBe('active');
    expect(pick(a, 'timer-stop')).toEqual([{ kind: 'timer-stop', name: 'no-answer' }]);
    expect(call.jingle.state).toBe('active');
    expect(call.dialog.state).toBe('confirmed');
    const h = registry.handle(call, { kind: 'jingle', iq: terminateIq('success') });
    expect(kinds(h)).toBe('iq-result, sip-bye, ended');
    expect(one(h, 'sip-bye').headers).toEqual([]);
    expect(registry.size).toBe(0);
  });

  it('the client hanging up while SIP rings → CANCEL', () => {
    const { registry, call } = invited();
    registry.handle(call, { kind: 'sip-provisional', response: ringing });
    const h = registry.handle(call, { kind: 'jingle', iq: terminateIq('cancel') });
    expect(kinds(h)).toBe('iq-result, sip-cancel, timer-stop, ended');
    expect(registry.size).toBe(0);
  });

  it.each([
    [486, 'Busy Here', 'busy'],
    [603, 'Decline', 'decline'],
    [404, 'Not Found', 'gone'],
  ])('SIP %i → session-terminate <%s/> with the SIP text', (status, phrase, condition) => {
    const { registry, call } = invited();
    const failure = { ...ringing, status, reason: phrase };
    const h = registry.handle(call, { kind: 'sip-failed', response: failure });
    expect(one(h, 'send-jingle').jingle.reason).toEqual({ condition, text: `${status} ${phrase}` });
    expect(registry.size).toBe(0);
  });

  it("a failure our SIP stack made up (399 - Warning) gives its reason to the client, a peer's Warning does not", () => {
    const local = { ...ringing, status: 503, reason: 'Service Unavailable' };
    const why = 'TCP to 127.0.0.1:5090: connect ECONNREFUSED 127.0.0.1:5090; 70321 bytes: too large for UDP';
    const a = invited();
    const h = a.registry.handle(a.call, {
      kind: 'sip-failed',
      response: { ...local, headers: [...local.headers, { name: 'Warning', value: `399 - "${why}"` }] },
    });
    expect(one(h, 'send-jingle').jingle.reason).toEqual({
      condition: 'general-error', // 503, as mapped in mappings/
      text: `503 Service Unavailable: ${why}`,
    });
    const b = invited();
    const remote = { name: 'Warning', value: '399 pbx.example.net "Trunk down"' };
    const h2 = b.registry.handle(b.call, {
      kind: 'sip-failed',
      response: { ...local, headers: [...local.headers, remote] },
    });
    expect(one(h2, 'send-jingle').jingle.reason?.text).toBe('503 Service Unavailable');
  });

  it('no answer → CANCEL and session-terminate <timeout/>', () => {
    const { registry, call } = invited();
    const h = registry.handle(call, { kind: 'timer', name: 'no-answer' });
    expect(kinds(h)).toBe('sip-cancel, send-jingle, ended');
    expect(one(h, 'send-jingle').jingle.reason?.condition).toBe('timeout');
    expect(registry.size).toBe(0);
  });

  it('SIP BYE mid-call → session-terminate <success/>', () => {
    const { registry, call } = invited();
    registry.handle(call, { kind: 'sip-answered', response: answer });
    const bye = parseSipMessage(read('captured/sipp-3.6.1-uac-bye.sip')) as SipRequest;
    const h = registry.handle(call, { kind: 'sip-bye', request: bye });
    expect(one(h, 'send-jingle').jingle.reason).toEqual({ condition: 'success' });
    expect(registry.size).toBe(0);
  });

  it('to a peer that trickles (RFC 8840 §4.1: Supported or Recv-Info trickle-ice in its 2xx), a later candidate goes in INFO trickle-ice, not a re-INVITE', () => {
    const withSupported = {
      ...answer,
      headers: [...answer.headers, { name: 'Supported', value: 'timer, trickle-ice' }],
    };
    const withRecvInfo = {
      ...answer,
      headers: [...answer.headers, { name: 'Recv-Info', value: 'trickle-ice' }],
    };
    for (const response of [withSupported, withRecvInfo]) {
      const registry = new CallRegistry();
      const { call } = XmppCall.start(iqOf(offerXml), context());
      registry.add(call);
      const invite = one(registry.handle(call, { kind: 'timer', name: 'gather' }), 'sip-invite');
      registry.handle(call, { kind: 'sip-answered', response });
      const e = registry.handle(call, { kind: 'jingle', iq: trickle(3478) });
      expect(kinds(e)).toBe('iq-result, sip-send-info');
      const info = one(e, 'sip-send-info');
      expect(info.contentType).toBe('application/trickle-ice-sdpfrag');
      expect(info.headers).toEqual([
        { name: 'Info-Package', value: 'trickle-ice' },
        { name: 'Content-Disposition', value: 'Info-Package' },
      ]);
      const frag = parseSdpFrag(info.body);
      expect(frag.media).toHaveLength(1);
      expect(frag.media[0]!.mid).toBe(parseSdp(invite.body, tables.hashes).media[0]!.mid);
      expect(frag.media[0]!.candidates).toEqual([
        expect.objectContaining({ ip: '198.51.100.7', port: 3478 }),
      ]);
    }
    // Without either header the candidate goes in a re-INVITE, though the SDP says
    // a=ice-options:trickle: INFO needs the peer's Recv-Info (RFC 6086 §4.3.1, RFC 8840 §4.1).
    expect(answer.body).toMatch(/a=ice-options:trickle/);
    const registry = new CallRegistry();
    const { call } = XmppCall.start(iqOf(offerXml), context());
    registry.add(call);
    registry.handle(call, { kind: 'timer', name: 'gather' });
    registry.handle(call, { kind: 'sip-answered', response: answer });
    expect(kinds(registry.handle(call, { kind: 'jingle', iq: trickle(3479) }))).toBe(
      'iq-result, sip-reinvite',
    );
  });

  it('the peer says its Info-Packages again (RFC 6086 §5.2.2): a re-INVITE’s Recv-Info or the one in the 2xx to ours replaces its first; later candidates follow it (INFO or re-INVITE)', () => {
    const recvInfo = (value: string): SipResponse => ({
      ...answer,
      headers: [...answer.headers, { name: 'Recv-Info', value }],
    });
    const registry = new CallRegistry();
    const { call } = XmppCall.start(iqOf(offerXml), context());
    registry.add(call);
    registry.handle(call, { kind: 'timer', name: 'gather' });
    registry.handle(call, { kind: 'sip-answered', response: recvInfo('trickle-ice') });
    registry.handle(call, { kind: 'sip-ack' });
    expect(kinds(registry.handle(call, { kind: 'jingle', iq: trickle(4001) }))).toBe(
      'iq-result, sip-send-info',
    );
    // Its re-INVITE (a session refresh: the same SDP) says it takes no package now.
    const refresh = registry.handle(call, { kind: 'sip-reoffer', id: 7, body: answer.body, recvInfo: '' });
    expect(one(refresh, 'sip-reoffer-answer').status).toBe(200);
    registry.handle(call, { kind: 'sip-ack' });
    const next = registry.handle(call, { kind: 'jingle', iq: trickle(4002) });
    expect(pick(next, 'sip-send-info')).toEqual([]);
    expect(kinds(next)).toBe('iq-result, sip-reinvite');
    // The 2xx to that re-INVITE says trickle-ice again: INFO once more.
    registry.handle(call, { kind: 'sip-reinvite-done', response: recvInfo('trickle-ice') });
    expect(kinds(registry.handle(call, { kind: 'jingle', iq: trickle(4003) }))).toBe(
      'iq-result, sip-send-info',
    );
  });

  it('candidates trickled in the gather window go in the INVITE; later ones in a re-INVITE after the answer', () => {
    const registry = new CallRegistry();
    const { call } = XmppCall.start(iqOf(offerXml), context());
    registry.add(call);
    const trickle = (ip: string, port: number) =>
      iqOf(`<iq from='${client}' to='+15551230000@gw.localhost' type='set' id='ti${port}'>
      <jingle xmlns='urn:xmpp:jingle:1' action='transport-info' sid='a73sjjvkla37jfea'>
        <content creator='initiator' name='voice'><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='8hhy' pwd='asd88fgpdd777uzjYhagZg'>
          <candidate component='1' foundation='9' generation='0' id='x${port}' ip='${ip}' port='${port}' priority='100' protocol='udp' type='relay' rel-addr='10.0.1.1' rel-port='8998'/>
        </transport></content></jingle></iq>`);
    expect(kinds(registry.handle(call, { kind: 'jingle', iq: trickle('198.51.100.7', 3478) }))).toBe(
      'iq-result',
    );
    const invite = one(registry.handle(call, { kind: 'timer', name: 'gather' }), 'sip-invite');
    const m = parseSdp(invite.body, tables.hashes).media[0]!;
    expect(m.candidates).toHaveLength(3);
    // RFC 8839 §4.2: the relayed candidate becomes the default.
    expect([m.connection?.ip, m.port]).toEqual(['198.51.100.7', 3478]);
    expect(kinds(registry.handle(call, { kind: 'jingle', iq: trickle('198.51.100.8', 3479) }))).toBe(
      'iq-result',
    );
    const a = registry.handle(call, { kind: 'sip-answered', response: answer });
    const re = one(a, 'sip-reinvite');
    expect(parseSdp(re.body, tables.hashes).media[0]!.candidates).toHaveLength(4);
    // Each new offer has the same origin and a higher version (RFC 3264 §8), else the peer
    // takes it for the old one and never sees the new candidate.
    // One re-INVITE at a time (RFC 3261 §14.1): a candidate during it waits for its answer.
    expect(kinds(registry.handle(call, { kind: 'jingle', iq: trickle('198.51.100.9', 3480) }))).toBe(
      'iq-result',
    );
    const re2 = one(registry.handle(call, { kind: 'sip-reinvite-done' }), 'sip-reinvite');
    const o = (body: string) => parseSdp(body, tables.hashes).origin;
    expect(parseSdp(re2.body, tables.hashes).media[0]!.candidates).toHaveLength(5);
    expect(o(re2.body).sessionId).toBe(o(invite.body).sessionId);
    expect(
      [o(invite.body).sessionVersion, o(re.body).sessionVersion, o(re2.body).sessionVersion].map(Number),
    ).toEqual([1, 2, 3]);
  });

  it('out of order: the initiator sending session-accept gets <out-of-order/>', () => {
    const { registry, call } = invited();
    const bogus = iqOf(offerXml.replace("action='session-initiate'", "action='session-accept'"));
    const e = one(registry.handle(call, { kind: 'jingle', iq: bogus }), 'iq-error');
    expect(e).toMatchObject({ condition: 'unexpected-request', jingleCondition: 'out-of-order' });
    expect(registry.size).toBe(1);
  });

  it('a callee that cannot be routed is refused at once with bad-request and a <text>', () => {
    const { call, effects } = XmppCall.start(
      iqOf(offerXml.replace('+15551230000@gw.localhost', 'x@elsewhere.example')),
      context(),
    );
    expect(one(effects, 'iq-error')).toMatchObject({ condition: 'bad-request' });
    expect(one(effects, 'iq-error').text).toMatch(/gateway domain/);
    expect(call.ended).toBe(true);
  });

  it('an unusable SDP answer → BYE with a Reason and session-terminate <incompatible-parameters/>', () => {
    const { registry, call } = invited();
    const bad = okWith(
      'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 UDP/TLS/RTP/SAVP 0\r\n',
    );
    const h = registry.handle(call, { kind: 'sip-answered', response: bad });
    expect(kinds(h)).toBe('timer-stop, sip-bye, send-jingle, ended');
    expect(one(h, 'sip-bye').headers[0]!.value).toMatch(/^SIP;cause=488/);
    expect(registry.size).toBe(0);
  });

  it('shutdown and lost connections end both legs', () => {
    const a = invited();
    expect(kinds(a.registry.handle(a.call, { kind: 'shutdown' }))).toBe(
      'sip-cancel, send-jingle, timer-stop, ended',
    );
    const b = invited();
    b.registry.handle(b.call, { kind: 'sip-answered', response: answer });
    expect(kinds(b.registry.handle(b.call, { kind: 'xmpp-down' }))).toBe('sip-bye, ended');
    expect(a.registry.size + b.registry.size).toBe(0);
  });

  it('after the end, an IQ for the session is out of order', () => {
    const { registry, call } = invited();
    registry.handle(call, { kind: 'jingle', iq: terminateIq('cancel') });
    expect(one(call.handle({ kind: 'jingle', iq: terminateIq('success') }), 'iq-error').jingleCondition).toBe(
      'out-of-order',
    );
  });
});

describe('XMPP → SIP call: review fixes', () => {
  it('a plain SIP answer to a DTLS offer is never passed on: BYE and <security-error/>', () => {
    const { registry, call } = invited();
    const plain = okWith(
      read('captured/sipp-3.6.1-uas-200ok-invite.sip').split('\r\n\r\n').slice(1).join('\r\n\r\n'),
    );
    const h = registry.handle(call, { kind: 'sip-answered', response: plain });
    expect(kinds(h)).toBe('timer-stop, sip-bye, send-jingle, ended');
    expect(one(h, 'send-jingle').jingle.reason?.condition).toBe('security-error');
    expect(registry.size).toBe(0);
  });

  it('an error to our <ringing/> does not end the call; one to session-accept does', () => {
    const { registry, call } = invited();
    registry.handle(call, { kind: 'sip-provisional', response: ringing });
    expect(
      registry.handle(call, { kind: 'jingle-error', action: 'session-info', text: 'unsupported-info' }),
    ).toEqual([]);
    registry.handle(call, { kind: 'sip-answered', response: answer });
    const h = registry.handle(call, { kind: 'jingle-error', action: 'session-accept', text: 'gone' });
    expect(kinds(h)).toBe('sip-bye, ended');
  });

  it('an IQ from anyone but the caller gets <unknown-session/>; an unknown content gets bad-request', () => {
    const { registry, call } = invited();
    const stranger = iqOf(
      `<iq from='mallory@evil.example/x' to='+15551230000@gw.localhost' type='set' id='s'><jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' sid='a73sjjvkla37jfea'><reason><success/></reason></jingle></iq>`,
    );
    expect(one(registry.handle(call, { kind: 'jingle', iq: stranger }), 'iq-error').jingleCondition).toBe(
      'unknown-session',
    );
    const wrong = iqOf(`<iq from='${client}' to='+15551230000@gw.localhost' type='set' id='w'>
      <jingle xmlns='urn:xmpp:jingle:1' action='transport-info' sid='a73sjjvkla37jfea'>
        <content creator='initiator' name='nope'><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='aaaa' pwd='bbbbbbbbbbbbbbbbbbbbbb'/></content></jingle></iq>`);
    const e = one(registry.handle(call, { kind: 'jingle', iq: wrong }), 'iq-error');
    expect(e).toMatchObject({ condition: 'bad-request' });
    expect(e.text).toMatch(/nope/);
    expect(registry.size).toBe(1);
  });

  it('a re-INVITE keeps the DTLS role the answer settled (RFC 8842 §5.5)', () => {
    const { registry, call } = invited();
    registry.handle(call, { kind: 'sip-answered', response: answer });
    const ti = iqOf(`<iq from='${client}' to='+15551230000@gw.localhost' type='set' id='t9'>
      <jingle xmlns='urn:xmpp:jingle:1' action='transport-info' sid='a73sjjvkla37jfea'>
        <content creator='initiator' name='voice'><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='8hhy' pwd='asd88fgpdd777uzjYhagZg'>
          <candidate component='1' foundation='7' generation='0' id='n1' ip='198.51.100.70' port='4000' priority='10' protocol='udp' type='host'/>
        </transport></content></jingle></iq>`);
    const re = one(registry.handle(call, { kind: 'jingle', iq: ti }), 'sip-reinvite');
    expect(parseSdp(re.body, tables.hashes).media[0]!.setup).toBe('passive');
  });
});

describe('XMPP → SIP call: early media (docs/media.md §Early media)', () => {
  const sdp = read('captured/chromium-156.0.8078.79-audio-answer.sdp');
  /** A 183 Session Progress carrying `body` (the captured 200's head, status changed). */
  const progress = (body: string): SipResponse => ({
    ...okWith(body),
    status: 183,
    reason: 'Session Progress',
  });

  it('183 with SDP → session-accept at once; the 200 with the same answer adds nothing', () => {
    const { registry, call } = invited();
    const early = registry.handle(call, { kind: 'sip-provisional', response: progress(sdp) });
    const accept = one(early, 'send-jingle');
    expect(accept.jingle.action).toBe('session-accept');
    expect((accept.jingle.contents[0]!.transport as IceUdpTransport).ufrag).toBe('OcCS');
    expect(call.dialog.state).not.toBe('confirmed');
    // A 180 after it rings nobody: the client is already hearing the far end.
    expect(registry.handle(call, { kind: 'sip-provisional', response: ringing })).toEqual([]);
    const ok = registry.handle(call, { kind: 'sip-answered', response: answer });
    expect(pick(ok, 'send-jingle')).toEqual([]);
    expect(pick(ok, 'timer-stop')).toEqual([{ kind: 'timer-stop', name: 'no-answer' }]);
    expect(call.dialog.state).toBe('confirmed');
  });

  it('a 200 whose answer differs (another fork) → transport-info with the new ICE credentials', () => {
    const { registry, call } = invited();
    registry.handle(call, { kind: 'sip-provisional', response: progress(sdp) });
    const other = sdp.replace('a=ice-ufrag:OcCS', 'a=ice-ufrag:FoRk');
    const ok = registry.handle(call, { kind: 'sip-answered', response: okWith(other) });
    const updates = pick(ok, 'send-jingle');
    expect(updates.map((u) => u.jingle.action)).toEqual(['transport-info']);
    expect((updates[0]!.jingle.contents[0]!.transport as IceUdpTransport).ufrag).toBe('FoRk');
    expect(updates[0]!.jingle.contents[0]!.description).toBeUndefined();
  });

  it('a 200 with other codecs → description-info', () => {
    const { registry, call } = invited();
    registry.handle(call, { kind: 'sip-provisional', response: progress(sdp) });
    const other = sdp.replace(/a=fmtp:111 [^\r\n]*/, 'a=fmtp:111 minptime=20;useinbandfec=0');
    expect(other).not.toBe(sdp);
    const ok = registry.handle(call, { kind: 'sip-answered', response: okWith(other) });
    expect(pick(ok, 'send-jingle').map((u) => u.jingle.action)).toEqual(['description-info']);
  });

  it('183 with SDP, then 486 → session-terminate <busy/>, and the call is over', () => {
    const { registry, call } = invited();
    registry.handle(call, { kind: 'sip-provisional', response: progress(sdp) });
    const busy = registry.handle(call, {
      kind: 'sip-failed',
      response: { ...ringing, status: 486, reason: 'Busy Here' },
    });
    expect(one(busy, 'send-jingle').jingle).toMatchObject({
      action: 'session-terminate',
      reason: { condition: 'busy' },
    });
    expect(registry.size).toBe(0);
  });

  it('the client hanging up during early media → CANCEL', () => {
    const { registry, call } = invited();
    registry.handle(call, { kind: 'sip-provisional', response: progress(sdp) });
    const h = registry.handle(call, { kind: 'jingle', iq: terminateIq('cancel') });
    expect(kinds(h)).toBe('iq-result, sip-cancel, timer-stop, ended');
  });

  it('earlyMedia: false for the trunk → the 183 only rings; the 200 accepts', () => {
    const ctx = context();
    ctx.config.sip.trunks = [
      { name: 't', host: '127.0.0.1:5090', username: 'u', password: 'p', earlyMedia: false },
    ];
    const registry = new CallRegistry();
    const { call } = XmppCall.start(iqOf(offerXml), ctx);
    registry.add(call);
    registry.handle(call, { kind: 'timer', name: 'gather' });
    const early = registry.handle(call, { kind: 'sip-provisional', response: progress(sdp) });
    expect(one(early, 'send-jingle').jingle.info).toEqual({ kind: 'ringing' });
    const ok = registry.handle(call, { kind: 'sip-answered', response: answer });
    expect(one(ok, 'send-jingle').jingle.action).toBe('session-accept');
  });
});

describe('XMPP → SIP call: the caller’s nick', () => {
  it('a XEP-0172 nick from the propose is the INVITE’s From display name (control characters out)', () => {
    const registry = new CallRegistry();
    const { call } = XmppCall.start(iqOf(offerXml), context(), undefined, ' Romeo\u0007 Montague ');
    registry.add(call);
    const invite = one(registry.handle(call, { kind: 'timer', name: 'gather' }), 'sip-invite');
    expect(invite.fromDisplay).toBe('Romeo Montague');
  });
});
