/**
 * The XMPP leg's pure parts, without sockets: backoff, wire masking, XEP-0115 hashing, XEP-0100
 * mapping, the IQ router's answers, stanza errors, presence, and the configuration keys.
 */
import { addressContext } from '../../src/config/address-context';
import { defaultConfig, parseConfig } from '../../src/config/config';
import { backoffDelay } from '../../src/xmpp/connection/backoff';
import { tables } from '../support/tables';
import {
  capsVer,
  discoInfoQuery,
  featuresOf,
  identitiesOf,
  CAPS_NODE,
  CAPS_VER,
} from '../../src/xmpp/routing/disco';
import { errorElement, parseErrorElement, resolveError } from '../../src/xmpp/stanza/errors';
import { promptToJid } from '../../src/xmpp/routing/gateway';
import { xmppOptions } from '../../src/xmpp/connection/options';
import { PresenceTracker, presenceReplies } from '../../src/xmpp/presence/presence';
import { answerIq, type RouterContext } from '../../src/xmpp/routing/router';
import { maskWire } from '../../src/xmpp/connection/wire';
import { ownString, treeSize, xml, type XmlElement } from '../../src/xmpp/stanza/xml';
import { parseJingleXml } from '../../src/jingle';
import * as fc from 'fast-check';
import { parse } from 'ltx';

describe('backoff with jitter', () => {
  const o = { initialDelayMs: 200, maxDelayMs: 30_000 };
  it('doubles up to the ceiling, waiting between half and all of it', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, o, () => 1))).toEqual([200, 400, 800, 1600]);
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, o, () => 0))).toEqual([100, 200, 400, 800]);
    expect(backoffDelay(50, o, () => 1)).toBe(30_000);
    expect(backoffDelay(1000, o, () => 0.5)).toBe(22_500);
  });
});

describe('wire masking', () => {
  it('hides the handshake digest and the secret', () => {
    expect(maskWire('<handshake>0123456789abcdef0123456789abcdef01234567</handshake>', 's3cret')).toBe(
      '<handshake>***</handshake>',
    );
    expect(maskWire('<x>s3cret and s3cret</x>', 's3cret')).toBe('<x>*** and ***</x>');
    expect(maskWire('<handshake/>', '')).toBe('<handshake/>');
  });
});

describe('XEP-0115 caps', () => {
  it('computes the XEP-0115 §5.2 example', () => {
    const ver = capsVer(
      [{ category: 'client', type: 'pc', name: 'Exodus 0.9.1' }],
      [
        'http://jabber.org/protocol/caps',
        'http://jabber.org/protocol/disco#info',
        'http://jabber.org/protocol/disco#items',
        'http://jabber.org/protocol/muc',
      ],
    );
    expect(ver).toBe('QgayPKawpkPSDYmwT/WM94uAlu0=');
  });

  it('reads identities and features back from an answer, and hashes them to our ver', () => {
    const q = discoInfoQuery() as XmlElement;
    expect(capsVer(identitiesOf(q), featuresOf(q))).toBe(CAPS_VER);
  });

  it('answers the node#ver and nothing else', () => {
    expect(discoInfoQuery(`${CAPS_NODE}#${CAPS_VER}`)).toBeDefined();
    expect(discoInfoQuery('other')).toBeUndefined();
  });
});

describe('XEP-0100 prompt → JID', () => {
  const ctx = addressContext(defaultConfig(), tables);
  it.each([
    ['+1 555 123 4567', '+15551234567@gw.localhost'],
    ['tel:+15551234567', '+15551234567@gw.localhost'],
    ['juliet@capulet.lit', 'juliet\\40capulet.lit@gw.localhost'],
    ['sip:juliet@capulet.lit', 'juliet\\40capulet.lit@gw.localhost'],
    ['sip:alice@gw.localhost', 'alice@gw.localhost'],
    ['alice', 'alice@gw.localhost'],
    ["o'hara@pbx.example.org", 'o\\27hara\\40pbx.example.org@gw.localhost'],
  ])('%s → %s', (input, jid) => expect(promptToJid(input, ctx)).toBe(jid));

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['a bare scheme', 'sip:'],
    ['no host', 'juliet@'],
    ['2000 characters', 'x'.repeat(2000)],
  ])('refuses %s with a reason', (_what, input) => {
    expect(() => promptToJid(input, ctx)).toThrow(/translate: /);
  });
});

