/**
 * SIP INFO bodies (RFC 6086) read by src/translate/info.ts and src/translate/dtmf.ts, and the
 * XEP-0181 `<dtmf>` payload they cross to. Bodies as SIP phones send them (dtmf-relay: the
 * `Signal=`/`Duration=` lines of Cisco's format, which baresip and linphone send too).
 */
import { parseJingleXml, serializeJingle } from '../../src/jingle';
import { parseSipMessage } from '../../src/sip/message';
import type { SipRequest } from '../../src/sip/message/types';
import { dtmfRelayBody, parseDtmfBody } from '../../src/translate/dtmf';
import { sipInfoOf } from '../../src/translate/info';
import { tables } from '../support/tables';

function info(headers: string, body: string): SipRequest {
  return parseSipMessage(
    `INFO sip:gw@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:gw@127.0.0.1>;tag=2\r\nCall-ID: c1\r\nCSeq: 3 INFO\r\nMax-Forwards: 70\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  ) as SipRequest;
}

describe('SIP INFO, by Info-Package and Content-Type', () => {
  it('dtmf-relay and dtmf bodies → a tone; RFC 4733 event numbers 10/11 are * and #', () => {
    expect(
      sipInfoOf(info('Content-Type: application/dtmf-relay\r\n', 'Signal=5\r\nDuration=160\r\n')),
    ).toEqual({
      kind: 'dtmf',
      code: '5',
      durationMs: 160,
    });
    expect(parseDtmfBody('application/dtmf-relay', 'Signal=11\nDuration=100')).toEqual({
      code: '#',
      durationMs: 100,
    });
    expect(sipInfoOf(info('Content-Type: application/dtmf\r\n', '*'))).toEqual({ kind: 'dtmf', code: '*' });
    expect(sipInfoOf(info('Content-Type: application/dtmf-relay\r\n', 'Signal=Z\r\n')).kind).toBe('invalid');
    expect(sipInfoOf(info('Content-Type: application/dtmf-relay\r\n', 'Duration=100\r\n')).kind).toBe(
      'invalid',
    );
  });

  it('the trickle-ice package → its sdpfrag; another package → other; no body → empty', () => {
    const frag = 'a=ice-ufrag:x\r\na=candidate:1 1 udp 1 192.0.2.1 4000 typ host\r\n';
    expect(
      sipInfoOf(info('Info-Package: trickle-ice\r\nContent-Type: application/trickle-ice-sdpfrag\r\n', frag)),
    ).toEqual({ kind: 'trickle', frag });
    expect(sipInfoOf(info('Info-Package: foo\r\nContent-Type: application/foo\r\n', 'x'))).toEqual({
      kind: 'other',
      infoPackage: 'foo',
    });
    expect(sipInfoOf(info('Content-Type: text/plain\r\n', 'hi'))).toEqual({
      kind: 'other',
      contentType: 'text/plain',
    });
    expect(sipInfoOf(info('', ''))).toEqual({ kind: 'empty' });
  });

  it('a tone → a dtmf-relay body (XEP-0181 §2 default duration 100 ms)', () => {
    expect(dtmfRelayBody({ code: '7' })).toBe('Signal=7\r\nDuration=100\r\n');
    expect(parseDtmfBody('application/dtmf-relay', dtmfRelayBody({ code: 'A', durationMs: 400 }))).toEqual({
      code: 'A',
      durationMs: 400,
    });
  });
});

describe('XEP-0181 <dtmf> in session-info', () => {
  const xml = (attrs: string) =>
    `<jingle xmlns='urn:xmpp:jingle:1' action='session-info' sid='s1'><dtmf xmlns='urn:xmpp:jingle:dtmf:0' ${attrs}/></jingle>`;

  it('parses code and duration, and writes them back', () => {
    const j = parseJingleXml(xml("code='9' duration='400'"), tables.hashes).jingle;
    expect(j.info).toEqual({ kind: 'dtmf', code: '9', duration: 400 });
    expect(parseJingleXml(serializeJingle(j), tables.hashes).jingle.info).toEqual(j.info);
  });

  it('a code that is no tone, or no code, is bad input', () => {
    expect(() => parseJingleXml(xml("code='x'"), tables.hashes)).toThrow(/code/);
    expect(() => parseJingleXml(xml("duration='10'"), tables.hashes)).toThrow(/code/);
  });
});
