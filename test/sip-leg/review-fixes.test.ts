/**
 * Review fixes that need the wire: a scripted UDP peer (a bare dgram socket, so each test decides
 * exactly what is answered, lost or never sent) against a real user agent on loopback, and two
 * TransportSets over TCP for the per-request listeners.
 */
import * as dgram from 'node:dgram';
import winston from 'winston';
import { makeResponse } from '../../src/sip/dialog/core';
import { header } from '../../src/sip/message/headers';
import type { Dialog } from '../../src/sip';
import { parseSipMessage, serializeSipMessage } from '../../src/sip/message/message';
import { TransportSet, type Flow } from '../../src/sip/transport/transport';
import type { SipMessage, SipRequest, SipResponse } from '../../src/sip/message/types';
import { waitFor } from '../support/processes';
import { cleanUp, SDP, startUa } from './helpers';

afterEach(cleanUp);

interface Peer {
  port: number;
  got: SipMessage[];
  requests(method: string): SipRequest[];
  send(msg: SipMessage, port: number): void;
  close(): void;
}

const peers: Peer[] = [];
afterEach(() => peers.splice(0).forEach((p) => p.close()));

async function udpPeer(): Promise<Peer> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const got: SipMessage[] = [];
  sock.on('message', (b) => got.push(parseSipMessage(b)));
  const peer: Peer = {
    port: sock.address().port,
    got,
    requests: (m) => got.filter((x): x is SipRequest => x.kind === 'request' && x.method === m),
    send: (msg, port) => sock.send(serializeSipMessage(msg), port, '127.0.0.1'),
    close: () => sock.close(),
  };
  peers.push(peer);
  return peer;
}

const tagged = (req: SipRequest, status: number, extra: Record<string, string> = {}): SipResponse =>
  makeResponse(req, status, {
    toTag: 'peer1',
    headers: Object.entries(extra).map(([name, value]) => ({ name, value })),
  });

function inviteFrom(peer: Peer, uaPort: number, extra: Record<string, string> = {}): SipRequest {
  const hs: Record<string, string> = {
    Via: `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKrev${Math.random().toString(36).slice(2)}`,
    'Max-Forwards': '70',
    From: `<sip:peer@127.0.0.1:${peer.port}>;tag=pf1`,
    To: `<sip:gw@127.0.0.1:${uaPort}>`,
    'Call-ID': `rev-${Math.random().toString(36).slice(2)}@127.0.0.1`,
    CSeq: '1 INVITE',
    Contact: `<sip:peer@127.0.0.1:${peer.port}>`,
    ...extra,
  };
  return {
    kind: 'request',
    method: 'INVITE',
    uri: `sip:gw@127.0.0.1:${uaPort}`,
    headers: Object.entries(hs).map(([name, value]) => ({ name, value })),
    body: SDP,
  };
}

describe('#6 stop() lets BYE and CANCEL transactions finish', () => {
  test('a BYE lost over UDP is retransmitted and answered before the sockets close', async () => {
    const t = await startUa();
    const peer = await udpPeer();
    const call = t.ua.invite({ uri: `sip:bob@127.0.0.1:${peer.port}`, from: 'sip:alice@gw.test', body: SDP });
    const dialog = new Promise<Dialog>((r) => call.on('accepted', (_res, d: Dialog) => r(d)));
    await waitFor(() => peer.requests('INVITE').length > 0, 2000, 'INVITE');
    const invite = peer.requests('INVITE')[0] as SipRequest;
    peer.send(tagged(invite, 200, { Contact: `<sip:bob@127.0.0.1:${peer.port}>` }), t.port());
    const d = await dialog;
    void d.bye();
    const started = Date.now();
    const stopped = t.ua.stop();
    await waitFor(() => peer.requests('BYE').length >= 2, 1800, 'the BYE retransmitted'); // first one "lost"
    peer.send(makeResponse(peer.requests('BYE')[1] as SipRequest, 200), t.port());
    await stopped;
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(Date.now() - started).toBeLessThan(1900); // it ended on the 200, not on the bound
  });

  test('an INVITE with no provisional yet is CANCELled once one comes; the 487 is ACKed', async () => {
    const t = await startUa();
    const peer = await udpPeer();
    const call = t.ua.invite({ uri: `sip:bob@127.0.0.1:${peer.port}`, from: 'sip:alice@gw.test', body: SDP });
    let failed = 0;
    call.on('failed', (r: SipResponse) => (failed = r.status));
    await waitFor(() => peer.requests('INVITE').length > 0, 2000, 'INVITE');
    const invite = peer.requests('INVITE')[0] as SipRequest;
    const stopped = t.ua.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(peer.requests('CANCEL').length).toBe(0); // §9.1: not before a provisional
    peer.send(makeResponse(invite, 100), t.port());
    await waitFor(() => peer.requests('CANCEL').length > 0, 1500, 'CANCEL');
    peer.send(makeResponse(peer.requests('CANCEL')[0] as SipRequest, 200), t.port());
    peer.send(tagged(invite, 487), t.port());
    await stopped;
    expect(failed).toBe(487);
    await waitFor(() => peer.requests('ACK').length > 0, 500, 'the ACK of the 487');
    expect(peer.requests('ACK').length).toBe(1);
    expect(header(peer.requests('ACK')[0] as SipRequest, 'cseq')).toBe('1 ACK');
  });

  test('a 2xx crossing the shutdown CANCEL is ACKed and BYEd before the sockets close', async () => {
    const t = await startUa();
    const peer = await udpPeer();
    t.ua.invite({ uri: `sip:bob@127.0.0.1:${peer.port}`, from: 'sip:alice@gw.test', body: SDP });
    await waitFor(() => peer.requests('INVITE').length > 0, 2000, 'INVITE');
    const invite = peer.requests('INVITE')[0] as SipRequest;
    peer.send(tagged(invite, 180), t.port());
    await new Promise((r) => setTimeout(r, 50));
    const stopped = t.ua.stop();
    await waitFor(() => peer.requests('CANCEL').length > 0, 1500, 'CANCEL');
    peer.send(makeResponse(peer.requests('CANCEL')[0] as SipRequest, 200), t.port());
    peer.send(tagged(invite, 200, { Contact: `<sip:bob@127.0.0.1:${peer.port}>` }), t.port());
    await waitFor(() => peer.requests('BYE').length > 0, 1500, 'BYE');
    peer.send(makeResponse(peer.requests('BYE')[0] as SipRequest, 200), t.port());
    await stopped;
    await waitFor(() => peer.requests('ACK').length > 0, 500, 'the ACK of the 2xx');
    expect(peer.requests('ACK').length).toBe(1);
    expect(header(peer.requests('ACK')[0] as SipRequest, 'to')).toMatch(/tag=peer1/);
  });
});

