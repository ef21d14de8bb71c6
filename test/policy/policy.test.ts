/**
 * Issue 10, first part: the gateway is no open relay and no toll-fraud path (docs/policy.md).
 * Who may be called (pure), the limits with an injected clock, and the XMPP-originated call
 * refusing a denied callee before any INVITE.
 */
import { SipCall, XmppCall } from '../../src/calls';
import { inboundCallee } from '../../src/policy/inbound';
import type { SipRequest } from '../../src/sip/message/types';
import { tables } from '../support/tables';
import { calleeDenial, sipHostAllowed } from '../../src/policy/callee';
import { CallLimits } from '../../src/policy/limits';
import { parseConfig, type LimitsConfig, type PolicyConfig } from '../../src/config/config';
import { addressContext } from '../../src/config/address-context';
import { mediaPolicy } from '../../src/media/policy';
import { jidToSipUri } from '../../src/translate/address';
import { context, iqOf, kinds, one, read, sip } from '../calls/support';

const rules = tables.addressRules;
const deny = tables.denyNumbers;
const none: PolicyConfig = { sipHosts: [], allowNumbers: [], callers: [], sources: [] };
const denial = (jid: string, p: PolicyConfig = none, caller = 'romeo@montague.lit') =>
  calleeDenial(caller, jid, rules, p, deny);

describe('callees naming a SIP host: allowed only for policy.sipHosts (default none)', () => {
  it.each([
    'x\\40127.0.0.1@gw.localhost',
    'x\\40evil.example@gw.localhost',
    'x\\40127.0.0.1\\3a5060@gw.localhost',
  ])('%s is denied by default', (jid) => {
    expect(denial(jid)?.rule).toBe('policy.sipHosts');
    expect(denial(jid)?.text).toMatch(/not allowed \(policy\.sipHosts\)/);
  });

  it('host, host:port and *.domain entries', () => {
    expect(sipHostAllowed('pbx.example.org', ['pbx.example.org'])).toBe(true);
    expect(sipHostAllowed('PBX.example.org:5070', ['pbx.example.org'])).toBe(true);
    expect(sipHostAllowed('pbx.example.org:5070', ['pbx.example.org:5060'])).toBe(false);
    expect(sipHostAllowed('a.example.org', ['*.example.org'])).toBe(true);
    expect(sipHostAllowed('example.org.evil.net', ['*.example.org'])).toBe(false);
    expect(sipHostAllowed('[::1]:5060', ['[::1]'])).toBe(true);
    expect(
      denial('alice\\40pbx.example.org@gw.localhost', { ...none, sipHosts: ['pbx.example.org'] }),
    ).toBeUndefined();
  });
});

describe('numbers: premium and international denied unless allowed', () => {
  it.each([
    ['+19005551234', 'NANP premium'],
    ['19765551234', 'NANP premium'],
    ['9005551234', 'NANP premium'],
    ['+88234567890', 'international networks'],
    ['+8835551234', 'international networks'],
    ['+979123456789', 'international premium'],
    ['0044201234567', 'international prefix'],
    ['011882123456', 'international prefix'],
    ['+442071234567', 'outside NANP'],
  ])('%s: %s', (number, why) => {
    const d = denial(`${number}@gw.localhost`);
    expect(d?.text).toContain(why);
    expect(d?.rule).toMatch(/^mappings\/policy\.yaml /);
  });

  it.each(['+15551230000', '15551230000', '100', 'alice'])('%s is allowed', (local) => {
    expect(denial(`${local}@gw.localhost`)).toBeUndefined();
  });

  it('an allowNumbers rule wins over the deny rules', () => {
    const p = { ...none, allowNumbers: [{ match: /^\+44/, why: 'UK customers' }] };
    expect(denial('+442071234567@gw.localhost', p)).toBeUndefined();
    expect(denial('+33123456789@gw.localhost', p)).toBeDefined();
  });
});

describe('call limits', () => {
  const cfg: LimitsConfig = {
    calls: 5,
    callsPerUser: 2,
    callsPerSource: 3,
    attemptsPerSecond: 100,
    attemptsPerSecondPerUser: 1,
    attemptsPerSecondPerSource: 100,
  };

  it('live calls per user and in all', () => {
    let t = 0;
    const l = new CallLimits({ ...cfg, attemptsPerSecondPerUser: 100 }, () => t);
    expect(l.admit('user:a@x')).toBeUndefined();
    expect(l.admit('user:a@x')).toBeUndefined();
    expect(l.admit('user:a@x')?.why).toBe('2 calls of a@x are up (limits.callsPerUser)');
    l.ended('user:a@x');
    expect(l.admit('user:a@x')).toBeUndefined();
    for (const k of ['source:1', 'source:1', 'source:2']) expect(l.admit(k)).toBeUndefined();
    expect(l.admit('source:3')?.why).toBe('5 calls are up (limits.calls)');
    t += 1;
    expect(l.calls).toBe(5);
  });

  it('new calls per second: a burst of twice the rate, then one per 1/rate s', () => {
    let t = 0;
    const l = new CallLimits({ ...cfg, callsPerUser: 1000, calls: 1000 }, () => t);
    expect(l.admit('user:b@x')).toBeUndefined();
    expect(l.admit('user:b@x')).toBeUndefined();
    const r = l.admit('user:b@x');
    expect(r?.why).toBe('more than 1 new calls per second (limits.attemptsPerSecondPerUser)');
    expect(r?.retryAfter).toBe(1);
    t += 1000;
    expect(l.admit('user:b@x')).toBeUndefined();
    expect(l.admit('user:b@x')).toBeDefined();
  });
});

