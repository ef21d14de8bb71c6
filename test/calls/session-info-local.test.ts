/**
 * The client's session-info payloads answered by CallCore.localSessionInfo: XEP-0251 `<transfer/>`
 * refused when the SIP peer's Allow lacks REFER (XEP-0251 §2; docs/midcall.md §Transfer; the
 * REFER itself: test/calls/transfer-client.test.ts); the attended one (Example 17) a REFER with
 * Replaces only when the context's lookup knows the sid as another call of the same user's, XEP-0167 §7.3 `<mute/>`/`<unmute/>` acknowledged. Payloads are the XEPs' examples (fixtures named below),
 * put into the sessions these calls have. Pure: events in, effects out.
 */
import { CallRegistry, SipCall, XmppCall, type CallContext } from '../../src/calls';
import type { OtherCall } from '../../src/transfer';
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
  read,
} from './support';

/** The payload element of a fixture (its only child of <jingle>). */
const payload = (rel: string, name: string): string => {
  const m = new RegExp(`<${name}\\b[^>]*/>`).exec(read(rel));
  if (!m) throw new Error(`no <${name}/> in ${rel}`);
  return m[0];
};
/** XEP-0251 Example 5 (unattended) and Example 17 (attended). */
const unattended = payload('jingle-xep/xep0251-ex05-unattended-transfer.xml', 'transfer');
const attended = payload('jingle-xep/xep0251-ex17-attended-transfer.xml', 'transfer');
/** XEP-0167 Example 11 and 12, name='voice'. */
const mute = payload('jingle-xep/xep0167-ex11-mute.xml', 'mute');
const unmute = payload('jingle-xep/xep0167-ex12-unmute.xml', 'unmute');

// XMPP → SIP: the client is the initiator (the offer's content is 'voice').
const client = 'romeo@montague.lit/orchard';
const gw = '+15551230000@gw.localhost';
const offerXml = read('jingle-xep/xep0320-ex01-initiate-fingerprint.xml').replace(
  "to='juliet@capulet.lit/balcony'",
  `to='${gw}'`,
);
const peerSdp = read('captured/chromium-156.0.8078.79-audio-answer.sdp');

function xmppEstablished(ctx: CallContext = context()) {
  const registry = new CallRegistry();
  const { call } = XmppCall.start(iqOf(offerXml), ctx);
  registry.add(call);
  registry.handle(call, { kind: 'timer', name: 'gather' });
  registry.handle(call, { kind: 'sip-answered', response: okWith(peerSdp) });
  registry.handle(call, { kind: 'sip-ack' });
  const info = (child: string, id = 'si') =>
    registry.handle(call, {
      kind: 'jingle',
      iq: iqOf(`<iq from='${client}' to='${gw}' type='set' id='${id}'>
        <jingle xmlns='urn:xmpp:jingle:1' action='session-info' sid='a73sjjvkla37jfea'>${child}</jingle></iq>`),
    });
  return { registry, call, info };
}

function sipEstablished(ctx: CallContext = context()) {
  const registry = new CallRegistry();
  const { call } = SipCall.start(invite, 'sid1', ctx);
  if (!call) throw new Error('refused');
  registry.add(call);
  registry.handle(call, { kind: 'jmi', jmi: 'proceed', from: device });
  registry.handle(call, { kind: 'jingle', iq: iqOf(acceptXml) });
  one(registry.handle(call, { kind: 'timer', name: 'gather' }), 'sip-accept');
  registry.handle(call, { kind: 'sip-ack' });
  const info = (child: string, id = 'si') =>
    registry.handle(call, {
      kind: 'jingle',
      iq: iqOf(`<iq from='${device}' to='${caller}' type='set' id='${id}'>
        <jingle xmlns='urn:xmpp:jingle:1' action='session-info' sid='sid1'>${child}</jingle></iq>`),
    });
  return { registry, call, info };
}

