/** The message codec: round trips, Content-Length, compact forms, helpers, bad input. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isInputError } from '../../src/errors';
import {
  header,
  headers,
  MAX_SIP_BYTES,
  parseSipMessage,
  serializeSipMessage,
  serializedSize,
  withAddedHeader,
  withHeader,
  withoutHeader,
  type SipRequest,
  type SipResponse,
} from '../../src/sip/message';
import { formatVia, parseTopVia, parseVia } from '../../src/sip/message/via';
import { hasRecvInfo } from '../../src/translate/info';

const crlf = (lines: string[]): string => lines.join('\r\n');

const INVITE_SDP = crlf([
  'v=0',
  'o=- 4858 1 IN IP6 2001:db8::1',
  's=-',
  'c=IN IP6 2001:db8::1',
  't=0 0',
  'm=audio 49170 RTP/AVP 111 0',
  'a=rtpmap:111 opus/48000/2',
  '',
]);

const INVITE = crlf([
  'INVITE sip:+15551234567@[2001:db8::10]:5060;transport=udp SIP/2.0',
  'Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK776asdhds;rport',
  'Max-Forwards: 70',
  'To: <sip:+15551234567@pbx.example.org>',
  'From: "Jürgen Ωmega 日本" <sip:romeo%40montague.lit@sip.example.net>;tag=1928301774',
  'Call-ID: a84b4c76e66710@sip.example.net',
  'CSeq: 314159 INVITE',
  'Contact: <sip:gw@[2001:db8::1]:5060;transport=udp>',
  'Supported: timer, replaces',
  'Content-Type: application/sdp',
  `Content-Length: ${Buffer.byteLength(INVITE_SDP)}`,
  '',
  INVITE_SDP,
]);

const response = (status: string, extra: string[] = [], toTag = ';tag=a6c85cf'): string =>
  crlf([
    `SIP/2.0 ${status}`,
    'Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK776asdhds;rport=5060;received=2001:db8::1',
    `To: <sip:+15551234567@pbx.example.org>${toTag}`,
    'From: "Jürgen Ωmega 日本" <sip:romeo%40montague.lit@sip.example.net>;tag=1928301774',
    'Call-ID: a84b4c76e66710@sip.example.net',
    'CSeq: 314159 INVITE',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ]);

const inDialog = (method: string, cseq: number): string =>
  crlf([
    `${method} sip:gw@[2001:db8::1]:5060;transport=udp SIP/2.0`,
    'Via: SIP/2.0/UDP pbx.example.org:5060;branch=z9hG4bKnashds10',
    'Max-Forwards: 70',
    'From: <sip:+15551234567@pbx.example.org>;tag=a6c85cf',
    'To: "Jürgen Ωmega 日本" <sip:romeo%40montague.lit@sip.example.net>;tag=1928301774',
    'Call-ID: a84b4c76e66710@sip.example.net',
    `CSeq: ${cseq} ${method}`,
    ...(method === 'BYE' ? ['Reason: Q.850;cause=16;text="Normal call clearing"'] : []),
    'Content-Length: 0',
    '',
    '',
  ]);

describe('round trips of realistic messages', () => {
  const cases: Array<[string, string]> = [
    ['INVITE', INVITE],
    ['180', response('180 Ringing', ['Contact: <sip:+15551234567@pbx.example.org>'])],
    [
      '200',
      response('200 OK', ['Contact: <sip:+15551234567@pbx.example.org>', 'Allow: INVITE, ACK, BYE, CANCEL']),
    ],
    ['486', response('486 Busy Here', ['Reason: SIP ;cause=486 ;text="Busy Here"'])],
    [
      'CANCEL',
      INVITE.split('\r\n\r\n')[0]
        .replace('CSeq: 314159 INVITE', 'CSeq: 314159 CANCEL')
        .replace('INVITE sip', 'CANCEL sip')
        .replace(/Content-Type.*\r\nContent-Length: \d+/, 'Content-Length: 0') + '\r\n\r\n',
    ],
    ['BYE', inDialog('BYE', 231)],
  ];
  it.each(cases)('%s is written back byte for byte', (_name, text) => {
    const msg = parseSipMessage(text);
    expect(serializeSipMessage(msg)).toBe(text);
    expect(parseSipMessage(Buffer.from(text, 'utf8'))).toEqual(msg);
  });

  it('keeps UTF-8 display names intact (npm sip 0.0.6 mangles them)', () => {
    const msg = parseSipMessage(INVITE);
    expect(header(msg, 'From')).toBe(
      '"Jürgen Ωmega 日本" <sip:romeo%40montague.lit@sip.example.net>;tag=1928301774',
    );
    expect(msg.body).toBe(INVITE_SDP);
  });

  it('an empty header value (RFC 6086 §5.2.2: `Recv-Info` without packages) is written "Recv-Info: " and read back empty', () => {
    const text = response('200 OK', ['Recv-Info: ']);
    const msg = parseSipMessage(text);
    expect(msg.headers).toContainEqual({ name: 'Recv-Info', value: '' });
    expect(serializeSipMessage(msg)).toBe(text);
    // As a peer may write it, without the SP after the colon: still there, still empty.
    const bare = parseSipMessage(response('200 OK', ['Recv-Info:']));
    expect(header(bare, 'recv-info')).toBe('');
    expect(hasRecvInfo(bare)).toBe(true);
    expect(hasRecvInfo(parseSipMessage(response('200 OK')))).toBe(false);
  });

  it('reads the request line with an IPv6 Request-URI', () => {
    const msg = parseSipMessage(INVITE) as SipRequest;
    expect(msg.uri).toBe('sip:+15551234567@[2001:db8::10]:5060;transport=udp');
  });
});

describe('Content-Length', () => {
  const base = (cl: string | undefined, body: string): string =>
    crlf([
      'MESSAGE sip:juliet@capulet.lit SIP/2.0',
      'Via: SIP/2.0/TCP h.example.com;branch=z9hG4bK1',
      'To: <sip:juliet@capulet.lit>',
      'From: <sip:romeo@montague.lit>;tag=1',
      'Call-ID: cl@h',
      'CSeq: 1 MESSAGE',
      ...(cl === undefined ? [] : [`Content-Length: ${cl}`]),
      '',
      body,
    ]);

  it('counts bytes, not UTF-16 units', () => {
    // 'héllo' is 5 characters but 6 bytes
    expect(parseSipMessage(base('6', 'héllo')).body).toBe('héllo');
    expect(parseSipMessage(base('5', 'héllo')).body).toBe('héll');
    expect(() => parseSipMessage(base('7', 'héllo'))).toThrow('shorter than Content-Length (6 < 7 bytes)');
  });
  it('truncates a longer body to Content-Length (datagram rule, RFC 3261 §18.3)', () => {
    expect(parseSipMessage(base('3', 'hello')).body).toBe('hel');
  });
  it('rejects a body shorter than Content-Length', () => {
    expect(() => parseSipMessage(base('9', 'hello'))).toThrow(
      'sip: body: shorter than Content-Length (5 < 9 bytes)',
    );
  });
  it('accepts a body without Content-Length (UDP) and writes one', () => {
    const msg = parseSipMessage(base(undefined, 'hi ☃'));
    expect(msg.body).toBe('hi ☃');
    expect(serializeSipMessage(msg)).toContain('Content-Length: 6\r\n\r\nhi ☃');
  });
  it('keeps a body that is not UTF-8 byte for byte, flagged binary, and will not write it as text', () => {
    expect(parseSipMessage(base('2', 'é'))).not.toHaveProperty('binaryBody');
    // A cut in the middle of a UTF-8 character: one byte, 0xC3.
    const cut = parseSipMessage(base('1', 'é'));
    expect(cut.binaryBody).toBe(true);
    expect(Buffer.from(cut.body, 'latin1')).toEqual(Buffer.from([0xc3]));
    expect(() => serializeSipMessage(cut)).toThrow('sip: body: a binary body cannot be written as text');
  });
  it('serialization replaces any Content-Length, compact or not, and puts it last', () => {
    const msg = parseSipMessage(base('5', 'hello'));
    const edited = { ...msg, headers: [...msg.headers, { name: 'l', value: '99' }], body: 'é' };
    const out = serializeSipMessage(edited);
    expect(out.endsWith('CSeq: 1 MESSAGE\r\nContent-Length: 2\r\n\r\né')).toBe(true);
    expect(out).not.toContain('l: 99');
  });
});

describe('compact forms and helpers', () => {
  const compact = crlf([
    'OPTIONS sip:gw.example.net SIP/2.0',
    'v: SIP/2.0/UDP a.example.com;branch=z9hG4bKa, SIP/2.0/UDP b.example.com;branch=z9hG4bKb',
    'V: SIP/2.0/UDP c.example.com;branch=z9hG4bKc',
    't: <sip:gw.example.net>',
    'f: "A, B" <sip:a@example.com>;tag=9',
    'i: compact@a',
    'CSeq: 2 OPTIONS',
    'm: "x, y" <sip:a@example.com>, <sip:b@example.com;lr>',
    'k: timer',
    'x: 1800;refresher=uac',
    'o: refer',
    'r: <sip:c@example.com>',
    'b: <sip:d@example.com>',
    'u: talk, hold',
    'c: text/plain',
    'e: gzip',
    's: hi',
    'a: *;audio',
    'l: 0',
    '',
    '',
  ]);
  const msg = parseSipMessage(compact);

  it('expands every compact name', () => {
    expect(msg.headers.map((h) => h.name)).toEqual([
      'Via',
      'Via',
      'To',
      'From',
      'Call-ID',
      'CSeq',
      'Contact',
      'Supported',
      'Session-Expires',
      'Event',
      'Refer-To',
      'Referred-By',
      'Allow-Events',
      'Content-Type',
      'Content-Encoding',
      'Subject',
      'Accept-Contact',
      'Content-Length',
    ]);
  });
  it('headers() splits list headers on commas outside quotes and <>', () => {
    expect(headers(msg, 'via')).toHaveLength(3);
    expect(header(msg, 'v')).toBe('SIP/2.0/UDP a.example.com;branch=z9hG4bKa');
    expect(headers(msg, 'Contact')).toEqual(['"x, y" <sip:a@example.com>', '<sip:b@example.com;lr>']);
    expect(headers(msg, 'From')).toEqual(['"A, B" <sip:a@example.com>;tag=9']);
    expect(header(msg, 'Missing')).toBeUndefined();
  });
  it('header() of a list header: the first value of the first line that has one', () => {
    const m = {
      headers: [
        { name: 'Supported', value: '' },
        { name: 'k', value: ' , timer, 100rel' },
        { name: 'Supported', value: 'replaces' },
      ],
    };
    expect(header(m, 'supported')).toBe('timer');
    expect(headers(m, 'Supported')).toEqual(['timer', '100rel', 'replaces']);
    expect(header({ headers: [{ name: 'Supported', value: '' }] }, 'Supported')).toBeUndefined();
  });
  it('withHeader replaces in place, withAddedHeader prepends a Via, withoutHeader removes', () => {
    const m2 = withHeader(msg, 'i', 'new@b');
    expect(header(m2, 'Call-ID')).toBe('new@b');
    expect(m2.headers.findIndex((h) => h.name === 'Call-ID')).toBe(4);
    expect(header(msg, 'Call-ID')).toBe('compact@a'); // original untouched
    const m3 = withAddedHeader(msg, 'Via', 'SIP/2.0/UDP gw;branch=z9hG4bKtop', 'first');
    expect(header(m3, 'Via')).toBe('SIP/2.0/UDP gw;branch=z9hG4bKtop');
    expect(headers(withoutHeader(msg, 'v'), 'Via')).toEqual([]);
    expect(header(withHeader(msg, 'X-New', '1'), 'x-new')).toBe('1');
  });
});

const OK_LINES = [
  'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
  'To: <sip:b@h>',
  'From: <sip:a@h>;tag=1',
  'Call-ID: x@h',
  'CSeq: 1 OPTIONS',
  'Max-Forwards: 70',
];
const req = (startLine: string, ...replace: Array<[string, string | null]>): string => {
  let lines = [...OK_LINES];
  for (const [prefix, repl] of replace) {
    const i = lines.findIndex((l) => l.startsWith(prefix));
    if (repl === null) lines = lines.filter((_, k) => k !== i);
    else if (i < 0) lines.push(repl);
    else lines[i] = repl;
  }
  return crlf([startLine, ...lines, '', '']);
};
const OPT = 'OPTIONS sip:b@h SIP/2.0';

describe('bad input → InputError naming what', () => {
  const table: Array<[string, string | Buffer, string]> = [
    ['empty', '', 'sip: message: empty message'],
    ['only CRLFs', '\r\n\r\n', 'sip: message: empty message'],
    ['no blank line', crlf([OPT, ...OK_LINES]), 'sip: message: no empty line (CRLF CRLF) after the headers'],
    ['LF line ends', req(OPT).replace(/\r\n/g, '\n'), 'sip: message: no empty line'],
    [
      'bare LF in a header',
      req(OPT, ['To:', 'To: <sip:b@h>\nX: 1']),
      'sip: header To: control character in value',
    ],
    [
      'not UTF-8',
      Buffer.concat([
        Buffer.from('OPTIONS sip:b@h SIP/2.0\r\nX: '),
        Buffer.from([0xff]),
        Buffer.from('\r\n\r\n'),
      ]),
      'sip: message: not valid UTF-8',
    ],
    ['garbage start line', req('HELLO'), 'sip: start line: expected "Method SP Request-URI SP SIP/2.0"'],
    [
      'lower-case version is fine, 3.0 is not',
      req('OPTIONS sip:b@h SIP/3.0'),
      'sip: start line: unsupported SIP version SIP/3.0 (505)',
    ],
    ['bad version', req('OPTIONS sip:b@h HTTP/1.1'), 'sip: start line: invalid SIP version "HTTP/1.1"'],
    ['bad method', req('OPT(ONS sip:b@h SIP/2.0'), 'sip: start line: invalid method'],
    ['no scheme', req('OPTIONS b@h SIP/2.0'), 'sip: start line: Request-URI has no scheme'],
    ['bad host', req('OPTIONS sip:b@h_h SIP/2.0'), 'sip: start line: invalid host "h_h"'],
    ['bad IPv6', req('OPTIONS sip:b@[::g] SIP/2.0'), 'sip: start line: invalid IPv6 address "::g"'],
    ['bad port', req('OPTIONS sip:b@h:70000 SIP/2.0'), 'sip: start line: invalid port ":70000"'],
    ['status 99', crlf(['SIP/2.0 099 Odd', ...OK_LINES, '', '']), 'sip: start line: status 099 out of range'],
    [
      'status 700',
      crlf(['SIP/2.0 700 Odd', ...OK_LINES, '', '']),
      'sip: start line: status 700 out of range',
    ],
    [
      'status no SP',
      crlf(['SIP/2.0 200', ...OK_LINES, '', '']),
      'sip: start line: missing SP after status code',
    ],
    [
      'status letters',
      crlf(['SIP/2.0 2x0 OK', ...OK_LINES, '', '']),
      'sip: start line: status code must be 3 digits',
    ],
    [
      'control char in reason',
      crlf(['SIP/2.0 200 O\x01K', ...OK_LINES, '', '']),
      'sip: start line: control character',
    ],
    ['header without colon', req(OPT, ['Max', 'Max-Forwards 70']), 'sip: header line 6: missing ":"'],
    [
      'bad header name',
      req(OPT, ['Max', 'Max Forwards: 70']),
      'sip: header line 6: invalid header name "Max Forwards"',
    ],
    [
      'continuation first',
      crlf([OPT, ' folded', ...OK_LINES, '', '']),
      'sip: header line 1: continuation line before any header',
    ],
    ['missing To', req(OPT, ['To:', null]), 'sip: header To: missing'],
    ['missing From', req(OPT, ['From:', null]), 'sip: header From: missing'],
    ['missing Call-ID', req(OPT, ['Call-ID:', null]), 'sip: header Call-ID: missing'],
    ['missing CSeq', req(OPT, ['CSeq:', null]), 'sip: header CSeq: missing'],
    ['missing Via', req(OPT, ['Via:', null]), 'sip: header Via: missing'],
    ['two Call-IDs', req(OPT, ['X', 'i: y@h']), 'sip: header Call-ID: appears 2 times'],
    ['bad Call-ID', req(OPT, ['Call-ID:', 'Call-ID: a b']), 'sip: header Call-ID: invalid Call-ID'],
    ['two @ in Call-ID', req(OPT, ['Call-ID:', 'Call-ID: a@b@c']), 'sip: header Call-ID: invalid Call-ID'],
    ['CSeq without method', req(OPT, ['CSeq:', 'CSeq: 1']), 'sip: header CSeq: missing or invalid method'],
    [
      'CSeq not a number',
      req(OPT, ['CSeq:', 'CSeq: one OPTIONS']),
      'sip: header CSeq: sequence number "one" is not a number',
    ],
    [
      'Max-Forwards 256',
      req(OPT, ['Max-Forwards:', 'Max-Forwards: 256']),
      'sip: header Max-Forwards: not an integer 0-255: "256"',
    ],
    [
      'Content-Length five',
      req(OPT, ['X', 'Content-Length: five']),
      'sip: header Content-Length: not a non-negative number: "five"',
    ],
    ['Via without sent-by', req(OPT, ['Via:', 'Via: SIP/2.0/UDP']), 'sip: header Via: missing sent-by'],
    [
      'Via without transport',
      req(OPT, ['Via:', 'Via: SIP/2.0 h']),
      'sip: header Via: sent-protocol must be NAME/VERSION/TRANSPORT',
    ],
    [
      'Via bad param',
      req(OPT, ['Via:', 'Via: SIP/2.0/UDP h;branch=']),
      'sip: header Via: parameter branch has an empty value',
    ],
    [
      'Via repeated param',
      req(OPT, ['Via:', 'Via: SIP/2.0/UDP h;branch=a;BRANCH=b']),
      'sip: header Via: parameter branch repeated',
    ],
    ['To missing >', req(OPT, ['To:', 'To: <sip:b@h']), 'sip: header To: missing ">"'],
    [
      'To text after >',
      req(OPT, ['To:', 'To: <sip:b@h> x']),
      'sip: header To: unexpected "x" before parameter',
    ],
    [
      'To bad quoted-pair',
      req(OPT, ['To:', 'To: "a\\é" <sip:b@h>']),
      'sip: header To: invalid quoted-pair in quoted string',
    ],
    [
      'Contact * with others',
      req(OPT, ['X', 'Contact: *, <sip:a@h>']),
      'sip: header Contact: "*" must be the only value',
    ],
    [
      'Route addr-spec',
      req(OPT, ['X', 'Route: sip:p@h;lr']),
      'sip: header Route: URI must be enclosed in <>',
    ],
    [
      'Record-Route empty',
      req(OPT, ['X', 'Record-Route: <sip:p@h;lr>,']),
      'sip: header Record-Route: empty list element',
    ],
    ['NUL outside quotes', req(OPT, ['X', 'X-A: a\0b']), 'sip: header X-A: control character in value'],
    ['too big', 'x'.repeat(MAX_SIP_BYTES + 1), `sip: message: larger than ${MAX_SIP_BYTES} bytes`],
    [
      'too big buffer',
      Buffer.alloc(MAX_SIP_BYTES + 1, 0x41),
      `sip: message: larger than ${MAX_SIP_BYTES} bytes`,
    ],
  ];
  it.each(table)('%s', (_name, input, message) => {
    let err: unknown;
    try {
      parseSipMessage(input);
    } catch (e) {
      err = e;
    }
    expect(isInputError(err)).toBe(true);
    expect((err as Error).message).toContain(message);
  });

  it('refuses CR/LF injection when writing', () => {
    const msg = parseSipMessage(req(OPT));
    expect(() => serializeSipMessage(withHeader(msg, 'Subject', 'x\r\nVia: evil'))).toThrow(
      'sip: header Subject: CR, LF or control character would corrupt the message',
    );
    expect(() => serializeSipMessage({ ...(msg as SipRequest), uri: 'sip:a b' })).toThrow('sip: start line');
    const res: SipResponse = { kind: 'response', status: 200, reason: 'OK\r\nX: 1', headers: [], body: '' };
    expect(() => serializeSipMessage(res)).toThrow('sip: start line');
    expect(() => serializeSipMessage({ ...res, reason: 'OK', status: 1000 })).toThrow(
      'status 1000 out of range',
    );
  });

  it('accepts a missing Max-Forwards and leading CRLFs (RFC 3261 §7.5)', () => {
    expect(
      header(parseSipMessage('\r\n\r\n' + req(OPT, ['Max-Forwards', null])), 'Max-Forwards'),
    ).toBeUndefined();
  });
});

describe('serializedSize', () => {
  const captured = path.join(__dirname, '..', 'fixtures', 'captured');
  const files = fs.readdirSync(captured).filter((f) => f.endsWith('.sip'));

  it.each(files)('is the byte length serializeSipMessage writes: captured %s', (f) => {
    const msg = parseSipMessage(fs.readFileSync(path.join(captured, f)));
    expect(serializedSize(msg)).toBe(Buffer.byteLength(serializeSipMessage(msg), 'utf8'));
    // The router's sizing: its own Via first, others dropped (src/sip/ua/router.ts).
    const ours = withAddedHeader(
      withoutHeader(msg, 'via'),
      'Via',
      'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-x;rport',
      'first',
    );
    expect(serializedSize(ours)).toBe(Buffer.byteLength(serializeSipMessage(ours), 'utf8'));
    // `without` counts the message as if that header (any spelling, compact too) were removed.
    const noVia = withoutHeader(msg, 'via');
    expect(serializedSize(msg, 'via')).toBe(Buffer.byteLength(serializeSipMessage(noVia), 'utf8'));
    expect(serializedSize(msg, 'v')).toBe(serializedSize(msg, 'Via'));
  });

  it('counts UTF-8 bytes, a compact or stale Content-Length dropped, and a response start line', () => {
    const res: SipResponse = {
      kind: 'response',
      status: 486,
      reason: 'Occupé',
      headers: [
        { name: 'l', value: '999' },
        { name: 'Subject', value: 'ça va' },
      ],
      body: 'héllo',
    };
    expect(serializedSize(res)).toBe(Buffer.byteLength(serializeSipMessage(res), 'utf8'));
    expect(serializeSipMessage(res)).toContain('Content-Length: 6');
  });
});

describe('Via received/rport (the bridge keeps the Via it formats instead of parsing it again)', () => {
  // RFC 3261 §18.2.1, RFC 3581 §4: the bridge adds received= and fills rport, formats the Via,
  // and hands the object it formatted to the transaction layer. That is only the same thing as
  // parsing the header again if formatting then parsing gives the object back.
  it.each(['192.0.2.7', '::1', '2001:db8::5'])('format → parse round-trips received=%s', (address) => {
    const top = parseVia('SIP/2.0/UDP client.example.com:5060;branch=z9hG4bK74bf9;rport');
    const marked = { ...top, params: { ...top.params, received: address, rport: '5062' } };
    const again = parseVia(formatVia(marked));
    expect(again).toEqual(marked);
    expect({ ...again.params }).toEqual({ branch: 'z9hG4bK74bf9', rport: '5062', received: address });
  });
});

describe('parseTopVia (the top Via parsed once per message)', () => {
  const wire = crlf([
    'OPTIONS sip:gw.example.com SIP/2.0',
    'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bKaaa, SIP/2.0/UDP b.example.com;branch=z9hG4bKbbb',
    'From: <sip:a@example.com>;tag=1',
    'To: <sip:gw.example.com>',
    'Call-ID: c1',
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ]);

  it('gives the Via the codec parsed, and parses afresh once the header text differs', () => {
    const msg = parseSipMessage(Buffer.from(wire));
    const first = parseTopVia(header(msg, 'via') as string);
    expect(first).toEqual(parseVia('SIP/2.0/UDP a.example.com;branch=z9hG4bKaaa'));
    expect(parseTopVia(header(msg, 'via') as string)).toBe(first);
    const changed = withHeader(msg, 'Via', 'SIP/2.0/TCP c.example.com;branch=z9hG4bKccc');
    expect(parseTopVia(header(changed, 'via') as string).host).toBe('c.example.com');
    expect(parseTopVia('SIP/2.0/TLS d.example.com;branch=z9hG4bKddd').host).toBe('d.example.com');
    expect(parseTopVia(header(msg, 'via') as string)).toEqual(first);
  });
});
