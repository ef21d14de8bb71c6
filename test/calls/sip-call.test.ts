/**
 * SIP → XMPP calls, driven event by event (no sockets, no clock: timers are effects).
 */
import { CallRegistry, SipCall } from '../../src/calls';
import { parseSdp } from '../../src/sdp';
import { parseSipMessage } from '../../src/sip/message';
import type { SipRequest } from '../../src/sip/message/types';
import { context, iqOf, kinds, one, pick, read, sip } from './support';
import { tables } from '../support/tables';

const invite = sip('captured/baresip-1.0.0-invite-dtls_srtp.sip') as SipRequest;
const device = 'bob@localhost/phone';
const other = 'bob@localhost/laptop';
const caller = 'alice@gw.localhost/sip';

function accept(sid: string, setup = 'active', extra = ''): string {
  return `<iq from='${device}' to='${caller}' type='set' id='acc'>
  <jingle xmlns='urn:xmpp:jingle:1' action='session-accept' sid='${sid}' responder='${device}'>
    <content creator='initiator' name='audio' senders='both'>
      <description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'><payload-type id='96' name='opus' clockrate='48000' channels='2'/></description>
      <transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='Yx4f' pwd='oZ3pZ1p9LZ7Gf5yZ0nH6R2'>
        <fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='${setup}'>${Array(32).fill('AB').join(':')}</fingerprint>
        <candidate component='1' foundation='1' generation='0' id='c1' ip='192.0.2.20' port='40000' priority='2130706431' protocol='udp' type='host'/>
      </transport>${extra}
    </content>
  </jingle></iq>`;
}

function terminate(sid: string, condition: string, from = device): string {
  return `<iq from='${from}' to='${caller}' type='set' id='term'><jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' sid='${sid}'><reason><${condition}/></reason></jingle></iq>`;
}

/** A call that has proposed to bob's devices. */
function proposed(request: SipRequest = invite) {
  const registry = new CallRegistry();
  const { call, effects } = SipCall.start(request, 'sid1', context());
  if (!call) throw new Error(`refused: ${kinds(effects)}`);
  registry.add(call);
  return { registry, call, effects };
}

function proceeded(request?: SipRequest) {
  const p = proposed(request);
  const initiate = one(
    p.registry.handle(p.call, { kind: 'jmi', jmi: 'proceed', from: device }),
    'send-jingle',
  );
  return { ...p, initiate };
}