describe('an XMPP-originated call to a denied callee', () => {
  it('is refused with forbidden and the rule in <text>; no INVITE, no gather window', () => {
    const xml = read('jingle-xep/xep0320-ex01-initiate-fingerprint.xml').replace(
      "to='juliet@capulet.lit/balcony'",
      "to='+19005551234@gw.localhost'",
    );
    const { call, effects } = XmppCall.start(iqOf(xml), context());
    expect(kinds(effects)).toBe('iq-error, ended');
    const e = one(effects, 'iq-error');
    expect(e.condition).toBe('forbidden');
    expect(e.text).toMatch(/\+19005551234 is not allowed: NANP premium/);
    expect(call.ended).toBe(true);
  });
});

describe('inbound routing: which XMPP user a SIP call rings', () => {
  const ctxWith = (routing: object = {}, xmpp: object = {}) => {
    const c = context();
    c.config.routing = { inbound: [], unmatched: 'map', outbound: [], ...routing };
    c.config.xmpp = { ...c.config.xmpp, ...xmpp };
    return c;
  };

  it("a trunk's DID in To (Request-URI = our contact) rings the routed user", () => {
    const c = ctxWith({ inbound: [{ match: /^\+15557770000$/, jid: 'alice@localhost' }] });
    expect(
      inboundCallee('sip:gw@127.0.0.1:5060', 'sip:+1 555 777 0000@trunk.example.net', c.config, c.address),
    ).toBe('alice@localhost');
    expect(inboundCallee('sip:+15557770000@127.0.0.1', undefined, c.config, c.address)).toBe(
      'alice@localhost',
    );
  });

  it('unmatched: map by address, at a served domain only; reject → an address error (404)', () => {
    const c = ctxWith();
    expect(inboundCallee('sip:bob@127.0.0.1', undefined, c.config, c.address)).toBe('bob@localhost');
    expect(() => inboundCallee('sip:juliet@capulet.lit', undefined, c.config, c.address)).toThrow(
      /the XMPP domain capulet\.lit is not served by this gateway/,
    );
    const open = ctxWith({}, { allowedDomains: ['localhost', 'capulet.lit'] });
    expect(inboundCallee('sip:juliet@capulet.lit', undefined, open.config, open.address)).toBe(
      'juliet@capulet.lit',
    );
    const strict = ctxWith({ unmatched: 'reject' });
    expect(() => inboundCallee('sip:bob@127.0.0.1', undefined, strict.config, strict.address)).toThrow(
      /no inbound route/,
    );
  });

  it('an INVITE to an unserved domain gets 404 with a Warning, and nobody is rung', () => {
    const invite = sip('captured/baresip-1.0.0-invite-plain.sip') as SipRequest;
    const { call, effects } = SipCall.start({ ...invite, uri: 'sip:juliet@capulet.lit' }, 'sid9', context());
    expect(call).toBeUndefined();
    const reject = one(effects, 'sip-reject');
    expect(reject.status).toBe(404);
    expect(reject.headers[0]!.value).toMatch(/not served by this gateway/);
  });
});

