/**
 * The client's XEP-0251 transfer carried out by the call (src/calls/transfers.ts): the client is
 * the transferor, the SIP peer the transferee. `<transfer/>` (XEP-0251 Example 5, unattended) →
 * IQ result (XEP-0251 Example 6) and a REFER in the call's dialog; the peer's NOTIFYs (RFC 3515
 * §2.4.5 sipfrags, RFC 5589 §6.1 Figure 2 F4/F6) → 2xx: session-terminate `<success/>` +
 * `<transferred/>` (XEP-0251 Example 10) and our BYE; ≥300: the call goes on. Pure.
 */
import { CallRegistry, SipCall, XmppCall, type CallContext } from '../../src/calls';
import type { OtherCall } from '../../src/transfer';
import type { CallEvent, Effect } from '../../src/calls/events';
import type { SipRequest, SipResponse } from '../../src/sip/message/types';
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
} from './support';

/** XEP-0251 Example 5's `<transfer/>`, its target put at the gateway (a number by our routes). */
const transferTo = (to: string): string =>
  read('jingle-xep/xep0251-ex05-unattended-transfer.xml')
    .match(/<transfer\b[^>]*\/>/)![0]
    .replace(/to='[^']*'/, `to='${to}'`);

/** A SIP → XMPP call from baresip (its Allow has REFER), answered by the device. */
function established() {
  const registry = new CallRegistry();
  const { call } = SipCall.start(invite, 'sid1', context());
  if (!call) throw new Error('refused');
  registry.add(call);
  const h = (e: CallEvent): Effect[] => registry.handle(call, e);
  h({ kind: 'jmi', jmi: 'proceed', from: device });
  h({ kind: 'jingle', iq: iqOf(acceptXml) });
  one(h({ kind: 'timer', name: 'gather' }), 'sip-accept');
  h({ kind: 'sip-ack' });
  const transfer = (to: string, id = 'tr'): Effect[] =>
    h({
      kind: 'jingle',
      iq: iqOf(`<iq from='${device}' to='${caller}' type='set' id='${id}'>
        <jingle xmlns='urn:xmpp:jingle:1' action='session-info' sid='sid1'>${transferTo(to)}</jingle></iq>`),
    });
  return { registry, call, h, transfer };
}

/** RFC 5589 §6.1 F4/F6: the transferee's NOTIFY with a sipfrag. */
function notify(frag: string, state = 'active;expires=60', event = 'refer'): SipRequest {
  return {
    kind: 'request',
    method: 'NOTIFY',
    uri: 'sip:gw@192.0.2.10',
    headers: [
      { name: 'Event', value: event },
      { name: 'Subscription-State', value: state },
      { name: 'Content-Type', value: 'message/sipfrag' },
    ],
    body: `${frag}\r\n`,
  };
}
const accepted202: SipResponse = { ...okWith(''), status: 202, reason: 'Accepted' };