describe('SIP → XMPP call', () => {
  it('INVITE → JMI <propose> to the bare JID (every device rings) and a no-answer timer', () => {
    const { effects, call } = proposed();
    expect(kinds(effects)).toBe('send-jmi, timer-start');
    expect(one(effects, 'send-jmi')).toEqual({
      kind: 'send-jmi',
      jmi: 'propose',
      from: caller,
      to: 'bob@localhost',
      id: 'sid1',
      media: ['audio'],
    });
    expect(call.dialog.state).toBe('calling');
  });

  it('first <proceed> → session-initiate to that device with the offer; a second proceed is ignored', () => {
    const { registry, call, initiate } = proceeded();
    expect(initiate.to).toBe(device);
    expect(initiate.jingle.action).toBe('session-initiate');
    expect(initiate.jingle.sid).toBe('sid1');
    expect(initiate.jingle.contents[0]!.transport!.fingerprints[0]!.setup).toBe('actpass');
    expect(registry.handle(call, { kind: 'jmi', jmi: 'proceed', from: other })).toEqual([]);
  });

  it('ringing → 180; session-accept → 200 after the gather window, setup active and the device candidates', () => {
    const { registry, call } = proceeded();
    const ring = iqOf(
      `<iq from='${device}' to='${caller}' type='set' id='r'><jingle xmlns='urn:xmpp:jingle:1' action='session-info' sid='sid1'><ringing xmlns='urn:xmpp:jingle:apps:rtp:info:1'/></jingle></iq>`,
    );
    expect(kinds(registry.handle(call, { kind: 'jingle', iq: ring }))).toBe('iq-result, sip-provisional');
    const a = registry.handle(call, { kind: 'jingle', iq: iqOf(accept('sid1')) });
    expect(kinds(a)).toBe('iq-result, timer-stop, timer-start');
    const ok = one(registry.handle(call, { kind: 'timer', name: 'gather' }), 'sip-accept');
    const m = parseSdp(ok.body, tables.hashes).media[0]!;
    expect(m.setup).toBe('active');
    // RFC 3264 §6: the answer keeps the offer's profile.
    expect(m.protocol).toBe(parseSdp(invite.body, tables.hashes).media[0]!.protocol);
    expect(m.candidates?.map((c) => c.ip)).toEqual(['192.0.2.20']);
    expect(call.dialog.state).toBe('confirmed');
    const bye = parseSipMessage(read('captured/sipp-3.6.1-uac-bye.sip')) as SipRequest;
    const h = registry.handle(call, { kind: 'sip-bye', request: bye });
    expect(one(h, 'send-jingle')).toMatchObject({ to: device, jingle: { action: 'session-terminate' } });
    expect(registry.size).toBe(0);
  });

  it('an answering actpass never reaches SIP (RFC 5763 §5)', () => {
    const { registry, call } = proceeded();
    registry.handle(call, { kind: 'jingle', iq: iqOf(accept('sid1', 'actpass')) });
    const ok = one(registry.handle(call, { kind: 'timer', name: 'gather' }), 'sip-accept');
    expect(parseSdp(ok.body, tables.hashes).media[0]!.setup).toBe('active');
  });

  it('CANCEL before any device proceeds → <retract>; after → session-terminate <cancel/>', () => {
    const a = proposed();
    const r = a.registry.handle(a.call, { kind: 'sip-cancel' });
    expect(one(r, 'send-jmi')).toMatchObject({ jmi: 'retract', to: 'bob@localhost', id: 'sid1' });
    const b = proceeded();
    const t = b.registry.handle(b.call, { kind: 'sip-cancel' });
    expect(one(t, 'send-jingle').jingle.reason?.condition).toBe('cancel');
    expect(a.registry.size + b.registry.size).toBe(0);
  });

  it('<reject> → 603; a device terminating with <busy/> before answering → 486', () => {
    const a = proposed();
    expect(
      one(a.registry.handle(a.call, { kind: 'jmi', jmi: 'reject', from: device }), 'sip-reject').status,
    ).toBe(603);
    const b = proceeded();
    const h = b.registry.handle(b.call, { kind: 'jingle', iq: iqOf(terminate('sid1', 'busy')) });
    expect(kinds(h)).toBe('iq-result, sip-reject, timer-stop, ended');
    expect(one(h, 'sip-reject').status).toBe(486);
    expect(a.registry.size + b.registry.size).toBe(0);
  });

  it('no answer → 480 and the devices stop ringing', () => {
    const { registry, call } = proposed();
    const h = registry.handle(call, { kind: 'timer', name: 'no-answer' });
    expect(one(h, 'sip-reject').status).toBe(480);
    expect(one(h, 'send-jmi').jmi).toBe('retract');
    expect(registry.size).toBe(0);
  });

  it('no ACK for the 200 → the XMPP side hears connectivity-error', () => {
    const { registry, call } = proceeded();
    registry.handle(call, { kind: 'jingle', iq: iqOf(accept('sid1')) });
    registry.handle(call, { kind: 'timer', name: 'gather' });
    const h = registry.handle(call, { kind: 'sip-ack-timeout' });
    expect(one(h, 'send-jingle').jingle.reason?.condition).toBe('connectivity-error');
    expect(registry.size).toBe(0);
  });

  it('an IQ from someone who is not the device gets <unknown-session/>', () => {
    const { registry, call } = proceeded();
    const e = one(
      registry.handle(call, { kind: 'jingle', iq: iqOf(terminate('sid1', 'success', other)) }),
      'iq-error',
    );
    expect(e).toMatchObject({ condition: 'item-not-found', jingleCondition: 'unknown-session' });
  });

  it('a multipart/mixed INVITE (RFC 5621): the offer is its application/sdp part, a binary part beside it is ignored', () => {
    const plain = parseSipMessage(read('captured/baresip-1.0.0-invite-plain.sip')) as SipRequest;
    const body = Buffer.concat([
      Buffer.from('--b1\r\nContent-Type: application/octet-stream\r\n\r\n'),
      Buffer.from([0x00, 0xff, 0x80, 0x0d]),
      Buffer.from(`\r\n--b1\r\nContent-Type: application/sdp\r\n\r\n${plain.body}\r\n--b1--\r\n`),
    ]);
    const head = read('captured/baresip-1.0.0-invite-plain.sip')
      .split('\r\n\r\n')[0]!
      .replace(/Content-Type: *application\/sdp/i, 'Content-Type: multipart/mixed;boundary=b1')
      .replace(/Content-Length: *\d+/, `Content-Length: ${body.length}`);
    const request = parseSipMessage(Buffer.concat([Buffer.from(`${head}\r\n\r\n`), body])) as SipRequest;
    expect(request.binaryBody).toBe(true);
    const { call, effects } = SipCall.start(request, 'sid3', context());
    expect(call).toBeDefined();
    expect(kinds(effects)).toBe('send-jmi, timer-start');
    const same = SipCall.start(plain, 'sid4', context());
    expect(call!.callee).toBe(same.call!.callee);
  });

  it('an offer that cannot be read → 488 with a Warning, and no call', () => {
    const bad = parseSipMessage(
      read('captured/baresip-1.0.0-invite-plain.sip').replace('m=audio', 'm=audio x'),
    ) as SipRequest;
    const { call, effects } = SipCall.start(bad, 'sid2', context());
    expect(call).toBeUndefined();
    expect(one(effects, 'sip-reject').status).toBe(488);
    expect(one(effects, 'sip-reject').headers[0]!.value).toMatch(/^399 /);
  });

  it('RFC 5939: a tcap/pcfg INVITE reaches XMPP as <security>; accepting it (XTLS or XEP-0320) answers a=acfg, refusing it plain RTP/AVP', () => {
    const xtlsSdp = read('sdp-spec/seed-002-corrected.sdp');
    const head = read('captured/baresip-1.0.0-invite-plain.sip').split('\r\n\r\n')[0]!;
    const request = parseSipMessage(
      `${head.replace(/Content-Length: *\d+/, `Content-Length: ${Buffer.byteLength(xtlsSdp)}`)}\r\n\r\n${xtlsSdp}`,
    ) as SipRequest;
    const a = proceeded(request);
    const security = a.initiate.jingle.contents[0]!.security!;
    expect(security.methods).toEqual(['x509', 'srp']);
    const name = a.initiate.jingle.contents[0]!.name;
    const withSecurity = accept('sid1')
      .replace("name='audio'", `name='${name}'`)
      .replace(/<fingerprint[^]*?<\/fingerprint>/, '')
      .replace(
        '</transport>',
        `</transport><security xmlns='urn:xmpp:jingle:security:xtls:0'><fingerprint algo='sha-1'>${Array(20).fill('CD').join(':')}</fingerprint><method name='x509'/></security>`,
      );
    a.registry.handle(a.call, { kind: 'jingle', iq: iqOf(withSecurity) });
    const ok = one(a.registry.handle(a.call, { kind: 'timer', name: 'gather' }), 'sip-accept');
    expect(ok.body).toContain('a=acfg:1 t=1\r\n');
    expect(ok.body).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVP /m);
    expect(ok.body).toContain('a=setup:active\r\n');

    // A client that only knows XEP-0320 answers with a DTLS fingerprint: the same configuration.
    const c = proceeded(request);
    c.registry.handle(c.call, {
      kind: 'jingle',
      iq: iqOf(accept('sid1').replace("name='audio'", `name='${name}'`)),
    });
    const ok3 = one(c.registry.handle(c.call, { kind: 'timer', name: 'gather' }), 'sip-accept');
    expect(ok3.body).toContain('a=acfg:1 t=1\r\n');
    expect(ok3.body).toContain('a=fingerprint:sha-256 AB:AB');

    const b = proceeded(request);
    const plain = accept('sid1')
      .replace("name='audio'", `name='${name}'`)
      .replace(/<fingerprint[^]*?<\/fingerprint>/, '');
    b.registry.handle(b.call, { kind: 'jingle', iq: iqOf(plain) });
    const ok2 = one(b.registry.handle(b.call, { kind: 'timer', name: 'gather' }), 'sip-accept');
    expect(ok2.body).toMatch(/^m=audio \d+ RTP\/AVP /m);
    expect(ok2.body).not.toContain('a=acfg');
    expect(pick(b.registry.handle(b.call, { kind: 'shutdown' }), 'ended')).toHaveLength(1);
  });

  it('a candidate the device trickles after the 200 is not dropped: a re-INVITE once the ACK is in (docs/design.md §Transport)', () => {
    const { registry, call } = proceeded();
    registry.handle(call, { kind: 'jingle', iq: iqOf(accept('sid1')) });
    const ok = one(registry.handle(call, { kind: 'timer', name: 'gather' }), 'sip-accept');
    expect(ok.body).not.toContain('192.0.2.21');
    const info = (id: string, ip: string): string =>
      `<iq from='${device}' to='${caller}' type='set' id='${id}'><jingle xmlns='urn:xmpp:jingle:1' action='transport-info' sid='sid1'><content creator='initiator' name='audio'><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='Yx4f' pwd='oZ3pZ1p9LZ7Gf5yZ0nH6R2'><candidate component='1' foundation='2' generation='0' id='${id}' ip='${ip}' port='40002' priority='1694498815' protocol='udp' type='srflx' rel-addr='192.0.2.20' rel-port='40000'/></transport></content></jingle></iq>`;
    // Before the ACK the INVITE transaction is still open (RFC 3261 §14.1): the re-INVITE waits.
    expect(kinds(registry.handle(call, { kind: 'jingle', iq: iqOf(info('t1', '192.0.2.21')) }))).toBe(
      'iq-result',
    );
    const reinvite = one(registry.handle(call, { kind: 'sip-ack' }), 'sip-reinvite');
    expect(reinvite.body).toContain('a=candidate:1 1 udp 2130706431 192.0.2.20 40000 typ host');
    expect(reinvite.body).toContain(
      'a=candidate:2 1 udp 1694498815 192.0.2.21 40002 typ srflx raddr 192.0.2.20 rport 40000',
    );
    expect(reinvite.body).toContain('a=setup:active');
    expect(reinvite.body).not.toContain('a=setup:actpass');
    // RFC 3264 §8: same origin, version + 1.
    const o1 = /^o=(\S+ \S+) (\d+) /m.exec(ok.body)!;
    const o2 = /^o=(\S+ \S+) (\d+) /m.exec(reinvite.body)!;
    expect(o2[1]).toBe(o1[1]);
    expect(Number(o2[2])).toBe(Number(o1[2]) + 1);
    // After that re-INVITE's answer, a new candidate goes out at once; a repeated one changes nothing.
    registry.handle(call, { kind: 'sip-reinvite-done' });
    const again = registry.handle(call, { kind: 'jingle', iq: iqOf(info('t2', '192.0.2.22')) });
    expect(kinds(again)).toBe('iq-result, sip-reinvite');
    expect(one(again, 'sip-reinvite').body).toMatch(/^o=\S+ \S+ 3 /m);
    expect(kinds(registry.handle(call, { kind: 'jingle', iq: iqOf(info('t3', '192.0.2.22')) }))).toBe(
      'iq-result',
    );
  });
});

