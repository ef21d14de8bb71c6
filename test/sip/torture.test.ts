/**
 * RFC 4475 torture messages (fixtures in test/fixtures/torture, see its README).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isInputError } from '../../src/errors';
import {
  decodeSipUser,
  header,
  headers,
  isRfc3261Branch,
  parseCSeq,
  parseNameAddr,
  parseSipMessage,
  parseSipUri,
  parseVia,
  sdpOf,
  serializeSipMessage,
  sessionBody,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../../src/sip/message';

const dir = join(__dirname, '..', 'fixtures', 'torture');
const load = (kind: 'valid' | 'invalid', name: string): Buffer =>
  readFileSync(join(dir, kind, `${name}.sip`));
const valid = (name: string): SipMessage => parseSipMessage(load('valid', name));

describe('RFC 4475 §3.1.1 valid messages', () => {
  const names = [
    'wsinv',
    'intmeth',
    'esc01',
    'escnull',
    'esc02',
    'lwsdisp',
    'longreq',
    'dblreq',
    'semiuri',
    'transports',
    'unreason',
    'noreason',
    // §3.3 and §3.4 messages that are well formed and meant to be processed
    'zeromf',
    'cparam01',
    'cparam02',
    'regescrt',
    'inv2543',
  ];
  it.each(names)('%s parses, and its serialization parses to the same message', (name) => {
    const msg = valid(name);
    const again = parseSipMessage(serializeSipMessage(msg));
    expect(again).toEqual({
      ...msg,
      // Content-Length is rewritten last; everything else stays in order.
      headers: [
        ...msg.headers.filter((h) => h.name !== 'Content-Length'),
        again.headers[again.headers.length - 1],
      ],
    });
  });

  it('wsinv: folding, compact forms, LWS, empty Subject, unknown headers', () => {
    const m = valid('wsinv') as SipRequest;
    expect(m.method).toBe('INVITE');
    expect(m.uri).toBe('sip:vivekg@chair-dnrc.example.com;unknownparam');
    const to = parseNameAddr(header(m, 'To')!);
    expect(to).toEqual({ uri: 'sip:vivekg@chair-dnrc.example.com', params: { tag: '1918181833n' } });
    const from = parseNameAddr(header(m, 'f')!);
    expect(from.display).toBe('J Rosenberg \\"');
    expect(from.params.tag).toBe('98asjd8');
    expect(header(m, 'Max-Forwards')).toBe('0068');
    expect(parseCSeq(header(m, 'CSeq')!)).toEqual({ seq: 9, method: 'INVITE' });
    expect(header(m, 'Subject')).toBe('');
    expect(header(m, 'NewFangledHeader')).toBe('newfangled value continued newfangled value');
    expect(header(m, 'UnknownHeaderWithUnusualValue')).toBe(';;,,;;,;');
    const vias = headers(m, 'Via').map((v) => parseVia(v));
    expect(vias.map((v) => [v.transport, v.host, v.params.branch])).toEqual([
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    const contact = parseNameAddr(header(m, 'm')!);
    expect(contact.display).toBe('Quoted string ""');
    expect(contact.params).toEqual({ newparam: 'newvalue', secondparam: true, q: '0.33' });
    // compact names are expanded, others kept as received
    expect(m.headers.map((h) => h.name)).toContain('Contact');
    expect(m.headers.map((h) => h.name)).toContain('MaX-fOrWaRdS');
    expect(m.body.length).toBe(150);
  });

  it('intmeth: unusual tokens, quoted-pair controls, UTF-8 values', () => {
    const m = valid('intmeth') as SipRequest;
    expect(m.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
    const uri = parseSipUri(m.uri);
    expect(uri.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    expect(uri.password).toBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    expect(parseNameAddr(header(m, 'To')!).display).toBe('BEL:\x07 NUL:\x00 DEL:\x7f');
    const from = parseNameAddr(header(m, 'From')!);
    expect(from.display).toBe("token1~` token2'+_ token3*%!.-");
    expect(from.params["fromparam''~+*_!.-%"]).toBe('"работающий"');
    expect(from.params.tag).toBe("_token~1'+`*%!-.");
    expect(header(m, 'Call-ID')).toBe('intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    // the BOM at the start of the value is kept (String#trim would eat it)
    expect(header(m, "extensionHeader-!.%*+_`'~")).toBe('\ufeff大停電');
  });

  it('esc01/escnull/esc02: % escapes only where the grammar says', () => {
    const e1 = valid('esc01') as SipRequest;
    expect(decodeSipUser(parseSipUri(e1.uri).user!)).toBe('sips:user@example.com');
    expect(decodeSipUser(parseSipUri(parseNameAddr(header(e1, 'To')!).uri).user!)).toBe('user');
    const c = parseSipUri(parseNameAddr(header(e1, 'Contact')!).uri);
    expect(c.params).toEqual({ '%6c%72': true, 'n%61me': 'v%61lue%25%34%31' });
    expect(header(e1, 'Content-Type')).toBe('application/sdp');
    const en = valid('escnull');
    const users = headers(en, 'Contact').map((v) => decodeSipUser(parseSipUri(parseNameAddr(v).uri).user!));
    expect(users).toEqual(['\0', '\0\0']);
    const e2 = valid('esc02') as SipRequest;
    expect(e2.method).toBe('RE%47IST%45R');
    expect(parseNameAddr(header(e2, 'To')!).display).toBe('%Z%45');
    expect(headers(e2, 'Contact')).toHaveLength(2);
    expect(header(e2, 'C%6Fntact')).toBe('<sip:alias2@host2.example.com>');
  });

  it('lwsdisp, longreq, semiuri, transports', () => {
    expect(parseNameAddr(header(valid('lwsdisp'), 'From')!).display).toBe('caller');
    const lr = valid('longreq');
    expect(headers(lr, 'Via')).toHaveLength(34);
    expect(parseSipUri(parseNameAddr(header(lr, 'To')!).uri).port).toBe(6000);
    expect(parseNameAddr(header(lr, 'From')!).params.tag).toBe('12' + '982'.repeat(50) + '424');
    expect(decodeSipUser(parseSipUri((valid('semiuri') as SipRequest).uri).user!)).toBe(
      'user;par=u@example.net',
    );
    expect(headers(valid('semiuri'), 'Accept')).toHaveLength(6);
    expect(headers(valid('transports'), 'Via').map((v) => parseVia(v).transport)).toEqual([
      'UDP',
      'SCTP',
      'TLS',
      'UNKNOWN',
      'TCP',
    ]);
  });

  it('mpart01: a multipart body with a binary part is kept byte for byte; there is no SDP part', () => {
    const raw = load('valid', 'mpart01');
    const m = valid('mpart01') as SipRequest;
    expect(m.method).toBe('MESSAGE');
    expect(m.binaryBody).toBe(true);
    expect(Buffer.from(m.body, 'latin1')).toEqual(raw.subarray(raw.length - 553));
    // RFC 5621: a text/plain and an application/octet-stream part; neither is a session description.
    expect(sessionBody(m)).toEqual({
      kind: 'unsupported',
      why: 'multipart/mixed without an application/sdp part',
    });
    expect(sdpOf(m)).toBe('');
  });

  it('inv2543 (§3.4.1): no branch, no From tag, no Content-Length (the rest of the datagram), no Max-Forwards', () => {
    const m = valid('inv2543') as SipRequest;
    expect(parseVia(header(m, 'Via')!).params.branch).toBeUndefined();
    expect(parseNameAddr(header(m, 'From')!).params.tag).toBeUndefined();
    expect(header(m, 'Content-Length')).toBeUndefined();
    expect(header(m, 'Max-Forwards')).toBeUndefined();
    expect(m.body.endsWith('m=audio 49217 RTP/AVP 0\r\n')).toBe(true);
  });

  it('cparam01/cparam02 (§3.3.12-13): the parameter belongs to the Contact, or to its URI', () => {
    expect(parseNameAddr(header(valid('cparam01'), 'Contact')!)).toMatchObject({
      uri: 'sip:+19725552222@gw1.example.net',
      params: { unknownparam: true },
    });
    expect(parseSipUri(parseNameAddr(header(valid('cparam02'), 'Contact')!).uri).params).toEqual({
      unknownparam: true,
    });
    expect(parseSipUri(parseNameAddr(header(valid('regescrt'), 'Contact')!).uri).headers).toEqual({
      Route: '%3Csip:sip.example.com%3E',
    });
    expect(header(valid('zeromf'), 'Max-Forwards')).toBe('0');
  });

  it('dblreq: octets past Content-Length in a datagram are dropped (RFC 3261 §18.3)', () => {
    const m = valid('dblreq') as SipRequest;
    expect(m.method).toBe('REGISTER');
    expect(m.body).toBe('');
  });

  it('unreason/noreason: UTF-8 and empty reason phrases', () => {
    const u = valid('unreason') as SipResponse;
    expect(u.status).toBe(200);
    expect(u.reason).toBe('= 2**3 * 5**2 но сто девяносто девять - простое');
    const n = valid('noreason') as SipResponse;
    expect([n.status, n.reason]).toEqual([100, '']);
  });
});

/** Messages the codec must refuse: file → expected `where` and a fragment of the detail. */
const REJECTED: Array<[string, string, string]> = [
  ['badinv01', 'header Via', 'empty'],
  ['clerr', 'body', 'shorter than Content-Length'],
  ['ncl', 'header Content-Length', 'not a non-negative number'],
  ['scalar02', 'header CSeq', '2**32-1'],
  ['scalarlg', 'header CSeq', '2**32-1'],
  ['quotbal', 'header To', 'unterminated quoted string'],
  ['ltgtruri', 'start line', 'enclosed in <>'],
  ['lwsruri', 'start line', 'single spaces'],
  ['lwsstart', 'start line', 'single spaces'],
  ['trws', 'start line', 'single spaces'],
  ['escruri', 'start line', 'must not contain headers'],
  ['regbadct', 'header Contact', 'must be enclosed in <>'],
  ['badaspec', 'header To', 'whitespace inside URI'],
  ['baddn', 'header To', 'display name needs quotes'],
  ['badvers', 'start line', 'unsupported SIP version SIP/7.0 (505)'],
  ['mismatch01', 'header CSeq', 'does not match request method OPTIONS'],
  ['mismatch02', 'header CSeq', 'does not match request method NEWMETHOD'],
  ['bigcode', 'start line', 'status code must be 3 digits'],
  ['mcl01', 'header Content-Length', 'more than once'],
  ['multi01', 'header To', 'appears 2 times'],
  ['insuf', 'header To', 'missing'],
];