describe('XEP-0251 <transfer/> from the client → REFER to the SIP peer', () => {
  it('→ IQ result + REFER (Refer-To by our routes, Referred-By the client); 202; NOTIFY 100 → 200; NOTIFY 200 → session-terminate <transferred/>, BYE, the call ends', () => {
    const { registry, h, transfer } = established();
    const t = transfer('+15551234567@gw.localhost');
    expect(kinds(t)).toBe('iq-result, sip-send-refer');
    const refer = one(t, 'sip-send-refer').headers;
    const referTo = refer.find((x) => x.name === 'Refer-To')?.value;
    expect(referTo).toBe(`<sip:+15551234567@${context().config.sip.outbound.replace(/^sips?:/, '')}>`);
    expect(refer.find((x) => x.name === 'Referred-By')?.value).toMatch(/^<sip:bob/);
    expect(h({ kind: 'sip-refer-done', response: accepted202 })).toEqual([]);
    expect(h({ kind: 'sip-notify', id: 1, request: notify('SIP/2.0 100 Trying') })).toEqual([
      { kind: 'sip-request-answer', id: 1, status: 200 },
    ]);
    expect(registry.size).toBe(1);
    const done = h({
      kind: 'sip-notify',
      id: 2,
      request: notify('SIP/2.0 200 OK', 'terminated;reason=noresource'),
    });
    expect(kinds(done)).toBe('sip-request-answer, send-jingle, sip-bye, ended');
    expect(one(done, 'sip-request-answer').status).toBe(200);
    const term = one(done, 'send-jingle');
    expect(term).toMatchObject({ from: caller, to: device });
    expect(term.jingle).toMatchObject({
      action: 'session-terminate',
      sid: 'sid1',
      reason: { condition: 'success', transferred: true },
    });
    expect(registry.size).toBe(0);
  });

  it("linphone 5.1's final NOTIFY (Subscription-State: terminated;reason=reason=noresource, its params not RFC 6665 §8.2.3's) → 200, session-terminate <transferred/>, BYE", () => {
    // liblinphone 5.1.65's final NOTIFY as the transferee, seen in test/e2e/linphone-transfer.test.ts.
    const { registry, h, transfer } = established();
    transfer('+15551234567@gw.localhost');
    h({ kind: 'sip-refer-done', response: accepted202 });
    expect(h({ kind: 'sip-notify', id: 1, request: notify('SIP/2.0 100 Trying', 'active') })).toEqual([
      { kind: 'sip-request-answer', id: 1, status: 200 },
    ]);
    const done = h({
      kind: 'sip-notify',
      id: 2,
      request: notify('SIP/2.0 200 Ok', 'terminated;reason=reason=noresource'),
    });
    expect(kinds(done)).toBe('sip-request-answer, send-jingle, sip-bye, ended');
    expect(one(done, 'sip-request-answer').status).toBe(200);
    expect(one(done, 'send-jingle').jingle).toMatchObject({
      reason: { condition: 'success', transferred: true },
    });
    expect(registry.size).toBe(0);
  });

  it('a Subscription-State whose state is not a token → 400; the subscription stays', () => {
    const { registry, h, transfer } = established();
    transfer('+15551234567@gw.localhost');
    h({ kind: 'sip-refer-done', response: accepted202 });
    expect(
      h({ kind: 'sip-notify', id: 1, request: notify('SIP/2.0 200 OK', 'termi nated;reason=x') }),
    ).toEqual([{ kind: 'sip-request-answer', id: 1, status: 400 }]);
    expect(registry.size).toBe(1);
    expect(
      kinds(h({ kind: 'sip-notify', id: 2, request: notify('SIP/2.0 200 OK', 'terminated') })),
    ).toContain('ended');
  });

  it('the peer refuses the REFER (603): the call goes on; a later NOTIFY → 481; a new transfer may be asked', () => {
    const { registry, h, transfer } = established();
    transfer('+15551234567@gw.localhost');
    expect(
      h({ kind: 'sip-refer-done', response: { ...accepted202, status: 603, reason: 'Decline' } }),
    ).toEqual([]);
    expect(registry.size).toBe(1);
    expect(h({ kind: 'sip-notify', id: 3, request: notify('SIP/2.0 200 OK') })).toEqual([
      { kind: 'sip-request-answer', id: 3, status: 481 },
    ]);
    expect(kinds(transfer('+15551234567@gw.localhost', 'tr2'))).toBe('iq-result, sip-send-refer');
  });

  it('the transfer fails at the peer (NOTIFY 486): 200, the call goes on', () => {
    const { registry, h, transfer } = established();
    transfer('+15551234567@gw.localhost');
    h({ kind: 'sip-refer-done', response: accepted202 });
    const failed = h({
      kind: 'sip-notify',
      id: 1,
      request: notify('SIP/2.0 486 Busy Here', 'terminated;reason=noresource'),
    });
    expect(failed).toEqual([{ kind: 'sip-request-answer', id: 1, status: 200 }]);
    expect(registry.size).toBe(1);
  });

  it('a NOTIFY of another event package → 489; an unreadable sipfrag → 400; the subscription stays', () => {
    const { h, transfer } = established();
    transfer('+15551234567@gw.localhost');
    expect(h({ kind: 'sip-notify', id: 1, request: notify('SIP/2.0 200 OK', 'active', 'presence') })).toEqual(
      [{ kind: 'sip-request-answer', id: 1, status: 489 }],
    );
    expect(h({ kind: 'sip-notify', id: 2, request: notify('hello') })).toEqual([
      { kind: 'sip-request-answer', id: 2, status: 400 },
    ]);
    // A NOTIFY may come before the 202 (RFC 3515 §2.4.4).
    expect(
      kinds(h({ kind: 'sip-notify', id: 3, request: notify('SIP/2.0 200 OK', 'terminated') })),
    ).toContain('ended');
  });

  it('a denied target → forbidden; a second transfer while one is out → unexpected-request; nothing to SIP', () => {
    const { transfer } = established();
    const premium = transfer('+19005550123@gw.localhost');
    expect(kinds(premium)).toBe('iq-error');
    expect(one(premium, 'iq-error').condition).toBe('forbidden');
    transfer('+15551234567@gw.localhost', 'tr1');
    const again = transfer('+15551234567@gw.localhost', 'tr2');
    expect(kinds(again)).toBe('iq-error');
    expect(one(again, 'iq-error').condition).toBe('unexpected-request');
  });

  it('XMPP → SIP: the peer whose 200 allows REFER is asked; one whose 200 does not: feature-not-implemented', () => {
    const client = 'romeo@montague.lit/orchard';
    const gw = '+15551230000@gw.localhost';
    const offerXml = read('jingle-xep/xep0320-ex01-initiate-fingerprint.xml').replace(
      "to='juliet@capulet.lit/balcony'",
      `to='${gw}'`,
    );
    const peerSdp = read('captured/chromium-156.0.8078.79-audio-answer.sdp');
    for (const allow of [true, false]) {
      const registry = new CallRegistry();
      const { call } = XmppCall.start(iqOf(offerXml), context());
      registry.add(call);
      registry.handle(call, { kind: 'timer', name: 'gather' });
      const ok = okWith(peerSdp);
      if (allow) ok.headers.push({ name: 'Allow', value: 'INVITE, ACK, BYE, CANCEL, REFER, NOTIFY' });
      registry.handle(call, { kind: 'sip-answered', response: ok });
      registry.handle(call, { kind: 'sip-ack' });
      const e = registry.handle(call, {
        kind: 'jingle',
        iq: iqOf(`<iq from='${client}' to='${gw}' type='set' id='t'>
          <jingle xmlns='urn:xmpp:jingle:1' action='session-info' sid='a73sjjvkla37jfea'>${transferTo('+15551234567@gw.localhost')}</jingle></iq>`),
      });
      if (allow) expect(kinds(e)).toBe('iq-result, sip-send-refer');
      else expect(pick(e, 'iq-error')[0]?.condition).toBe('feature-not-implemented');
    }
  });
});

