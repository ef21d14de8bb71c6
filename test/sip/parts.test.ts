import { isInputError } from '../../src/errors';
import {
  canonicalHeaderName,
  decodeSipUser,
  formatCSeq,
  formatNameAddr,
  formatReasonHeader,
  formatSipUri,
  formatVia,
  isRfc3261Branch,
  newBranch,
  newCallId,
  newTag,
  parseCSeq,
  parseNameAddr,
  parseReasonHeader,
  parseSipUri,
  parseVia,
  STATUS_TEXT,
  statusText,
} from '../../src/sip/message';
import { isValidCallId } from '../../src/sip/message/message-rules';

const throwsInput = (f: () => unknown, text: string): void => {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(isInputError(err)).toBe(true);
  expect((err as Error).message).toContain(text);
};

describe('uri', () => {
  it.each([
    'sip:alice@atlanta.com',
    'sips:alice:secretword@atlanta.com;transport=tcp',
    'sip:+1-212-555-1212:1234@gateway.com;user=phone',
    'sip:alice@192.0.2.4:5061',
    'sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com',
    'sip:alice;day=tuesday@atlanta.com',
    'sip:[::1]:5060',
    'sip:bob@[2001:db8::9:1];maddr=[2001:db8::1];lr',
    'tel:+15551234567;phone-context=example.com',
  ])('%s round-trips', (text) => {
    expect(formatSipUri(parseSipUri(text))).toBe(text);
  });
  it('splits the parts and keeps escapes', () => {
    expect(
      parseSipUri('sip:romeo%40montague.lit@[2001:DB8::1]:5080;Transport=TLS?Subject=hi%20there'),
    ).toEqual({
      scheme: 'sip',
      user: 'romeo%40montague.lit',
      host: '2001:DB8::1',
      port: 5080,
      params: { transport: 'TLS' },
      headers: { Subject: 'hi%20there' },
    });
    expect(decodeSipUser('romeo%40montague.lit')).toBe('romeo@montague.lit');
    expect(decodeSipUser('j%C3%BCrgen')).toBe('jürgen');
    expect(decodeSipUser('😀%20x')).toBe('😀 x');
    throwsInput(() => decodeSipUser('%zz'), 'sip: URI user: bad escape "%zz"');
    throwsInput(() => decodeSipUser('%ff'), 'not valid UTF-8');
  });
  it.each([
    ['http://x', 'not a sip, sips or tel URI'],
    ['sip:', 'invalid host ""'],
    ['sip:a@b@c', 'more than one "@"'],
    ['sip:a b@h', 'invalid user part'],
    ['sip:a@h;;x', 'invalid URI parameter ""'],
    ['sip:a@h;lr;lr', 'URI parameter lr repeated'],
    ['sip:a@[::1', 'unterminated IPv6 reference'],
    ['sip:a@h:', 'invalid port ":"'],
    ['sip:a@h?x', 'invalid URI header "x"'],
    ['sip:a%4@h', 'invalid user part'],
    ['tel:', 'invalid telephone number'],
  ])('rejects %s', (text, msg) => throwsInput(() => parseSipUri(text), msg));
});

