import {
  capNegLines,
  emptyCapNeg,
  formatAcfg,
  formatPcfg,
  parseAcap,
  parseAcfg,
  parseOptionTags,
  parsePcfg,
  parseTcap,
} from '../../src/sdp';

const m = (num: number) => ({ num, optional: false });
const o = (num: number) => ({ num, optional: true });

describe('RFC 5939 grammar', () => {
  it('§3.3 csup/creq: comma-separated option tags', () => {
    expect(parseOptionTags('csup', 'foo,bar.baz')).toEqual(['foo', 'bar.baz']);
    expect(() => parseOptionTags('creq', 'foo, bar')).toThrow(/option tag ' bar' is not a token/);
    expect(() => parseOptionTags('creq', '')).toThrow(/a=creq/);
  });

  it('§3.4.1 acap: number and attribute, value kept as after a=', () => {
    expect(parseAcap('1 crypto:1 AES_CM_128_HMAC_SHA1_80 inline:abc')).toEqual({
      num: 1,
      value: 'crypto:1 AES_CM_128_HMAC_SHA1_80 inline:abc',
    });
    expect(parseAcap('7 rtcp-mux')).toEqual({ num: 7, value: 'rtcp-mux' });
    expect(() => parseAcap('0 rtcp-mux')).toThrow(/att-cap-num '0'/);
    expect(() => parseAcap('1')).toThrow(/missing the attribute/);
    expect(() => parseAcap('1 setup:')).toThrow(/empty value/);
    expect(() => parseAcap('2147483648 x')).toThrow(/above 2\^31-1/);
  });

  it('§3.4.2 tcap: base number and protocols separated by whitespace', () => {
    expect(parseTcap('1 UDP/TLS/RTP/SAVP RTP/AVP')).toEqual({
      base: 1,
      protos: ['UDP/TLS/RTP/SAVP', 'RTP/AVP'],
    });
    expect(parseTcap('5 RTP/SAVPF\tRTP/SAVP')).toEqual({ base: 5, protos: ['RTP/SAVPF', 'RTP/SAVP'] });
    expect(() => parseTcap('1')).toThrow(/missing the transport protocol list/);
    expect(() => parseTcap('01 RTP/AVP')).toThrow(/trpr-cap-num '01'/);
    expect(() => parseTcap('1 RTP//AVP')).toThrow(/not a transport protocol/);
  });

  describe('§3.5.1 pcfg', () => {
    it.each([
      ['1', { num: 1, transports: [], extensions: [] }],
      ['1 t=1', { num: 1, transports: [1], extensions: [] }],
      ['2 t=1|2', { num: 2, transports: [1, 2], extensions: [] }],
      ['1 a=1', { num: 1, transports: [], attributes: { alternatives: [[m(1)]] }, extensions: [] }],
      [
        '1 a=1,2|3',
        { num: 1, transports: [], attributes: { alternatives: [[m(1), m(2)], [m(3)]] }, extensions: [] },
      ],
      [
        '1 a=1,[2,3]',
        { num: 1, transports: [], attributes: { alternatives: [[m(1), o(2), o(3)]] }, extensions: [] },
      ],
      ['1 a=[2]', { num: 1, transports: [], attributes: { alternatives: [[o(2)]] }, extensions: [] }],
      ['1 a=-m', { num: 1, transports: [], attributes: { delete: 'm', alternatives: [] }, extensions: [] }],
      [
        '1 a=-s:1',
        { num: 1, transports: [], attributes: { delete: 's', alternatives: [[m(1)]] }, extensions: [] },
      ],
      [
        '1 a=-ms:1|[2]',
        {
          num: 1,
          transports: [],
          attributes: { delete: 'ms', alternatives: [[m(1)], [o(2)]] },
          extensions: [],
        },
      ],
      [
        '1 t=1 a=1 foo=bar|baz',
        {
          num: 1,
          transports: [1],
          attributes: { alternatives: [[m(1)]] },
          extensions: [{ name: 'foo', value: 'bar|baz' }],
        },
      ],
      ['1 +ext1=x', { num: 1, transports: [], extensions: [{ name: 'ext1', value: 'x', mandatory: true }] }],
    ])('%s', (text, expected) => {
      const p = parsePcfg(text);
      expect(p).toEqual(expected);
      expect(parsePcfg(formatPcfg(p))).toEqual(p);
    });

    it.each([
      ['0 t=1', /config-number '0'/],
      ['1 t=', /trpr-cap-num ''/],
      ['1 t=1 t=2', /more than one transport configuration list/],
      ['1 a=1 a=2', /more than one attribute configuration list/],
      ['1 a=', /'a=' without a capability list/],
      ['1 a=-x:1', /not a delete modifier/],
      ['1 a=-m:', /empty list after ':'/],
      ['1 a=[1],2', /one '\[…\]' group at the end/],
      ['1 a=1[2]', /'\[' must follow ','/],
      ['1 a=1,,2', /att-cap-num ''/],
      ['1 a=1||2', /att-cap-num ''/],
      ['1 x', /not a configuration list/],
      ['1 f-o=1', /extension name must be letters and digits/],
      ['1 foo=', /extension value is empty/],
      ['1 t=1 ', /not a configuration list/],
    ])('rejects %s', (text, error) => {
      expect(() => parsePcfg(text)).toThrow(error);
    });

    it('normalises: t= first, mandatory numbers before the [optional] group, single spaces', () => {
      expect(formatPcfg(parsePcfg('3  a=1,[2]\tt=2|1'))).toBe('3 t=2|1 a=1,[2]');
      expect(
        formatPcfg({ num: 1, transports: [], attributes: { alternatives: [[o(2), m(1)]] }, extensions: [] }),
      ).toBe('1 a=1,[2]');
    });
  });

  describe('§3.5.2 acfg', () => {
    it.each([
      ['1', { num: 1, extensions: [] }],
      ['1 t=1', { num: 1, transport: 1, extensions: [] }],
      ['1 t=1 a=1,2', { num: 1, transport: 1, attributes: { nums: [1, 2] }, extensions: [] }],
      ['1 a=-m', { num: 1, attributes: { delete: 'm', nums: [] }, extensions: [] }],
      ['1 a=-ms:3', { num: 1, attributes: { delete: 'ms', nums: [3] }, extensions: [] }],
      ['1 t=2 +e=v', { num: 1, transport: 2, extensions: [{ name: 'e', value: 'v', mandatory: true }] }],
    ])('%s', (text, expected) => {
      const a = parseAcfg(text);
      expect(a).toEqual(expected);
      expect(parseAcfg(formatAcfg(a))).toEqual(a);
    });

    it.each([
      ['1 t=1|2', /trpr-cap-num '1\|2'/],
      ['1 a=1|2', /without '\|' or '\[…\]'/],
      ['1 a=[1]', /without '\|' or '\[…\]'/],
      ['1 t=1 t=2', /more than one transport/],
      ['x', /config-number 'x'/],
    ])('rejects %s', (text, error) => {
      expect(() => parseAcfg(text)).toThrow(error);
    });
  });

  it('capNegLines: capabilities before configurations, csup/creq on one line each', () => {
    const c = emptyCapNeg();
    c.csup = ['a', 'b'];
    c.creq = ['c'];
    c.tcap = [{ base: 1, protos: ['RTP/SAVP'] }];
    c.acap = [{ num: 1, value: 'rtcp-mux' }];
    c.pcfg = [{ num: 1, transports: [1], extensions: [] }];
    c.acfg = [{ num: 1, transport: 1, extensions: [] }];
    expect(capNegLines(c)).toEqual([
      'csup:a,b',
      'creq:c',
      'acap:1 rtcp-mux',
      'tcap:1 RTP/SAVP',
      'pcfg:1 t=1',
      'acfg:1 t=1',
    ]);
  });
});
