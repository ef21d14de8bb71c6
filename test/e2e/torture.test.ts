/**
 * Issue 10, "safe on the public internet": every RFC 4475 torture message (test/fixtures/torture)
 * sent over real sockets to the running gateway, over UDP and over TCP, and the answer the RFC's
 * text asks of a user agent for each (docs/policy.md §Hostile and unusual SIP). Only the top Via
 * (transport, sent-by) and the Request-URI host are rewritten to this test and the gateway; every
 * other byte goes as in the RFC. The XMPP user `user` (the RFC's own Request-URI user) is online:
 * the well-formed INVITEs would ring it, but each is refused first (their SDP, `a=rtpmap:31 LPC`
 * with no clock rate, is not valid RFC 4566 → 488), so its phone must never see a propose. Every
 * final answer to an INVITE is ACKed. Afterwards the gateway answers a plain OPTIONS, logged no
 * error, and logged the malformed messages once per 10 s, not once each.
 */
import { readFileSync, readdirSync } from 'node:fs';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { join } from 'node:path';
import { header, parseSipMessage, type SipResponse } from '../../src/sip/message';
import { StreamFramer } from '../../src/sip/transport/stream-framer';
import { jmiChild } from '../xmpp/bots';
import { connectBot, describeE2e, type Bed, type Bot } from './harness';

type Transport = 'UDP' | 'TCP';

/** What the gateway answers: its final statuses, in order (none: the message is dropped). */
interface Answer {
  finals: number[];
  /** TCP: the gateway closes the connection (the framing is broken for good). */
  closes?: true;
  /** More checks on the final responses. */
  check?: (finals: SipResponse[]) => void;
}

interface Row {
  file: string;
  section: string;
  /** What RFC 4475 says, in short. */
  rfc: string;
  udp: Answer;
  /** Default: as over UDP. */
  tcp?: Answer;
}

const NONE: Answer = { finals: [] };
const only = (status: number, check?: Answer['check']): Answer => ({ finals: [status], check });
const rawHeader = (r: SipResponse, name: string): string | undefined =>
  r.headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
