import * as fc from 'fast-check';
import { isInputError } from '../../src/errors';
import { MAX_SDP_BYTES, parseSdp } from '../../src/sdp';
import { tables } from '../support/tables';

const HEAD = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0'];
const MEDIA = 'm=audio 9 RTP/AVP 0';
/** HEAD, then the m= line, then extra lines: line 7 is the first extra. */
const withMedia = (...extra: string[]): string => [...HEAD, MEDIA, ...extra].join('\r\n') + '\r\n';

function errorOf(text: string): string {
  try {
    parseSdp(text, tables.hashes);
  } catch (e) {
    expect(isInputError(e)).toBe(true);
    return String((e as Error).message);
  }
  throw new Error('parsed without error');
}

const HEX20 = Array.from({ length: 20 }, () => 'AB').join(':');

// [case, SDP text, line named in the error, detail]
const cases: [string, string, number, RegExp][] = [
  ['first line not v=0', 'v=1\r\n', 1, /first line must be v=0/],
  ['no o= second', 'v=0\r\ns=-\r\n', 2, /second line must be o=/],
  ['no s= third', 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nt=0 0\r\n', 3, /third line must be s=/],
  ['no t=', [...HEAD.slice(0, 4)].join('\n'), 4, /no t= line/],
  ['m= before t=', [...HEAD.slice(0, 4), MEDIA].join('\n'), 5, /no t= line before the first m=/],
  ['not type=value', withMedia('hello'), 7, /not a <type>=<value> line/],
  ['upper-case type', withMedia('A=sendrecv'), 7, /not a <type>=<value> line/],
  ['empty line inside', withMedia('', 'a=sendrecv'), 7, /empty line/],
  ['bare CR', withMedia('a=send\rrecv'), 7, /bare CR/],
  ['NUL', withMedia('a=x\0'), 7, /NUL/],
  ['unknown type letter', withMedia('x=1'), 7, /'x=' is not allowed here/],
  ['order: c= after t=', [...HEAD.slice(0, 3), 't=0 0', 'c=IN IP4 192.0.2.1'].join('\n'), 5, /out of order/],
  ['order: b= after a= in media', withMedia('a=sendrecv', 'b=AS:64'), 8, /out of order/],
  ['two s= lines', ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 's=-'].join('\n'), 4, /more than one s= line/],
  ['k= obsolete', [...HEAD, 'k=clear:abc'].join('\n'), 6, /k= is obsolete/],
  ['o= wrong field count', 'v=0\r\no=- 1 1 IN IP4\r\n', 2, /expected 6 fields/],
  ['o= sess-id not numeric', 'v=0\r\no=- x 1 IN IP4 192.0.2.1\r\n', 2, /sess-id 'x'/],
  // Found by test/fuzz/sdp.test.ts: a tab username passed, and sdp-transform then gave no origin.
  ['o= username with a tab', 'v=0\r\no=\t 1 1 IN IP4 192.0.2.1\r\n', 2, /username "\\t" has a space/],
  ['o= username with NBSP', 'v=0\r\no=a\u00a0b 1 1 IN IP4 192.0.2.1\r\n', 2, /has a space/],
  [
    'c= IP4 with IPv6',
    [...HEAD.slice(0, 3), 'c=IN IP4 2001:db8::1'].join('\n'),
    4,
    /IPv6 address in an IP4 line/,
  ],
  [
    'c= bad IPv4',
    [...HEAD.slice(0, 3), 'c=IN IP4 1.2.3.256'].join('\n'),
    4,
    /not an IPv4 address or host name/,
  ],
  [
    'c= bad host',
    [...HEAD.slice(0, 3), 'c=IN IP4 exa_mple.com'].join('\n'),
    4,
    /not an IPv4 address or host name/,
  ],
  ['c= IP5', [...HEAD.slice(0, 3), 'c=IN IP5 1.2.3.4'].join('\n'), 4, /address type 'IP5'/],
  ['c= TTL on unicast', [...HEAD.slice(0, 3), 'c=IN IP4 192.0.2.1/127'].join('\n'), 4, /unicast/],
  ['t= not numeric', [...HEAD.slice(0, 4), 't=now 0'].join('\n'), 5, /start-time 'now'/],
  ['b= unsupported type', withMedia('b=X-YZ:128'), 7, /bandwidth type 'X-YZ'/],
  ['m= port too big', [...HEAD, 'm=audio 65536 RTP/AVP 0'].join('\n'), 6, /port '65536'/],
  ['m= no format', [...HEAD, 'm=audio 9 RTP/AVP'].join('\n'), 6, /expected <media>/],
  ['m= bad port count', [...HEAD, 'm=audio 9/0 RTP/AVP 0'].join('\n'), 6, /at least 1/],
  ['media without c=', [...HEAD.slice(0, 3), 't=0 0', MEDIA, 'a=sendrecv'].join('\n'), 5, /no c= line/],
  ['rtpmap pt 128', withMedia('a=rtpmap:128 foo/8000'), 7, /payload type '128'/],
  ['rtpmap pt leading zero', withMedia('a=rtpmap:08 PCMA/8000'), 7, /payload type '08'/],
  [
    'rtpmap no clock',
    withMedia('a=rtpmap:0 PCMU'),
    7,
    /expected <payload type> <encoding name>\/<clock rate>/,
  ],
  ['fmtp pt -1', withMedia('a=fmtp:-1 x=1'), 7, /payload type '-1'/],
  ['fmtp no params', withMedia('a=fmtp:101'), 7, /missing the format parameters/],
  ['rtcp-fb pt x', withMedia('a=rtcp-fb:x nack'), 7, /payload type 'x'/],
  ['rtcp-fb extra params', withMedia('a=rtcp-fb:96 ccm tmmbr smaxpr=120'), 7, /expected <payload type\|\*>/],
  ['candidate short', withMedia('a=candidate:1 1 udp 1 192.0.2.1 9 typ'), 7, /expected foundation/],
  [
    'candidate bad component',
    withMedia('a=candidate:1 0 udp 1 192.0.2.1 9 typ host'),
    7,
    /component-id must be/,
  ],
  [
    'candidate bad ip',
    withMedia('a=candidate:1 1 udp 1 300.1.1.1 9 typ host'),
    7,
    /connection-address '300.1.1.1'/,
  ],
  ['candidate port', withMedia('a=candidate:1 1 udp 1 192.0.2.1 70000 typ host'), 7, /port '70000'/],
  ['candidate no typ', withMedia('a=candidate:1 1 udp 1 192.0.2.1 9 type host'), 7, /expected 'typ'/],
  [
    'candidate odd extension',
    withMedia('a=candidate:1 1 udp 1 192.0.2.1 9 typ host generation'),
    7,
    /has no value/,
  ],
  [
    'candidate tcptype',
    withMedia('a=candidate:1 1 tcp 1 192.0.2.1 9 typ host tcptype both'),
    7,
    /tcptype 'both'/,
  ],
  [
    'candidate at session level',
    [...HEAD, 'a=candidate:1 1 udp 1 192.0.2.1 9 typ host'].join('\n'),
    6,
    /belongs in a media/,
  ],
  ['fingerprint unknown hash', withMedia(`a=fingerprint:sha-3 ${HEX20}`), 7, /unknown hash function 'sha-3'/],
  [
    'fingerprint wrong length',
    withMedia(`a=fingerprint:sha-256 ${HEX20}`),
    7,
    /sha-256 needs 32 hex pairs, found 20/,
  ],
  ['fingerprint not hex', withMedia('a=fingerprint:sha-1 RomeoX509CertificateHash'), 7, /hex pairs/],
  ['fingerprint no value', withMedia('a=fingerprint'), 7, /needs a value/],
  ['setup', withMedia('a=setup:both'), 7, /'both' is not actpass/],
  ['two setup', withMedia('a=setup:active', 'a=setup:passive'), 8, /more than one a=setup/],
  ['two directions', withMedia('a=sendrecv', 'a=inactive'), 8, /more than one a=sendrecv/],
  ['crypto short', withMedia('a=crypto:1 AES_CM_128_HMAC_SHA1_80'), 7, /expected <tag>/],
  ['crypto key-param', withMedia('a=crypto:1 AES_CM_128_HMAC_SHA1_80 inlineabc'), 7, /key-param 'inlineabc'/],
  ['ice-options bad', withMedia('a=ice-options:trickle,x'), 7, /not an ice option/],
  ['tcap bad', withMedia('a=tcap:0 RTP/AVP'), 7, /trpr-cap-num '0'/],
  ['pcfg bad', withMedia('a=pcfg:1 a=-q'), 7, /not a delete modifier/],
  ['acfg bad', withMedia('a=acfg:1 a=1|2'), 7, /without '\|'/],
  ['acap bad', withMedia('a=acap:x crypto:1'), 7, /att-cap-num 'x'/],
  ['x-xtls-method bad', withMedia('a=x-xtls-method:a b'), 7, /not a token/],
  ['attribute name bad', withMedia('a=fo o:1'), 7, /attribute name 'fo o'/],
];