test('#4 an INVITE with `Contact: *` gets 400 before any 100, and no invite event', async () => {
  const t = await startUa();
  const peer = await udpPeer();
  let invited = false;
  t.ua.on('invite', () => (invited = true));
  peer.send(inviteFrom(peer, t.port(), { Contact: '*' }), t.port());
  await waitFor(() => peer.got.length > 0, 2000, 'an answer');
  await new Promise((r) => setTimeout(r, 100));
  expect(peer.got.map((m) => (m.kind === 'response' ? m.status : m.method))).toEqual([400]);
  expect(invited).toBe(false);
  expect(t.ua.liveDialogs()).toBe(0);
});

test('#10 a CANCEL after the final response gets 200, not 481 (§9.2)', async () => {
  const t = await startUa();
  const peer = await udpPeer();
  t.ua.on('invite', (inv) => inv.reject(486));
  const invite = inviteFrom(peer, t.port());
  peer.send(invite, t.port());
  await waitFor(() => peer.got.some((m) => m.kind === 'response' && m.status === 486), 2000, '486');
  const cancel: SipRequest = {
    ...invite,
    method: 'CANCEL',
    body: '',
    headers: invite.headers
      .filter((h) => !['contact'].includes(h.name.toLowerCase()))
      .map((h) => (h.name === 'CSeq' ? { name: 'CSeq', value: '1 CANCEL' } : h)),
  };
  peer.send(cancel, t.port());
  await waitFor(
    () => peer.got.some((m) => m.kind === 'response' && header(m, 'cseq') === '1 CANCEL'),
    2000,
    'an answer to the CANCEL',
  );
  const answer = peer.got.find((m) => m.kind === 'response' && header(m, 'cseq') === '1 CANCEL');
  expect((answer as SipResponse).status).toBe(200);
});

test('#2 TCP: sending many requests adds no socket listener per request', async () => {
  const logger = winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
  const opts = { maxMessageBytes: 65536, logger, onMessage: () => undefined };
  const server = await TransportSet.open([{ transport: 'TCP', address: '127.0.0.1', port: 0 }], opts);
  const client = await TransportSet.open([{ transport: 'TCP', address: '127.0.0.1', port: 0 }], opts);
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.name);
  process.on('warning', onWarning);
  try {
    const to: Flow = { transport: 'TCP', address: '127.0.0.1', port: server.bound()[0]?.port as number };
    for (let i = 0; i < 500; i++) client.send(to, 'OPTIONS sip:x@y SIP/2.0\r\n\r\n', () => undefined);
    const streams = (client as unknown as { streams: Map<string, { socket: import('node:net').Socket }> })
      .streams;
    const socket = [...streams.values()][0]?.socket;
    expect(socket).toBeDefined();
    expect(socket?.listenerCount('close')).toBeLessThanOrEqual(2);
    await new Promise((r) => setImmediate(r));
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  } finally {
    process.off('warning', onWarning);
    await client.close();
    await server.close();
  }
});

test('#8 the Contact of an outgoing INVITE matches the transport the request goes over', async () => {
  const a = await startUa();
  const b = await startUa();
  let contact = '';
  a.ua.on('invite', (inv) => {
    contact = header(inv.request, 'contact') ?? '';
    inv.reject(486);
  });
  const call = b.ua.invite({
    uri: `sip:alice@${a.addr('TCP')};transport=tcp`,
    from: 'sip:bob@b.test',
    body: SDP,
  });
  await new Promise((r) => call.on('failed', r));
  expect(contact).toBe(`<sip:gw@127.0.0.1:${b.port('TCP')};transport=tcp>`);
  const udp = b.ua.invite({ uri: `sip:alice@${a.addr('UDP')}`, from: 'sip:bob@b.test', body: SDP });
  await new Promise((r) => udp.on('failed', r));
  expect(contact).toBe(`<sip:gw@127.0.0.1:${b.port('UDP')}>`);
});