const allows = (finals: SipResponse[]): void => expect(rawHeader(finals[0], 'Allow')).toMatch(/^INVITE, ACK/);
/** The RFC's SDP has `a=rtpmap:31 LPC`, no clock rate (RFC 4566 §6): the offer is refused, 488. */
const badSdp = only(488, (f) =>
  expect(rawHeader(f[0], 'Warning')).toMatch(/^399 \S+ "sdp: line 8 \(a=rtpmap:31 LPC\)/),
);

/** RFC 4475 §3, message by message: the answer a user agent owes (or "none": dropped). */
const TABLE: Row[] = [
  {
    file: 'wsinv',
    section: '3.1.1.1',
    rfc: 'well formed; To has a tag: no such dialog → 481 (RFC 3261 §12.2.2)',
    udp: only(481),
  },
  { file: 'intmeth', section: '3.1.1.2', rfc: 'endpoints answer 501 with Allow', udp: only(501, allows) },
  {
    file: 'esc01',
    section: '3.1.1.3',
    rfc: 'well formed; the callee sips:user@example.com is not at a served XMPP domain → 404 (docs/policy.md §Inbound)',
    udp: only(404),
  },
  {
    file: 'escnull',
    section: '3.1.1.4',
    rfc: 'well formed REGISTER; not a registrar → 405 (as §3.3.7)',
    udp: only(405, allows),
  },
  {
    file: 'esc02',
    section: '3.1.1.5',
    rfc: 'unknown method, not REGISTER: endpoints answer 501',
    udp: only(501, allows),
  },
  { file: 'lwsdisp', section: '3.1.1.6', rfc: 'accept as well formed', udp: only(200) },
  {
    file: 'longreq',
    section: '3.1.1.7',
    rfc: 'well formed INVITE: processed; its SDP is not valid RFC 4566 → 488',
    udp: badSdp,
  },
  {
    file: 'dblreq',
    section: '3.1.1.8',
    rfc: 'handle the REGISTER (405), ignore the INVITE octets after it in the datagram (RFC 3261 §18.3)',
    udp: only(405),
    // On a stream those octets are the next message: an INVITE without Contact → 400 (§8.1.1.8),
    // whose Content-Length is 2 bytes short: what follows it breaks the framing for good.
    tcp: { finals: [405, 400], closes: true },
  },
  { file: 'semiuri', section: '3.1.1.9', rfc: 'accept as well formed', udp: only(200) },
  { file: 'transports', section: '3.1.1.10', rfc: 'accept as well formed', udp: only(200) },
  {
    file: 'mpart01',
    section: '3.1.1.11',
    rfc: 'parse it (binary part framed); MESSAGE is not taken → 405',
    udp: only(405, allows),
  },
  {
    file: 'unreason',
    section: '3.1.1.12',
    rfc: 'a well formed response; it matches no transaction: none',
    udp: NONE,
  },
  {
    file: 'noreason',
    section: '3.1.1.13',
    rfc: 'a well formed response; it matches no transaction: none',
    udp: NONE,
  },
  { file: 'badinv01', section: '3.1.2.1', rfc: '400', udp: only(400) },
  {
    file: 'clerr',
    section: '3.1.2.2',
    rfc: 'UDP: 400; TCP: wait for the rest of the body',
    udp: only(400),
    tcp: NONE,
  },
  {
    file: 'ncl',
    section: '3.1.2.3',
    rfc: 'an error; TCP: the framing is lost, close the connection',
    udp: only(400),
    tcp: { finals: [400], closes: true },
  },
  { file: 'scalar02', section: '3.1.2.4', rfc: '400 (CSeq over 2**32-1)', udp: only(400) },
  { file: 'scalarlg', section: '3.1.2.5', rfc: 'a response: discard it', udp: NONE },
  { file: 'quotbal', section: '3.1.2.6', rfc: '400', udp: only(400) },
  { file: 'ltgtruri', section: '3.1.2.7', rfc: '400', udp: only(400) },
  { file: 'lwsruri', section: '3.1.2.8', rfc: '400', udp: only(400) },
  { file: 'lwsstart', section: '3.1.2.9', rfc: 'may be rejected as malformed: 400', udp: only(400) },
  { file: 'trws', section: '3.1.2.10', rfc: 'may be rejected as malformed: 400', udp: only(400) },
  { file: 'escruri', section: '3.1.2.11', rfc: '400', udp: only(400) },
  {
    file: 'baddate',
    section: '3.1.2.12',
    rfc: 'reject only if the Date matters; it does not: processed; its SDP is not valid RFC 4566 → 488',
    udp: badSdp,
  },
  { file: 'regbadct', section: '3.1.2.13', rfc: '400', udp: only(400) },
  { file: 'badaspec', section: '3.1.2.14', rfc: '400', udp: only(400) },
  { file: 'baddn', section: '3.1.2.15', rfc: '400', udp: only(400) },
  {
    file: 'badvers',
    section: '3.1.2.16',
    rfc: '505 Version Not Supported',
    udp: only(505, (f) => expect(f[0].reason).toBe('Version Not Supported')),
  },
  { file: 'mismatch01', section: '3.1.2.17', rfc: '400', udp: only(400) },
  { file: 'mismatch02', section: '3.1.2.18', rfc: '501, or 400 (also acceptable): 400', udp: only(400) },
  { file: 'bigcode', section: '3.1.2.19', rfc: 'a response: drop it', udp: NONE },
  {
    file: 'badbranch',
    section: '3.2.1',
    rfc: '400, or fall back to RFC 2543 matching: it is answered (200)',
    udp: only(200),
  },
  {
    file: 'insuf',
    section: '3.3.1',
    rfc: 'no Call-ID, From, To: ideally 400',
    udp: only(400, (f) => expect(header(f[0], 'To')).toBeUndefined()),
  },
  { file: 'unkscm', section: '3.3.2', rfc: '416 Unsupported URI Scheme', udp: only(416) },
  { file: 'novelsc', section: '3.3.3', rfc: 'a scheme never taken: 416', udp: only(416) },
  {
    file: 'unksm2',
    section: '3.3.4',
    rfc: 'a registrar answers 400; not a registrar → 405',
    udp: only(405, allows),
  },
  {
    file: 'bext01',
    section: '3.3.5',
    rfc: '420 with Unsupported listing the Require tags (a UAS)',
    udp: only(420, (f) =>
      expect(rawHeader(f[0], 'Unsupported')).toBe('nothingSupportsThis, nothingSupportsThisEither'),
    ),
  },
  {
    file: 'invut',
    section: '3.3.6',
    rfc: 'an endpoint answers 415',
    udp: only(415, (f) => expect(rawHeader(f[0], 'Accept')).toMatch(/^application\/sdp\b/)),
  },
  {
    file: 'regaut01',
    section: '3.3.7',
    rfc: 'endpoints that are not registrars: 405',
    udp: only(405, allows),
  },
  { file: 'multi01', section: '3.3.8', rfc: '400', udp: only(400) },
  {
    file: 'mcl01',
    section: '3.3.9',
    rfc: 'an error; TCP: the framing is lost, close the connection',
    udp: only(400),
    tcp: { finals: [400], closes: true },
  },
  { file: 'bcast', section: '3.3.10', rfc: 'an endpoint discards it', udp: NONE },
  { file: 'zeromf', section: '3.3.11', rfc: 'the target processes it', udp: only(200) },
  { file: 'cparam01', section: '3.3.12', rfc: 'a registrar takes it; not a registrar → 405', udp: only(405) },
  { file: 'cparam02', section: '3.3.13', rfc: 'a registrar takes it; not a registrar → 405', udp: only(405) },
  { file: 'regescrt', section: '3.3.14', rfc: 'a registrar takes it; not a registrar → 405', udp: only(405) },
  { file: 'sdp01', section: '3.3.15', rfc: 'the answer cannot be SDP: 406', udp: only(406) },
  {
    file: 'inv2543',
    section: '3.4.1',
    rfc: 'RFC 2543 compatibility is optional; no Contact → 400 (RFC 3261 §8.1.1.8)',
    udp: only(400),
    // No Content-Length: on a stream that is a framing error (RFC 3261 §18.3).
    tcp: { finals: [400], closes: true },
  },
];

const FIXTURES = join(__dirname, '..', 'fixtures', 'torture');
function fixture(name: string): Buffer {
  for (const kind of ['valid', 'invalid']) {
    try {
      return readFileSync(join(FIXTURES, kind, `${name}.sip`));
    } catch {
      /* the other directory */
    }
  }
  throw new Error(`no fixture ${name}`);
}

/**
 * The message aimed at the gateway: in a request, the Request-URI's host (a sip:/sips: URI) and
 * the top Via's transport and sent-by are replaced; folding and every other byte are kept.
 */
function aim(raw: Buffer, transport: Transport, local: number, gw: number): Buffer {
  let text = raw.toString('latin1');
  if (text.startsWith('SIP/')) return raw;
  const eol = text.indexOf('\r\n');
  const line = text
    .slice(0, eol)
    .replace(/(<?sips?:(?:[^@\s>]*@)?)([^;?>\s:]+)(:[0-9]+)?/i, `$1127.0.0.1:${gw}`);
  text = line + text.slice(eol);
  const head = text.indexOf('\r\n\r\n');
  const via =
    /(\r\n(?:via|v)[ \t]*:[ \t\r\n]*SIP[ \t\r\n]*\/[ \t\r\n]*[0-9.]+[ \t\r\n]*\/[ \t\r\n]*)([A-Za-z]+)([ \t\r\n]+)([^;,\s]+)/i;
  const m = via.exec(text);
  if (m && m.index < head) {
    text =
      text.slice(0, m.index) +
      `${m[1]}${transport}${m[3]}127.0.0.1:${local}` +
      text.slice(m.index + m[0].length);
  }
  return Buffer.from(text, 'latin1');
}

/** A raw SIP peer of the gateway: one UDP socket, or one TCP connection per message. */
interface Peer {
  readonly port: number;
  got: Array<SipResponse | string>;
  send(data: Buffer): void;
  closed(): boolean;
  end(): void;
}

/**
 * A response as received: status line and header lines, not validated (a stateless 400 echoes
 * the broken Via or CSeq it answers, RFC 3261 §8.2.6.2); anything else is kept as a string.
 */
function record(got: Peer['got'], bytes: Buffer): void {
  const text = bytes.toString('utf8');
  const [head = ''] = text.split('\r\n\r\n', 1);
  const [first = '', ...lines] = head.split('\r\n');
  const m = /^SIP\/2\.0 ([1-6][0-9]{2}) (.*)$/.exec(first);
  if (!m) {
    got.push(`not a response: ${first.slice(0, 80)}`);
    return;
  }
  const hs = lines.map((l) => {
    const colon = l.indexOf(':');
    return { name: l.slice(0, colon).trim(), value: l.slice(colon + 1).trim() };
  });
  got.push({ kind: 'response', status: Number(m[1]), reason: m[2], headers: hs, body: '' });
}

async function udpPeer(gw: number): Promise<Peer> {
  const socket = dgram.createSocket('udp4');
  const got: Peer['got'] = [];
  socket.on('message', (m) => record(got, m));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return {
    port: socket.address().port,
    got,
    send: (data) => socket.send(data, gw, '127.0.0.1'),
    closed: () => false,
    end: () => socket.close(),
  };
}

async function tcpPeer(gw: number): Promise<Peer> {
  const socket = net.connect({ host: '127.0.0.1', port: gw });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const got: Peer['got'] = [];
  const framer = new StreamFramer(1 << 20);
  let closed = false;
  socket.on('data', (d) => {
    for (const f of framer.push(d)) {
      if (f.kind === 'message') record(got, f.bytes);
      else got.push(`framing: ${f.detail}`);
    }
  });
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  return {
    port: socket.localPort as number,
    got,
    send: (data) => socket.write(data),
    closed: () => closed,
    end: () => socket.destroy(),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms: number, what: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what()}`);
    await sleep(10);
  }
}

/** The responses meant for this message: by Call-ID (all of them, dblreq has two), else CSeq. */
function mine(raw: Buffer): (r: SipResponse) => boolean {
  const text = raw.toString('latin1');
  const ids = [...text.matchAll(/\r\n(?:call-id|i)[ \t]*:[ \t]*(\S+)/gi)].map((m) => m[1]);
  const cseq = /\r\ncseq[ \t]*:[ \t]*([^\r\n]+)/i.exec(text)?.[1];
  return (r) => (ids.length > 0 ? ids.includes(header(r, 'call-id') ?? '') : header(r, 'cseq') === cseq);
}

/** The final responses for this message; a UDP retransmission of one (§17.2.1) counts once. */
function finalsOf(p: Peer, m: (r: SipResponse) => boolean): SipResponse[] {
  const seen = new Set<string>();
  return p.got.filter((r): r is SipResponse => {
    if (typeof r === 'string' || r.status < 200 || !m(r)) return false;
    const key = `${r.status} ${header(r, 'cseq')} ${header(r, 'to')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The request line's Request-URI for `method` in the bytes sent (an ACK uses it, §17.1.1.3). */
function requestUri(sent: Buffer, method: string): string {
  return (
    new RegExp(`(?:^|\\r\\n)${method} (\\S+) SIP/`).exec(sent.toString('latin1'))?.[1] ?? 'sip:127.0.0.1'
  );
}

/** §17.1.1.3: the ACK for a non-2xx final response to an INVITE, built from the response. */
function ackFor(res: SipResponse, uri: string): Buffer | undefined {
  const [via, from, to, callId] = ['via', 'from', 'to', 'call-id'].map((n) => header(res, n));
  const seq = /^\s*(\d+)/.exec(header(res, 'cseq') ?? '')?.[1];
  if (!via || !from || !to || !callId || !seq) return undefined;
  const lines = [`ACK ${uri} SIP/2.0`, `Via: ${via}`, 'Max-Forwards: 70', `From: ${from}`, `To: ${to}`];
  lines.push(`Call-ID: ${callId}`, `CSeq: ${seq} ACK`, 'Content-Length: 0', '', '');
  return Buffer.from(lines.join('\r\n'));
}

/**
 * Sends one message and checks what comes back: the final answers expected, in order, and nothing
 * else within a short quiet time after them (or within 800 ms when none is expected); a To tag on
 * each (§8.2.6.2); over TCP, whether the gateway closed the connection. Every non-2xx final to an
 * INVITE is ACKed (§17.1.1.3).
 */
async function exchange(p: Peer, transport: Transport, sent: Buffer, want: Answer): Promise<void> {
  const ours = mine(sent);
  p.send(sent);
  if (want.finals.length > 0) {
    await until(
      () => finalsOf(p, ours).length >= want.finals.length,
      5000,
      () => `${want.finals.join(', ')}; got ${JSON.stringify(p.got)}`,
    );
  }
  await sleep(want.finals.length === 0 ? 800 : 300);
  const finals = finalsOf(p, ours);
  expect(finals.map((r) => r.status)).toEqual(want.finals);
  expect(p.got.filter((r) => typeof r === 'string')).toEqual([]);
  // §8.2.6.2: a To tag (found as text: a stateless 400 echoes a To it could not parse).
  for (const r of finals) if (header(r, 'to') !== undefined) expect(header(r, 'to')).toMatch(/;\s*tag\s*=/i);
  want.check?.(finals);
  if (transport === 'TCP') {
    if (want.closes)
      await until(
        () => p.closed(),
        2000,
        () => 'the gateway to close the connection',
      );
    else expect(p.closed()).toBe(false);
  }
  for (const r of finals) {
    if (!header(r, 'cseq')?.endsWith('INVITE') || r.status < 300 || p.closed()) continue;
    const ack = ackFor(r, requestUri(sent, 'INVITE'));
    if (ack) p.send(ack);
  }
}

function torture(transport: Transport): void {
  const CALLEE: [string, string] = ['user', 'userpass'];
  const options = { users: [CALLEE], devices: [], sipTcp: true };
  describeE2e(`e2e: RFC 4475 torture messages over ${transport}`, options, (bed: Bed) => {
    let phone: Bot;
    let udp: Peer | undefined;
    let started = 0;
    beforeAll(async () => {
      phone = await connectBot(bed.world, ...CALLEE, 'phone');
      if (transport === 'UDP') udp = await udpPeer(bed.world.sipPort);
      started = Date.now();
    });
    afterAll(() => udp?.end());

    test.each(TABLE.map((r) => [r.file, r.section, r.rfc, r] as const))(
      '%s (RFC 4475 §%s): %s',
      async (_file, _section, _rfc, row) => {
        const p = udp ?? (await tcpPeer(bed.world.sipPort));
        try {
          const sent = aim(fixture(row.file), transport, p.port, bed.world.sipPort);
          await exchange(p, transport, sent, (transport === 'TCP' ? row.tcp : undefined) ?? row.udp);
        } finally {
          if (p !== udp) setTimeout(() => p.end(), 50);
        }
      },
    );

    test('no INVITE reached the call layer: the phone never rang, and no call is left', () => {
      expect(phone.all((s) => jmiChild(s, 'propose') !== undefined)).toEqual([]);
      expect(bed.world.gateway.liveCalls()).toBe(0);
      expect(bed.world.gateway.sip.liveDialogs()).toBe(0);
    });

    test('the gateway lives on: a plain OPTIONS gets 200 over UDP and TCP', async () => {
      for (const [make, tp] of [
        [udpPeer, 'UDP'],
        [tcpPeer, 'TCP'],
      ] as const) {
        const p = await make(bed.world.sipPort);
        const options = [
          `OPTIONS sip:127.0.0.1:${bed.world.sipPort} SIP/2.0`,
          `Via: SIP/2.0/${tp} 127.0.0.1:${p.port};branch=z9hG4bKafter${p.port}`,
          'Max-Forwards: 70',
          `From: <sip:probe@127.0.0.1>;tag=${p.port}`,
          `To: <sip:127.0.0.1:${bed.world.sipPort}>`,
          `Call-ID: after-torture-${tp}-${p.port}`,
          'CSeq: 1 OPTIONS',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n');
        await exchange(p, tp, Buffer.from(options), only(200, allows));
        p.end();
      }
    });

    test('no error was logged, and malformed messages were logged once per 10 s, not once each', () => {
      const log = bed.world.log;
      expect(log.filter((l) => l.level === 'error')).toEqual([]);
      const lines = log.filter((l) => l.message === 'malformed SIP messages');
      const seconds = (Date.now() - started) / 1000;
      const malformed = TABLE.filter((r) => {
        try {
          parseSipMessage(fixture(r.file));
          return false;
        } catch {
          return true;
        }
      }).length;
      expect(malformed).toBeGreaterThan(20);
      expect(lines.length).toBeGreaterThan(0);
      // One line at the first, then at most one per 10 s with the count of the interval.
      expect(lines.length).toBeLessThanOrEqual(Math.ceil(seconds / 10) + 1);
      expect(lines.length).toBeLessThan(malformed / 4);
      expect(lines.every((l) => l.level === 'warn' && l.address === '127.0.0.1')).toBe(true);
    });
  });
}

test('the table has every RFC 4475 message of the fixtures, once', () => {
  const files = ['valid', 'invalid'].flatMap((k) =>
    readdirSync(join(FIXTURES, k)).map((f) => f.replace(/\.sip$/, '')),
  );
  expect(TABLE.map((r) => r.file).sort()).toEqual(files.sort());
});

test('aim() rewrites the Request-URI host and the top Via only, folding kept', () => {
  const raw = fixture('wsinv').toString('latin1');
  const wsinv = aim(fixture('wsinv'), 'TCP', 4000, 5000).toString('latin1');
  expect(wsinv.split('\r\n')[0]).toBe('INVITE sip:vivekg@127.0.0.1:5000;unknownparam SIP/2.0');
  expect(wsinv).toContain('Via  : SIP  /   2.0\r\n /TCP\r\n    127.0.0.1:4000;branch=390skdjuw');
  expect(wsinv).toContain('v:  SIP  / 2.0  / TCP     spindle.example.com');
  expect(
    wsinv.replace('127.0.0.1:5000', 'chair-dnrc.example.com').replace('127.0.0.1:4000', '192.0.2.2'),
  ).toBe(raw.replace('/UDP', '/TCP'));
  expect(aim(fixture('unkscm'), 'UDP', 1, 2).toString('latin1').split('\r\n')[0]).toBe(
    'OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0',
  );
  expect(aim(fixture('ltgtruri'), 'UDP', 1, 2).toString('latin1').split('\r\n')[0]).toBe(
    'INVITE <sip:user@127.0.0.1:2> SIP/2.0',
  );
  const mpart = fixture('mpart01');
  const aimed = aim(mpart, 'UDP', 1, 2);
  expect(aimed.subarray(aimed.length - 553)).toEqual(mpart.subarray(mpart.length - 553));
  expect(aim(fixture('unreason'), 'UDP', 1, 2)).toEqual(fixture('unreason'));
});

torture('UDP');
torture('TCP');
