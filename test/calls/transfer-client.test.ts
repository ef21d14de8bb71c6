/**
 * The client's XEP-0251 transfer carried out by the call (src/calls/transfers.ts): the client is
 * the transferor, the SIP peer the transferee. `<transfer/>` (XEP-0251 Example 5, unattended) →
 * IQ result (XEP-0251 Example 6) and a REFER in the call's dialog; the peer's NOTIFYs (RFC 3515
 * §2.4.5 sipfrags, RFC 5589 §6.1 Figure 2 F4/F6) → 2xx: session-terminate `<success/>` +
 * `<transferred/>` (XEP-0251 Example 10) and our BYE; ≥300: the call goes on. Pure.
 */
import { CallRegistry, SipCall, XmppCall } from '../../src/calls';
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
