/**
 * A SIP peer's REFER → what the gateway does (src/transfer/refer.ts): refuse (400/403/603 and
 * why), or place a new call for the XMPP user, with the NOTIFY sequence (RFC 3515 §2.4). Refer-To
 * values are RFC 3515 §2.1's examples; the policy is the real one (src/policy/callee.ts with
 * mappings/policy.yaml), so "no open relay, no toll fraud" is tested against the shipped rules.
 */
import { tables } from '../support/tables';
import * as fc from 'fast-check';
import type { PolicyConfig } from '../../src/config/config';
import { calleeDenial } from '../../src/policy/callee';
import type { SipRequest } from '../../src/sip/message/types';
import type { AddressContext } from '../../src/translate/address';
import {
  decideRefer,
  referNotify,
  referNotifySequence,
  REFER_SUBSCRIPTION_SECONDS,
  type ReferContext,
  type ReferDecision,
} from '../../src/transfer/refer';

const rules = tables.addressRules;
const deny = tables.denyNumbers;
const address: AddressContext = {
  gatewayDomain: 'sip.example.net',
  sipHost: '192.0.2.10',
  outbound: 'sip:proxy.example.net:5090;transport=tcp',
  xmppDefaultDomain: 'example.net',
  fromStyle: 'escaped',
  rules: {
    ...rules,
    routes: [{ match: /^\+44/, trunk: 'sip:uk-trunk.example.net:5060', strip: 0, prepend: '' }],
  },
};
const none: PolicyConfig = { sipHosts: [], allowNumbers: [], callers: [], sources: [] };
const ctx = (over: Partial<ReferContext> = {}): ReferContext => ({
  transferee: 'romeo@montague.lit',
  address,
  policy: none,
  denyNumbers: deny,
  dialogState: 'confirmed',
  dialog: { callId: 'call-1@192.0.2.10', localTag: 'gw1', remoteTag: 'peer1' },
  firstInDialog: true,
  ...over,
});

function refer(referTo: string | string[], extra: Array<[string, string]> = []): SipRequest {
  const list = Array.isArray(referTo) ? referTo : [referTo];
  return {
    kind: 'request',
    method: 'REFER',
    uri: 'sip:romeo%40montague.lit@192.0.2.10',
    headers: [
      { name: 'From', value: '<sip:bob@biloxi.example.com>;tag=peer1' },
      { name: 'To', value: '<sip:romeo%40montague.lit@sip.example.net>;tag=gw1' },
      { name: 'Call-ID', value: 'call-1@192.0.2.10' },
      { name: 'CSeq', value: '93809824 REFER' },
      ...list.map((value) => ({ name: 'Refer-To', value })),
      ...extra.map(([name, value]) => ({ name, value })),
    ],
    body: '',
  };
}

function transfer(d: ReferDecision): Extract<ReferDecision, { kind: 'transfer' }> {
  if (d.kind !== 'transfer') throw new Error(`refused: ${d.status} ${d.why}`);
  return d;
}

describe('REFER refused (RFC 3515 §2.4.1, §2.4.2)', () => {
  it.each([
    [
      'outside a call',
      ctx({ dialogState: 'none' }),
      refer('<sip:+15551234567@pbx.example.org>'),
      403,
      /outside a call/,
    ],
    [
      'before the answer',
      ctx({ dialogState: 'early' }),
      refer('<sip:+15551234567@pbx.example.org>'),
      603,
      /not answered/,
    ],
    ['no Refer-To', ctx(), refer([]), 400, /0 Refer-To headers/],
    ['two Refer-To', ctx(), refer(['<sip:a@b.example>', '<sip:c@d.example>']), 400, /2 Refer-To headers/],
    [
      'a malformed Refer-To',
      ctx(),
      refer('<sip:dave@denver.example.org?Replaces=x%3Bto-tag%3D1>'),
      400,
      /from-tag/,
    ],
    // RFC 3515 §2.1 examples the gateway does not carry out:
    ['Refer-To: http://www.ietf.org', ctx(), refer('http://www.ietf.org'), 603, /only sip, sips and tel/],
    [
      'Refer-To: <sip:carol@cleveland.example.org;method=SUBSCRIBE>',
      ctx(),
      refer('<sip:carol@cleveland.example.org;method=SUBSCRIBE>'),
      603,
      /method=SUBSCRIBE/,
    ],
    [
      'a target that is an XMPP user here',
      ctx(),
      refer('<sip:juliet%40capulet.lit@sip.example.net>'),
      603,
      /XMPP user/,
    ],
    [
      'a bad Refer-Sub',
      ctx(),
      refer('<sip:+15551234567@pbx.example.org>', [['Refer-Sub', 'perhaps']]),
      400,
      /true or false/,
    ],
  ])('%s → %s', (_what, c, req, status, why) => {
    const d = decideRefer(req, c);
    expect(d.kind).toBe('refuse');
    if (d.kind !== 'refuse') return;
    expect(d.status).toBe(status);
    expect(d.why).toMatch(why);
  });

  it('an attended transfer whose Replaces names the REFER’s own dialog', () => {
    const d = decideRefer(
      refer(
        '<sip:+15551234567@pbx.example.org?Replaces=call-1%40192.0.2.10%3Bto-tag%3Dpeer1%3Bfrom-tag%3Dgw1>',
      ),
      ctx(),
    );
    expect(d).toMatchObject({ kind: 'refuse', status: 603, why: /own|the REFER came in/ });
  });
});

