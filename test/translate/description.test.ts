/**
 * Jingle ⇄ SDP on spec examples and real captures: every candidate, fingerprint, key, codec and
 * SSRC crosses; roles, setup and the three security forms map per docs/design.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseJingleXml, serializeJingle } from '../../src/jingle';
import { parseSdp } from '../../src/sdp';
import { jingleToSdp, jingleToSdpObject, sdpToJingle } from '../../src/translate/description';
import { isInputError } from '../../src/errors';
import { tables } from '../support/tables';

const fixtures = path.join(__dirname, '..', 'fixtures');
const read = (rel: string): string => fs.readFileSync(path.join(fixtures, rel), 'utf8');
/** The SDP body of a captured SIP message. */
const body = (rel: string): string => read(rel).split('\r\n\r\n').slice(1).join('\r\n\r\n');

describe('jingle → sdp (XEP-0320 Example 1: ICE-UDP + DTLS offer)', () => {
  const xml = read('jingle-xep/xep0320-ex01-initiate-fingerprint.xml');
  const sdp = parseSdp(jingleToSdp(xml, tables), tables.hashes);
  const m = sdp.media[0]!;

  it('carries every candidate with every field', () => {
    const j = parseJingleXml(xml, tables.hashes).jingle;
    const t = j.contents[0]!.transport!;
    if (t.kind !== 'ice-udp') throw new Error('expected ICE-UDP');
    expect(m.candidates).toHaveLength(t.candidates.length);
    t.candidates.forEach((c, i) => {
      const s = m.candidates![i]!;
      expect([s.foundation, s.component, s.transport, s.priority, s.ip, s.port, s.type]).toEqual([
        c.foundation,
        c.component,
        c.protocol,
        c.priority,
        c.ip,
        c.port,
        c.type,
      ]);
      expect(s.raddr).toBe(c.relAddr);
      expect(s.rport).toBe(c.relPort);
      expect(s.generation).toBe(c.generation);
    });
  });

  it('uses the DTLS profile, the fingerprint and setup:actpass', () => {
    expect(m.protocol).toBe('UDP/TLS/RTP/SAVP');
    expect(m.fingerprints).toEqual([
      {
        hash: 'sha-256',
        value:
          '02:1A:CC:54:27:AB:EB:9C:53:3F:3E:4B:65:2E:7D:46:3F:54:42:CD:54:F1:7A:03:A2:7D:F9:B0:7F:46:19:B2',
      },
    ]);
    expect(m.setup).toBe('actpass');
    expect(m.iceUfrag).toBe('8hhy');
    expect(m.icePwd).toBe('asd88fgpdd777uzjYhagZg');
  });

  it('takes c= and the m= port from the default candidate (srflx before host, RFC 8839 §4.2)', () => {
    expect(m.port).toBe(45664);
    expect(m.connection?.ip).toBe('192.0.2.3');
  });

  it('keeps every payload type in order', () => {
    expect(m.payloads).toBe('96 97 18 103 98');
    expect(m.rtp.find((r) => r.payload === 103)).toMatchObject({ codec: 'L16', rate: 16000, encoding: 2 });
  });
});

describe('setup roles (RFC 5763 §5, RFC 8842 §5.2)', () => {
  it('an answer never says actpass: XEP-0320 Example 2 session-accept', () => {
    const xml = read('jingle-xep/xep0320-ex02-accept-fingerprint.xml');
    const sdp = parseSdp(jingleToSdp(xml, tables), tables.hashes);
    for (const m of sdp.media) expect(m.setup).not.toBe('actpass');
  });

  it('an answering actpass is turned into active on both sides', () => {
    const offer = parseJingleXml(
      read('jingle-xep/xep0320-ex01-initiate-fingerprint.xml'),
      tables.hashes,
    ).jingle;
    const answer = { ...offer, action: 'session-accept' as const };
    expect(jingleToSdpObject(answer, tables).media[0]!.setup).toBe('active');
    const sdpAnswer = jingleToSdp(offer, tables).replace('a=setup:actpass', 'a=setup:actpass');
    const j = sdpToJingle(sdpAnswer, tables, { action: 'session-accept' });
    const t = j.contents[0]!.transport!;
    expect(t.fingerprints[0]!.setup).toBe('active');
  });

  it('an offer always says actpass, whatever the Jingle side wrote', () => {
    const xml = read('jingle-xep/xep0320-ex01-initiate-fingerprint.xml').replace(
      "setup='actpass'",
      "setup='passive'",
    );
    expect(parseSdp(jingleToSdp(xml, tables), tables.hashes).media[0]!.setup).toBe('actpass');
  });
});

