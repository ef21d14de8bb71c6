/**
 * A SIP peer's REFER carried out by the call (src/calls/transfers.ts; docs/midcall.md §Transfer):
 * the gateway, the XMPP user's transferee, answers 202, reports in NOTIFYs (RFC 3515 §2.4.4–§2.4.7)
 * and places the new call on a second leg of the same call (RFC 5589 §6 blind, §7 attended); on
 * its 2xx the client's media moves to the new peer and the new dialog becomes the call's. The
 * REFERs are RFC 5589 §6.1 Figure 2's (blind) and §7.1's (attended, with Replaces), put into the
 * dialogs these calls have. Media end to end, the INVITE has no offer (RFC 3725 §4.1): the new
 * peer's 2xx offers — Chromium's captured offer with another ICE user, fingerprint and candidate —
 * the client hears it as an ICE restart (transport-info) and its renewed transport is our answer
 * in the ACK (RFC 3261 §13.2.2.4). Pure: events in, effects out; every path must leave no call behind.
 */
import { CallRegistry, SipCall, XmppCall } from '../../src/calls';
import type { Call } from '../../src/calls/call';
import type { CallEvent, Effect } from '../../src/calls/events';
import { REFERRER_BYE_WAIT_MS } from '../../src/calls/transfers';
import { RESTART_WAIT_MS } from '../../src/calls/plain-reoffer';
import { parseSdp } from '../../src/sdp';
import { towardSip } from '../../src/media/flags';
import { addressContext } from '../../src/config/address-context';
import type { GatewayConfig } from '../../src/config/config';
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
const TARGET_FP = Array(32).fill('5B').join(':');
/**
 * The transfer target's offer in its 2xx (our INVITE had none): another peer, its own ICE
 * credentials, fingerprint and address, `actpass` (RFC 8842 §5.2: an offer says actpass); and
 * G729 (static 18) added, a codec the XEP-0320 example's client has (the device has opus).
 */
const chromiumOffer = read('captured/chromium-156.0.8078.79-audio-offer.sdp');
const targetSdp = chromiumOffer
  .replace(
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 18 13 110 126',
  )
  .replace('a=ice-ufrag:zkx0', 'a=ice-ufrag:TaRg')
  .replace(
    'a=ice-pwd:cGv6a77Hvfvzz1tH7/nVtQLa',
    'a=ice-pwd:targetpwdtargetpwdtarget\r\na=candidate:1 1 udp 2122260223 198.51.100.7 40100 typ host',
  )
  .replace(/^a=fingerprint:sha-256 \S+/m, `a=fingerprint:sha-256 ${TARGET_FP}`);
const CLIENT_FP = Array(32).fill('AB').join(':');

type Handle = (e: CallEvent) => Effect[];
type Party = { from: string; to: string; content: string };

/**
 * The client's answer to the restart (XEP-0176 §2.2; what Chromium does, RFC 8445 §9): a
 * transport-info with new credentials, a candidate and its DTLS role (XEP-0320 setup).
 */
function renewed(
  party: Party,
  sid: string,
  o: { ufrag?: string; candidates?: boolean; setup?: string } = {},
) {
  const candidate =
    o.candidates === false
      ? ''
      : "<candidate component='1' foundation='9' generation='1' id='n1' ip='192.0.2.99' port='41000' priority='2130706431' protocol='udp' type='host'/>";
  return iqOf(`<iq from='${party.to}' to='${party.from}' type='set' id='ti1'>
    <jingle xmlns='urn:xmpp:jingle:1' action='transport-info' sid='${sid}'>
      <content creator='initiator' name='${party.content}'>
        <transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='${o.ufrag ?? 'NeW1'}' pwd='newclientpwdnewclientpwd'>
          <fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='${o.setup ?? 'passive'}'>${CLIENT_FP}</fingerprint>
          ${candidate}
        </transport>
      </content>
    </jingle></iq>`);
}

/** The target's 2xx and the client's renewed transport: the effects of both. */
function answeredAndRenewed(h: Handle, party: Party, sid: string): { ok: Effect[]; renew: Effect[] } {
  const ok = h({ kind: 'sip-transfer-response', response: response(200, 'OK', targetSdp) });
  const renew = h({ kind: 'jingle', iq: renewed(party, sid) });
  return { ok, renew };
}

const attr = (sdp: string, name: string): string | undefined =>
  new RegExp(`^a=${name}:(\\S+)`, 'm').exec(sdp)?.[1];

