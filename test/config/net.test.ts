import { ipInCidrs, isHost, isUnspecified, parseCidr, parseListenUri } from '../../src/config/net';

describe('listen URIs', () => {
  it.each([
    ['udp://127.0.0.1:5060', { transport: 'udp', host: '127.0.0.1', port: 5060 }],
    ['tls://[::1]:5061', { transport: 'tls', host: '[::1]', port: 5061 }],
    ['tcp://sip.example.net:5060', { transport: 'tcp', host: 'sip.example.net', port: 5060 }],
  ])('%s', (uri, parsed) => {
    expect(parseListenUri(uri)).toEqual(parsed);
  });

  it.each([
    'udp://127.0.0.1',
    'ws://127.0.0.1:80',
    'udp://[zz]:5060',
    'udp://::1:5060',
    'udp://h:0',
    'udp://h:65536',
    'udp://a_b:1',
  ])('rejects %s', (uri) => {
    expect(parseListenUri(uri)).toBeUndefined();
  });

  it('knows unspecified hosts and host names', () => {
    expect(isUnspecified('0.0.0.0')).toBe(true);
    expect(isUnspecified('[::]')).toBe(true);
    expect(isUnspecified('[0:0::0]')).toBe(true);
    expect(isUnspecified('[::1]')).toBe(false);
    expect(isUnspecified('127.0.0.1')).toBe(false);
    expect(isHost('gw.localhost')).toBe(true);
    expect(isHost('-bad.example')).toBe(false);
  });
});

describe('CIDR blocks', () => {
  it('parses IPv4, IPv6 and bare addresses', () => {
    expect(parseCidr('10.1.2.3/8')).toEqual({ family: 4, network: 10n << 24n, prefix: 8 });
    expect(parseCidr('192.0.2.7')?.prefix).toBe(32);
    expect(parseCidr('fd00::/8')).toEqual({ family: 6, network: 0xfdn << 120n, prefix: 8 });
    expect(parseCidr('::ffff:10.0.0.1/128')?.network).toBe((0xffffn << 32n) | (10n << 24n) | 1n);
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0/8', '10.0.0.0/8/8', 'x/8', '10.0.0.0/a']) {
      expect(parseCidr(bad)).toBeUndefined();
    }
  });

  it('matches source addresses', () => {
    const trusted = ['127.0.0.0/8', '2001:db8::/32', '192.0.2.7'];
    expect(ipInCidrs('127.1.2.3', trusted)).toBe(true);
    expect(ipInCidrs('::ffff:127.0.0.1', trusted)).toBe(true);
    expect(ipInCidrs('2001:db8:1::5', trusted)).toBe(true);
    expect(ipInCidrs('192.0.2.7', trusted)).toBe(true);
    expect(ipInCidrs('192.0.2.8', trusted)).toBe(false);
    expect(ipInCidrs('2001:db9::1', trusted)).toBe(false);
    expect(ipInCidrs('not-an-ip', trusted)).toBe(false);
    expect(ipInCidrs('10.0.0.1', ['0.0.0.0/0'])).toBe(true);
    expect(ipInCidrs('10.0.0.1', [])).toBe(false);
  });
});