describe('senders ⇄ direction flips with the author (docs/design.md §Media description)', () => {
  const base = read('jingle-xep/xep0320-ex01-initiate-fingerprint.xml');
  it.each([
    ['session-initiate', 'initiator', 'sendonly'],
    ['session-initiate', 'responder', 'recvonly'],
    ['session-accept', 'initiator', 'recvonly'],
    ['session-accept', 'responder', 'sendonly'],
    ['session-accept', 'none', 'inactive'],
  ])('%s with senders=%s → a=%s', (action, senders, direction) => {
    const xml = base
      .replace("action='session-initiate'", `action='${action}'`)
      .replace(
        "<content creator='initiator' name='voice'>",
        `<content creator='initiator' name='voice' senders='${senders}'>`,
      );
    const sdp = parseSdp(jingleToSdp(xml, tables), tables.hashes);
    expect(sdp.media[0]!.direction).toBe(direction);
    const back = sdpToJingle(jingleToSdp(xml, tables), tables, {
      action: action as 'session-initiate' | 'session-accept',
    });
    expect(back.contents[0]!.senders).toBe(senders);
  });
});

describe('sdp → jingle on real captures', () => {
  it('Chromium audio+video bundle offer: every candidate, ssrc, extmap, rtcp-fb and the BUNDLE group', () => {
    const text = read('captured/chromium-156.0.8078.79-av-bundle-offer.sdp');
    const sdp = parseSdp(text, tables.hashes);
    const j = sdpToJingle(text, tables);
    expect(j.groups).toEqual([{ semantics: 'BUNDLE', contents: sdp.groups![0]!.mids.split(' ') }]);
    sdp.media.forEach((m, i) => {
      const c = j.contents[i]!;
      expect(c.name).toBe(m.mid);
      const t = c.transport!;
      expect(t.kind).toBe('ice-udp');
      expect(t.candidates.map((x) => `${x.ip}:${x.port}`)).toEqual(
        (m.candidates ?? []).map((x) => `${x.ip}:${x.port}`),
      );
      expect(t.fingerprints.map((f) => f.value)).toEqual(m.fingerprints.map((f) => f.value.toUpperCase()));
      const d = c.description!;
      expect(d.payloadTypes.map((p) => p.id).join(' ')).toBe(m.payloads);
      expect(d.hdrExts.map((h) => h.uri)).toEqual((m.ext ?? []).map((e) => e.uri));
      expect(new Set(d.sources.map((s) => s.ssrc))).toEqual(new Set((m.ssrcs ?? []).map((s) => s.id)));
      expect(d.ssrcGroups.length).toBe((m.ssrcGroups ?? []).length);
      const fbCount = d.payloadTypes.reduce((n, p) => n + p.rtcpFb.length, 0) + d.rtcpFb.length;
      expect(fbCount).toBe((m.rtcpFb ?? []).length);
    });
  });

  it('baresip DTLS INVITE: session-level fingerprint and setup reach the content (RFC 8122 §5)', () => {
    const text = body('captured/baresip-1.0.0-invite-dtls_srtp.sip');
    const sdp = parseSdp(text, tables.hashes);
    const j = sdpToJingle(text, tables);
    const t = j.contents[0]!.transport!;
    expect(t.kind).toBe('raw-udp');
    expect(t.fingerprints).toHaveLength(1);
    expect(t.fingerprints[0]).toMatchObject({ hash: 'sha-256', setup: 'actpass' });
    expect(t.fingerprints[0]!.value).toBe(sdp.fingerprints[0]!.value.toUpperCase());
    expect(t.candidates[0]).toMatchObject({ component: 1, ip: '127.0.0.1', port: sdp.media[0]!.port });
  });

  it('baresip SDES INVITE: every a=crypto becomes <crypto> with its tag, suite and key', () => {
    const text = body('captured/baresip-1.0.0-invite-srtp-mand.sip');
    const m = parseSdp(text, tables.hashes).media[0]!;
    const enc = sdpToJingle(text, tables).contents[0]!.description!.encryption!;
    expect(enc.cryptos.map((c) => [c.tag, c.cryptoSuite, c.keyParams])).toEqual(
      m.crypto!.map((c) => [c.id, c.suite, c.config]),
    );
    expect(enc.required).toBe(/SAVP/.test(m.protocol));
  });

  it('SIPp uac offer (static payload, no rtpmap): PCMU is named from mappings/codecs.yaml', () => {
    const j = sdpToJingle(body('captured/sipp-3.6.1-uac-invite.sip'), tables);
    expect(j.contents[0]!.description!.payloadTypes[0]).toMatchObject({
      id: 0,
      name: 'PCMU',
      clockrate: 8000,
    });
  });

  it('a bare telephone-event fmtp round-trips byte for byte', () => {
    const text = body('captured/baresip-1.0.0-invite-plain.sip');
    const back = jingleToSdp(serializeJingle(sdpToJingle(text, tables)), tables);
    expect(back).toMatch(/a=fmtp:101 0-15\r\n/);
  });
});