describe('RFC 4475 invalid messages rejected by the codec', () => {
  it.each(REJECTED)('%s → %s: …%s…', (name, where, detail) => {
    let err: unknown;
    try {
      parseSipMessage(load('invalid', name));
    } catch (e) {
      err = e;
    }
    expect(isInputError(err)).toBe(true);
    expect(err).toMatchObject({ domain: 'sip', where });
    expect((err as Error).message).toContain(detail);
  });
});

describe('RFC 4475 invalid messages accepted at this layer', () => {
  it('unkscm, novelsc (§3.3.2-3): any absoluteURI parses; the user agent answers 416', () => {
    expect((parseSipMessage(load('invalid', 'unkscm')) as SipRequest).uri).toBe(
      'nobodyKnowsThisScheme:totallyopaquecontent',
    );
    expect((parseSipMessage(load('invalid', 'novelsc')) as SipRequest).uri).toBe(
      'soap.beep://192.0.2.103:3002',
    );
  });
  it('unksm2 (§3.3.4): other schemes in To, From and Contact parse', () => {
    const m = parseSipMessage(load('invalid', 'unksm2'));
    expect(
      [header(m, 'To'), header(m, 'From'), header(m, 'Contact')].map((v) => parseNameAddr(v!).uri),
    ).toEqual(['isbn:2983792873', 'http://www.example.com', 'name:John_Smith']);
  });
  it('invut, sdp01 (§3.3.6, §3.3.15): an unknown body type, an Accept without SDP: the user agent answers', () => {
    const invut = parseSipMessage(load('invalid', 'invut'));
    expect(sessionBody(invut)).toEqual({
      kind: 'unsupported',
      why: 'Content-Type application/unknownformat',
    });
    const sdp01 = parseSipMessage(load('invalid', 'sdp01'));
    expect(headers(sdp01, 'Accept')).toEqual(['text/nobodyKnowsThis']);
    expect(sessionBody(sdp01).kind).toBe('sdp');
  });
  it('regaut01 (§3.3.7): an unknown Authorization scheme is text for whoever checks it', () => {
    expect(header(parseSipMessage(load('invalid', 'regaut01')), 'Authorization')).toBe(
      'NoOneKnowsThisScheme opaque-data=here',
    );
  });
  it('baddate (§3.1.2.12): Date is not parsed by the codec; the RFC allows ignoring it', () => {
    expect(header(parseSipMessage(load('invalid', 'baddate')), 'Date')).toBe('Fri, 01 Jan 2010 16:00:00 EST');
  });
  it('badbranch (§3.2.1): syntactically valid; the transaction layer sees a cookie with no id', () => {
    const m = parseSipMessage(load('invalid', 'badbranch'));
    expect(isRfc3261Branch(parseVia(header(m, 'Via')!).params.branch)).toBe(false);
  });
  it('bcast (§3.3.10): a broadcast Via is for the transport layer to refuse', () => {
    expect(headers(parseSipMessage(load('invalid', 'bcast')), 'Via')).toHaveLength(2);
  });
  it('bext01 (§3.3.5): unknown Require/Proxy-Require is answered 420 by the user agent', () => {
    expect(headers(parseSipMessage(load('invalid', 'bext01')), 'Require')).toEqual([
      'nothingSupportsThis',
      'nothingSupportsThisEither',
    ]);
  });
});

test('the fixtures are the 49 messages of RFC 4475 §3, each one tested above', () => {
  const files = (['valid', 'invalid'] as const).flatMap((k) =>
    readdirSync(join(dir, k)).map((f) => f.replace(/\.sip$/, '')),
  );
  expect(files).toHaveLength(49);
  const self = readFileSync(__filename, 'utf8');
  for (const f of files) expect(self).toContain(`'${f}'`);
});
