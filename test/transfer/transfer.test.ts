/**
 * The client's XEP-0251 `<transfer/>` → a REFER to the SIP peer, and the peer's NOTIFYs back
 * (src/transfer/transfer.ts). Transfers are XEP-0251 §2 Example 5 and §3 Example 17 (parsed
 * from the fixtures), the attended Replaces is RFC 5589 §7.1's dialog, the NOTIFY bodies are
 * RFC 3515 §2.4.5 / RFC 5589 §6.1 status lines; the policy is the shipped one
 * (mappings/policy.yaml through test/support/tables).
 */
import type { PolicyConfig } from '../../src/config/config';
import { InputError } from '../../src/errors';
import { parseJingleXml } from '../../src/jingle';
import type { Transfer } from '../../src/jingle/types';
import { parseReferTo, parseReferredBy, unescapeHvalue } from '../../src/sip/message/refer';
import type { AddressContext } from '../../src/translate/address';
import {
  referNotifyToJingle,
  transferToRefer,
  type OtherCall,
  type TransferContext,
  type TransferDecision,
} from '../../src/transfer/transfer';
import { read } from '../calls/support';
import { tables } from '../support/tables';

/** The `<transfer/>` of a fixture, as the parser reads it. */
function transferOf(rel: string): Transfer {
  const { jingle } = parseJingleXml(read(rel), tables.hashes);
  if (jingle.info?.kind !== 'transfer') throw new Error(`${rel} has no <transfer/>`);
  const { kind: _kind, ...t } = jingle.info;
  return t;
}
/** XEP-0251 §2 Example 5: to='boss@execs.example.com/phone'. */
const unattended = transferOf('jingle-xep/xep0251-ex05-unattended-transfer.xml');
/** XEP-0251 §3 Example 17: from='attendant@…/desk' sid='663e9f' to='boss@execs.example.com/phone'. */
const attended = transferOf('jingle-xep/xep0251-ex17-attended-transfer.xml');

const address: AddressContext = {
  gatewayDomain: 'sip.example.net',
  sipHost: '192.0.2.10',
  outbound: 'sip:proxy.example.net:5090;transport=tcp',
  xmppDefaultDomain: 'example.net',
  fromStyle: 'escaped',
  rules: {
    ...tables.addressRules,
    routes: [{ match: /^\+44/, trunk: 'sip:uk-trunk.example.net:5060', strip: 0, prepend: '' }],
  },
};
const none: PolicyConfig = { sipHosts: [], allowNumbers: [], callers: [], sources: [] };
/** RFC 3261 §20.5 Allow of a peer that takes REFER (our own ALLOW list, split). */
const allowWithRefer = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REFER', 'NOTIFY'];

/** RFC 5589 §7.1: the transferor's dialog with the target (Call-ID, tags as the transferor sees them). */
const otherCall: OtherCall = {
  dialog: { callId: '090459243588173445', localTag: '31431', remoteTag: '7553452' },
  peerUri: 'sip:transfer-target@target.example',
};

const ctx = (over: Partial<TransferContext> = {}): TransferContext => ({
  // XEP-0251 Example 5/17: the attendant is the gateway's client, the transferor.
  transferor: 'attendant@office.example.com',
  address,
  policy: none,
  denyNumbers: tables.denyNumbers,
  peerAllow: allowWithRefer,
  otherCall: (sid) => (sid === '663e9f' ? otherCall : undefined),
  ...over,
});

function refer(d: TransferDecision): Extract<TransferDecision, { kind: 'refer' }> {
  if (d.kind !== 'refer') throw new Error(`refused: ${d.condition} ${d.text}`);
  return d;
}
const header = (d: Extract<TransferDecision, { kind: 'refer' }>, name: string): string => {
  const h = d.headers.filter((x) => x.name === name);
  if (h.length !== 1) throw new Error(`expected one ${name}, got ${h.length}`);
  return h[0]!.value;
};

