/**
 * The JID normal form (RFC 7622 §3.2–§3.4 with the PRECIS profiles of RFC 8265) that every
 * comparison of two JIDs goes through (issue 14, "Case and addressing").
 */
import * as fc from 'fast-check';
import { normalBareJid, normalJid, sameBareJid, sameJid, unicodeNormalJid } from '../../src/translate/jid';

describe('normalJid', () => {
  it.each([
    // RFC 7622 §3.3.1 / RFC 8265 §3.4: the localpart is case-mapped; §3.2: the domain too.
    ['Juliet@Capulet.LIT', 'juliet@capulet.lit'],
    // §3.4: the resource (OpaqueString) keeps its case.
    ['Juliet@Capulet.lit/Balcony', 'juliet@capulet.lit/Balcony'],
    // §3.2: a trailing dot of the domain goes.
    ['juliet@capulet.lit./x', 'juliet@capulet.lit/x'],
    // RFC 8265 §3.4.1: width mapping (fullwidth Ｊ is J, then lower case).
    ['\uff2auliet@capulet.lit', 'juliet@capulet.lit'],
    // RFC 5895 §2: ideographic full stop in a domain.
    ['juliet@capulet\u3002lit', 'juliet@capulet.lit'],
    // NFC: e + combining acute is é.
    ['rene\u0301@example.com', 'ren\u00e9@example.com'],
    // RFC 8265 §4.2.1: a non-ASCII space in the resource is a space.
    ['a@b/x\u00a0y', 'a@b/x y'],
    // A domain JID, and a XEP-0106 escape folded with its localpart.
    ['GW.Localhost', 'gw.localhost'],
    ['Bob\\40PBX.example@gw.localhost', 'bob\\40pbx.example@gw.localhost'],
    // Not a valid JID: split the same way, never thrown.
    ['@X/', '@x/'],
  ])('%s → %s', (input, normal) => {
    expect(normalJid(input)).toBe(normal);
  });

  it('normalBareJid drops the resource, which may contain @ and /', () => {
    expect(normalBareJid('Alice@Localhost/Phone@home/1')).toBe('alice@localhost');
  });

  it('sameJid: the same full JID however spelt; another resource is another JID', () => {
    expect(sameJid('alice@localhost/phone', 'Alice@LOCALHOST/phone')).toBe(true);
    expect(sameJid('alice@localhost/phone', 'alice@localhost/Phone')).toBe(false);
    expect(sameBareJid('alice@localhost/phone', 'ALICE@localhost/laptop')).toBe(true);
    expect(sameBareJid('alice@localhost', 'alicia@localhost')).toBe(false);
  });
});

describe('normalJid on printable ASCII (the fast path)', () => {
  it('equals the general mappings', () => {
    const ascii = fc.string({ unit: fc.constantFrom(...'aZ09.@/-_ .\\'.split('')), maxLength: 20 });
    fc.assert(
      fc.property(ascii, (s) => normalJid(s) === unicodeNormalJid(s)),
      { numRuns: 5000 },
    );
    for (const s of ['Bob@GW.Localhost./Res.', 'a@.', '.', 'x.', 'A@b./', '@.', 'a@b@C.'])
      expect(normalJid(s)).toBe(unicodeNormalJid(s));
  });
});