describe.each([
  // The SIPp 200 has no Allow: no REFER; baresip's INVITE allows REFER.
  ['XMPP → SIP', xmppEstablished, 'voice', false],
  ['SIP → XMPP', sipEstablished, 'audio', true],
])('%s call, established', (_, established, content, allowsRefer) => {
  it.each([
    ['unattended (XEP-0251 Example 5)', unattended, 'iq-result, sip-send-refer'],
    ['attended (XEP-0251 Example 17)', attended, 'iq-error'],
  ])(
    "<transfer/> %s, no other call known: without REFER in the peer's Allow → feature-not-implemented + <unsupported-info/>; the call goes on",
    (_k, transfer, withRefer) => {
      const { registry, call, info } = established();
      const e = info(transfer, 'tr');
      if (allowsRefer) {
        // The REFER (unattended), or item-not-found: no other call of the client's to replace (attended).
        expect(kinds(e)).toBe(withRefer);
        if (withRefer === 'iq-error') expect(one(e, 'iq-error').condition).toBe('item-not-found');
        return;
      }
      // Only the IQ error: no iq-result, no SIP effect.
      expect(kinds(e)).toBe('iq-error');
      expect(one(e, 'iq-error')).toMatchObject({
        id: 'tr',
        condition: 'feature-not-implemented',
        jingleCondition: 'unsupported-info',
      });
      expect(registry.size).toBe(1);
      // The session is untouched: a later session-info is still answered.
      expect(kinds(info(mute.replace("name='voice'", `name='${content}'`), 'm'))).toBe('iq-result');
      expect(call.dialog.state).toBe('confirmed');
    },
  );

  // XEP-0251 §3: the context's lookup (the gateway's is src/gateway/other-call.ts) answers for
  // `owner`'s calls only. The REFER needs a peer that allows it: the SIPp 200 does not.
  const dialog: OtherCall = {
    dialog: { callId: 'other-call-id', localTag: 'ours', remoteTag: 'theirs' },
    peerUri: 'sip:boss@192.0.2.7',
  };
  const knowing = (owner: string): CallContext => ({
    ...context(),
    otherCall: (_sid, asker) => (asker === owner ? dialog : undefined),
  });
  const ownSid = allowsRefer ? 'sid1' : 'a73sjjvkla37jfea';
  const user = (allowsRefer ? device : client).replace(/\/.*/, '');
  const unlessNoRefer = (c: string): string => (allowsRefer ? c : 'feature-not-implemented');
  it.each([
    ["the client's other call (its bare JID asked)", unlessNoRefer('refer'), '663e9f', user],
    ["another user's call", unlessNoRefer('item-not-found'), '663e9f', 'mallory@evil.example'],
    // The call never offers itself, whatever the lookup would say.
    ['the same call', unlessNoRefer('item-not-found'), ownSid, user],
  ])('<transfer sid=…/> (Example 17) naming %s → %s', (_k, outcome, sid, owner) => {
    const { registry, info } = established(knowing(owner));
    const e = info(attended.replace("sid='663e9f'", `sid='${sid}'`), 'at');
    if (outcome === 'refer') {
      expect(kinds(e)).toBe('iq-result, sip-send-refer');
      expect(one(e, 'sip-send-refer').headers.find((h) => h.name === 'Refer-To')?.value).toBe(
        '<sip:boss@192.0.2.7?Replaces=other-call-id%3Bto-tag%3Dtheirs%3Bfrom-tag%3Dours>',
      );
    } else {
      expect(kinds(e)).toBe('iq-error');
      expect(one(e, 'iq-error')).toMatchObject({ id: 'at', condition: outcome });
    }
    expect(registry.size).toBe(1);
  });

  it('<mute/> and <unmute/> (XEP-0167 Examples 11, 12) → IQ result, nothing to SIP', () => {
    const { registry, info } = established();
    const m = info(mute.replace("name='voice'", `name='${content}'`), 'm1');
    expect(kinds(m)).toBe('iq-result');
    expect(one(m, 'iq-result').id).toBe('m1');
    const u = info(unmute.replace("name='voice'", `name='${content}'`), 'u1');
    expect(kinds(u)).toBe('iq-result');
    // Without name: every content (§7.3).
    expect(kinds(info(`<mute xmlns='urn:xmpp:jingle:apps:rtp:info:1' creator='responder'/>`, 'm2'))).toBe(
      'iq-result',
    );
    expect(registry.size).toBe(1);
  });

  it('<mute/> naming a content the session lacks → bad-request, nothing to SIP', () => {
    const { info } = established();
    const e = info(mute.replace("name='voice'", "name='video-not-here'"), 'mx');
    expect(kinds(e)).toBe('iq-error');
    expect(one(e, 'iq-error')).toMatchObject({ id: 'mx', condition: 'bad-request' });
    expect(one(e, 'iq-error').text).toContain('video-not-here');
  });
});
