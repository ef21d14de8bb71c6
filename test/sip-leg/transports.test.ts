/**
 * TCP, TLS (a self-signed certificate made with openssl in the test) and IPv6 (issue 3:
 * "Listen on UDP, TCP and TLS …, IPv4 and IPv6").
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import type * as tls from 'node:tls';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import winston from 'winston';
import type { ClientInvite, Dialog, ServerInvite } from '../../src/sip';
import type { SipResponse } from '../../src/sip/message/types';
import { freePort, sleep, spawnProc, waitFor } from '../support/processes';
import { TransportSet, UDP_BUFFER_BYTES } from '../../src/sip/transport/transport';
import { startSipp } from '../support/sipp';
import { cleanUp, SDP, startUa } from './helpers';

afterEach(cleanUp);

let certDir: string;
let cert: string;
let key: string;
let namedCert: string;
let namedKey: string;

/** A self-signed certificate for `subj` / `san`, as `<name>cert.pem`/`<name>key.pem` in certDir. */
function selfSigned(name: string, subj: string, san: string): { cert: string; key: string } {
  const keyFile = path.join(certDir, `${name}key.pem`);
  const certFile = path.join(certDir, `${name}cert.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-subj',
      subj,
      '-addext',
      san,
    ],
    { stdio: 'ignore' },
  );
  return { cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8') };
}

beforeAll(() => {
  certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-tls-'));
  ({ cert, key } = selfSigned('', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1'));
  // A certificate for a host name only (no IP address in it), for SNI / RFC 5922 §7.
  ({ cert: namedCert, key: namedKey } = selfSigned(
    'named-',
    '/CN=trunk.sip.test',
    'subjectAltName=DNS:trunk.sip.test',
  ));
});

afterAll(() => fs.rmSync(certDir, { recursive: true, force: true }));

function answered(call: ClientInvite): Promise<{ res: SipResponse; dialog?: Dialog }> {
  return new Promise((resolve) => {
    call.on('accepted', (res: SipResponse, dialog: Dialog) => resolve({ res, dialog }));
    call.on('failed', (res: SipResponse) => resolve({ res }));
  });
}

test('TCP: SIPp uac (t1) calls the UA; the whole call stays on TCP', async () => {
  const t = await startUa();
  t.ua.on('invite', (inv: ServerInvite) => inv.accept(SDP));
  const sipp = await startSipp({
    scenario: 'uac',
    remote: t.addr('TCP'),
    port: await freePort(),
    transport: 't1',
  });
  const r = await sipp.done;
  if (r.code !== 0) console.log(r.output);
  expect(r.code).toBe(0);
  expect(t.sent('SIP/2.0 200').every((l) => String(l.meta.to).startsWith('TCP|'))).toBe(true);
  expect(t.ua.liveDialogs()).toBe(0);
});

test('TCP: the UA calls SIPp (transport=tcp) and hangs up', async () => {
  const t = await startUa();
  const port = await freePort();
  const sipp = await startSipp({ scenario: 'uas-answer.xml', port, transport: 't1' });
  await sleep(300);
  const call = t.ua.invite({
    uri: `sip:bob@127.0.0.1:${port};transport=tcp`,
    from: 'sip:alice@gw.test',
    body: SDP,
  });
  const { res, dialog } = await answered(call);
  expect(res.status).toBe(200);
  await dialog?.bye();
  const r = await sipp.done;
  if (r.code !== 0) console.log(r.output);
  expect(r.code).toBe(0);
  expect(t.log.filter((l) => l.message === 'send').every((l) => String(l.meta.to).startsWith('TCP|'))).toBe(
    true,
  );
  expect(t.sent('INVITE ')[0]?.meta.text).toMatch(/Via: SIP\/2.0\/TCP /);
  expect(t.ua.liveDialogs()).toBe(0);
});

test('TLS: a call between two user agents, the server certificate verified', async () => {
  const a = await startUa({ listen: ['tls://127.0.0.1:0'], tls: { cert, key } });
  const b = await startUa({
    listen: ['udp://127.0.0.1:0', 'tls://127.0.0.1:0'],
    tls: { cert, key, ca: cert },
  });
  let bye = false;
  a.ua.on('invite', (inv: ServerInvite) => inv.accept(SDP).on('bye', () => (bye = true)));
  const call = b.ua.invite({ uri: `sips:alice@${a.addr('TLS')}`, from: 'sip:bob@b.test', body: SDP });
  const { res, dialog } = await answered(call);
  expect(res.status).toBe(200);
  // §8.1.1.8 / §12.1.1: a sips: request and its answer carry SIPS Contacts.
  expect(header(res.headers, 'contact')).toMatch(/^<sips:gw@127\.0\.0\.1:\d+>$/);
  expect(b.sent('INVITE ')[0]?.meta.text).toMatch(
    new RegExp(`Contact: <sips:gw@127\\.0\\.0\\.1:${b.port('TLS')}>`),
  );
  await dialog?.bye();
  await waitFor(() => bye, 2000, 'BYE over TLS');
  expect(b.sent('INVITE ')[0]?.meta.text).toMatch(/Via: SIP\/2.0\/TLS /);
  await waitFor(() => a.ua.liveDialogs() === 0 && b.ua.liveDialogs() === 0, 2000, 'no live dialogs');
});

test('TLS: a trunk addressed by host name is verified against that name (SNI, RFC 5922 §7)', async () => {
  const a = await startUa({ listen: ['tls://127.0.0.1:0'], tls: { cert: namedCert, key: namedKey } });
  let sni: string | false | null | undefined;
  a.ua.on('invite', (inv: ServerInvite) => inv.reject(486));
  const b = await startUa({
    listen: ['tls://127.0.0.1:0'],
    tls: { cert, key, ca: namedCert },
    resolver: {
      resolveSrv: async () => {
        throw new Error('ENOTFOUND');
      },
      resolve4: async (n) => (n === 'trunk.sip.test' ? ['127.0.0.1'] : []),
      resolve6: async () => [],
    },
  });
  // What the server saw as SNI: the TLS server of `a` is reachable through its transports.
  const servers = (a.ua as unknown as { transports: { servers: Array<{ server: tls.Server }> } }).transports
    .servers;
  servers[0]?.server.on('secureConnection', (s: tls.TLSSocket) => (sni = s.servername));
  const call = b.ua.invite({
    uri: `sips:alice@trunk.sip.test:${a.port('TLS')}`,
    from: 'sip:bob@b.test',
    body: SDP,
  });
  const { res } = await answered(call);
  expect(res.status).toBe(486); // not a local 503: the handshake verified trunk.sip.test
  expect(sni).toBe('trunk.sip.test');
});

test('TLS: an untrusted certificate fails the call with a local 503', async () => {
  const a = await startUa({ listen: ['tls://127.0.0.1:0'], tls: { cert, key } });
  const b = await startUa({ listen: ['tls://127.0.0.1:0'], tls: { cert, key } }); // no ca: self-signed refused
  const call = b.ua.invite({ uri: `sips:alice@${a.addr('TLS')}`, from: 'sip:bob@b.test', body: SDP });
  const { res } = await answered(call);
  expect(res.status).toBe(503);
  expect(b.ua.liveDialogs()).toBe(0);
});

test('TLS: openssl s_client sends OPTIONS and gets 200 with Allow', async () => {
  const a = await startUa({ listen: ['tls://127.0.0.1:0'], tls: { cert, key } });
  const port = a.port('TLS');
  const options = [
    `OPTIONS sip:gw@127.0.0.1:${port};transport=tls SIP/2.0`,
    'Via: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bKopenssl1',
    'From: <sip:probe@127.0.0.1>;tag=p1',
    `To: <sip:gw@127.0.0.1:${port}>`,
    'Call-ID: openssl-probe-1',
    'CSeq: 1 OPTIONS',
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const p = spawnProc(
    'openssl',
    'openssl',
    ['s_client', '-connect', `127.0.0.1:${port}`, '-quiet', '-CAfile', path.join(certDir, 'cert.pem')],
    {
      input: options,
    },
  );
  await waitFor(() => /SIP\/2.0 200 OK/.test(p.output()), 5000, 'a 200 over TLS');
  expect(p.output()).toMatch(/Allow: INVITE/);
  await p.stop();
});

test('IPv6: SIPp uac on [::1] calls the UA listening on [::1]', async () => {
  const t = await startUa({ listen: ['udp://[::1]:0'] });
  t.ua.on('invite', (inv: ServerInvite) => inv.accept(SDP));
  const sipp = await startSipp({
    scenario: 'uac',
    remote: t.addr('UDP'),
    host: '::1',
    port: await freePort('::1'),
  });
  const r = await sipp.done;
  if (r.code !== 0) console.log(r.output);
  expect(r.code).toBe(0);
  const ok = String(t.sent('SIP/2.0 200')[0]?.meta.text);
  expect(ok).toMatch(/Contact: <sip:gw@\[::1\]:\d+>/);
  expect(t.ua.liveDialogs()).toBe(0);
});

function header(hs: { name: string; value: string }[], name: string): string | undefined {
  return hs.find((h) => h.name.toLowerCase() === name)?.value;
}

test('UTF-8 survives the wire (display names, body): npm sip’s latin1 mangling is avoided', async () => {
  const a = await startUa();
  const b = await startUa();
  let from = '';
  let body = '';
  a.ua.on('invite', (inv: ServerInvite) => {
    from = header(inv.request.headers, 'from') ?? '';
    body = inv.request.body;
    inv.reject(486);
  });
  const sdp = SDP.replace('s=-', 's=Jürgen’s café ☎');
  const call = b.ua.invite({
    uri: `sip:alice@${a.addr('TCP')};transport=tcp`,
    from: 'sip:bob@b.test',
    fromDisplay: 'Jürgen Ünïcødé 😀',
    body: sdp,
  });
  const { res } = await answered(call);
  expect(res.status).toBe(486);
  expect(from).toMatch(/^"Jürgen Ünïcødé 😀" <sip:bob@b.test>;tag=/);
  expect(body).toBe(sdp);
});

describe('UDP socket buffers (issue 12)', () => {
  /** What the kernel grants at most (Linux: net.core.rmem_max / wmem_max), or undefined elsewhere. */
  const max = (f: string): number | undefined => {
    try {
      return Number(fs.readFileSync(`/proc/sys/net/core/${f}`, 'utf8'));
    } catch {
      return undefined;
    }
  };

  it('asks 4 MiB for receive and send by default, and logs what the kernel granted', async () => {
    const entries: Array<Record<string, unknown>> = [];
    const logger = winston.createLogger({
      level: 'debug',
      transports: [
        new winston.transports.Stream({
          stream: new Writable({
            write(c: Buffer, _e, cb) {
              entries.push(JSON.parse(c.toString()) as Record<string, unknown>);
              cb();
            },
          }),
        }),
      ],
      format: winston.format.json(),
    });
    const set = await TransportSet.open([{ transport: 'UDP', address: '127.0.0.1', port: 0 }], {
      maxMessageBytes: 65536,
      logger,
      onMessage: () => undefined,
    });
    await set.close();
    const e = entries.find((x) => /UDP (socket buffers|receive buffer smaller)/.test(String(x.message)));
    expect(e).toMatchObject({ asked: UDP_BUFFER_BYTES });
    const rmem = max('rmem_max');
    if (rmem !== undefined) expect(e?.receive).toBe(Math.min(UDP_BUFFER_BYTES, rmem));
    expect(e?.message).toBe(
      rmem !== undefined && rmem < UDP_BUFFER_BYTES
        ? 'UDP receive buffer smaller than asked: raise net.core.rmem_max'
        : 'UDP socket buffers',
    );
  });
});