describe('transferToRefer: the peer cannot be asked (XEP-0251 §2: feature-not-implemented)', () => {
  it.each([
    ['no Allow at all', []],
    ['an Allow without REFER (RFC 3261 §20.5)', ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS']],
    ['an Allow header value without REFER', ['INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY']],
    ['REFERX is not REFER', ['INVITE', 'REFERX']],
  ])('%s → feature-not-implemented, before anything else is looked at', (_, peerAllow) => {
    for (const t of [unattended, attended, {}]) {
      const d = transferToRefer(t, ctx({ peerAllow }));
      expect(d).toMatchObject({ kind: 'refuse', condition: 'feature-not-implemented' });
    }
  });

  it.each([
    ['methods', allowWithRefer],
    ['one whole header value', ['INVITE, ACK, CANCEL, BYE, OPTIONS, REFER, NOTIFY']],
    ['lower case and spaces', [' invite ', ' refer ']],
  ])('an Allow with REFER as %s → a REFER', (_, peerAllow) => {
    expect(transferToRefer(unattended, ctx({ peerAllow })).kind).toBe('refer');
  });
});

describe('transferToRefer: unattended (XEP-0251 §2)', () => {
  it("Example 5: an XMPP target elsewhere → Refer-To the gateway's SIP address for it, Referred-By the client", () => {
    const d = refer(transferToRefer(unattended, ctx()));
    // The peer's new call must come back through the gateway: the escaped form at its domain.
    expect(d.target).toBe('sip:boss%40execs.example.com@sip.example.net');
    expect(header(d, 'Refer-To')).toBe('<sip:boss%40execs.example.com@sip.example.net>');
    expect(parseReferTo(header(d, 'Refer-To')).target.uri).toBe(d.target);
    // RFC 3892 §3: the transferor as the SIP side knows it (fromStyle escaped).
    expect(parseReferredBy(header(d, 'Referred-By')).uri).toBe(
      'sip:attendant%40office.example.com@sip.example.net',
    );
    expect(d.replaces).toBeUndefined();
    expect(d.headers.map((h) => h.name)).toEqual(['Refer-To', 'Referred-By']);
  });

  it('the resource is dropped and the JID domain is compared without case', () => {
    const d = refer(transferToRefer({ to: 'Boss@EXECS.example.com/phone' }, ctx()));
    expect(d.target).toBe('sip:Boss%40EXECS.example.com@sip.example.net');
    const local = refer(transferToRefer({ to: '+15551234567@SIP.Example.NET/x' }, ctx()));
    expect(local.target).toBe('sip:+15551234567@proxy.example.net:5090;transport=tcp');
  });

  it('Referred-By follows fromStyle direct', () => {
    const d = refer(transferToRefer(unattended, ctx({ address: { ...address, fromStyle: 'direct' } })));
    expect(parseReferredBy(header(d, 'Referred-By')).uri).toBe('sip:attendant@office.example.com');
    // The target stays escaped at the gateway, whatever fromStyle says: it must come back in.
    expect(d.target).toBe('sip:boss%40execs.example.com@sip.example.net');
  });

  it.each([
    [
      'a number, by the outbound proxy',
      '+15551234567@sip.example.net',
      'sip:+15551234567@proxy.example.net:5090;transport=tcp',
    ],
    [
      'a SIP address allowed by policy.sipHosts',
      'alice\\40pbx.example.org@sip.example.net',
      'sip:alice@pbx.example.org',
    ],
  ])('a target at the gateway domain: %s → its SIP URI (jidToSipUri)', (_, to, uri) => {
    const d = refer(transferToRefer({ to }, ctx({ policy: { ...none, sipHosts: ['pbx.example.org'] } })));
    expect(d.target).toBe(uri);
    expect(parseReferTo(header(d, 'Refer-To')).target.uri).toBe(uri);
  });

  it('a number routed by the gateway routes, once policy allows it (+44 → the UK trunk)', () => {
    const uk: PolicyConfig = { ...none, allowNumbers: [{ match: /^\+44/, why: 'UK' }] };
    const d = refer(transferToRefer({ to: '+442079460000@sip.example.net' }, ctx({ policy: uk })));
    expect(d.target).toBe('sip:+442079460000@uk-trunk.example.net:5060');
  });

  it.each([
    ['a premium-rate number (mappings/policy.yaml)', '+19005550123@sip.example.net', {}],
    ['an international number not allowed', '+442079460000@sip.example.net', {}],
    ['a SIP host not in policy.sipHosts (no open relay)', 'alice\\40pbx.example.org@sip.example.net', {}],
  ])('a transfer is a call the client places: %s → forbidden with why', (_, to, over) => {
    const d = transferToRefer({ to }, ctx(over));
    expect(d).toMatchObject({ kind: 'refuse', condition: 'forbidden' });
    expect(d.kind === 'refuse' && d.text.length).toBeGreaterThan(0);
  });

  it.each([
    ['no to', {}],
    ['only from', { from: 'attendant@office.example.com/desk' }],
  ])('%s → bad-request', (_, t: Transfer) => {
    expect(transferToRefer(t, ctx())).toMatchObject({ kind: 'refuse', condition: 'bad-request' });
  });

  it.each([
    ['a target JID without a local part', { to: 'execs.example.com' }],
    ['a gateway-domain JID without a local part', { to: 'sip.example.net' }],
  ])('%s → bad-request (an InputError), not a throw', (_, t: Transfer) => {
    expect(transferToRefer(t, ctx())).toMatchObject({ kind: 'refuse', condition: 'bad-request' });
  });
});

describe('transferToRefer: attended (XEP-0251 §3)', () => {
  it("Example 17: sid names the client's other call → Refer-To its peer with Replaces (RFC 5589 §7.1, RFC 3891 §3)", () => {
    const d = refer(transferToRefer(attended, ctx()));
    expect(d.target).toBe(otherCall.peerUri);
    // RFC 5589 §7.1: Refer-To: <…?Replaces=090459243588173445%3Bto-tag%3D7553452%3Bfrom-tag%3D31431>
    expect(header(d, 'Refer-To')).toBe(
      '<sip:transfer-target@target.example?Replaces=090459243588173445%3Bto-tag%3D7553452%3Bfrom-tag%3D31431>',
    );
    // RFC 3891 §3: the tags as the target (who gets the INVITE with Replaces) sees the dialog:
    // to-tag is its own tag, ours remote; from-tag is our local tag.
    expect(d.replaces).toEqual({
      callId: '090459243588173445',
      toTag: '7553452',
      fromTag: '31431',
      earlyOnly: false,
      params: {},
    });
    const uri = parseReferTo(header(d, 'Refer-To')).target.uri;
    expect(unescapeHvalue(uri.slice(uri.indexOf('Replaces=') + 9), 'Replaces')).toBe(
      '090459243588173445;to-tag=7553452;from-tag=31431',
    );
    expect(parseReferredBy(header(d, 'Referred-By')).uri).toBe(
      'sip:attendant%40office.example.com@sip.example.net',
    );
  });

  it("the target is the other call's peer, not `to`: policy is not asked again (it is a call the client has)", () => {
    const d = refer(transferToRefer({ ...attended, to: '+19005550123@sip.example.net' }, ctx()));
    expect(d.target).toBe(otherCall.peerUri);
  });

  it.each([
    ['an unknown sid', { ...attended, sid: 'nope' }, ctx()],
    ['no lookup at all', attended, ctx({ otherCall: undefined })],
  ])('%s → item-not-found', (_, t: Transfer, c) => {
    const d = transferToRefer(t, c);
    expect(d).toMatchObject({ kind: 'refuse', condition: 'item-not-found' });
    expect(d.kind === 'refuse' && d.text).toContain(t.sid);
  });

  it("another dialog's peer URI that already carries headers → bad-request, not a throw", () => {
    const odd: OtherCall = { ...otherCall, peerUri: 'sip:transfer-target@target.example?Subject=hi' };
    const d = transferToRefer(attended, ctx({ otherCall: () => odd }));
    expect(d).toMatchObject({ kind: 'refuse', condition: 'bad-request' });
  });
});

describe('referNotifyToJingle: the NOTIFY sipfrag → what the client hears (RFC 3515 §2.4.5)', () => {
  it.each([
    ['SIP/2.0 100 Trying\r\n', 100],
    ['SIP/2.0 180 Ringing\r\n', 180],
    ['SIP/2.0 183 Session Progress\r\n', 183],
  ])('%j → progress, nothing for the client (RFC 5589 §6.1)', (body, status) => {
    expect(referNotifyToJingle(body, '851ba2')).toEqual({ kind: 'progress', status });
  });

  it.each(['SIP/2.0 200 OK\r\n', 'SIP/2.0 202 Accepted\r\n', 'SIP/2.0 200 OK\n'])(
    '%j → transferred: session-terminate <success/> + <transferred/> (XEP-0251 Example 10)',
    (body) => {
      const p = referNotifyToJingle(body, '851ba2');
      expect(p.kind).toBe('transferred');
      if (p.kind !== 'transferred') return;
      expect(p.terminate).toMatchObject({
        action: 'session-terminate',
        sid: '851ba2',
        contents: [],
        reason: { condition: 'success', transferred: true },
      });
    },
  );

  it.each([
    ['SIP/2.0 300 Multiple Choices\r\n', 300, 'Multiple Choices'],
    ['SIP/2.0 486 Busy Here\r\n', 486, 'Busy Here'],
    ['SIP/2.0 503 Service Unavailable\r\n', 503, 'Service Unavailable'],
    ['SIP/2.0 603 Declined\r\n', 603, 'Declined'],
  ])('%j → failed: the call goes on (RFC 5589 §6.2)', (body, status, reason) => {
    expect(referNotifyToJingle(body, '851ba2')).toEqual({ kind: 'failed', status, reason });
  });

  it('the boundaries: 199 is progress, 299 transferred, 300 failed', () => {
    expect(referNotifyToJingle('SIP/2.0 199 Early\r\n', 's').kind).toBe('progress');
    expect(referNotifyToJingle('SIP/2.0 299 Odd\r\n', 's').kind).toBe('transferred');
    expect(referNotifyToJingle('SIP/2.0 300 Moved\r\n', 's').kind).toBe('failed');
  });

  it.each([
    '',
    'INVITE sip:bob@biloxi.example.com SIP/2.0\r\n',
    'SIP/2.0 099 Low\r\n',
    'SIP/2.0 700 High\r\n',
  ])(
    'a body that is no sipfrag status line (%j) throws an InputError (the NOTIFY is answered 400)',
    (body) => {
      expect(() => referNotifyToJingle(body, 's')).toThrow(InputError);
    },
  );
});
