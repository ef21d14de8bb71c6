/**
 * Round-trip normalisation rules (as pion/sdp writes them down). For a model produced by parseSdp,
 * parseSdp(writeSdp(x)) deep-equals x. The text is not kept byte for byte; writeSdp normalises:
 *   1. line ends become CRLF, and the text ends with CRLF;
 *   2. attributes of a level come in sdp-transform's grammar order, unknown ones (`invalid`) after
 *      them in input order, then a=x-xtls-method, then RFC 5939 csup, creq, acap, tcap, pcfg, acfg;
 *      all a=fingerprint lines sit together where sdp-transform writes its one fingerprint;
 *   3. a=candidate: raddr, rport, tcptype, generation, network-id, network-cost, then the other
 *      extension pairs in input order;
 *   4. RFC 5939: several a=csup (a=creq) lines merge into one; list separators become one space;
 *      in pcfg t= comes before a= before extensions, mandatory numbers before the `[…]` group;
 *   5. all-digit values that the model types as strings (mid, group mids, fmtp config, …) stay strings.
 */
import * as fc from 'fast-check';
import { isInputError } from '../../src/errors';
import { parseSdp, writeSdp } from '../../src/sdp';
import { tables } from '../support/tables';

const HEAD = 'v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n';
const crlf = (s: string): string => s.replace(/\n/g, '\r\n');

describe('normalisation rules', () => {
  it.each([
    ['LF → CRLF, final CRLF added', `${HEAD}m=audio 9 RTP/AVP 0`, `${HEAD}m=audio 9 RTP/AVP 0\n`],
    [
      'grammar order, unknown after known, then xtls and capneg',
      `${HEAD}m=audio 9 RTP/AVP 0\na=pcfg:1 t=1\na=x-foo\na=x-xtls-method:srp\na=tcap:1 RTP/SAVP\na=sendrecv\na=rtpmap:0 PCMU/8000`,
      `${HEAD}m=audio 9 RTP/AVP 0\na=rtpmap:0 PCMU/8000\na=sendrecv\na=x-foo\na=x-xtls-method:srp\na=tcap:1 RTP/SAVP\na=pcfg:1 t=1\n`,
    ],
    [
      'fingerprints kept together, in order',
      `${HEAD}a=fingerprint:sha-1 ${'AA:'.repeat(19)}AA\na=setup:actpass\na=fingerprint:SHA-1 ${'BB:'.repeat(19)}BB\nm=audio 9 RTP/AVP 0`,
      `${HEAD}a=setup:actpass\na=fingerprint:sha-1 ${'AA:'.repeat(19)}AA\na=fingerprint:SHA-1 ${'BB:'.repeat(19)}BB\nm=audio 9 RTP/AVP 0\n`,
    ],
    [
      'candidate extensions reordered',
      `${HEAD}m=audio 9 RTP/AVP 0\na=candidate:a 1 UDP 5 192.0.2.9 9 typ srflx ufrag u1 generation 2 raddr 10.0.0.1 rport 7`,
      `${HEAD}m=audio 9 RTP/AVP 0\na=candidate:a 1 UDP 5 192.0.2.9 9 typ srflx raddr 10.0.0.1 rport 7 generation 2 ufrag u1\n`,
    ],
    [
      'csup lines merged, pcfg canonical',
      `${HEAD}a=csup:foo\na=csup:bar\nm=audio 9 RTP/AVP 0\na=pcfg:2  a=-m:1,[2]\tt=2|1`,
      `${HEAD}a=csup:foo,bar\nm=audio 9 RTP/AVP 0\na=pcfg:2 t=2|1 a=-m:1,[2]\n`,
    ],
    ['port count kept', `${HEAD}m=video 49170/2 RTP/AVP 31`, `${HEAD}m=video 49170/2 RTP/AVP 31\n`],
  ])('%s', (_name, input, output) => {
    const sdp = parseSdp(input, tables.hashes);
    const text = writeSdp(sdp);
    expect(text).toBe(crlf(output));
    expect(parseSdp(text, tables.hashes)).toEqual(sdp);
  });

  it('keeps all-digit string fields as strings', () => {
    const sdp = parseSdp(
      `${HEAD}a=group:BUNDLE 0\nm=audio 9 RTP/AVP 101\na=mid:0\na=fmtp:101 15\na=ice-ufrag:1234\na=ice-pwd:1234567890123456789012`,
      tables.hashes,
    );
    expect(sdp.groups![0]!.mids).toBe('0');
    expect(sdp.media[0]!.mid).toBe('0');
    expect(sdp.media[0]!.payloads).toBe('101');
    expect(sdp.media[0]!.fmtp[0]!.config).toBe('15');
    expect(sdp.media[0]!.iceUfrag).toBe('1234');
  });

  it('writeSdp does not modify its input and refuses line breaks in values', () => {
    const sdp = parseSdp(
      `${HEAD}m=audio 9 RTP/AVP 0\na=fingerprint:sha-1 ${'AA:'.repeat(19)}AA`,
      tables.hashes,
    );
    const copy = structuredClone(sdp);
    writeSdp(sdp);
    expect(sdp).toEqual(copy);
    sdp.media[0]!.mid = 'x\r\na=setup:active';
    expect(() => writeSdp(sdp)).toThrow(/media\[0\].mid: a value contains CR, LF or NUL/);
  });

  it('parse(write(x)) == x for mutated SDP that still parses (fuzz)', () => {
    const base = crlf(
      `${HEAD}a=x-xtls-method:x509\nm=audio 9 UDP/TLS/RTP/SAVP 0 101\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-15\n` +
        `a=candidate:1 1 udp 2122260223 192.0.2.10 54400 typ host generation 0 ufrag abc\n` +
        `a=fingerprint:sha-1 ${'AA:'.repeat(19)}AA\na=acap:1 setup:actpass\na=tcap:1 RTP/SAVP RTP/AVP\na=pcfg:1 t=1|2 a=1\n`,
    );
    fc.assert(
      fc.property(
        fc.nat(base.length),
        fc.string({ maxLength: 4, unit: fc.constantFrom('1', '0', ' ', ':', '|', ',', 'a', '=') }),
        fc.nat(3),
        (at, insert, del) => {
          let sdp;
          try {
            sdp = parseSdp(base.slice(0, at) + insert + base.slice(at + del), tables.hashes);
          } catch (e) {
            if (isInputError(e)) return;
            throw e;
          }
          const text = writeSdp(sdp);
          expect(parseSdp(text, tables.hashes)).toEqual(sdp);
          expect(writeSdp(parseSdp(text, tables.hashes))).toBe(text);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