describe('stanza errors', () => {
  it('pairs each Jingle condition with its stanza condition and type (XEP-0166 §10)', () => {
    expect(resolveError({ jingleCondition: 'unknown-session' })).toEqual({
      condition: 'item-not-found',
      type: 'cancel',
    });
    expect(resolveError({ jingleCondition: 'out-of-order' })).toEqual({
      condition: 'unexpected-request',
      type: 'wait',
    });
    expect(resolveError({ jingleCondition: 'tie-break' })).toEqual({ condition: 'conflict', type: 'cancel' });
    expect(resolveError({ jingleCondition: 'unsupported-info' })).toEqual({
      condition: 'feature-not-implemented',
      type: 'modify',
    });
    expect(resolveError({ condition: 'forbidden' })).toEqual({ condition: 'forbidden', type: 'auth' });
  });

  it('writes and reads back an error element', () => {
    const el = errorElement({ jingleCondition: 'out-of-order', text: 'not now' });
    expect(el.toString()).toBe(
      '<error type="wait"><unexpected-request xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/><out-of-order xmlns="urn:xmpp:jingle:errors:1"/><text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">not now</text></error>',
    );
    expect(parseErrorElement(el)).toEqual({
      condition: 'unexpected-request',
      type: 'wait',
      jingleCondition: 'out-of-order',
      text: 'not now',
    });
    expect(parseErrorElement(undefined)).toEqual({ condition: 'undefined-condition', type: 'cancel' });
  });
});

describe('ownString (a kept value copied out of its socket chunk)', () => {
  it('returns an equal string for any UTF-16 text, lone surrogates and astral characters too', () => {
    for (const s of [
      '',
      'short',
      'juliet@capulet.lit/balcony',
      'ромео@montague.lit/сад',
      'a\uD800b-lone-surrogate',
    ])
      expect(ownString(s)).toBe(s);
    // Any UTF-16 code unit, lone surrogates included (a UTF-8 round trip fails this).
    const unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    fc.assert(fc.property(fc.string({ unit, maxLength: 300, size: 'max' }), (s) => ownString(s) === s));
  });

  it('copies attribute values and text as ltx parses them, entities and all', () => {
    // A proceed addressed as in XEP-0353's examples, with a XEP-0172 nick holding entities
    // (ltx refuses a character reference to a lone surrogate, so none comes from a stanza).
    const el = parse(
      "<message from='juliet@capulet.example/phone' to='romeo@montague.example/orchard' type='chat'>" +
        "<proceed xmlns='urn:xmpp:jingle-message:0' id='ca3cf894-5325-482f-a412-a6e9f832298d'/>" +
        "<nick xmlns='http://jabber.org/protocol/nick'>Juliet &amp; &#x1F339;</nick></message>",
    );
    expect(ownString(el.attrs.from as string)).toBe('juliet@capulet.example/phone');
    expect(ownString(el.getChildElements()[0]?.attrs.id as string)).toBe(
      'ca3cf894-5325-482f-a412-a6e9f832298d',
    );
    expect(ownString(el.getChildText('nick', 'http://jabber.org/protocol/nick') ?? '')).toBe(
      'Juliet & \u{1F339}',
    );
  });
});