describe('bad input names the line', () => {
  it.each(cases)('%s', (_name, text, line, detail) => {
    const message = errorOf(text);
    expect(message).toMatch(new RegExp(`^sdp: line ${line} \\(`));
    expect(message).toMatch(detail);
  });

  it('truncates long lines in the message', () => {
    const message = errorOf(withMedia(`a=fingerprint:sha-1 ${'AB:'.repeat(200)}AB`));
    expect(message).toMatch(/^sdp: line 7 \(a=fingerprint:sha-1 AB:AB:.{30,45}…\): sha-1 needs 20/);
  });
});

describe('hostile input', () => {
  it('rejects more than MAX_SDP_BYTES quickly', () => {
    const start = Date.now();
    expect(() => parseSdp('v=0\n' + 'a=x\n'.repeat(250_000), tables.hashes)).toThrow(
      /body: larger than 65536 bytes/,
    );
    expect(() => parseSdp('€'.repeat(MAX_SDP_BYTES / 2), tables.hashes)).toThrow(/larger than/);
    expect(Date.now() - start).toBeLessThan(500);
  });

  it('answers a full-size SDP of short lines and one of a single long line quickly', () => {
    const many = withMedia(...Array.from({ length: 14_000 }, (_, i) => `a=x${i % 10}`)).slice(
      0,
      MAX_SDP_BYTES,
    );
    const long = withMedia('a=candidate:' + '1 '.repeat(30_000));
    const weird = withMedia('a=tool:\u202e\u0301\ud83d\ude00 \uffff', 'a=x:' + '\u00e9'.repeat(30_000));
    const start = Date.now();
    for (const t of [many, long, weird]) {
      try {
        parseSdp(t, tables.hashes);
      } catch (e) {
        expect(isInputError(e)).toBe(true);
      }
    }
    expect(Date.now() - start).toBeLessThan(1000);
  });

  it('never throws anything but InputError (fuzz)', () => {
    const valid = withMedia(
      'a=rtpmap:0 PCMU/8000',
      'a=candidate:1 1 udp 2122260223 192.0.2.10 54400 typ host generation 0',
      `a=fingerprint:sha-1 ${HEX20}`,
      'a=tcap:1 UDP/TLS/RTP/SAVP RTP/AVP',
      'a=pcfg:1 t=1 a=1,[2]|3',
    );
    fc.assert(
      fc.property(fc.nat(valid.length), fc.string({ maxLength: 8 }), fc.nat(8), (at, insert, del) => {
        const text = valid.slice(0, at) + insert + valid.slice(at + del);
        try {
          parseSdp(text, tables.hashes);
        } catch (e) {
          if (!isInputError(e)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
