/** Pure pieces of the wire side: stream framing, stateless 400, RFC 3263 resolution, RFC 4028. */
import { resolveUri, type DnsResolver } from '../../src/sip/transport/resolver';
import { parseSessionExpires, uasSessionTimer } from '../../src/sip/dialog/session-timer';
import { statelessReply } from '../../src/sip/message/stateless';
import { StreamFramer } from '../../src/sip/transport/stream-framer';
import { parseSipUri } from '../../src/sip/message/uri';
import { parseListen } from '../../src/sip/transport/transport';
import { request } from './fake-core';

const msg = (body = ''): string =>
  `OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('StreamFramer (RFC 3261 §18.3)', () => {
  test('splits back-to-back messages, skips keep-alive CRLFs, waits for a partial body', () => {
    const f = new StreamFramer(65536);
    const two = Buffer.from(`\r\n\r\n${msg('abc')}${msg('é')}`);
    const out = f.push(two.subarray(0, two.length - 1));
    expect(out.map((x) => x.kind)).toEqual(['message']);
    expect(out[0]?.bytes.toString()).toBe(msg('abc'));
    const rest = f.push(two.subarray(two.length - 1));
    expect(rest[0]?.bytes.toString()).toBe(msg('é'));
  });

  test('a missing Content-Length or an oversized message breaks the stream', () => {
    const a = new StreamFramer(65536);
    expect(a.push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n'))[0]?.kind).toBe('error');
    expect(a.broken).toBe(true);
    const b = new StreamFramer(100);
    expect(b.push(Buffer.from(msg('x'.repeat(200))))[0]).toMatchObject({
      kind: 'error',
      detail: /size limit/,
    });
  });

  test('two Content-Lengths or a negative one break the stream (RFC 4475 §3.3.9, §3.1.2.3)', () => {
    const two = new StreamFramer(65536);
    const out = two.push(Buffer.from(msg('hello').replace('\r\n\r\n', '\r\nl: 2\r\n\r\n')));
    expect(out).toMatchObject([{ kind: 'error', detail: 'more than one Content-Length' }]);
    expect(two.broken).toBe(true);
    const negative = new StreamFramer(65536);
    expect(
      negative.push(Buffer.from(msg().replace('Content-Length: 0', 'Content-Length: -999'))),
    ).toMatchObject([{ kind: 'error', detail: 'Content-Length is not a number' }]);
  });
});

describe('statelessReply', () => {
  test('answers a broken request with the headers it can find, adding a To tag', () => {
    const raw = Buffer.from(
      'INVITE sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nf: <sip:x@y>;tag=1\r\nt: <sip:a@b>\r\ni: c1\r\nCSeq: x INVITE\r\n\r\n',
    );
    const r = statelessReply(raw, 400, 'header CSeq: "bad"') as string;
    expect(r).toMatch(/^SIP\/2.0 400 Bad Request\r\nVia: SIP\/2.0\/UDP h;branch=z9hG4bK1\r\n/);
    expect(r).toMatch(/\r\nTo: <sip:a@b>;tag=\w+\r\n/);
    expect(r).toMatch(/\r\nWarning: 399 - "header CSeq: 'bad'"\r\n/);
  });
  test('another SIP version gets its 505 (RFC 4475 §3.1.2.16), in SIP/2.0', () => {
    const raw = Buffer.from(
      'OPTIONS sip:a@b SIP/7.0\r\nVia: SIP/7.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n\r\n',
    );
    expect(statelessReply(raw, 505, 'unsupported SIP version SIP/7.0')).toMatch(
      /^SIP\/2.0 505 Version Not Supported\r\nVia: SIP\/7.0\/UDP h;branch=z9hG4bK1\r\n/,
    );
  });
  test('a request without From, To or Call-ID still gets its 400 by Via and CSeq (RFC 4475 §3.3.1)', () => {
    const raw = Buffer.from(
      'INVITE sip:a@b SIP/2.0\r\nCSeq: 193942 INVITE\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n',
    );
    const r = statelessReply(raw, 400, 'header To: missing') as string;
    expect(r.split('\r\n').slice(0, 3)).toEqual([
      'SIP/2.0 400 Bad Request',
      'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
      'CSeq: 193942 INVITE',
    ]);
    expect(r).not.toMatch(/\r\n(From|To|Call-ID):/);
  });
  test.each([
    ['lwsruri', 'INVITE sip:user@example.com; lr SIP/2.0'],
    ['lwsstart', 'INVITE  sip:user@example.com  SIP/2.0'],
    ['trws', 'OPTIONS sip:remote-target@example.com SIP/2.0  '],
  ])('a malformed request line (%s) is still answered', (_name, line) => {
    const raw = Buffer.from(`${line}\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 1 INVITE\r\n\r\n`);
    expect(statelessReply(raw, 400, 'x')).toMatch(/^SIP\/2.0 400 Bad Request\r\n/);
  });
  test('never answers an ACK, a response, or something without Via', () => {
    expect(statelessReply(Buffer.from('ACK sip:a@b SIP/2.0\r\nVia: x\r\n\r\n'), 400, 'x')).toBeUndefined();
    expect(statelessReply(Buffer.from('SIP/2.0 200 OK\r\n\r\n'), 400, 'x')).toBeUndefined();
    expect(statelessReply(Buffer.from('INVITE sip:a@b SIP/2.0\r\nTo: a\r\n\r\n'), 400, 'x')).toBeUndefined();
    expect(statelessReply(Buffer.from('INVITE sip:a@b SIP/2.0\r\nVia: x\r\n\r\n'), 400, 'x')).toBeUndefined();
    expect(statelessReply(Buffer.from('\x00\x01garbage'), 400, 'x')).toBeUndefined();
  });
});

describe('resolveUri (RFC 3263)', () => {
  const dns: DnsResolver = {
    resolveSrv: async (name) => {
      if (name === '_sip._udp.trunk.example') {
        return [
          { name: 'b.trunk.example', port: 5070, priority: 20, weight: 0 },
          { name: 'a.trunk.example', port: 5080, priority: 10, weight: 0 },
        ];
      }
      if (name === '_sips._tcp.secure.example')
        return [{ name: 'a.trunk.example', port: 5061, priority: 1, weight: 1 }];
      throw new Error('ENOTFOUND');
    },
    resolve4: async (name) =>
      ({
        'a.trunk.example': ['192.0.2.1'],
        'b.trunk.example': ['192.0.2.2'],
        'plain.example': ['192.0.2.3'],
      })[name] ?? [],
    resolve6: async (name) => (name === 'plain.example' ? ['2001:db8::3'] : []),
  };
  const all = ['UDP', 'TCP', 'TLS'] as const;
  const r = (uri: string) => resolveUri(parseSipUri(uri), [...all], dns);

  test('a numeric host: no DNS; transport from the URI or the scheme', async () => {
    expect(await r('sip:x@192.0.2.9')).toEqual([{ transport: 'UDP', address: '192.0.2.9', port: 5060 }]);
    expect(await r('sip:x@[2001:db8::1]:5080;transport=tcp')).toEqual([
      { transport: 'TCP', address: '2001:db8::1', port: 5080 },
    ]);
    expect(await r('sips:x@192.0.2.9')).toEqual([{ transport: 'TLS', address: '192.0.2.9', port: 5061 }]);
  });
  test('SRV by priority, then A for each target', async () => {
    expect(await r('sip:x@trunk.example')).toEqual([
      { transport: 'UDP', address: '192.0.2.1', port: 5080 },
      { transport: 'UDP', address: '192.0.2.2', port: 5070 },
    ]);
    // RFC 5922 §7: the certificate is checked against the URI's domain, not the SRV target's.
    expect(await r('sips:x@secure.example')).toEqual([
      { transport: 'TLS', address: '192.0.2.1', port: 5061, serverName: 'secure.example' },
    ]);
  });
  test('TLS flows to a host name carry it for SNI and certificate checks (RFC 5922 §7)', async () => {
    expect(await r('sip:x@plain.example:5061;transport=tls')).toEqual([
      { transport: 'TLS', address: '192.0.2.3', port: 5061, serverName: 'plain.example' },
      { transport: 'TLS', address: '2001:db8::3', port: 5061, serverName: 'plain.example' },
    ]);
    expect(await r('sips:x@plain.example')).toEqual([
      { transport: 'TLS', address: '192.0.2.3', port: 5061, serverName: 'plain.example' },
      { transport: 'TLS', address: '2001:db8::3', port: 5061, serverName: 'plain.example' },
    ]);
    // An IP address has no name to send; UDP and TCP need none.
    expect(await r('sips:x@192.0.2.9')).toEqual([{ transport: 'TLS', address: '192.0.2.9', port: 5061 }]);
    expect(await r('sip:x@plain.example:5060;transport=tcp')).toEqual([
      { transport: 'TCP', address: '192.0.2.3', port: 5060 },
      { transport: 'TCP', address: '2001:db8::3', port: 5060 },
    ]);
  });
  test('no SRV: A and AAAA with the default port; an explicit port skips SRV', async () => {
    expect(await r('sip:x@plain.example')).toEqual([
      { transport: 'UDP', address: '192.0.2.3', port: 5060 },
      { transport: 'UDP', address: '2001:db8::3', port: 5060 },
    ]);
    expect(await r('sip:x@trunk.example:5099')).toEqual([]);
    expect(await r('sip:x@a.trunk.example:5099')).toEqual([
      { transport: 'UDP', address: '192.0.2.1', port: 5099 },
    ]);
  });
});

describe('session timers (RFC 4028)', () => {
  test('parse and decide', () => {
    expect(parseSessionExpires('1800;refresher=uac')).toEqual({ interval: 1800, refresher: 'uac' });
    expect(parseSessionExpires('90')).toEqual({ interval: 90, refresher: undefined });
    expect(parseSessionExpires('x')).toBeUndefined();
    expect(uasSessionTimer(request('INVITE'))).toEqual({ kind: 'none' });
    expect(uasSessionTimer(request('INVITE', { 'Session-Expires': '60' }))).toEqual({
      kind: 'too-small',
      minSe: 90,
    });
    expect(uasSessionTimer(request('INVITE', { 'Session-Expires': '1800', Supported: 'timer' }))).toEqual({
      kind: 'use',
      timer: { interval: 1800, refresher: 'uac' },
      require: true,
    });
    expect(uasSessionTimer(request('INVITE', { 'Session-Expires': '1800' }))).toMatchObject({
      timer: { refresher: 'uas' },
      require: false,
    });
  });
});

test('listen addresses: IPv4, IPv6 in brackets, port 0', () => {
  expect(parseListen('udp://127.0.0.1:0')).toEqual({ transport: 'UDP', address: '127.0.0.1', port: 0 });
  expect(parseListen('tls://[::1]:5061')).toEqual({ transport: 'TLS', address: '::1', port: 5061 });
  expect(() => parseListen('ws://127.0.0.1:80')).toThrow();
  expect(() => parseListen('udp://example.org:5060')).toThrow();
});