describe('IQ router (no sockets)', () => {
  const config = defaultConfig();
  const base: RouterContext = {
    domain: 'gw.localhost',
    allowedDomains: ['localhost'],
    address: addressContext(config, tables),
    hashes: tables.hashes,
    version: 't',
  };
  const iq = (type: string, to: string, ...children: XmlElement[]): XmlElement =>
    xml('iq', { type, to, from: 'alice@localhost/x', id: 'i1' }, ...children);
  const errOf = (a: unknown): unknown => (a as { error: unknown }).error;

  it('answers every get/set: no child, two children, no from, foreign domain', async () => {
    expect(errOf(await answerIq(iq('get', 'gw.localhost'), base))).toMatchObject({
      condition: 'bad-request',
    });
    expect(errOf(await answerIq(iq('get', 'gw.localhost', xml('a'), xml('b')), base))).toMatchObject({
      condition: 'bad-request',
    });
    const noFrom = xml(
      'iq',
      { type: 'get', to: 'gw.localhost', id: 'x' },
      xml('ping', { xmlns: 'urn:xmpp:ping' }),
    );
    expect(errOf(await answerIq(noFrom, base))).toMatchObject({
      condition: 'bad-request',
      text: 'no from address',
    });
    expect(
      errOf(await answerIq(iq('get', 'elsewhere.example', xml('ping', { xmlns: 'urn:xmpp:ping' })), base)),
    ).toMatchObject({ condition: 'item-not-found' });
  });

  it('sends Jingle to the handler only when it parses; spoofing rule on session-initiate', async () => {
    const seen: string[] = [];
    const ctx: RouterContext = { ...base, handler: { onJingle: (j) => (seen.push(j.jingle.action), 'ok') } };
    const jingle = (attrs: Record<string, string>): XmlElement =>
      xml('jingle', { xmlns: 'urn:xmpp:jingle:1', ...attrs });
    expect(
      await answerIq(iq('set', '+1555@gw.localhost', jingle({ action: 'session-terminate', sid: 's' })), ctx),
    ).toBe(true);
    expect(
      errOf(await answerIq(iq('set', '+1555@gw.localhost', jingle({ action: 'session-terminate' })), ctx)),
    ).toMatchObject({
      condition: 'bad-request',
      text: expect.stringMatching(/^jingle: .*sid/),
    });
    const evil = xml(
      'iq',
      { type: 'set', to: '+1555@gw.localhost', from: 'eve@evil.example/x', id: 'e' },
      jingle({ action: 'session-initiate', sid: 's2' }),
    );
    expect(errOf(await answerIq(evil, ctx))).toMatchObject({ condition: 'forbidden' });
    // Other actions from any domain reach the handler (a SIP call may ring a user elsewhere).
    const remoteAccept = xml(
      'iq',
      { type: 'set', to: '+1555@gw.localhost', from: 'eve@evil.example/x', id: 'e' },
      jingle({ action: 'session-terminate', sid: 's3' }),
    );
    expect(await answerIq(remoteAccept, ctx)).toBe(true);
    expect(seen).toEqual(['session-terminate', 'session-terminate']);
    expect(
      errOf(
        await answerIq(
          iq('set', '+1555@gw.localhost', jingle({ action: 'session-terminate', sid: 's' })),
          base,
        ),
      ),
    ).toMatchObject({
      condition: 'service-unavailable',
    });
  });

  it('refuses an oversized Jingle before parsing it', async () => {
    const big = xml('jingle', { xmlns: 'urn:xmpp:jingle:1', action: 'session-initiate', sid: 's' });
    let el = big;
    for (let i = 0; i < 200; i++) {
      const c = xml('x');
      el.cnode(c);
      el = c;
    }
    expect(errOf(await answerIq(iq('set', '+1555@gw.localhost', big), base))).toMatchObject({
      condition: 'bad-request',
      text: expect.stringMatching(/too large/),
    });
  });

  it('holds a Jingle from the network to the bounds of the CLI input: attributes, bytes (src/jingle/limits.ts)', async () => {
    const received: string[] = [];
    const ctx: RouterContext = {
      ...base,
      handler: { onJingle: (j) => (received.push(j.jingle.sid), 'ok') },
    };
    // A session-terminate the model takes: it reaches the handler.
    const ok = (): XmlElement =>
      xml(
        'jingle',
        { xmlns: 'urn:xmpp:jingle:1', action: 'session-terminate', sid: 's1' },
        xml('reason', {}, xml('success')),
      );
    expect(await answerIq(iq('set', '+1555@gw.localhost', ok()), ctx)).toBe(true);
    expect(received).toEqual(['s1']);
    // The same with one element of 65 attributes (src/jingle/xml.ts: MAX_XML_ATTRIBUTES = 64), and
    // with 300 kB of text in 1,000-character pieces (MAX_XML_BYTES = 256 kB): each within the
    // model's other bounds, each refused as the CLI's text parser refuses it.
    const manyAttrs = ok();
    const reason = manyAttrs.getChild('reason')!;
    for (let i = 0; i < 65; i++) reason.attrs[`a${i}`] = 'v';
    const huge = ok();
    for (let i = 0; i < 300; i++) huge.getChild('reason')!.cnode(xml('text', {}, 'x'.repeat(1000)));
    for (const [jingle, bound] of [
      [manyAttrs, /more than 64 attributes/],
      [huge, /larger than 262144 bytes/],
    ] as const) {
      expect(errOf(await answerIq(iq('set', '+1555@gw.localhost', jingle), ctx))).toMatchObject({
        condition: 'bad-request',
        text: expect.stringMatching(bound),
      });
      expect(() => parseJingleXml(jingle.toString(), tables.hashes)).toThrow(bound);
    }
    expect(received).toEqual(['s1']);
  });

  it('measures a Jingle 100,000 levels deep without overflowing the stack (found by test/fuzz)', async () => {
    const big = xml('jingle', { xmlns: 'urn:xmpp:jingle:1', action: 'session-initiate', sid: 's' });
    let el = big;
    for (let i = 0; i < 100_000; i++) {
      const c = xml('x');
      el.children.push(c);
      c.parent = el;
      el = c;
    }
    expect(treeSize(big)).toEqual({ elements: 100_001, depth: 100_001 });
    expect(treeSize(big, { elements: 10, depth: 40 })).toEqual({ elements: 11, depth: 11 });
    expect(errOf(await answerIq(iq('set', '+1555@gw.localhost', big), base))).toMatchObject({
      condition: 'bad-request',
      text: expect.stringMatching(/too large/),
    });
  });
});