describe('name-addr', () => {
  it('parses quoted names with escapes and UTF-8, tokens, addr-spec', () => {
    expect(parseNameAddr('"Ünïcødé \\"Q\\" 名前" <sip:a@h>;tag=x;lr')).toEqual({
      display: 'Ünïcødé "Q" 名前',
      uri: 'sip:a@h',
      params: { tag: 'x', lr: true },
    });
    expect(parseNameAddr('Alice   Smith <sip:a@h>').display).toBe('Alice Smith');
    expect(parseNameAddr('Jürgen <sip:a@h>').display).toBe('Jürgen');
    // addr-spec: the params belong to the header, not to the URI
    expect(parseNameAddr('sip:a@h;tag=1')).toEqual({ uri: 'sip:a@h', params: { tag: '1' } });
    expect(parseNameAddr('<sip:a@h;transport=tcp>;expires=60').params).toEqual({ expires: '60' });
    expect(parseNameAddr('<urn:service:sos>').uri).toBe('urn:service:sos');
  });
  it('formats with quotes and <> and round-trips', () => {
    const na = { display: 'Jürgen "JJ" \\o/', uri: 'sip:j@[::1]', params: { tag: 'a' } };
    const text = formatNameAddr(na);
    expect(text).toBe('"Jürgen \\"JJ\\" \\\\o/" <sip:j@[::1]>;tag=a');
    expect(parseNameAddr(text)).toEqual(na);
    expect(formatNameAddr({ uri: 'sip:a@h', params: {} })).toBe('<sip:a@h>');
  });
  it.each([
    ['"unterminated <sip:a@h>', 'unterminated quoted string'],
    ['"x" sip:a@h', 'expected "<" after display name'],
    ['a,b <sip:a@h>', 'display name needs quotes'],
    ['< sip:a@h>', 'whitespace inside URI'],
    ['<a@h>', 'URI has no scheme'],
    ['sip:a@h?x=y', 'must be enclosed in <>'],
    ['<sip:a@h>;', 'empty parameter'],
    ['<sip:a@h>;tag=1;tag=2', 'parameter tag repeated'],
    ['<sip:a@h>;x="open', 'unterminated quoted string'],
  ])('rejects %s', (text, msg) => throwsInput(() => parseNameAddr(text, 'header To'), msg));
  it('a URI read again is checked as before: a valid one parses alike, an invalid one is refused each time', () => {
    const first = parseNameAddr('<sip:bob@192.0.2.7:5062;transport=udp>;tag=7');
    expect(parseNameAddr('<sip:bob@192.0.2.7:5062;transport=udp>;tag=8')).toEqual({
      ...first,
      params: { tag: '8' },
    });
    for (let i = 0; i < 3; i++)
      throwsInput(() => parseNameAddr('<sip:bob@192.0.2.7:99999>', 'header To'), 'port');
    // Past the bound of remembered URIs, each is still checked and read.
    for (let i = 0; i < 300; i++)
      expect(parseNameAddr(`<sip:u${i}@example.com>`).uri).toBe(`sip:u${i}@example.com`);
    throwsInput(() => parseNameAddr('<sip:u1@exa mple.com>', 'header To'), 'whitespace inside URI');
  });
});

describe('via', () => {
  it('parses LWS-heavy, IPv6 and valueless params; formats canonically', () => {
    const v = parseVia(
      'SIP / 2.0 / udp [2001:db8::1]:5060 ; branch = z9hG4bKx ; rport ; received=2001:db8::2',
    );
    expect(v).toEqual({
      protocol: 'SIP/2.0',
      transport: 'UDP',
      host: '2001:db8::1',
      port: 5060,
      params: { branch: 'z9hG4bKx', rport: true, received: '2001:db8::2' },
    });
    expect(formatVia(v)).toBe('SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKx;rport;received=2001:db8::2');
  });
  it('generates RFC 3261 branches', () => {
    const b = newBranch();
    expect(b).toMatch(/^z9hG4bK[0-9a-f]{24}$/);
    expect(newBranch()).not.toBe(b);
    expect(isRfc3261Branch(b)).toBe(true);
    expect(isRfc3261Branch('z9hG4bK')).toBe(false);
    expect(isRfc3261Branch('390skdjuw')).toBe(false);
    expect(isRfc3261Branch(true)).toBe(false);
  });
  it.each([
    ['SIP/2.0/UDP', 'missing sent-by'],
    ['SIP/2.0/UDP h;;', 'empty parameter'],
    ['SIP/2.0/UDP h x', 'invalid host "h x"'],
    ['SIP/2.0 UDP h', 'sent-protocol'],
  ])('rejects %s', (text, msg) => throwsInput(() => parseVia(text), msg));
});