describe('no open relay, no toll fraud (src/policy/callee.ts)', () => {
  it('Refer-To: sip:alice@atlanta.example.com (RFC 3515 §2.1) is refused: no policy.sipHosts by default', () => {
    const d = decideRefer(refer('sip:alice@atlanta.example.com'), ctx());
    expect(d).toMatchObject({ kind: 'refuse', status: 403 });
    expect(d.kind === 'refuse' && d.why).toMatch(/policy\.sipHosts/);
  });

  it('…and called directly when the host is in policy.sipHosts', () => {
    const d = transfer(
      decideRefer(
        refer('sip:alice@atlanta.example.com'),
        ctx({ policy: { ...none, sipHosts: ['atlanta.example.com'] } }),
      ),
    );
    expect(d.targetJid).toBe('alice\\40atlanta.example.com@sip.example.net');
    expect(d.invite.uri).toBe('sip:alice@atlanta.example.com');
  });

  it('a number goes by the gateway’s own routes, never to the host the REFER named', () => {
    const d = transfer(decideRefer(refer('<sip:+15551234567@evil.example>'), ctx()));
    expect(d.targetJid).toBe('+15551234567@sip.example.net');
    expect(d.invite.uri).toBe('sip:+15551234567@proxy.example.net:5090;transport=tcp');
    const uk: PolicyConfig = { ...none, allowNumbers: [{ match: /^\+44/, why: 'UK' }] };
    expect(transfer(decideRefer(refer('<tel:+442079460000>'), ctx({ policy: uk }))).invite.uri).toBe(
      'sip:+442079460000@uk-trunk.example.net:5060',
    );
  });

  it('a premium-rate number (mappings/policy.yaml) is refused with 403 and the rule', () => {
    const d = decideRefer(refer('<sip:+19005550123@pbx.example.org>'), ctx());
    expect(d).toMatchObject({ kind: 'refuse', status: 403 });
    expect(d.kind === 'refuse' && d.why).toMatch(/NANP premium rate/);
  });

  it('a user’s own allowNumbers opening does not serve a transfer; the global one does', () => {
    const opened: PolicyConfig = {
      ...none,
      callers: [{ from: 'romeo@montague.lit', allowNumbers: [{ match: /^\+1900/, why: 'romeo pays' }] }],
    };
    // Romeo may call it himself …
    expect(
      calleeDenial('romeo@montague.lit', '+19005550123@sip.example.net', rules, opened, deny),
    ).toBeUndefined();
    // … but a SIP peer may not make the gateway call it on his behalf.
    expect(decideRefer(refer('<sip:+19005550123@pbx.example.org>'), ctx({ policy: opened }))).toMatchObject({
      status: 403,
    });
    const global: PolicyConfig = { ...none, allowNumbers: [{ match: /^\+1900/, why: 'billed' }] };
    expect(decideRefer(refer('<sip:+19005550123@pbx.example.org>'), ctx({ policy: global })).kind).toBe(
      'transfer',
    );
  });

  it('policy.callers narrows transfers as it narrows calls', () => {
    const narrow: PolicyConfig = {
      ...none,
      allowNumbers: [{ match: /^\+44/, why: 'UK' }],
      callers: [{ from: 'romeo@montague.lit', numbers: [/^\+44/] }],
    };
    expect(decideRefer(refer('<sip:+15551234567@pbx.example.org>'), ctx({ policy: narrow }))).toMatchObject({
      status: 403,
    });
    expect(decideRefer(refer('<sip:+442079460000@pbx.example.org>'), ctx({ policy: narrow })).kind).toBe(
      'transfer',
    );
  });

  const prefixes = ['+1900', '+1976', '+1555', '+44', '+881', '+49', '00', '011', '555', '+1212'];
  const policies = fc.record({
    global: fc.subarray(['^\\+1900', '^\\+49', '^00']),
    own: fc.subarray(['^\\+1976', '^\\+881', '^011']),
  });

  it('property: a REFER the gateway carries out never reaches a number the global policy denies', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...prefixes),
        fc.stringMatching(/^[0-9]{4,8}$/),
        policies,
        (prefix, rest, p) => {
          const number = prefix + rest;
          const policy: PolicyConfig = {
            ...none,
            allowNumbers: p.global.map((m) => ({ match: new RegExp(m), why: 'test' })),
            callers: [{ from: '*', allowNumbers: p.own.map((m) => ({ match: new RegExp(m), why: 'test' })) }],
          };
          const d = decideRefer(refer(`<sip:${number}@pbx.example.org>`), ctx({ policy }));
          const denied =
            deny.some((r) => r.match.test(number)) && !policy.allowNumbers.some((r) => r.match.test(number));
          if (denied) expect(d).toMatchObject({ kind: 'refuse', status: 403 });
          if (d.kind === 'transfer') expect(d.invite.uri).not.toContain('pbx.example.org');
        },
      ),
    );
  });
});