describe('SIP → XMPP call: review fixes', () => {
  it('the SIP dialog dying without a BYE reaches the device as session-terminate', () => {
    const { registry, call } = proceeded();
    registry.handle(call, { kind: 'jingle', iq: iqOf(accept('sid1')) });
    registry.handle(call, { kind: 'timer', name: 'gather' });
    const h = registry.handle(call, { kind: 'sip-down' });
    expect(one(h, 'send-jingle')).toMatchObject({ to: device, jingle: { action: 'session-terminate' } });
    expect(registry.size).toBe(0);
  });

  it('a propose that reached no device → 480 and a retract; after a proceed it is ignored', () => {
    const a = proposed();
    const h = a.registry.handle(a.call, { kind: 'jmi-bounced' });
    expect(one(h, 'sip-reject').status).toBe(480);
    const b = proceeded();
    expect(b.registry.handle(b.call, { kind: 'jmi-bounced' })).toEqual([]);
    expect(a.registry.size + b.registry.size - 1).toBe(0);
  });

  it('the device that proceeded and then rejects → 603; one that hangs up before answering → 480', () => {
    const a = proceeded();
    expect(
      one(a.registry.handle(a.call, { kind: 'jmi', jmi: 'reject', from: device }), 'sip-reject').status,
    ).toBe(603);
    const b = proceeded();
    const h = b.registry.handle(b.call, { kind: 'jingle', iq: iqOf(terminate('sid1', 'success')) });
    expect(one(h, 'sip-reject')).toMatchObject({ status: 480, reason: 'Temporarily Unavailable' });
    expect(a.registry.size + b.registry.size).toBe(0);
  });
});

