import { tables } from '../support/tables';
import { InputError } from '../../src/errors';
import {
  type AddressContext,
  bareJid,
  callerJidToSipFrom,
  encodeSipUser,
  escapeLocal,
  formatJid,
  jidToSipUri,
  normaliseNumber,
  parseJid,
  sipCallerToJid,
  sipUriToJid,
  splitSipUri,
  unescapeLocal,
} from '../../src/translate/address';

const rules = tables.addressRules;
const ctx: AddressContext = {
  gatewayDomain: 'sip.example.net',
  sipHost: '192.0.2.10',
  outbound: 'sip:proxy.example.net:5090;transport=tcp',
  xmppDefaultDomain: 'example.net',
  fromStyle: 'escaped',
  rules: {
    ...rules,
    routes: [
      { match: /^\+44/, trunk: 'sip:uk-trunk.example.net:5060', strip: 0, prepend: '' },
      { match: /^00/, trunk: 'sips:intl.example.net', strip: 2, prepend: '+' },
    ],
  },
};

/** The `address <a>` InputError thrown by fn. */
function addressError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('XEP-0106 escaping', () => {
  // XEP-0106 §5.1, table "JID Examples": user input → escaped localpart.
  it.each([
    ['space cadet', 'space\\20cadet'],
    ['call me "ishmael"', 'call\\20me\\20\\22ishmael\\22'],
    ['at&t guy', 'at\\26t\\20guy'],
    ["d'artagnan", 'd\\27artagnan'],
    ['/.fanboy', '\\2f.fanboy'],
    ['::foo::', '\\3a\\3afoo\\3a\\3a'],
    ['<foo>', '\\3cfoo\\3e'],
    ['user@host', 'user\\40host'],
    ['c:\\net', 'c\\3a\\net'],
    ['c:\\\\net', 'c\\3a\\\\net'],
    ['c:\\cool stuff', 'c\\3a\\cool\\20stuff'],
    ['c:\\5commas', 'c\\3a\\5c5commas'],
    ['call\\20me', 'call\\5c20me'],
    ['tréville@musketeers.lit', 'tréville\\40musketeers.lit'],
    // §4.3: a backslash that starts an escape sequence is escaped itself
    ['\\3and\\2is\\5cool', '\\5c3and\\2is\\5c5cool'],
  ])('%p ⇄ %p', (unescaped, escaped) => {
    expect(escapeLocal(unescaped)).toBe(escaped);
    expect(unescapeLocal(escaped)).toBe(unescaped);
  });

  // XEP-0106 §4.4: partial and invalid sequences are left alone both ways.
  it.each(['\\2plus\\2is\\4', 'foo\\bar', 'foob\\41r', 'upper\\2F', 'plain'])('%p is unchanged', (s) => {
    expect(escapeLocal(s)).toBe(s);
    expect(unescapeLocal(s)).toBe(s);
  });

  it('refuses \\20 at the start or end (§4.2)', () => {
    expect(addressError(() => escapeLocal(' lead')).where).toBe('address  lead');
    expect(() => escapeLocal('trail ')).toThrow(InputError);
  });

  it('round-trips every disallowed character', () => {
    const s = 'a "&\'/:<>@\\20\\5c b';
    expect(unescapeLocal(escapeLocal(s))).toBe(s);
    expect(escapeLocal(s)).not.toMatch(/[ "&'/:<>@]/);
  });
});

describe('parseJid / formatJid', () => {
  it('splits local, domain and resource', () => {
    expect(parseJid('romeo@montague.lit/orchard')).toEqual({
      local: 'romeo',
      domain: 'montague.lit',
      resource: 'orchard',
    });
    expect(parseJid('montague.lit')).toEqual({ domain: 'montague.lit' });
    expect(parseJid('a@b/c/d@e')).toEqual({ local: 'a', domain: 'b', resource: 'c/d@e' });
    expect(parseJid('x@[::1]')).toEqual({ local: 'x', domain: '[::1]' });
    expect(parseJid('x@example.com.')).toEqual({ local: 'x', domain: 'example.com' });
    expect(parseJid('alice\\40pbx.example.org@sip.example.net').local).toBe('alice\\40pbx.example.org');
    expect(formatJid(parseJid('a@b/c'))).toBe('a@b/c');
    expect(bareJid('romeo@montague.lit/orchard')).toBe('romeo@montague.lit');
  });

  it.each([
    ['', 'empty domain'],
    ['@example.com', 'empty local part'],
    ['a@', 'empty domain'],
    ['a@b/', 'empty resource'],
    ['a b@example.com', 'forbidden character in local part'],
    ["o'hara@example.com", 'forbidden character in local part'],
    ['a@b@c', 'forbidden character in domain'],
    ['a@exa mple.com', 'forbidden character in domain'],
    ['a@[zz]', 'bad IPv6 literal'],
    ['a@b/\u0007', 'control character in resource'],
    [`${'x'.repeat(1024)}@example.com`, 'local part longer than 1023 bytes'],
    [`x@example.com/${'é'.repeat(512)}`, 'resource longer than 1023 bytes'],
  ])('rejects %p: %s', (jid, detail) => {
    const e = addressError(() => parseJid(jid));
    expect(e.domain).toBe('translate');
    expect(e.where).toBe(`address ${jid}`);
    expect(e.detail).toBe(detail);
  });
});

describe('numbers and SIP URI pieces', () => {
  it('normalises E.164-looking numbers', () => {
    expect(normaliseNumber('+1 (555) 123-4567', rules)).toBe('+15551234567');
    expect(normaliseNumber('555.1234', rules)).toBe('5551234');
    expect(normaliseNumber('12', rules)).toBeUndefined();
    expect(normaliseNumber('+1234567890123456', rules)).toBeUndefined();
    expect(normaliseNumber('alice', rules)).toBeUndefined();
  });

  it('percent-encodes SIP users per RFC 3261 §25.1', () => {
    expect(encodeSipUser('romeo@montague.lit')).toBe('romeo%40montague.lit');
    expect(encodeSipUser("o'hara+1&x=y$,!~*()_-.")).toBe("o'hara+1&x=y$,!~*()_-.");
    expect(encodeSipUser('a b;c?d/e:f%')).toBe('a%20b%3Bc%3Fd%2Fe%3Af%25');
    expect(encodeSipUser('tréville')).toBe('tr%C3%A9ville');
  });

  it('splits sip:, sips: and tel: URIs', () => {
    expect(splitSipUri('sip:alice:pw@[2001:db8::1]:5061;transport=tls;lr?subject=hi')).toEqual({
      scheme: 'sip',
      user: 'alice',
      password: 'pw',
      host: '[2001:db8::1]',
      port: 5061,
      params: { transport: 'tls', lr: true },
      headers: { subject: 'hi' },
    });
    expect(splitSipUri('tel:+1-555-1234;phone-context=example.com')).toMatchObject({
      scheme: 'tel',
      user: '+1-555-1234',
      host: '',
    });
    expect(() => splitSipUri('http://example.com')).toThrow(InputError);
    expect(() => splitSipUri('sip:a@host:99999')).toThrow(InputError);
  });
});

describe('XMPP → SIP (docs/design.md §Addressing)', () => {
  it.each([
    ['+15551234567@sip.example.net', 'sip:+15551234567@proxy.example.net:5090;transport=tcp'],
    ['+1\\20(555)\\20123-4567@sip.example.net/res', 'sip:+15551234567@proxy.example.net:5090;transport=tcp'],
    ['+442071234567@sip.example.net', 'sip:+442071234567@uk-trunk.example.net:5060'],
    ['0049301234567@sip.example.net', 'sips:+49301234567@intl.example.net'],
    ['alice\\40pbx.example.org@sip.example.net', 'sip:alice@pbx.example.org'],
    ['alice\\40pbx.example.org\\3a5070@sip.example.net', 'sip:alice@pbx.example.org:5070'],
    ['d\\27artagnan\\20x\\40musketeers.lit@sip.example.net', "sip:d'artagnan%20x@musketeers.lit"],
    ['alice@SIP.example.net', 'sip:alice@proxy.example.net:5090;transport=tcp'],
  ])('callee %s → %s', (jid, uri) => {
    expect(jidToSipUri(jid, ctx)).toBe(uri);
  });

  it.each([
    ['bob@elsewhere.example', 'not at the gateway domain'],
    ['sip.example.net', 'no local part: nobody to call'],
    ['\\40pbx.example.org@sip.example.net', 'empty user before @'],
    ['alice\\40bad\\20host@sip.example.net', 'forbidden character in domain'],
  ])('refuses callee %s: %s', (jid, detail) => {
    expect(addressError(() => jidToSipUri(jid, ctx)).detail).toBe(detail);
  });

  it('writes the caller From: escaped or direct, resource dropped', () => {
    expect(callerJidToSipFrom('romeo@montague.lit/orchard', ctx)).toBe(
      'sip:romeo%40montague.lit@sip.example.net',
    );
    expect(callerJidToSipFrom('romeo@montague.lit/orchard', ctx, 'direct')).toBe('sip:romeo@montague.lit');
    expect(callerJidToSipFrom('d\\27artagnan@musketeers.lit', { ...ctx, fromStyle: 'direct' })).toBe(
      "sip:d'artagnan@musketeers.lit",
    );
    expect(callerJidToSipFrom('tr\u00e9ville@musketeers.lit', ctx)).toBe(
      'sip:tr%C3%A9ville%40musketeers.lit@sip.example.net',
    );
    expect(() => callerJidToSipFrom('montague.lit', ctx)).toThrow(InputError);
  });
});

describe('SIP → XMPP', () => {
  it.each([
    ['sip:juliet@capulet.lit', 'juliet@capulet.lit'],
    ['sip:juliet%40capulet.lit@sip.example.net', 'juliet@capulet.lit'],
    ['sip:juliet%40capulet.lit@192.0.2.10:5060;transport=udp', 'juliet@capulet.lit'],
    ['sip:alice@192.0.2.10', 'alice@example.net'],
    ['sip:alice@sip.example.net', 'alice@example.net'],
    ["sip:o'hara%40capulet.lit@sip.example.net", 'o\\27hara@capulet.lit'],
    ['sip:space%20cadet@capulet.lit', 'space\\20cadet@capulet.lit'],
    ['tel:+1-555-1234', '+15551234@example.net'],
  ])('callee %s → %s', (uri, jid) => {
    expect(sipUriToJid(uri, ctx)).toBe(jid);
  });

  it('round-trips the escaped From: of an XMPP caller', () => {
    for (const jid of ['romeo@montague.lit', 'd\\27artagnan@musketeers.lit', 'tréville@musketeers.lit']) {
      expect(sipUriToJid(callerJidToSipFrom(jid, ctx), ctx)).toBe(jid);
    }
  });

  it.each([
    ['sip:+15551234@trunk.example.com', '+15551234@sip.example.net'],
    ['sip:+15551234@trunk.example.com;user=phone', '+15551234@sip.example.net'],
    ['tel:+1-555-1234', '+15551234@sip.example.net'],
    ['sip:bob@pbx.example.org', 'bob\\40pbx.example.org@sip.example.net'],
    ['sip:alice@192.0.2.10', 'alice@sip.example.net'],
    ['sip:anonymous@anonymous.invalid', 'anonymous\\40anonymous.invalid@sip.example.net'],
    ["sip:o'hara@pbx.example.org", 'o\\27hara\\40pbx.example.org@sip.example.net'],
  ])('caller %s → %s', (uri, jid) => {
    expect(sipCallerToJid(uri, ctx)).toBe(jid);
  });

  it('round-trips a SIP caller through the gateway back to the same SIP URI', () => {
    expect(jidToSipUri(sipCallerToJid('sip:bob@pbx.example.org', ctx), ctx)).toBe('sip:bob@pbx.example.org');
  });

  it.each([
    ['sip:capulet.lit', 'no user part'],
    ['sip:bad%zz@capulet.lit', 'bad percent-encoding in user part'],
    ['sip:%20lead@capulet.lit', 'space at the start or end (XEP-0106 §4.2)'],
    ['sip:a%0Ab@capulet.lit', 'maps to an invalid JID a\nb@capulet.lit: forbidden character in local part'],
    ['mailto:juliet@capulet.lit', 'not a sip:, sips: or tel: URI'],
  ])('refuses callee %s: %s', (uri, detail) => {
    expect(addressError(() => sipUriToJid(uri, ctx)).detail).toBe(detail);
  });

  it('refuses a caller without a user or a tel: without a number', () => {
    expect(() => sipCallerToJid('sip:pbx.example.org', ctx)).toThrow(InputError);
    expect(() => sipCallerToJid('tel:12', ctx)).toThrow(InputError);
  });
});