describe('REFER carried out: the new INVITE and the NOTIFYs (RFC 3515 §2.4.4–§2.4.7)', () => {
  it('attended: the Refer-To’s Replaces (RFC 3515 §2.1) goes into the new INVITE (RFC 3891 §3)', () => {
    const d = transfer(
      decideRefer(
        refer(
          '<sip:dave@denver.example.org?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994>',
        ),
        ctx({ policy: { ...none, sipHosts: ['denver.example.org'] } }),
      ),
    );
    expect(d.invite.uri).toBe('sip:dave@denver.example.org');
    expect(d.replaces).toMatchObject({ callId: '12345@192.168.118.3', toTag: '12345', fromTag: '5FFE-3994' });
    expect(d.invite.headers).toEqual([
      { name: 'Referred-By', value: '<sip:bob@biloxi.example.com>' },
      { name: 'Replaces', value: '12345@192.168.118.3;to-tag=12345;from-tag=5FFE-3994' },
      { name: 'Require', value: 'replaces' },
    ]);
  });

  it('Referred-By from the REFER is copied (RFC 3892 §3), the 202 goes out, then NOTIFY 100 Trying', () => {
    const d = transfer(
      decideRefer(
        refer('<sip:+15551234567@pbx.example.org>', [
          ['Referred-By', '<sip:referrer@referrer.example>;cid="20398823.2UWQFN309shb3@referrer.example"'],
        ]),
        ctx(),
      ),
    );
    expect(d.accept).toEqual({ status: 202, reason: 'Accepted', headers: [] });
    expect(d.invite.headers[0]).toEqual({
      name: 'Referred-By',
      value: '<sip:referrer@referrer.example>;cid="20398823.2UWQFN309shb3@referrer.example"',
    });
    expect(d.subscription).toEqual({ event: 'refer', expires: REFER_SUBSCRIPTION_SECONDS });
    expect(d.notify).toEqual({
      headers: [
        { name: 'Event', value: 'refer' },
        { name: 'Subscription-State', value: `active;expires=${REFER_SUBSCRIPTION_SECONDS}` },
        { name: 'Content-Type', value: 'message/sipfrag;version=2.0' },
      ],
      body: 'SIP/2.0 100 Trying\r\n',
      final: false,
    });
  });

  it('a second REFER in the dialog: Event: refer;id=<CSeq> (RFC 3515 §2.4.6)', () => {
    const d = transfer(
      decideRefer(refer('<sip:+15551234567@pbx.example.org>'), ctx({ firstInDialog: false })),
    );
    expect(d.subscription?.event).toBe('refer;id=93809824');
  });

  it('Refer-Sub: false (RFC 4488 §4): the 202 says so and no NOTIFY is sent', () => {
    const d = transfer(
      decideRefer(refer('<sip:+15551234567@pbx.example.org>', [['Refer-Sub', 'false']]), ctx()),
    );
    expect(d.accept.headers).toEqual([{ name: 'Refer-Sub', value: 'false' }]);
    expect(d.subscription).toBeUndefined();
    expect(d.notify).toBeUndefined();
  });

  const sub = { event: 'refer', expires: 60 };
  const bodies = (list: ReturnType<typeof referNotifySequence>) =>
    list.map((n) => [n.body, n.headers[1]?.value]);

  it('answered: 100 Trying, 180 Ringing, 200 OK — the last one terminated;reason=noresource (§2.4.7)', () => {
    expect(
      bodies(
        referNotifySequence(sub, [
          { status: 100 },
          { status: 180, reason: 'Ringing' },
          { status: 200, reason: 'OK' },
        ]),
      ),
    ).toEqual([
      ['SIP/2.0 100 Trying\r\n', 'active;expires=60'],
      ['SIP/2.0 180 Ringing\r\n', 'active;expires=60'],
      ['SIP/2.0 200 OK\r\n', 'terminated;reason=noresource'],
    ]);
  });

  it('busy: 100 Trying, then 486 Busy Here, final', () => {
    const list = referNotifySequence(sub, [{ status: 486, reason: 'Busy Here' }]);
    expect(bodies(list)).toEqual([
      ['SIP/2.0 100 Trying\r\n', 'active;expires=60'],
      ['SIP/2.0 486 Busy Here\r\n', 'terminated;reason=noresource'],
    ]);
    expect(list.map((n) => n.final)).toEqual([false, true]);
  });

  it('no final answer before the subscription expires: 408, final', () => {
    expect(bodies(referNotifySequence(sub, 'expired'))[1]).toEqual([
      'SIP/2.0 408 Request Timeout\r\n',
      'terminated;reason=noresource',
    ]);
  });

  it('a reason phrase defaults to the status text', () => {
    expect(referNotify(sub, 503).body).toBe('SIP/2.0 503 Service Unavailable\r\n');
  });
});
