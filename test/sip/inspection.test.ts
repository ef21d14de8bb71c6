/**
 * The user agent's request inspection (RFC 3261 §8.2, src/sip/ua/request-inspection.ts) and the
 * session body of a message (src/sip/message/body.ts): pure, no sockets.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { header, parseSipMessage, sdpOf, sessionBody, type SipRequest } from '../../src/sip/message';
import { acceptsSdp, inspectRequest } from '../../src/sip/ua/request-inspection';
import { tagOf } from '../../src/sip/dialog/core';

const SDP =
  'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

function request(
  method: string,
  extra: Array<[string, string]> = [],
  body = '',
  uri = 'sip:alice@gw',
): SipRequest {
  return {
    kind: 'request',
    method,
    uri,
    headers: [
      { name: 'Via', value: 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1' },
      { name: 'From', value: '<sip:bob@example.com>;tag=f' },
      { name: 'To', value: '<sip:alice@gw>' },
      { name: 'Call-ID', value: 'c1' },
      { name: 'CSeq', value: `1 ${method}` },
      ...extra.map(([name, value]) => ({ name, value })),
    ],
    body,
  };
}

const status = (req: SipRequest): number | undefined => inspectRequest(req)?.status;
/** A header line's whole value (header() gives a list header's first element). */
const line = (m: { headers: Array<{ name: string; value: string }> }, name: string): string | undefined =>
  m.headers.find((h) => h.name === name)?.value;

describe('inspectRequest, in the order of RFC 3261 §8.2', () => {
  test('§8.2.1: a known method we do not take → 405, an unknown one → 501, both with Allow', () => {
    const r405 = inspectRequest(request('MESSAGE'));
    expect(r405?.status).toBe(405);
    expect(line(r405!, 'Allow')).toMatch(/^INVITE, ACK, CANCEL, BYE, OPTIONS/);
    expect(status(request('RE%47IST%45R'))).toBe(501);
    // before anything else: an unknown method with a strange URI is still 501
    expect(status(request('FOO', [['Require', 'x']], '', 'soap.beep://h'))).toBe(501);
  });

  test('§8.2.2.1: Request-URI schemes other than sip, sips, tel → 416', () => {
    expect(status(request('OPTIONS', [], '', 'nobodyKnowsThisScheme:totallyopaquecontent'))).toBe(416);
    expect(status(request('OPTIONS', [], '', 'soap.beep://192.0.2.103:3002'))).toBe(416);
    for (const uri of ['sip:a@h', 'SIPS:a@h', 'tel:+15551234567'])
      expect(status(request('OPTIONS', [], '', uri))).toBe(undefined);
  });

  test('§8.2.2.3: unknown Require tags → 420 listing them, for any request but ACK and CANCEL', () => {
    const req = request('OPTIONS', [
      ['Require', 'nothingSupportsThis, nothingSupportsThisEither'],
      ['Proxy-Require', 'noProxiesSupportThis'],
    ]);
    const r = inspectRequest(req);
    expect(r?.status).toBe(420);
    expect(line(r!, 'Unsupported')).toBe('nothingSupportsThis, nothingSupportsThisEither');
    // §8.2.6.2: a To tag on every refusal
    expect(tagOf(header(r!, 'To'))).toBeDefined();
    expect(status(request('BYE', [['Require', '100rel']]))).toBe(420);
    expect(status(request('INVITE', [['Require', 'timer']], SDP))).toBe(undefined);
    expect(status(request('CANCEL', [['Require', 'foo']]))).toBe(undefined);
    // Proxy-Require alone is for proxies (§20.29)
    expect(status(request('OPTIONS', [['Proxy-Require', 'foo']]))).toBe(undefined);
  });

  test('an in-dialog refusal keeps the To tag the request had', () => {
    const req = request('INFO', [['Require', 'foo']]);
    req.headers = req.headers.map((h) =>
      h.name === 'To' ? { name: 'To', value: '<sip:alice@gw>;tag=ours' } : h,
    );
    expect(tagOf(header(inspectRequest(req)!, 'To'))).toBe('ours');
  });

  test('§8.2.3: an INVITE or UPDATE body we do not take → 415 with Accept', () => {
    const r = inspectRequest(request('INVITE', [['Content-Type', 'application/unknownformat']], '<audio/>'));
    expect(r?.status).toBe(415);
    expect(line(r!, 'Accept')).toBe('application/sdp, multipart/mixed, multipart/alternative');
    expect(header(r!, 'Warning')).toBe('399 - "Content-Type application/unknownformat is not taken"');
    expect(status(request('UPDATE', [['Content-Type', 'text/plain']], 'hi'))).toBe(415);
    const gz = inspectRequest(
      request(
        'INVITE',
        [
          ['Content-Type', 'application/sdp'],
          ['Content-Encoding', 'gzip'],
        ],
        SDP,
      ),
    );
    expect([gz?.status, header(gz!, 'Accept-Encoding')]).toEqual([415, 'identity']);
    // other methods' bodies are theirs to judge (INFO's dtmf-relay, NOTIFY's sipfrag)
    expect(status(request('INFO', [['Content-Type', 'application/x-whatever']], 'x'))).toBe(undefined);
  });

  test('a broken body → 400; a body without Content-Type is read as SDP', () => {
    expect(status(request('INVITE', [['Content-Type', 'multipart/mixed']], 'x'))).toBe(400);
    expect(status(request('INVITE', [['Content-Type', 'not a type']], 'x'))).toBe(400);
    expect(status(request('INVITE', [], SDP))).toBe(undefined);
    const binary = {
      ...request('INVITE', [['Content-Type', 'application/sdp']], '\xff\xfe'),
      binaryBody: true as const,
    };
    expect(inspectRequest(binary)?.status).toBe(400);
  });

  test('§21.4.7: an INVITE whose Accept allows no SDP answer → 406; an UPDATE only with an offer', () => {
    expect(status(request('INVITE', [['Accept', 'text/nobodyKnowsThis']], SDP))).toBe(406);
    expect(status(request('INVITE', [['Accept', 'text/plain, application/*']], SDP))).toBe(undefined);
    expect(status(request('UPDATE', [['Accept', 'text/plain']]))).toBe(undefined);
    expect(status(request('UPDATE', [['Accept', 'text/plain']], SDP))).toBe(406);
    expect(status(request('OPTIONS', [['Accept', 'text/plain']]))).toBe(undefined);
  });
});