describe('presence', () => {
  it('approves subscriptions from allowed domains and refuses others', () => {
    const ok = presenceReplies({
      type: 'subscribe',
      from: 'alice@localhost/x',
      to: '+1555@gw.localhost',
      allowed: true,
      resource: 'sip',
    });
    expect(ok.map((p) => `${p.attrs.type ?? 'available'} ${p.attrs.from}`)).toEqual([
      'subscribed +1555@gw.localhost',
      'subscribe +1555@gw.localhost',
      'available +1555@gw.localhost/sip',
    ]);
    const no = presenceReplies({
      type: 'subscribe',
      from: 'eve@evil/x',
      to: '+1555@gw.localhost',
      allowed: false,
      resource: 'sip',
    });
    expect(no.map((p) => p.attrs.type)).toEqual(['unsubscribed']);
    expect(
      presenceReplies({
        type: 'probe',
        from: 'alice@localhost',
        to: '+1555@gw.localhost',
        allowed: true,
        resource: 'sip',
      }),
    ).toHaveLength(1);
  });

  it('routes to JMI unless every known device lacks it', () => {
    const t = new PresenceTracker();
    expect(t.route('bob@x')).toEqual({ kind: 'jmi' });
    expect(t.available('bob@x/a', { node: 'n', ver: 'v1', hash: 'sha-1' })).toBe(true);
    expect(t.route('bob@x')).toEqual({ kind: 'jmi' }); // features not known yet
    t.learnFeatures('v1', ['urn:xmpp:jingle:1', 'urn:xmpp:jingle:apps:rtp:1']);
    expect(t.route('bob@x')).toEqual({ kind: 'direct', to: ['bob@x/a'] });
    t.available('bob@x/b', { node: 'n', ver: 'v2', hash: 'sha-1' });
    t.learnFeatures('v2', ['urn:xmpp:jingle:1', 'urn:xmpp:jingle-message:0']);
    expect(t.route('bob@x')).toEqual({ kind: 'jmi' });
    t.unavailable('bob@x/b');
    expect(t.route('bob@x').kind).toBe('direct');
    t.unavailable('bob@x');
    expect(t.devicesOf('bob@x')).toEqual([]);
  });

  it('keeps unverified features per device, never for the whole ver', () => {
    const t = new PresenceTracker();
    t.available('eve@x/a', { node: 'n', ver: 'popular', hash: 'sha-1' });
    t.available('bob@x/b', { node: 'n', ver: 'popular', hash: 'sha-1' });
    t.learnDeviceFeatures('eve@x/a', ['urn:xmpp:jingle:1', 'urn:xmpp:jingle:apps:rtp:1']);
    expect(t.route('eve@x').kind).toBe('direct');
    expect(t.route('bob@x')).toEqual({ kind: 'jmi' });
  });
});

describe('configuration keys under xmpp:', () => {
  const base = `xmpp: { service: 'xmpp://127.0.0.1:5347', domain: gw.localhost, secret: s }
sip: { listen: ['udp://127.0.0.1:5060'], outbound: 'sip:127.0.0.1:5090' }
`;
  it('resolves defaults in src/xmpp, not in the schema', () => {
    const c = parseConfig(base, 't.yaml');
    expect(c.xmpp).not.toHaveProperty('allowedDomains');
    expect(xmppOptions(c)).toMatchObject({
      allowedDomains: ['localhost'],
      reconnect: { initialDelayMs: 200, maxDelayMs: 30_000 },
      keepalive: { intervalMs: 30_000, timeoutMs: 10_000, target: 'localhost' },
      iqTimeoutMs: 10_000,
      debugWire: false,
    });
  });

  it('takes every key', () => {
    const c = parseConfig(
      base.replace(
        'secret: s }',
        'secret: s, allowedDomains: [example.org, Example.net], reconnect: { initialDelayMs: 50, maxDelayMs: 5000 }, keepalive: { intervalSeconds: 0, timeoutSeconds: 2, target: example.org }, iqTimeoutSeconds: 4, debugWire: true }',
      ),
      't.yaml',
    );
    expect(xmppOptions(c)).toMatchObject({
      allowedDomains: ['example.org', 'example.net'],
      reconnect: { initialDelayMs: 50, maxDelayMs: 5000 },
      keepalive: { intervalMs: 0, timeoutMs: 2000, target: 'example.org' },
      iqTimeoutMs: 4000,
      debugWire: true,
    });
  });

  it.each([
    ['allowedDomains: []', 'xmpp.allowedDomains: at least one domain'],
    ['allowedDomains: ["bad domain"]', 'xmpp.allowedDomains[0]: not a host name or IP address'],
    ['reconnect: { initialDelayMs: 1 }', 'xmpp.reconnect.initialDelayMs'],
    ['keepalive: { every: 3 }', 'xmpp.keepalive.every: unknown key'],
    ['debugWire: yes please', 'xmpp.debugWire'],
  ])('refuses %s', (key, where) => {
    expect(() => parseConfig(base.replace('secret: s }', `secret: s, ${key} }`), 't.yaml')).toThrow(where);
  });
});
