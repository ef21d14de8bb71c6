import * as fs from 'node:fs';
import * as path from 'node:path';
import { isInputError } from '../../src/errors';
import { parseSdp, writeSdp } from '../../src/sdp';
import { tables } from '../support/tables';

const dir = path.join(__dirname, '..', 'fixtures', 'sdp-spec');
const read = (f: string): string => fs.readFileSync(path.join(dir, f), 'utf8');
const rejected = new Set(['seed-002-verbatim.sdp']);
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.sdp'));

describe('spec fixtures', () => {
  it('every fixture is listed in the README', () => {
    const readme = read('README.md');
    for (const f of files) expect(readme).toContain(`\`${f}\``);
  });

  describe.each(files.filter((f) => !rejected.has(f)))('%s', (f) => {
    it('parses, and parse(write(x)) equals x', () => {
      const sdp = parseSdp(read(f), tables.hashes);
      const text = writeSdp(sdp);
      expect(text.endsWith('\r\n')).toBe(true);
      expect(parseSdp(text, tables.hashes)).toEqual(sdp);
      expect(writeSdp(parseSdp(text, tables.hashes))).toBe(text);
    });
  });

  it('RFC 5763 offer as printed (session a= before t=, `fingerprint: SHA-1`) is accepted', () => {
    const sdp = parseSdp(read('rfc5763-offer-verbatim.sdp'), tables.hashes);
    expect(sdp.setup).toBe('actpass');
    expect(sdp.fingerprints).toEqual(parseSdp(read('rfc5763-offer.sdp'), tables.hashes).fingerprints);
  });

  it('RFC 5939 offer: tcap, acap and pcfg as structured data, out of invalid', () => {
    const m = parseSdp(read('rfc5939-srtp-offer.sdp'), tables.hashes).media[0]!;
    expect(m.capneg.tcap).toEqual([{ base: 1, protos: ['RTP/SAVP'] }]);
    expect(m.capneg.acap).toEqual([
      {
        num: 1,
        value: 'crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4',
      },
    ]);
    expect(m.capneg.pcfg).toEqual([
      {
        num: 1,
        transports: [1],
        attributes: { alternatives: [[{ num: 1, optional: false }]] },
        extensions: [],
      },
    ]);
    expect(m.invalid).toBeUndefined();
  });

  it('RFC 5939 answer: acfg', () => {
    const m = parseSdp(read('rfc5939-srtp-answer.sdp'), tables.hashes).media[0]!;
    expect(m.capneg.acfg).toEqual([{ num: 1, transport: 1, attributes: { nums: [1] }, extensions: [] }]);
    expect(m.crypto).toHaveLength(1);
  });

  it('RFC 5939 AVPF offer: three potential configurations, optional capability', () => {
    const m = parseSdp(read('rfc5939-avpf-offer.sdp'), tables.hashes).media[0]!;
    expect(m.capneg.tcap).toEqual([{ base: 1, protos: ['RTP/SAVPF', 'RTP/SAVP', 'RTP/AVPF'] }]);
    expect(m.capneg.pcfg.map((p) => p.attributes?.alternatives)).toEqual([
      [
        [
          { num: 1, optional: false },
          { num: 2, optional: true },
        ],
      ],
      [[{ num: 1, optional: false }]],
      [[{ num: 2, optional: true }]],
    ]);
  });

  it('RFC 5763: session-level fingerprint and setup, tcap/pcfg offer and acfg answer', () => {
    const offer = parseSdp(read('rfc5763-offer.sdp'), tables.hashes);
    expect(offer.fingerprints).toEqual([
      { hash: 'SHA-1', value: '4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB' },
    ]);
    expect(offer.setup).toBe('actpass');
    expect(offer.media[0]!.capneg.pcfg).toEqual([{ num: 1, transports: [1], extensions: [] }]);
    const answer = parseSdp(read('rfc5763-answer.sdp'), tables.hashes);
    expect(answer.setup).toBe('active');
    expect(answer.origin.sessionId).toBe('6418913922105372816');
    expect(answer.media[0]!.capneg.acfg).toEqual([{ num: 1, transport: 1, extensions: [] }]);
  });

  it('RFC 4568: crypto with its session parameter', () => {
    const sdp = parseSdp(read('rfc4568-sdes.sdp'), tables.hashes);
    expect(sdp.media[0]!.crypto).toEqual([
      {
        id: 1,
        suite: 'AES_CM_128_HMAC_SHA1_80',
        config: 'inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4',
        sessionConfig: 'FEC_ORDER=FEC_SRTP',
      },
    ]);
    expect(sdp.email).toBe('marge@example.com (Marge Simpson)');
  });

  it('RFC 3264: two m-sections, rejected stream keeps port 0', () => {
    expect(parseSdp(read('rfc3264-offer.sdp'), tables.hashes).media.map((m) => m.payloads)).toEqual([
      '0 8 97',
      '31 32',
    ]);
    expect(parseSdp(read('rfc3264-answer-rejected-video.sdp'), tables.hashes).media[1]!.port).toBe(0);
    expect(parseSdp(read('rfc3264-telephone-event.sdp'), tables.hashes).media[0]!.fmtp).toEqual([
      { payload: 98, config: '0-15' },
    ]);
  });

  it('seed 002 corrected: session fingerprint, XTLS method hints, tcap/pcfg', () => {
    const sdp = parseSdp(read('seed-002-corrected.sdp'), tables.hashes);
    expect(sdp.fingerprints).toHaveLength(1);
    expect(sdp.xtlsMethods).toEqual(['x509', 'srp']);
    expect(sdp.invalid).toBeUndefined();
    expect(sdp.media[0]!.capneg.tcap[0]!.protos).toEqual(['UDP/TLS/RTP/SAVP', 'RTP/AVP']);
  });

  it('seed 002 verbatim: accepted in its order, but the placeholder fingerprint is not hex', () => {
    try {
      parseSdp(read('seed-002-verbatim.sdp'), tables.hashes);
      throw new Error('no error');
    } catch (e) {
      expect(isInputError(e)).toBe(true);
      expect(String(e)).toMatch(
        /line 6 \(a=fingerprint: SHA-1 RomeoX509CertificateHash\): fingerprint must be hex pairs/,
      );
    }
  });

  it('WebRTC shape: all candidates with their extensions, both fingerprints, whole ice-options', () => {
    const sdp = parseSdp(read('webrtc-ice-dtls.sdp'), tables.hashes);
    const m = sdp.media[0]!;
    expect(m.candidates).toHaveLength(4);
    expect(m.candidates![0]).toEqual({
      foundation: '1',
      component: 1,
      transport: 'udp',
      priority: 2122260223,
      ip: '192.0.2.10',
      port: 54400,
      type: 'host',
      generation: 0,
      'network-id': 1,
      extensions: [{ name: 'ufrag', value: 'EsAw' }],
    });
    expect(m.candidates![2]!.ip).toBe('2001:db8::10');
    expect(m.fingerprints.map((f) => f.hash)).toEqual(['sha-256', 'sha-1']);
    expect(m.iceOptions).toBe('trickle renomination');
    expect(m.mid).toBe('0');
    expect(sdp.groups).toEqual([{ type: 'BUNDLE', mids: '0' }]);
    expect(m.invalid).toEqual([{ value: 'x-unknown-thing:kept verbatim' }]);
    expect(writeSdp(sdp)).toContain('\r\na=x-unknown-thing:kept verbatim\r\n');
  });
});

describe('captured fixtures', () => {
  it('every file is named in test/fixtures/README.md, with its source', () => {
    const fixtures = path.join(__dirname, '..', 'fixtures');
    const readme = fs.readFileSync(path.join(fixtures, 'README.md'), 'utf8');
    const unnamed = fs
      .readdirSync(path.join(fixtures, 'captured'))
      .filter((f) => !readme.includes(`\`${f}\``));
    expect(unnamed).toEqual([]);
  });
});