describe('cseq, Call-ID, ids', () => {
  it('parses and formats CSeq', () => {
    expect(parseCSeq('0009   INVITE')).toEqual({ seq: 9, method: 'INVITE' });
    expect(parseCSeq('4294967295 ACK').seq).toBe(4294967295);
    expect(formatCSeq({ seq: 1, method: 'BYE' })).toBe('1 BYE');
    throwsInput(() => parseCSeq('4294967296 ACK'), 'exceeds 2**32-1');
    throwsInput(() => parseCSeq('-1 ACK'), 'is not a number');
  });
  it('makes tags and Call-IDs that are valid words', () => {
    expect(newTag()).toMatch(/^[0-9a-f]{16}$/);
    const id = newCallId('2001:db8::1');
    expect(id).toMatch(/^[0-9a-f]{32}@\[2001:db8::1\]$/);
    expect(isValidCallId(id)).toBe(true);
    expect(isValidCallId(newCallId('gw.example.net'))).toBe(true);
  });
});

describe('Reason header (RFC 3326)', () => {
  it('parses several values, SIP and Q.850', () => {
    expect(
      parseReasonHeader('SIP ;cause=486 ;text="Busy Here", Q.850 ;cause=17;text="User busy, \\"really\\""'),
    ).toEqual([
      { protocol: 'SIP', cause: 486, text: 'Busy Here', params: {} },
      { protocol: 'Q.850', cause: 17, text: 'User busy, "really"', params: {} },
    ]);
    expect(parseReasonHeader('SIP;cause=200;text="Call completed elsewhere";x-ext')).toEqual([
      { protocol: 'SIP', cause: 200, text: 'Call completed elsewhere', params: { 'x-ext': true } },
    ]);
  });
  it('formats and round-trips', () => {
    const v = [{ protocol: 'Q.850', cause: 16, text: 'Normal "clearing"', params: {} }];
    const text = formatReasonHeader(v);
    expect(text).toBe('Q.850;cause=16;text="Normal \\"clearing\\""');
    expect(parseReasonHeader(text)).toEqual(v);
    expect(formatReasonHeader({ protocol: 'SIP', cause: 487, params: {} })).toBe('SIP;cause=487');
  });
  it.each([
    ['SIP;cause=abc', 'cause must be 1–5 digits'],
    ['SIP;cause=123456', 'cause must be 1–5 digits'],
    ['SIP;text', 'text needs a value'],
    ['SIP,,Q.850', 'empty reason value'],
    ['"SIP"', 'invalid protocol'],
  ])('rejects %s', (text, msg) => throwsInput(() => parseReasonHeader(text), msg));
});

describe('status text and header names', () => {
  it('has the RFC 3261 §21 phrases and class fallbacks', () => {
    expect(statusText(486)).toBe('Busy Here');
    expect(statusText(603)).toBe('Decline');
    expect(statusText(199)).toBe('Early Dialog Terminated');
    expect(statusText(499)).toBe('Request Failure');
    for (const code of [100, 180, 181, 182, 183, 200, 202, 204, 300, 301, 302, 305, 380])
      expect(STATUS_TEXT[code]).toBeTruthy();
    for (const code of [400, 401, 402, 403, 404, 405, 406, 407, 408, 410, 413, 414, 415, 416, 420, 421, 423])
      expect(STATUS_TEXT[code]).toBeTruthy();
    for (const code of [480, 481, 482, 483, 484, 485, 486, 487, 488, 491, 493, 494])
      expect(STATUS_TEXT[code]).toBeTruthy();
    for (const code of [500, 501, 502, 503, 504, 505, 513, 580, 600, 603, 604, 606, 607, 608])
      expect(STATUS_TEXT[code]).toBeTruthy();
  });
  it('canonicalises names', () => {
    expect(canonicalHeaderName('i')).toBe('Call-ID');
    expect(canonicalHeaderName('CSEQ')).toBe('CSeq');
    expect(canonicalHeaderName('www-authenticate')).toBe('WWW-Authenticate');
    expect(canonicalHeaderName('x-my-header')).toBe('X-My-Header');
  });
});
