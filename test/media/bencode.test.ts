/**
 * Bencode as rtpengine's ng protocol uses it (BEP 3): round trips, sorted keys, and malformed
 * input rejected with the offset, never read past the buffer.
 */
import fc from 'fast-check';
import { bdecode, bencode, type BValue } from '../../src/media/bencode';

describe('bencode', () => {
  it('encodes the ng offer shape with keys sorted as raw bytes (upper case first)', () => {
    const b = bencode({ command: 'offer', 'call-id': 'c1', ICE: 'remove', 'rtcp-mux': ['demux'], n: 3 });
    expect(b.toString()).toBe('d3:ICE6:remove7:call-id2:c17:command5:offer1:ni3e8:rtcp-muxl5:demuxee');
  });

  it('decodes a dictionary rtpengine sends (from its log of a list answer)', () => {
    expect(bdecode(Buffer.from('d5:callsl2:c1e6:result2:oke')).value).toEqual({
      calls: ['c1'],
      result: 'ok',
    });
  });

  it('counts string lengths in bytes (UTF-8)', () => {
    const b = bencode('ä');
    expect(b.toString()).toBe('2:ä');
    expect(bdecode(b).value).toBe('ä');
  });

  const value: fc.Arbitrary<BValue> = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      fc.string(),
      fc.integer(),
      fc.array(tie('v'), { maxLength: 4 }),
      fc.dictionary(fc.string(), tie('v'), { maxKeys: 4 }),
    ),
  })).v as fc.Arbitrary<BValue>;

  it('round-trips any value', () => {
    fc.assert(
      fc.property(value, (v) => {
        const b = bencode(v);
        const d = bdecode(b);
        expect(d.end).toBe(b.length);
        expect(d.value).toEqual(v);
      }),
    );
  });

  it.each([
    ['', /truncated at 0/],
    ['i12', /unterminated integer/],
    ['ixe', /bad integer/],
    ['5:abc', /truncated string/],
    ['l1:a', /unterminated list|truncated/],
    ['di1e1:ae', /key is not a string/],
    ['x', /unexpected byte 0x78 at 0/],
    ['l'.repeat(40), /nested deeper/],
  ])('rejects %j', (text, why) => {
    expect(() => bdecode(Buffer.from(text))).toThrow(why);
  });

  it('never throws anything but an Error on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          bdecode(Buffer.from(bytes));
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
        }
      }),
    );
  });
});
