/** Hostile and random input: limits, linear time, and "only InputError ever escapes". */
import fc from 'fast-check';
import { isInputError } from '../../src/errors';
import { MAX_SIP_HEADERS, parseSipMessage, serializeSipMessage } from '../../src/sip/message';

const crlf = (lines: string[]): string => lines.join('\r\n');
const OK_LINES = [
  'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
  'To: <sip:b@h>',
  'From: <sip:a@h>;tag=1',
  'Call-ID: x@h',
  'CSeq: 1 OPTIONS',
  'Max-Forwards: 70',
];
const OPT = 'OPTIONS sip:b@h SIP/2.0';
const withLine = (line: string): string => crlf([OPT, ...OK_LINES, line, '', '']);

// Generous wall-clock bounds: they catch quadratic blow-ups (seconds to minutes), not jitter.
describe('hostile input stays fast', () => {
  const time = (f: () => void): number => {
    const t = process.hrtime.bigint();
    try {
      f();
    } catch {
      // expected
    }
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  it('1 MB of headers is refused at once', () => {
    const big = crlf([OPT, ...Array.from({ length: 20000 }, (_, i) => `X-${i}: ${'a'.repeat(40)}`), '', '']);
    expect(time(() => parseSipMessage(big))).toBeLessThan(250);
    expect(() => parseSipMessage(big)).toThrow('larger than');
  });
  it('100k tiny headers are refused by size, 13k by count, quickly', () => {
    const many = (n: number): string =>
      crlf([OPT, ...OK_LINES, ...Array.from({ length: n }, () => 'a:b'), '', '']);
    expect(time(() => parseSipMessage(many(100000)))).toBeLessThan(500);
    expect(() => parseSipMessage(many(12000))).toThrow(
      `sip: message: more than ${MAX_SIP_HEADERS} header lines`,
    );
    expect(time(() => parseSipMessage(many(12000)))).toBeLessThan(1000);
    expect(parseSipMessage(many(1000)).headers).toHaveLength(1006);
  });
  it('long runs of spaces, quotes, semicolons and folds are linear', () => {
    const inputs = [
      withLine(`Subject: a${' '.repeat(60000)}b`),
      withLine(`X-Q: "${'\\"'.repeat(30000)}`),
      withLine(`Via: SIP/2.0/UDP h${';a'.repeat(20000)}`),
      withLine(`X-F: a${'\r\n  b'.repeat(12000)}`),
      withLine(`Contact: ${'<sip:a@h>,'.repeat(6000)}<sip:a@h>`),
    ];
    for (const text of inputs) expect(time(() => parseSipMessage(text))).toBeLessThan(2000);
  });
});

describe('header names that are Object.prototype properties (found by test/fuzz)', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])(
    '%s: parses as an unknown header and serializes back',
    (name) => {
      const msg = parseSipMessage(withLine(`${name}: x`));
      expect(msg.headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value).toBe('x');
      expect(serializeSipMessage(msg)).toContain('x\r\n');
    },
  );
});

describe('property: parsing never throws anything but InputError', () => {
  const fragments = [
    'INVITE sip:a@h SIP/2.0\r\n',
    'SIP/2.0 200 OK\r\n',
    'Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n',
    'v: SIP / 2.0 / TCP [::1]:5060 ; rport\r\n',
    'To: "x\\"y" <sip:b@[::1]>;tag=1\r\n',
    'f: a<sip:a@h>;tag=2\r\n',
    'i: c@h\r\n',
    'CSeq: 1 INVITE\r\n',
    'l: 3\r\n',
    'Contact: *\r\n',
    'Route: <sip:p;lr>, <sip:q>\r\n',
    ' folded\r\n',
    '\r\n',
    'abc',
    ';;,,"<>',
    '\0\x7f',
    'é日',
  ];
  it('on random concatenations of message pieces', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...fragments), { maxLength: 25 }), (parts) => {
        const text = parts.join('');
        try {
          const m = parseSipMessage(text);
          // whatever parses must serialize and parse back
          expect(parseSipMessage(serializeSipMessage(m)).kind).toBe(m.kind);
        } catch (e) {
          if (!isInputError(e)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
  it('on random bytes and strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 })), (input) => {
        try {
          parseSipMessage(typeof input === 'string' ? input : Buffer.from(input));
        } catch (e) {
          if (!isInputError(e)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
