/**
 * Bad input at the edge (issue 3): garbage, malformed and oversized messages over UDP and TCP get
 * a stateless 400/513 when answerable, are dropped otherwise, and never crash the UA; the RFC 3261
 * §8.2 checks (415, 420) also refuse in-dialog requests without touching the dialog (issue 10).
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { header } from '../../src/sip/message/headers';
import { parseSipMessage, serializeSipMessage } from '../../src/sip/message/message';
import type { ServerInvite } from '../../src/sip/dialog/server-invite';
import type { SipHeader, SipMessage, SipRequest, SipResponse } from '../../src/sip/message/types';
import { waitFor } from '../support/processes';
import { cleanUp, SDP, startUa } from './helpers';

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

/** A scripted UDP peer: parses what it gets, sends our codec's text. */
async function scriptedPeer(): Promise<{
  port: number;
  got: SipMessage[];
  send(m: SipMessage, to: number): void;
  close(): void;
}> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const got: SipMessage[] = [];
  s.on('message', (b) => got.push(parseSipMessage(b)));
  return {
    port: s.address().port,
    got,
    send: (m, to) => s.send(serializeSipMessage(m), to, '127.0.0.1'),
    close: () => s.close(),
  };
}

test('in a dialog, a re-INVITE with a body we do not take gets 415 and an INFO with an unknown Require 420; the dialog lives on (RFC 3261 §8.2.2.3, §8.2.3)', async () => {
  const t = await startUa();
  const peer = await scriptedPeer();
  t.ua.on('invite', (inv: ServerInvite) => inv.accept(SDP));
  const at = `127.0.0.1:${peer.port}`;
  const base = (method: string, seq: number, to: string, extra: SipHeader[] = [], body = ''): SipRequest => ({
    kind: 'request',
    method,
    uri: `sip:gw@127.0.0.1:${t.port()}`,
    headers: [
      { name: 'Via', value: `SIP/2.0/UDP ${at};branch=z9hG4bKdlg${method}${seq}` },
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: `<sip:peer@${at}>;tag=p1` },
      { name: 'To', value: to },
      { name: 'Call-ID', value: 'in-dialog-checks' },
      { name: 'CSeq', value: `${seq} ${method}` },
      { name: 'Contact', value: `<sip:peer@${at}>` },
      ...extra,
    ],
    body,
  });
  const answer = async (seq: number, method: string): Promise<SipResponse> => {
    await waitFor(
      () =>
        peer.got.some(
          (m) => m.kind === 'response' && m.status >= 200 && header(m, 'cseq') === `${seq} ${method}`,
        ),
      3000,
      `the answer to ${method}`,
    );
    return peer.got.find(
      (m) => m.kind === 'response' && m.status >= 200 && header(m, 'cseq') === `${seq} ${method}`,
    ) as SipResponse;
  };
  const sdp: SipHeader[] = [{ name: 'Content-Type', value: 'application/sdp' }];
  const invite = base('INVITE', 1, `<sip:gw@127.0.0.1:${t.port()}>`, sdp, SDP);
  peer.send(invite, t.port());
  const ok = await answer(1, 'INVITE');
  expect(ok.status).toBe(200);
  const to = header(ok, 'to') as string;
  peer.send(
    { ...base('ACK', 1, to), headers: base('ACK', 1, to).headers.filter((h) => h.name !== 'Contact') },
    t.port(),
  );

  peer.send(base('INVITE', 2, to, [{ name: 'Content-Type', value: 'text/plain' }], 'hello'), t.port());
  const r415 = await answer(2, 'INVITE');
  expect(r415.status).toBe(415);
  expect(r415.headers.find((h) => h.name === 'Accept')?.value).toBe(
    'application/sdp, multipart/mixed, multipart/alternative',
  );
  peer.send(base('ACK', 2, to), t.port());
  peer.send(base('INFO', 3, to, [{ name: 'Require', value: 'nothingSupportsThis' }]), t.port());
  const r420 = await answer(3, 'INFO');
  expect([r420.status, header(r420, 'unsupported')]).toEqual([420, 'nothingSupportsThis']);
  expect(t.ua.liveDialogs()).toBe(1);
  peer.send(base('BYE', 4, to), t.port());
  expect((await answer(4, 'BYE')).status).toBe(200);
  await waitFor(() => t.ua.liveDialogs() === 0, 2000, 'the dialog to end');
  peer.close();
});
