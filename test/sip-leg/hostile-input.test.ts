/**
 * Bad input at the edge (issue 3): garbage, malformed and oversized messages over UDP and TCP get
 * a stateless 400/513 when answerable, are dropped otherwise, and never crash the UA.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { cleanUp, startUa } from './helpers';

afterEach(cleanUp);

const options = (extra = '', body = ''): string =>
  [
    'OPTIONS sip:gw@127.0.0.1 SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKhostile',
    'From: <sip:x@127.0.0.1>;tag=1',
    'To: <sip:gw@127.0.0.1>',
    'Call-ID: hostile-1',
    'CSeq: 1 OPTIONS',
    ...(extra ? [extra] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');

function udpExchange(port: number, datagrams: Buffer[], wait = 300): Promise<string[]> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const got: string[] = [];
    s.on('message', (m) => got.push(m.toString()));
    s.bind(0, '127.0.0.1', () => {
      for (const d of datagrams) s.send(d, port, '127.0.0.1');
      setTimeout(() => s.close(() => resolve(got)), wait);
    });
  });
}

test('UDP: garbage is dropped, a malformed request gets 400, an oversized one 513, and the UA lives on', async () => {
  const t = await startUa({ maxMessageBytes: 4096 });
  const got = await udpExchange(t.port(), [
    Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10]),
    Buffer.from('\r\n\r\n'),
    Buffer.from(options('Max-Forwards: 9999')),
    Buffer.from(options('', 'x'.repeat(5000))),
    Buffer.from(options().replace('CSeq: 1 OPTIONS', 'CSeq: 1 INVITE')),
    Buffer.from('SIP/2.0 200 OK\r\nVia: nonsense\r\n\r\n'),
    Buffer.from(options()),
  ]);
  const firstLines = got.map((g) => g.split('\r\n')[0]).sort();
  expect(firstLines).toEqual([
    'SIP/2.0 200 OK',
    'SIP/2.0 400 Bad Request',
    'SIP/2.0 400 Bad Request',
    'SIP/2.0 513 Message Too Large',
  ]);
  expect(got.find((g) => g.startsWith('SIP/2.0 513'))).toMatch(/Call-ID: hostile-1/);
  expect(t.ua.liveDialogs()).toBe(0);
});

test('TCP: a message without Content-Length gets 400 and the connection is closed; others keep working', async () => {
  const t = await startUa();
  const reply = await new Promise<string>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: t.port('TCP') }, () =>
      s.write(
        options()
          .replace(/Content-Length: 0\r\n/, '')
          .replace('UDP', 'TCP'),
      ),
    );
    let buf = '';
    s.on('data', (d) => (buf += d.toString()));
    s.on('close', () => resolve(buf));
  });
  expect(reply).toMatch(/^SIP\/2.0 400 Bad Request/);
  const ok = await new Promise<string>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: t.port('TCP') }, () =>
      s.write(options().replace('UDP', 'TCP')),
    );
    s.on('data', (d) => {
      resolve(d.toString());
      s.destroy();
    });
  });
  expect(ok).toMatch(/^SIP\/2.0 200 OK/);
});