/**
 * XEP-0251 §3 attended transfer: the client's `<transfer sid=…/>` (Example 17) names its other
 * session; the context's `otherCall` (the gateway's lookup, src/gateway/other-call.ts, here with
 * the same rule over a registry of pure calls and a dialog per call) gives that call's SIP
 * dialog, and the Refer-To carries its Replaces (RFC 3891 §3, RFC 5589 §7.2).
 */
describe('XEP-0251 attended <transfer sid=…/> → REFER with Replaces of the other call', () => {
  /** baresip's INVITE as a second call: another Call-ID and From tag, as a second peer's would be. */
  const secondInvite: SipRequest = {
    ...invite,
    headers: invite.headers.map((h) =>
      h.name === 'Call-ID'
        ? { ...h, value: 'c-second-call' }
        : h.name === 'From'
          ? { ...h, value: '<sip:carol@127.0.0.1>;tag=c-peer-tag' }
          : h,
    ),
  };
  /** The gateway's dialog of each call by sid (our To tag chosen here, the peer's From tag its own). */
  const dialogs: Record<string, OtherCall> = {
    sid2: {
      dialog: { callId: 'c-second-call', localTag: 'gw-tag-2', remoteTag: 'c-peer-tag' },
      peerUri: 'sip:carol@127.0.0.1',
    },
  };
  const attended = (sid: string): string =>
    read('jingle-xep/xep0251-ex17-attended-transfer.xml')
      .match(/<transfer\b[^>]*\/>/)![0]
      .replace(/sid='[^']*'/, `sid='${sid}'`);

  /** Two SIP → XMPP calls, sid1 answered by device, sid2 by `secondDevice` (answered unless told). */
  function twoCalls(secondDevice = device, answerSecond = true) {
    const registry = new CallRegistry();
    const asked: Array<[string, string]> = [];
    const ctx: CallContext = {
      ...context(),
      otherCall: (sid, client) => {
        asked.push([sid, client]);
        return registry.sid(sid)?.replaceableBy(client) ? dialogs[sid] : undefined;
      },
    };
    const start = (inv: SipRequest, sid: string, dev: string, answer: boolean) => {
      const { call } = SipCall.start(inv, sid, ctx);
      if (!call) throw new Error('refused');
      registry.add(call);
      const h = (e: CallEvent): Effect[] => registry.handle(call, e);
      h({ kind: 'jmi', jmi: 'proceed', from: dev });
      if (!answer) return { call, h };
      h({
        kind: 'jingle',
        iq: iqOf(acceptXml.replace(/sid='sid1'/, `sid='${sid}'`).replaceAll(device, dev)),
      });
      one(h({ kind: 'timer', name: 'gather' }), 'sip-accept');
      h({ kind: 'sip-ack' });
      return { call, h };
    };
    const a = start(invite, 'sid1', device, true);
    const c = start(secondInvite, 'sid2', secondDevice, answerSecond);
    const transfer = (sid: string, id = 'at'): Effect[] =>
      a.h({
        kind: 'jingle',
        iq: iqOf(`<iq from='${device}' to='${caller}' type='set' id='${id}'>
          <jingle xmlns='urn:xmpp:jingle:1' action='session-info' sid='sid1'>${attended(sid)}</jingle></iq>`),
      });
    return { registry, a, c, transfer, asked };
  }

  it("→ IQ result + REFER: Refer-To the other peer's URI with Replaces (its Call-ID, to-tag its tag, from-tag ours); NOTIFY 200 → <transferred/> + BYE; the replaced call's BYE ends the second session", () => {
    const { registry, a, c, transfer, asked } = twoCalls();
    const t = transfer('sid2');
    expect(kinds(t)).toBe('iq-result, sip-send-refer');
    // Asked with the transferor's bare JID: the lookup compares users, not devices.
    expect(asked).toEqual([['sid2', 'bob@localhost']]);
    const refer = one(t, 'sip-send-refer').headers;
    expect(refer.find((x) => x.name === 'Refer-To')?.value).toBe(
      '<sip:carol@127.0.0.1?Replaces=c-second-call%3Bto-tag%3Dc-peer-tag%3Bfrom-tag%3Dgw-tag-2>',
    );
    expect(refer.find((x) => x.name === 'Referred-By')?.value).toMatch(/^<sip:bob/);
    expect(a.h({ kind: 'sip-refer-done', response: accepted202 })).toEqual([]);
    const done = a.h({
      kind: 'sip-notify',
      id: 1,
      request: notify('SIP/2.0 200 OK', 'terminated;reason=noresource'),
    });
    expect(kinds(done)).toBe('sip-request-answer, send-jingle, sip-bye, ended');
    expect(one(done, 'send-jingle').jingle).toMatchObject({
      sid: 'sid1',
      reason: { condition: 'success', transferred: true },
    });
    expect(registry.size).toBe(1);
    // RFC 3891 §3: the transferee's INVITE with Replaces reached the target, which ends its
    // dialog with us: the client's second session ends.
    const bye: SipRequest = {
      kind: 'request',
      method: 'BYE',
      uri: 'sip:gw@127.0.0.1',
      headers: [],
      body: '',
    };
    const ended = c.h({ kind: 'sip-bye', request: bye });
    expect(kinds(ended)).toContain('ended');
    expect(pick(ended, 'send-jingle')[0]).toMatchObject({
      to: device,
      jingle: { action: 'session-terminate', sid: 'sid2' },
    });
    expect(registry.size).toBe(0);
  });

  it('the same user on another device, its JID spelt otherwise (RFC 7622 normal form) → the REFER', () => {
    const { transfer } = twoCalls('Bob@LocalHost/laptop');
    expect(kinds(transfer('sid2'))).toBe('iq-result, sip-send-refer');
  });

  it.each([
    ["another user's call", () => twoCalls('carol@localhost/phone'), 'sid2'],
    ['an unanswered call', () => twoCalls(device, false), 'sid2'],
    ['no such call', () => twoCalls(), 'nope'],
    ['the same call', () => twoCalls(), 'sid1'],
  ])('%s → item-not-found, nothing to SIP, both calls go on', (_k, make, sid) => {
    const { registry, transfer, asked } = make();
    const e = transfer(sid);
    expect(kinds(e)).toBe('iq-error');
    expect(one(e, 'iq-error')).toMatchObject({ id: 'at', condition: 'item-not-found' });
    // The call never asks the gateway for itself.
    if (sid === 'sid1') expect(asked).toEqual([]);
    expect(registry.size).toBe(2);
  });

  it('without a lookup in the context (no gateway) → item-not-found', () => {
    const { h } = established();
    const a = h({
      kind: 'jingle',
      iq: iqOf(`<iq from='${device}' to='${caller}' type='set' id='x'>
        <jingle xmlns='urn:xmpp:jingle:1' action='session-info' sid='sid1'>${attended('sid2')}</jingle></iq>`),
    });
    expect(one(a, 'iq-error').condition).toBe('item-not-found');
  });
});