test('acceptsSdp: media ranges, q=0, and an empty Accept (§20.1)', () => {
  const a = (...v: string[]): boolean =>
    acceptsSdp(
      request(
        'INVITE',
        v.map((x) => ['Accept', x]),
      ),
    );
  expect(acceptsSdp(request('INVITE'))).toBe(true);
  expect(a('application/sdp')).toBe(true);
  expect(a('APPLICATION/SDP;level=1')).toBe(true);
  expect(a('*/*')).toBe(true);
  expect(a('text/html', 'application/*')).toBe(true);
  expect(a('application/sdp;q=0')).toBe(false);
  expect(a('application/sdp;q=0.5')).toBe(true);
  expect(a('')).toBe(false);
  expect(a('text/nobodyKnowsThis')).toBe(false);
});

describe('sessionBody', () => {
  const multipart = (type: string, parts: string[], boundary = 'b0undary'): SipRequest =>
    request(
      'INVITE',
      [['Content-Type', `${type};boundary="${boundary}"`]],
      `preamble\r\n${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('')}--${boundary}--\r\nepilogue`,
    );

  test('application/sdp, or none', () => {
    expect(sessionBody(request('INVITE', [['Content-Type', 'Application/SDP']], SDP))).toEqual({
      kind: 'sdp',
      sdp: SDP,
    });
    expect(sessionBody(request('INVITE'))).toEqual({ kind: 'none' });
  });

  test('the application/sdp part of multipart/mixed and multipart/alternative; other parts ignored', () => {
    const mixed = multipart('multipart/mixed', [
      'Content-Type: text/plain\r\n\r\nhello',
      `Content-Type: application/sdp\r\nContent-Disposition: session\r\n\r\n${SDP}`,
    ]);
    expect(sdpOf(mixed)).toBe(SDP);
    const alt = multipart('multipart/alternative', [
      `Content-Type: application/sdp\r\n\r\n${SDP}`,
      'Content-Type: text/plain\r\n\r\nx',
    ]);
    expect(sdpOf(alt)).toBe(SDP);
    // nested, and a part without headers (text/plain by default)
    const nested = multipart('multipart/mixed', [
      '\r\nno headers',
      `Content-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\nContent-Type: application/sdp\r\n\r\n${SDP}\r\n--inner--`,
    ]);
    expect(sdpOf(nested)).toBe(SDP);
    // base64 SDP is not taken
    const b64 = multipart('multipart/mixed', [
      'Content-Type: application/sdp\r\nContent-Transfer-Encoding: base64\r\n\r\ndj0w',
    ]);
    expect(sessionBody(b64)).toMatchObject({ kind: 'unsupported' });
  });

  test('a binary part beside the SDP: the SDP is decoded as UTF-8 text, the rest ignored', () => {
    const sdp = SDP.replace('s=-', 's=Grüße');
    const bytes = Buffer.concat([
      Buffer.from('--b\r\nContent-Type: application/octet-stream\r\n\r\n'),
      Buffer.from([0x00, 0xff, 0xfe, 0x80]),
      Buffer.from(`\r\n--b\r\nContent-Type: application/sdp\r\n\r\n${sdp}\r\n--b--\r\n`),
    ]);
    const head = `INVITE sip:alice@gw SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:b@h>;tag=1\r\nTo: <sip:alice@gw>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Type: multipart/mixed;boundary=b\r\nContent-Length: ${bytes.length}\r\n\r\n`;
    const m = parseSipMessage(Buffer.concat([Buffer.from(head), bytes]));
    expect(m.binaryBody).toBe(true);
    expect(sdpOf(m)).toBe(sdp);
  });

  test('broken multiparts are malformed', () => {
    expect(
      sessionBody(request('INVITE', [['Content-Type', 'multipart/mixed;boundary=x']], 'no boundary here')),
    ).toMatchObject({
      kind: 'malformed',
      why: 'sip: body: multipart boundary not found',
    });
    expect(
      sessionBody(
        request(
          'INVITE',
          [['Content-Type', 'multipart/mixed;boundary=x']],
          '--x\r\nContent-Type: a/b\r\n\r\nunclosed',
        ),
      ),
    ).toMatchObject({
      kind: 'malformed',
    });
  });

  test('RFC 4475 §3.1.1.11 mpart01: framed right; neither of its parts is SDP', () => {
    const m = parseSipMessage(
      readFileSync(join(__dirname, '..', 'fixtures', 'torture', 'valid', 'mpart01.sip')),
    );
    expect(sessionBody(m)).toEqual({
      kind: 'unsupported',
      why: 'multipart/mixed without an application/sdp part',
    });
  });
});