describe('SIP → XMPP call: JIDs compared by their normal form (RFC 7622)', () => {
  it('a callee sip:Bob@… is bob: his device proceeds, its session-accept and its finish are its own', () => {
    const request = parseSipMessage(
      read('captured/baresip-1.0.0-invite-dtls_srtp.sip').replace(/sip:bob@/g, 'sip:Bob@'),
    ) as SipRequest;
    const { registry, call, effects } = proposed(request);
    // What is sent keeps the case the caller wrote; the server folds it.
    expect(one(effects, 'send-jmi').to).toBe('Bob@localhost');
    const initiate = one(registry.handle(call, { kind: 'jmi', jmi: 'proceed', from: device }), 'send-jingle');
    expect(initiate.to).toBe(device);
    // The server may spell the device's JID otherwise than in the proceed: still the same device.
    const a = registry.handle(call, {
      kind: 'jingle',
      iq: iqOf(accept('sid1').replace(`from='${device}'`, "from='BOB@Localhost/phone'")),
    });
    expect(kinds(a)).toBe('iq-result, timer-stop, timer-start');
    // Another resource is another device.
    const wrong = registry.handle(call, {
      kind: 'jingle',
      iq: iqOf(terminate('sid1', 'success', 'bob@localhost/Phone')),
    });
    expect(one(wrong, 'iq-error').condition).toBe('item-not-found');
  });
});

describe("SIP → XMPP call: the caller's display name", () => {
  it('is the XEP-0172 nick of the propose; without one, the propose has none', () => {
    const named = parseSipMessage(
      read('captured/baresip-1.0.0-invite-dtls_srtp.sip').replace(
        'From: <sip:',
        'From: "Alice \\"A\\" Liddell" <sip:',
      ),
    ) as SipRequest;
    expect(one(proposed(named).effects, 'send-jmi').nick).toBe('Alice "A" Liddell');
    expect(one(proposed().effects, 'send-jmi').nick).toBeUndefined();
  });
});