function xmppEstablished(media: object = {}) {
  const registry = new CallRegistry();
  const { call } = XmppCall.start(iqOf(offerXml), context({}, media));
  registry.add(call);
  const h: Handle = (e) => registry.handle(call, e);
  h({ kind: 'timer', name: 'gather' });
  h({ kind: 'sip-answered', response: okWith(peerSdp) });
  h({ kind: 'sip-ack' });
  return { registry, call, h, party: { from: gw, to: client, content: 'voice' } };
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
  return { registry, call, h, party: { from: caller, to: device, content: 'audio' } };
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
  it('202, NOTIFY 100, a new INVITE by our routes with Referred-By and no offer; 180 → NOTIFY; 200 (its offer) → transport-info (an ICE restart for the client); the client’s renewed transport → the ACK’s answer, NOTIFY 200, switch; the transferor’s BYE; later BYE ends the call', () => {
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
    // RFC 3725 §4.1: no offer; the client's credentials would be stale once it restarts ICE.
    expect(inv.body).toBe('');

    const ringing = h({ kind: 'sip-transfer-response', response: response(180, 'Ringing') });
    expect(notifies(ringing)).toEqual([
      { frag: 'SIP/2.0 180 Ringing', state: 'active;expires=120', event: 'refer' },
    ]);
    expect(pick(ringing, 'send-jingle')).toEqual([]);

    const ok = h({ kind: 'sip-transfer-response', response: response(200, 'OK', targetSdp) });
    // The transferor's media ends first (the final NOTIFY, our BYE: Chromium restarts DTLS over
    // the pair it has), then the target's transport to the client; the ACK waits for its answer.
    expect(kinds(ok)).toBe('sip-notify, sip-transfer, send-jingle, timer-start');
    // RFC 3515 §2.4.7: the final NOTIFY ends the subscription.
    expect(notifies(ok)).toEqual([
      { frag: 'SIP/2.0 200 OK', state: 'terminated;reason=noresource', event: 'refer' },
    ]);
    expect(one(ok, 'sip-transfer')).toEqual({ kind: 'sip-transfer', step: 'hang-up', leg: 'transferor' });
    const ti = one(ok, 'send-jingle');
    expect(ti).toMatchObject({
      from: party.from,
      to: party.to,
      jingle: { action: 'transport-info', sid: call.sid },
    });
    const t = ti.jingle.contents[0]!.transport!;
    if (t.kind !== 'ice-udp') throw new Error('not ICE');
    expect([t.ufrag, t.pwd]).toEqual(['TaRg', 'targetpwdtargetpwdtarget']);
    expect(t.candidates.map((c) => `${c.ip} ${c.port}`)).toContain('198.51.100.7 40100');
    // A new DTLS peer (RFC 8842 §5): its fingerprint, and its offer's actpass.
    expect(t.fingerprints.map((f) => [f.value.toUpperCase(), f.setup])).toEqual([[TARGET_FP, 'actpass']]);
    expect(one(ok, 'timer-start')).toEqual({ kind: 'timer-start', name: 'transfer', ms: RESTART_WAIT_MS });

    const renew = h({ kind: 'jingle', iq: renewed(party, call.sid) });
    expect(kinds(renew)).toBe('iq-result, timer-stop, sip-transfer, sip-transfer');
    const ack = pick(renew, 'sip-transfer')[0]!;
    if (ack.step !== 'ack') throw new Error(`not the ACK: ${ack.step}`);
    // The answer (RFC 3264 §6): the client's new credentials, candidate, fingerprint and role.
    const answer = parseSdp(ack.body, tables.hashes);
    const m = answer.media[0]!;
    expect([m.iceUfrag ?? answer.iceUfrag, m.icePwd ?? answer.icePwd]).toEqual([
      'NeW1',
      'newclientpwdnewclientpwd',
    ]);
    expect(m.candidates?.map((c) => `${c.ip} ${c.port}`)).toEqual(['192.0.2.99 41000']);
    expect(m.fingerprints.map((f) => f.value.toUpperCase())).toEqual([CLIENT_FP]);
    expect(m.setup).toBe('passive');
    expect(m.direction).toBe('sendrecv');
    expect(m.port).not.toBe(0);
    expect(steps(renew)).toEqual(['ack', 'switch']);
    // The transferor is gone already: no wait for its BYE.
    expect(pick(renew, 'timer-start')).toEqual([]);
    expect(h({ kind: 'sip-referrer-gone' })).toEqual([]);
    expect(registry.size).toBe(1);
    expect(call.dialog.state).toBe('confirmed');
    // The new peer's BYE is the call's.
    const bye = h({ kind: 'sip-bye', request: sip('captured/sipp-3.6.1-uac-bye.sip') as SipRequest });
    expect(one(bye, 'send-jingle').jingle.action).toBe('session-terminate');
    expect(registry.size).toBe(0);
  });

  it('a transferor that held the call before its REFER (linphone 5.1): the client heard <hold/>; once the new peer (not holding) is the call’s, <active/> (RFC 3264 §8.4, XEP-0167 §7)', () => {
    const { call, h, party } = established();
    // The transferor's own SDP again, its streams sendonly, the next o= version (RFC 3264 §8.4).
    const hold =
      established === xmppEstablished
        ? peerSdp.replace('a=recvonly', 'a=sendonly').replace(' 2 IN IP4', ' 3 IN IP4')
        : invite.body.replace('a=sendrecv', 'a=sendonly').replace(' 1222357035 IN', ' 1222357036 IN');
    const held = h({ kind: 'sip-reoffer', id: 7, body: hold });
    expect(pick(held, 'send-jingle').map((j) => j.jingle.info)).toEqual([{ kind: 'hold' }]);
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    const { renew } = answeredAndRenewed(h, party, call.sid);
    expect(steps(renew)).toEqual(['ack', 'switch']);
    expect(pick(renew, 'send-jingle')).toEqual([
      {
        kind: 'send-jingle',
        from: party.from,
        to: party.to,
        jingle: { action: 'session-info', sid: call.sid, contents: [], groups: [], info: { kind: 'active' } },
      },
    ]);
  });

  it('a trickling client: its new credentials without a candidate are not yet the answer; with one they are', () => {
    const { call, h, party } = established();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    h({ kind: 'sip-transfer-response', response: response(200, 'OK', targetSdp) });
    const first = h({ kind: 'jingle', iq: renewed(party, call.sid, { candidates: false }) });
    expect(kinds(first)).toBe('iq-result');
    const then = h({ kind: 'jingle', iq: renewed(party, call.sid) });
    expect(steps(then)).toEqual(['ack', 'switch']);
    const ack = pick(then, 'sip-transfer')[0]!;
    expect(ack.step === 'ack' && attr(ack.body, 'ice-ufrag')).toBe('NeW1');
  });

  it('a client that does not renew its credentials: after RESTART_WAIT_MS the ACK answers with those it has', () => {
    const { call, h } = established();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    h({ kind: 'sip-transfer-response', response: response(200, 'OK', targetSdp) });
    const late = h({ kind: 'timer', name: 'transfer' });
    expect(steps(late)).toEqual(['ack', 'switch']);
    const ack = pick(late, 'sip-transfer')[0]!;
    if (ack.step !== 'ack') throw new Error('no ACK');
    expect(attr(ack.body, 'ice-ufrag')).toBe(call.origin === 'xmpp' ? '8hhy' : 'Yx4f');
    // An answer never says actpass (RFC 8842 §5.3): the role the first exchange settled.
    expect(attr(ack.body, 'setup')).toMatch(/^(active|passive)$/);
    // The final NOTIFY went when the target answered.
    expect(notifies(late)).toEqual([]);
  });

  it('after the transfer, our re-offers keep the DTLS role of the new association (RFC 8842 §5.5)', () => {
    const { call, h, party } = established();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    h({ kind: 'sip-transfer-response', response: response(200, 'OK', targetSdp) });
    // The role opposite to the one the first exchange settled (XMPP → SIP: the client passive, as
    // Chromium's captured answer is active; SIP → XMPP: the device's accept says active).
    const role = call.origin === 'xmpp' ? 'active' : 'passive';
    h({ kind: 'jingle', iq: renewed(party, call.sid, { setup: role }) });
    // The client holds (XEP-0167 §7): our re-INVITE to the new peer.
    const hold = h({
      kind: 'jingle',
      iq: iqOf(`<iq from='${party.to}' to='${party.from}' type='set' id='h1'>
        <jingle xmlns='urn:xmpp:jingle:1' action='session-info' sid='${call.sid}'><hold xmlns='urn:xmpp:jingle:apps:rtp:info:1'/></jingle></iq>`),
    });
    const re = one(hold, 'sip-reinvite');
    expect(attr(re.body, 'setup')).toBe(role);
    expect(attr(re.body, 'ice-ufrag')).toBe('NeW1');
    expect(re.body).toMatch(/^a=sendonly/m);
  });

  it('a renewal whose fingerprint says actpass states no role: the ACK answers with the role the first exchange settled', () => {
    const { call, h, party } = established();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    h({ kind: 'sip-transfer-response', response: response(200, 'OK', targetSdp) });
    const renew = h({ kind: 'jingle', iq: renewed(party, call.sid, { setup: 'actpass' }) });
    const ack = pick(renew, 'sip-transfer')[0]!;
    if (ack.step !== 'ack') throw new Error('no ACK');
    expect(attr(ack.body, 'ice-ufrag')).toBe('NeW1');
    // XMPP → SIP: Chromium's captured answer is active, so the client is passive; SIP → XMPP: the
    // device's accept says active.
    expect(attr(ack.body, 'setup')).toBe(call.origin === 'xmpp' ? 'passive' : 'active');
  });

  it('a target offering none of the client’s codecs (RFC 3264 §6.1): that leg is hung up, NOTIFY 488, the client is not moved', () => {
    const { registry, call, h } = established();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    // G.711 A-law and telephone-event only (the telephone-event alone carries no media).
    const alaw = targetSdp
      .replace(/^m=audio 9 UDP\/TLS\/RTP\/SAVPF .*$/m, 'm=audio 9 UDP/TLS/RTP/SAVPF 8 126')
      .replace(/^a=(rtpmap|fmtp|rtcp-fb):(111|63|9|0|13|110) .*\r\n/gm, '');
    const refused = h({ kind: 'sip-transfer-response', response: response(200, 'OK', alaw) });
    expect(refused).toContainEqual({ kind: 'sip-transfer', step: 'hang-up', leg: 'new' });
    expect(notifies(refused)[0]!.frag).toBe('SIP/2.0 488 Not Acceptable Here');
    expect(pick(refused, 'send-jingle')).toEqual([]);
    expect(registry.size).toBe(1);
  });

  it('the ACK’s answer lists only codecs of the target’s offer, with the client’s payload types (RFC 3264 §6.1)', () => {
    const { call, h, party } = established();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    const { renew } = answeredAndRenewed(h, party, call.sid);
    const ack = pick(renew, 'sip-transfer')[0]!;
    if (ack.step !== 'ack') throw new Error('no ACK');
    const m = parseSdp(ack.body, tables.hashes).media[0]!;
    // XMPP → SIP: of speex, G729, L16 and x-ISAC, G729; SIP → XMPP: the device's opus as 96.
    expect(m.rtp.map((r) => `${r.payload} ${r.codec}`)).toEqual(
      call.origin === 'xmpp' ? ['18 G729'] : ['96 opus'],
    );
    expect(String(m.payloads)).toBe(call.origin === 'xmpp' ? '18' : '96');
  });

  it('a 2xx without an offer (RFC 3261 §13.2.1 requires one): that leg is hung up, NOTIFY 488, the client is not moved', () => {
    const { registry, call, h } = established();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    const bad = h({ kind: 'sip-transfer-response', response: response(200, 'OK', '') });
    expect(bad).toContainEqual({ kind: 'sip-transfer', step: 'hang-up', leg: 'new' });
    expect(notifies(bad)[0]!.frag).toBe('SIP/2.0 488 Not Acceptable Here');
    expect(pick(bad, 'send-jingle')).toEqual([]);
    expect(registry.size).toBe(1);
  });

  it('the client hangs up while the target’s offer waits for its answer: the new leg is hung up (the transferor was BYEd when the target answered)', () => {
    const { registry, call, h, party } = established();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    h({ kind: 'sip-transfer-response', response: response(200, 'OK', targetSdp) });
    const end = h({
      kind: 'jingle',
      iq: iqOf(`<iq from='${party.to}' to='${party.from}' type='set' id='t1'>
        <jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' sid='${call.sid}'><reason><success/></reason></jingle></iq>`),
    });
    expect(end).toContainEqual({ kind: 'sip-transfer', step: 'hang-up', leg: 'new' });
    // The transferor was BYEd when the target answered (media end to end): not again.
    expect(end).not.toContainEqual({ kind: 'sip-transfer', step: 'hang-up', leg: 'transferor' });
    expect(kinds(end)).toContain('sip-bye');
    expect(steps(end)).not.toContain('ack');
    expect(registry.size).toBe(0);
    // The answer timer of a call that ended does nothing.
    expect(h({ kind: 'timer', name: 'transfer' })).toEqual([]);
  });

  it('media end to end, the transferor is BYEd when the target answers, before the client restarts ICE; its BYE crossing ours changes nothing; no later timer BYEs it again', () => {
    const { registry, call, h, party } = established();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    const ok = h({ kind: 'sip-transfer-response', response: response(200, 'OK', targetSdp) });
    const order = ok.map((e) => (e.kind === 'sip-transfer' ? `${e.kind}:${e.step}` : e.kind));
    expect(order.indexOf('sip-transfer:hang-up')).toBeLessThan(order.indexOf('send-jingle'));
    expect(h({ kind: 'sip-referrer-gone' })).toEqual([]);
    const renew = h({ kind: 'jingle', iq: renewed(party, call.sid) });
    expect(steps(renew)).toEqual(['ack', 'switch']);
    expect(h({ kind: 'timer', name: 'transfer' })).toEqual([]);
    expect(registry.size).toBe(1);
    expect(call.dialog.state).toBe('confirmed');
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
    const { registry, call, h, party } = established();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    expect(h({ kind: 'sip-referrer-gone' })).toEqual([]);
    expect(registry.size).toBe(1);
    // No NOTIFY can go in a dialog that has ended.
    expect(notifies(h({ kind: 'sip-transfer-response', response: response(180, 'Ringing') }))).toEqual([]);
    const { ok, renew } = answeredAndRenewed(h, party, call.sid);
    expect(kinds(ok)).toBe('send-jingle, timer-start');
    expect(kinds(renew)).toBe('iq-result, timer-stop, sip-transfer, sip-transfer');
    expect(steps(renew)).toEqual(['ack', 'switch']);
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
    expect(term).toMatchObject({ from: party.from, to: party.to, jingle: { action: 'session-terminate' } });
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
    const { call, h, party } = established();
    const a = h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET, [['Refer-Sub', 'false']]) });
    expect(one(a, 'sip-request-answer')).toMatchObject({
      status: 202,
      headers: [{ name: 'Refer-Sub', value: 'false' }],
    });
    expect(pick(a, 'sip-notify')).toEqual([]);
    expect(
      pick(h({ kind: 'sip-transfer-response', response: response(180, 'Ringing') }), 'sip-notify'),
    ).toEqual([]);
    const { ok, renew } = answeredAndRenewed(h, party, call.sid);
    expect(pick([...ok, ...renew], 'sip-notify')).toEqual([]);
    expect(steps(renew)).toEqual(['ack', 'switch']);
  });

  it('a second REFER while one is carried out → 491; the first goes on', () => {
    const { call, h, party } = established();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    const second = h({ kind: 'sip-refer', id: 2, request: referOf(call, TARGET, [], 3) });
    expect(second).toEqual([{ kind: 'sip-request-answer', id: 2, status: 491 }]);
    expect(steps(answeredAndRenewed(h, party, call.sid).renew)).toEqual(['ack', 'switch']);
  });

  it('media end to end, a plain-RTP target (baresip’s offer: RTP/AVP, no ICE, no fingerprint) the client cannot take: that leg is hung up, NOTIFY 488, the client is not moved, the call goes on', () => {
    const { registry, call, h } = established();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    const plainOffer = read('captured/baresip-1.0.0-invite-plain.sip')
      .split('\r\n\r\n')
      .slice(1)
      .join('\r\n\r\n');
    const ok = h({ kind: 'sip-transfer-response', response: response(200, 'OK', plainOffer) });
    expect(steps(ok)).toEqual(['hang-up', 'abandon']);
    expect(ok).toContainEqual({ kind: 'sip-transfer', step: 'hang-up', leg: 'new' });
    expect(notifies(ok)).toEqual([
      { frag: 'SIP/2.0 488 Not Acceptable Here', state: 'terminated;reason=noresource', event: 'refer' },
    ]);
    expect(pick(ok, 'send-jingle')).toEqual([]);
    expect(registry.size).toBe(1);
    expect(
      one(h({ kind: 'sip-refer', id: 2, request: referOf(call, TARGET, [], 7) }), 'sip-request-answer')
        .status,
    ).toBe(202);
  });

  it('a 2xx whose offer cannot be used: that leg is hung up, NOTIFY 488, the call goes on', () => {
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
    // Anchored, the client sees nothing: the transferor has REFERRER_BYE_WAIT_MS to hang up itself.
    expect(one(done, 'timer-start')).toEqual({
      kind: 'timer-start',
      name: 'transfer',
      ms: REFERRER_BYE_WAIT_MS,
    });
    // Every way out still deletes the anchor session and ends the transferor's dialog.
    const end = h({ kind: 'shutdown' });
    expect(kinds(end)).toContain('media-delete');
    expect(end).toContainEqual({ kind: 'sip-transfer', step: 'hang-up', leg: 'transferor' });
    expect(registry.size).toBe(0);
  });

  it('a transferor that held the call before its REFER (linphone 5.1): the client heard <hold/>; once the new peer is the call’s, <active/>', () => {
    const { call, h } = anchored();
    const hold = body('captured/baresip-1.0.0-invite-plain.sip').replace('a=sendrecv', 'a=sendonly');
    h({ kind: 'sip-reoffer', id: 7, body: hold });
    h({ kind: 'media-done', purpose: 'reoffer', sdp: forXmpp });
    const held = h({ kind: 'media-done', purpose: 'reanswer', sdp: forSip });
    expect(pick(held, 'send-jingle').map((j) => j.jingle.info)).toEqual([{ kind: 'hold' }]);
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    // Our offer to the new peer is sendrecv: the hold was the transferor's, not the client's.
    const inv = one(h({ kind: 'media-done', purpose: 'transfer', sdp: forSip }), 'sip-transfer');
    expect(inv.step).toBe('invite');
    h({ kind: 'sip-transfer-response', response: okWith(plain) });
    const done = h({ kind: 'media-done', purpose: 'transfer-answer', sdp: forSip });
    expect(kinds(done)).toBe('send-jingle, sip-notify, sip-transfer, timer-start');
    expect(one(done, 'send-jingle').jingle).toMatchObject({
      action: 'session-info',
      info: { kind: 'active' },
    });
  });

  /**
   * Issue 14: the transferor (as linphone does with Chromium's offer) took DTLS-SRTP; the target
   * is offered what a new call to it would be, the route's `media.offer` (default
   * `[as-offered, sdes, rtp]`), one profile after another on 488/415/606 (src/calls/offer-profiles.ts).
   */
  function anchoredDtls(media: object = {}, outbound: GatewayConfig['routing']['outbound'] = []) {
    const registry = new CallRegistry();
    const ctx = context({}, { ...RTPENGINE, ...media });
    ctx.config.routing.outbound = outbound;
    ctx.address = addressContext(ctx.config, tables);
    const { call } = XmppCall.start(iqOf(offerXml), ctx);
    registry.add(call);
    const h: Handle = (e) => registry.handle(call, e);
    h({ kind: 'timer', name: 'gather' });
    expect(one(h({ kind: 'media-done', purpose: 'invite', sdp: forSip }), 'sip-invite')).toBeDefined();
    h({ kind: 'sip-answered', response: okWith(body('captured/baresip-1.0.0-200ok-dtls_srtp.sip')) });
    h({ kind: 'media-done', purpose: 'accept', sdp: forXmpp });
    h({ kind: 'sip-ack' });
    return { registry, call, h };
  }
  const offerFlags = (e: Effect[]) => {
    const m = one(e, 'media');
    expect(m).toMatchObject({ op: 'offer', purpose: 'transfer', fromTag: 'jingle', toTag: 'sip' });
    return m.flags;
  };

  it('the transferor took DTLS-SRTP, the target refuses it 488: the next profile of media.offer (sdes), a new anchor offer and INVITE; its 200 → the anchor takes the answer, NOTIFY 200, switch; later offers in the target’s profile', () => {
    const { registry, call, h } = anchoredDtls();
    const a = h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    // as-offered: the Jingle side's DTLS-SRTP, as the call's own first INVITE.
    expect(offerFlags(a)).toEqual(towardSip('dtls'));
    const firstSide = one(a, 'media').sdp;
    const inv1 = one(h({ kind: 'media-done', purpose: 'transfer', sdp: forSip }), 'sip-transfer');
    expect(inv1.step).toBe('invite');
    const refused = h({ kind: 'sip-transfer-response', response: response(488, 'Not Acceptable Here') });
    // No NOTIFY yet, no abandon: the transfer goes on with the next profile.
    expect(kinds(refused)).toBe('media');
    expect(offerFlags(refused)).toEqual(towardSip('sdes'));
    expect(one(refused, 'media').sdp).toBe(firstSide);
    const inv2 = one(h({ kind: 'media-done', purpose: 'transfer', sdp: forSip }), 'sip-transfer');
    expect(inv2.step === 'invite' && inv2.body).toBe(forSip);
    const ok = h({ kind: 'sip-transfer-response', response: okWith(plain) });
    expect(one(ok, 'media')).toMatchObject({ op: 'answer', purpose: 'transfer-answer', sdp: plain });
    const done = h({ kind: 'media-done', purpose: 'transfer-answer', sdp: forSip });
    expect(notifies(done)).toEqual([
      { frag: 'SIP/2.0 200 OK', state: 'terminated;reason=noresource', event: 'refer' },
    ]);
    expect(steps(done)).toEqual(['switch']);
    h({ kind: 'sip-referrer-gone' });
    // The client holds: the re-INVITE goes in the new peer's profile (its plain answer), not DTLS.
    const hold = h({
      kind: 'jingle',
      iq: iqOf(`<iq from='${client}' to='${gw}' type='set' id='h1'>
        <jingle xmlns='urn:xmpp:jingle:1' action='session-info' sid='${call.sid}'><hold xmlns='urn:xmpp:jingle:apps:rtp:info:1'/></jingle></iq>`),
    });
    expect(one(hold, 'media')).toMatchObject({ purpose: 'reinvite', flags: towardSip('rtp') });
    expect(registry.size).toBe(1);
  });

  it('after the switch, the client’s trickled candidate refreshes the anchor toward the new peer: its profile and its answer, not the transferor’s', () => {
    const { call, h } = anchoredDtls();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    h({ kind: 'media-done', purpose: 'transfer', sdp: forSip });
    h({ kind: 'sip-transfer-response', response: response(488, 'Not Acceptable Here') });
    h({ kind: 'media-done', purpose: 'transfer', sdp: forSip });
    h({ kind: 'sip-transfer-response', response: okWith(plain) });
    expect(steps(h({ kind: 'media-done', purpose: 'transfer-answer', sdp: forSip }))).toEqual(['switch']);
    h({ kind: 'sip-referrer-gone' });
    const trickled = h({
      kind: 'jingle',
      iq: iqOf(`<iq from='${client}' to='${gw}' type='set' id='t9'>
        <jingle xmlns='urn:xmpp:jingle:1' action='transport-info' sid='${call.sid}'>
          <content creator='initiator' name='voice'>
            <transport xmlns='urn:xmpp:jingle:transports:ice-udp:1'>
              <candidate component='1' foundation='7' generation='0' id='late1' ip='192.0.2.77' port='42000' priority='2130706431' protocol='udp' type='host'/>
            </transport>
          </content>
        </jingle></iq>`),
    });
    const media = pick(trickled, 'media');
    expect(media.map((m) => `${m.op} ${m.purpose}`)).toEqual(['offer refresh', 'answer refresh']);
    expect(media[0]?.flags).toEqual(towardSip('rtp'));
    expect(media[1]?.sdp).toBe(plain);
  });

  it('every profile refused (488, 415, 606): the final NOTIFY carries the last status, the call goes on with the transferor, nothing of the transfer is left', () => {
    const { registry, call, h } = anchoredDtls();
    const a = h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    const seen = [offerFlags(a)];
    let last: Effect[] = [];
    for (const [status, reason] of [
      [488, 'Not Acceptable Here'],
      [415, 'Unsupported Media Type'],
      [606, 'Not Acceptable'],
    ] as const) {
      h({ kind: 'media-done', purpose: 'transfer', sdp: forSip });
      last = h({ kind: 'sip-transfer-response', response: response(status, reason) });
      if (status !== 606) seen.push(offerFlags(last));
    }
    expect(seen).toEqual([towardSip('dtls'), towardSip('sdes'), towardSip('rtp')]);
    expect(notifies(last)).toEqual([
      { frag: 'SIP/2.0 606 Not Acceptable', state: 'terminated;reason=noresource', event: 'refer' },
    ]);
    expect(steps(last)).toEqual(['abandon']);
    expect(pick(last, 'media')).toEqual([]);
    expect(pick(last, 'send-jingle')).toEqual([]);
    expect(registry.size).toBe(1);
    expect(call.dialog.state).toBe('confirmed');
    // The transfer's state is gone: a new REFER is taken (not 491), its first offer DTLS again.
    const again = h({ kind: 'sip-refer', id: 2, request: referOf(call, TARGET, [], 7) });
    expect(one(again, 'sip-request-answer').status).toBe(202);
    expect(offerFlags(again)).toEqual(towardSip('dtls'));
    const bye = h({ kind: 'sip-bye', request: sip('captured/sipp-3.6.1-uac-bye.sip') as SipRequest });
    expect(kinds(bye)).toContain('media-delete');
    expect(registry.size).toBe(0);
  });

  it('a refusal that is not about media (486) is final: NOTIFY 486, no other profile tried', () => {
    const { registry, call, h } = anchoredDtls();
    h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    h({ kind: 'media-done', purpose: 'transfer', sdp: forSip });
    const busy = h({ kind: 'sip-transfer-response', response: response(486, 'Busy Here') });
    expect(pick(busy, 'media')).toEqual([]);
    expect(notifies(busy)[0]!.frag).toBe('SIP/2.0 486 Busy Here');
    expect(registry.size).toBe(1);
  });

  it('the list is the target route’s: a route for the target with media.offer [rtp] → plain RTP at once, though the transferor (another route) took DTLS-SRTP', () => {
    const route = { match: /^\+1555123456/, trunk: 'sip:trunk.example.net', strip: 0, prepend: '' };
    const { call, h } = anchoredDtls({}, [{ ...route, media: { offer: ['rtp'] } }]);
    const a = h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    expect(offerFlags(a)).toEqual(towardSip('rtp'));
    const inv = one(h({ kind: 'media-done', purpose: 'transfer', sdp: forSip }), 'sip-transfer');
    expect(inv.step === 'invite' && inv.uri).toBe('sip:+15551234567@trunk.example.net');
    // Its list has nothing after rtp: a 488 is final.
    const refused = h({ kind: 'sip-transfer-response', response: response(488, 'Not Acceptable Here') });
    expect(notifies(refused)[0]!.frag).toBe('SIP/2.0 488 Not Acceptable Here');
  });

  it('SIP → XMPP: the transferor offered DTLS-SRTP (anchored for its lack of ICE); the target gets media.offer in turn too — DTLS-SRTP refused 488 → SDES', () => {
    const registry = new CallRegistry();
    const { call } = SipCall.start(invite, 'sid1', context({ gatherWindowMs: 0 }, RTPENGINE));
    if (!call) throw new Error('refused');
    registry.add(call);
    const h: Handle = (e) => registry.handle(call, e);
    const proposed = h({
      kind: 'media-done',
      purpose: 'propose',
      sdp: read('captured/rtpengine-10.5.3-offer-webrtc-for-xmpp.sdp'),
    });
    const initiate = one(h({ kind: 'jmi', jmi: 'proceed', from: device }), 'send-jingle').jingle;
    const name = initiate.contents[0]!.name;
    h({
      kind: 'jingle',
      iq: iqOf(
        acceptXml
          .replace("to='" + caller + "'", `to='${one(proposed, 'send-jmi').from}'`)
          .replace("name='audio'", `name='${name}'`),
      ),
    });
    one(h({ kind: 'media-done', purpose: 'answer', sdp: forSip }), 'sip-accept');
    h({ kind: 'sip-ack' });
    const a = h({ kind: 'sip-refer', id: 1, request: referOf(call, TARGET) });
    expect(offerFlags(a)).toEqual(towardSip('dtls'));
    h({ kind: 'media-done', purpose: 'transfer', sdp: forSip });
    const refused = h({ kind: 'sip-transfer-response', response: response(488, 'Not Acceptable Here') });
    expect(offerFlags(refused)).toEqual(towardSip('sdes'));
    h({ kind: 'media-done', purpose: 'transfer', sdp: forSip });
    h({ kind: 'sip-transfer-response', response: okWith(plain) });
    const done = h({ kind: 'media-done', purpose: 'transfer-answer', sdp: forSip });
    expect(notifies(done)[0]!.frag).toBe('SIP/2.0 200 OK');
    expect(registry.size).toBe(1);
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