describe('XTLS ⇄ RFC 5939 capability negotiation (the seed mapping)', () => {
  const xtlsOffer = `<jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' sid='s1' initiator='romeo@montague.lit/orchard'>
  <content creator='initiator' name='audio'>
    <description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'><payload-type id='0' name='PCMU' clockrate='8000'/></description>
    <transport xmlns='urn:xmpp:jingle:transports:raw-udp:1'><candidate component='1' generation='0' id='a9j3mnbtu1' ip='10.1.1.104' port='13540'/></transport>
    <security xmlns='urn:xmpp:jingle:security:xtls:0'>
      <fingerprint algo='sha-1'>3F:4A:91:0C:2B:7E:D5:66:18:A0:CC:4E:9B:12:F7:03:5D:E8:21:B9</fingerprint>
      <method name='x509'/><method name='srp'/>
    </security>
  </content>
</jingle>`;

  it('an XTLS offer becomes RTP/AVP + a=tcap:1 UDP/TLS/RTP/SAVP RTP/AVP + a=pcfg:1 t=1 + fingerprint + actpass', () => {
    const text = jingleToSdp(xtlsOffer, tables);
    expect(text).toMatch(/^m=audio 13540 RTP\/AVP 0\r$/m);
    expect(text).toContain('a=tcap:1 UDP/TLS/RTP/SAVP RTP/AVP\r\n');
    expect(text).toContain('a=pcfg:1 t=1\r\n');
    expect(text).toContain(
      'a=fingerprint:sha-1 3F:4A:91:0C:2B:7E:D5:66:18:A0:CC:4E:9B:12:F7:03:5D:E8:21:B9\r\n',
    );
    expect(text).toContain('a=setup:actpass\r\n');
    expect(text).toContain('a=x-xtls-method:srp\r\n');
    expect(text).not.toContain('a=x-xtls-method:x509');
  });

  it('the SDP offer of that shape comes back as the XTLS <security> form, srp kept', () => {
    const j = sdpToJingle(jingleToSdp(xtlsOffer, tables), tables);
    const c = j.contents[0]!;
    expect(c.transport!.fingerprints).toEqual([]);
    expect(c.security).toEqual({
      fingerprints: [{ algo: 'sha-1', value: '3F:4A:91:0C:2B:7E:D5:66:18:A0:CC:4E:9B:12:F7:03:5D:E8:21:B9' }],
      methods: ['x509', 'srp'],
    });
  });

  it('the seed SDP (corrected hex) becomes the XTLS form', () => {
    const j = sdpToJingle(read('sdp-spec/seed-002-corrected.sdp'), tables);
    expect(j.contents[0]!.security?.methods).toEqual(['x509', 'srp']);
    expect(j.contents[0]!.security?.fingerprints[0]!.algo).toBe('sha-1');
  });

  it('an answer taking the configuration says a=acfg:1 t=1 and the DTLS proto; it maps back to <security>', () => {
    const offer = parseSdp(jingleToSdp(xtlsOffer, tables), tables.hashes);
    const answerJingle = parseJingleXml(
      xtlsOffer.replace('session-initiate', 'session-accept'),
      tables.hashes,
    ).jingle;
    const answer = jingleToSdp(answerJingle, tables, { offer });
    expect(answer).toMatch(/^m=audio 13540 UDP\/TLS\/RTP\/SAVP 0\r$/m);
    expect(answer).toContain('a=acfg:1 t=1\r\n');
    expect(answer).toContain('a=setup:active\r\n');
    expect(answer).not.toContain('a=tcap');
    const back = sdpToJingle(answer, tables, { action: 'session-accept' });
    expect(back.contents[0]!.security?.fingerprints).toHaveLength(1);
  });

  it('a plain RTP/AVP answer to it means the security layer was refused: no <security>', () => {
    const plain = body('captured/sipp-3.6.1-uas-200ok-invite.sip');
    const back = sdpToJingle(plain, tables, { action: 'session-accept' });
    expect(back.contents[0]!.security).toBeUndefined();
    expect(back.contents[0]!.transport!.fingerprints).toEqual([]);
  });
});

describe('bad input names what and where', () => {
  it.each([
    [
      'a non-RTP content',
      read('jingle-xep/xtls-seed-002-hex-sha1.xml'),
      /content name='xmlstream'.*RTP <description>/,
    ],
    ['a session-info', read('jingle-xep/xep0167-ex13-ringing.xml'), /session-info.*no session description/],
    [
      'a bad port',
      read('jingle-xep/xep0320-ex01-initiate-fingerprint.xml').replace("port='8998'", "port='70000'"),
      /port/,
    ],
  ])('jingle → sdp: %s', (_name, input, pattern) => {
    expect(() => jingleToSdp(input, tables)).toThrow(pattern);
  });

  it.each([
    ['no m= line', 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n', /no m= line/],
    [
      'DTLS proto without fingerprint',
      'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 UDP/TLS/RTP/SAVP 0\r\n',
      /m-section 1.*fingerprint/,
    ],
  ])('sdp → jingle: %s', (_name, input, pattern) => {
    try {
      sdpToJingle(input, tables);
      throw new Error('no error');
    } catch (e) {
      expect(isInputError(e)).toBe(true);
      expect((e as Error).message).toMatch(pattern);
    }
  });
});
