/**
 * Trickle ICE across the gateway: Jingle transport-info ⇄ RFC 8840 sdpfrag ⇄ SIP INFO.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultConfig } from '../../src/config/config';
import { parseJingleXml } from '../../src/jingle';
import { parseSdpFrag, writeSdpFrag } from '../../src/sdp';
import { header, parseSipMessage } from '../../src/sip/message';
import type { SipRequest } from '../../src/sip/message/types';
import { jingleToSdp } from '../../src/translate/description';
import { jingleToSip, sipToJingle } from '../../src/translate/message';
import { sdpFragToContents, transportInfoToSdpFrag } from '../../src/translate/trickle';
import { tables } from '../support/tables';
import { messageContext } from '../../src/config/address-context';

const config = defaultConfig();
const xml = fs
  .readFileSync(path.join(__dirname, '..', 'fixtures', 'jingle-xep', 'xep0176-transport-info.xml'), 'utf8')
  .replace(/to='[^']*'/, "to='+15551230000@gw.localhost'");

// The shape of the sdpfrag example in RFC 8840 (session credentials, one m= with a=mid, a
// candidate, end-of-candidates), written for this test.
const RFC8840_SHAPE = [
  'a=ice-pwd:asd88fgpdd777uzjYhagZg',
  'a=ice-ufrag:8hhy',
  'm=audio 9 RTP/AVP 0',
  'a=mid:1',
  'a=candidate:1 1 UDP 1658497328 192.0.2.3 5000 typ host',
  'a=end-of-candidates',
  '',
].join('\r\n');

describe('trickle ICE (RFC 8840)', () => {
  it('an sdpfrag gives transport-info contents with the session credentials and every candidate', () => {
    const frag = parseSdpFrag(RFC8840_SHAPE);
    expect(frag.media[0]).toMatchObject({ mid: '1', endOfCandidates: true });
    const [c] = sdpFragToContents(frag);
    expect(c!.name).toBe('1');
    const t = c!.transport!;
    if (t.kind !== 'ice-udp') throw new Error('expected ICE');
    expect([t.ufrag, t.pwd]).toEqual(['8hhy', 'asd88fgpdd777uzjYhagZg']);
    expect(t.candidates.map((x) => [x.ip, x.port, x.priority, x.type])).toEqual([
      ['192.0.2.3', 5000, 1658497328, 'host'],
    ]);
  });

  it('transport-info → sdpfrag → contents keeps every candidate field', () => {
    const j = parseJingleXml(xml, tables.hashes).jingle;
    const back = sdpFragToContents(parseSdpFrag(writeSdpFrag(transportInfoToSdpFrag(j))));
    const before = j.contents[0]!.transport!;
    const after = back[0]!.transport!;
    if (before.kind !== 'ice-udp' || after.kind !== 'ice-udp') throw new Error('expected ICE');
    const strip = (c: (typeof before.candidates)[number]) => ({ ...c, id: '' });
    expect(after.candidates.map(strip)).toEqual(before.candidates.map(strip));
    expect(back[0]!.name).toBe(j.contents[0]!.name);
  });

  it('jingle → sdp prints the sdpfrag for a transport-info', () => {
    expect(jingleToSdp(xml, tables)).toMatch(/^m=audio 9 RTP\/AVP 0\r\na=mid:voice\r\n/);
  });

  it('jingle → sip: an INFO in the trickle-ice package; sip → jingle gives the transport-info back', () => {
    const info = parseSipMessage(jingleToSip(xml, messageContext(config, tables))) as SipRequest;
    expect(info.method).toBe('INFO');
    expect(header(info, 'Info-Package')).toBe('trickle-ice');
    expect(header(info, 'Content-Type')).toBe('application/trickle-ice-sdpfrag');
    expect(header(info, 'Content-Disposition')).toBe('Info-Package');
    const back = parseJingleXml(
      sipToJingle(jingleToSip(xml, messageContext(config, tables)), messageContext(config, tables)),
      tables.hashes,
    ).jingle;
    expect(back.action).toBe('transport-info');
    expect(back.sid).toBe(parseJingleXml(xml, tables.hashes).jingle.sid);
  });

  it('bad sdpfrags and other INFO bodies are refused, naming the place', () => {
    expect(() => parseSdpFrag('a=candidate:1 1 UDP 1 192.0.2.3 5000 typ host\r\n')).toThrow(
      /sdpfrag line 1.*before any m= line/,
    );
    expect(() => parseSdpFrag('m=audio 9 RTP/AVP 0\r\na=candidate:x\r\n')).toThrow(/sdpfrag line 2/);
    const dtmf = jingleToSip(xml, messageContext(config, tables))
      .replace('application/trickle-ice-sdpfrag', 'application/dtmf-relay')
      .replace(/\r\n\r\n[^]*$/, '\r\n\r\n')
      .replace(/Content-Length: \d+/, 'Content-Length: 0');
    expect(() => sipToJingle(dtmf, messageContext(config, tables))).toThrow(/dtmf-relay/);
  });
});