describe('policy.callers: which XMPP users may call which numbers', () => {
  const callers: PolicyConfig['callers'] = [
    { from: 'boss@example.net', allowNumbers: [{ match: /^\+44/, why: 'UK office' }] },
    { from: 'example.net', numbers: [/^\+1555123/] },
    { from: '*.example.org' },
  ];
  const p: PolicyConfig = { ...none, callers };

  it('a rule may narrow the numbers a caller reaches', () => {
    expect(denial('+15551230000@gw.localhost', p, 'alice@example.net')).toBeUndefined();
    const d = denial('+15559990000@gw.localhost', p, 'alice@example.net');
    expect(d?.rule).toBe('policy.callers[1].numbers');
    expect(d?.text).toBe('alice@example.net may not call +15559990000 (policy.callers)');
  });

  it("a rule's allowNumbers opens a denied range for its callers only", () => {
    expect(denial('+442071234567@gw.localhost', p, 'BOSS@example.net')).toBeUndefined();
    expect(denial('+442071234567@gw.localhost', p, 'x@sub.example.org')?.rule).toMatch(/^mappings/);
  });

  it('with rules, a caller no rule matches may not call; without rules everyone may', () => {
    const d = denial('+15551230000@gw.localhost', p, 'mallory@evil.example');
    expect(d?.rule).toBe('policy.callers');
    expect(denial('+15551230000@gw.localhost', p, 'a@example.org.evil.example')?.rule).toBe('policy.callers');
    expect(denial('+15551230000@gw.localhost', none, 'mallory@evil.example')).toBeUndefined();
  });

  it('the XMPP-originated call is refused with forbidden before any INVITE', () => {
    const c = context();
    c.config.policy = p;
    const xml = read('jingle-xep/xep0320-ex01-initiate-fingerprint.xml').replace(
      "to='juliet@capulet.lit/balcony'",
      "to='+15551230000@gw.localhost'",
    );
    const { effects } = XmppCall.start(iqOf(xml), c);
    expect(kinds(effects)).toBe('iq-error, ended');
    expect(one(effects, 'iq-error').text).toMatch(
      /may not place calls through this gateway \(policy\.callers\)/,
    );
  });
});

describe('policy.sources: which SIP sources may ring which XMPP users', () => {
  const invite = sip('captured/baresip-1.0.0-invite-plain.sip') as SipRequest;
  const withSources = (sources: PolicyConfig['sources']) => {
    const c = context();
    c.config.policy = { ...none, sources };
    return c;
  };
  const sources: PolicyConfig['sources'] = [
    { from: ['192.0.2.0/24'], jids: ['alice@localhost', 'sales.example.net'] },
  ];

  it('a source may ring only its users: 403 with a Warning otherwise, nobody rung', () => {
    const c = withSources(sources);
    const denied = SipCall.start({ ...invite, uri: 'sip:bob@127.0.0.1' }, 's1', c, '192.0.2.7');
    expect(denied.call).toBeUndefined();
    const reject = one(denied.effects, 'sip-reject');
    expect(reject.status).toBe(403);
    expect(reject.headers[0]!.value).toMatch(
      /calls from 192\.0\.2\.7 may not ring bob@localhost \(policy\.sources\)/,
    );
    const ok = SipCall.start({ ...invite, uri: 'sip:alice@127.0.0.1' }, 's2', c, '192.0.2.7');
    expect(ok.call).toBeDefined();
  });

  it('a source no rule matches rings whoever the routing gives', () => {
    const ok = SipCall.start(
      { ...invite, uri: 'sip:bob@127.0.0.1' },
      's3',
      withSources(sources),
      '198.51.100.1',
    );
    expect(ok.call).toBeDefined();
  });
});

describe('routing.outbound: number routes in the configuration, with media per route', () => {
  it('are tried before mappings/address-rules.yaml and pick the trunk and the media policy', () => {
    const config = parseConfig(
      [
        'xmpp: { service: "xmpp://127.0.0.1:5347", domain: gw.localhost, secret: s }',
        'sip: { listen: ["udp://127.0.0.1:5060"], outbound: "sip:127.0.0.1:5090" }',
        'media: { rtpengine: "udp://127.0.0.1:22222" }',
        'routing:',
        '  outbound:',
        "    - { match: '^\\+1555', trunk: 'sip:trunk.example.net:5070', strip: 2, prepend: '9', media: { anchor: always, offer: [sdes] } }",
      ].join('\n'),
      'test.yaml',
    );
    const address = addressContext(config, tables);
    const uri = jidToSipUri('+15551230000@gw.localhost', address);
    expect(uri).toBe('sip:95551230000@trunk.example.net:5070');
    expect(mediaPolicy(config, uri)).toMatchObject({ mode: 'always', offer: ['sdes'] });
    expect(jidToSipUri('+12125550000@gw.localhost', address)).toBe('sip:+12125550000@127.0.0.1:5090');
    expect(mediaPolicy(config, 'sip:+12125550000@127.0.0.1:5090')).toMatchObject({ mode: 'auto' });
  });

  it("anchor 'always' on a route without media.rtpengine is an error with its path", () => {
    expect(() =>
      parseConfig(
        [
          'xmpp: { service: "xmpp://127.0.0.1:5347", domain: gw.localhost, secret: s }',
          'sip: { listen: ["udp://127.0.0.1:5060"], outbound: "sip:127.0.0.1:5090" }',
          "routing: { outbound: [{ match: '^1', trunk: 'sip:t.example.net', media: { anchor: always } }] }",
        ].join('\n'),
        'test.yaml',
      ),
    ).toThrow(/routing\.outbound\[0\]\.media\.anchor: anchor 'always' needs media\.rtpengine/);
  });
});
