import { isInputError } from '../../src/errors';
import { parseJingleXml, serializeJingle, serializeJingleIq } from '../../src/jingle';
import { asJingleDocument, loadFixtures } from './helpers';
import { tables } from '../support/tables';

const fixtures = loadFixtures();
const valid = fixtures.filter((f) => f.expect === undefined);
const errata = fixtures.filter((f) => f.expect !== undefined);

function reserialize(text: string): string {
  const { iq, jingle } = parseJingleXml(text, tables.hashes);
  return iq ? serializeJingleIq({ ...iq, jingle }) : serializeJingle(jingle);
}

describe('XEP example fixtures', () => {
  it('every fixture names its source on the first line', () => {
    expect(fixtures.length).toBeGreaterThan(30);
    for (const f of fixtures) expect(f.text.split('\n')[0]).toMatch(/^<!-- (XEP-\d{4}|Seed|Variant) .* -->$/);
  });

  it.each(valid.map((f) => [f.file, f]))(
    '%s parses, and parse → serialize → parse keeps the model',
    (_, f) => {
      const doc = asJingleDocument(f.text);
      const first = parseJingleXml(doc, tables.hashes);
      const xml = reserialize(doc);
      const second = parseJingleXml(xml, tables.hashes);
      expect(second).toEqual(first);
      // Serialising is deterministic: the second serialisation is byte-identical.
      expect(reserialize(xml)).toBe(xml);
      expect(xml).not.toMatch(/undefined|NaN/);
    },
  );

  it.each(errata.map((f) => [f.file, f]))(
    '%s (a spec erratum or placeholder) is rejected as noted',
    (_, f) => {
      let caught: unknown;
      try {
        parseJingleXml(asJingleDocument(f.text), tables.hashes);
      } catch (e) {
        caught = e;
      }
      expect(isInputError(caught)).toBe(true);
      expect((caught as Error).message).toBe(f.expect);
    },
  );
});

function fixture(name: string) {
  const f = fixtures.find((x) => x.file === name);
  if (!f) throw new Error(`no fixture ${name}`);
  return parseJingleXml(asJingleDocument(f.text), tables.hashes);
}

describe('what the fixtures parse to', () => {
  it('XEP-0167 Example 1: iq, contents, payload types, ICE candidates', () => {
    const { iq, jingle } = fixture('xep0167-ex01-initiation.xml');
    expect(iq).toEqual({
      id: 'ih28sx61',
      type: 'set',
      from: 'romeo@montague.lit/orchard',
      to: 'juliet@capulet.lit/balcony',
    });
    expect(jingle.action).toBe('session-initiate');
    expect(jingle.sid).toBe('a73sjjvkla37jfea');
    expect(jingle.initiator).toBe('romeo@montague.lit/orchard');
    const [content] = jingle.contents;
    expect(content).toMatchObject({ creator: 'initiator', name: 'voice' });
    expect(content.senders).toBeUndefined();
    expect(content.description?.payloadTypes[4]).toEqual({
      id: 103,
      name: 'L16',
      clockrate: 16000,
      channels: 2,
      parameters: [],
      rtcpFb: [],
    });
    expect(content.transport).toMatchObject({
      kind: 'ice-udp',
      ufrag: '8hhy',
      pwd: 'asd88fgpdd777uzjYhagZg',
    });
    expect(content.transport?.kind === 'ice-udp' && content.transport.candidates[1]).toEqual({
      component: 1,
      foundation: '2',
      generation: 0,
      id: 'y3s2b30v3r',
      ip: '192.0.2.3',
      network: 1,
      port: 45664,
      priority: 1694498815,
      protocol: 'udp',
      relAddr: '10.0.1.1',
      relPort: 8998,
      type: 'srflx',
    });
  });

  it('XEP-0167 reasons ignore application-specific conditions; session-info payloads', () => {
    expect(fixture('xep0167-ex05-terminate-invalid-crypto.xml').jingle.reason).toEqual({
      condition: 'security-error',
    });
    expect(fixture('xep0167-ex13-ringing.xml').jingle.info).toEqual({ kind: 'ringing' });
    expect(fixture('xep0167-ex11-mute.xml').jingle.info).toEqual({
      kind: 'mute',
      creator: 'responder',
      name: 'voice',
    });
    expect(fixture('xep0167-ex10-unhold.xml').jingle.info).toEqual({ kind: 'unhold' });
  });

  it('XEP-0167 SRTP crypto, ptime and parameters', () => {
    const enc = fixture('xep0167-srtp-encryption.xml').jingle.contents[0].description?.encryption;
    expect(enc).toEqual({
      required: true,
      cryptos: [
        {
          tag: 1,
          cryptoSuite: 'AES_CM_128_HMAC_SHA1_80',
          keyParams: 'inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:32',
          sessionParams: 'KDR=1 UNENCRYPTED_SRTCP',
        },
      ],
    });
    const pt = fixture('xep0167-sdp-speex-parameters.xml').jingle.contents[0].description?.payloadTypes[0];
    expect(pt?.ptime).toBe(40);
    expect(pt?.parameters).toEqual([
      { name: 'vbr', value: 'on' },
      { name: 'cng', value: 'on' },
    ]);
  });

  it('XEP-0320 fingerprints: trimmed (tabs too), upper case, hash and setup', () => {
    for (const file of [
      'xep0320-ex02-accept-fingerprint.xml',
      'xep0320-ex03-transport-info-fingerprint.xml',
    ]) {
      const t = fixture(file).jingle.contents[0].transport;
      expect(t?.fingerprints).toEqual([
        {
          hash: 'sha-256',
          setup: 'active',
          value:
            'BD:E8:2C:D3:BD:B6:98:50:45:7D:5B:36:89:53:31:15:52:25:88:82:06:95:88:A3:3D:A5:43:8D:5C:21:21:66',
        },
      ]);
    }
  });

  it('XEP-0293 feedback at description and payload-type level', () => {
    const d = fixture('xep0293-ex01-initiate-description.xml').jingle.contents[0].description;
    expect(d?.rtcpFb).toEqual([{ type: 'nack', subtype: 'pli' }]);
    expect(d?.payloadTypes[0]).toMatchObject({
      rtcpFb: [{ type: 'nack', subtype: 'sli' }],
      rtcpFbTrrInt: 100,
    });
    expect(fixture('xep0293-ex03-accept-no-feedback.xml').jingle.contents[0].description?.rtcpFbTrrInt).toBe(
      0,
    );
    const corrected = fixture('xep0293-ex05-xmpp-format-corrected.xml').jingle;
    expect(corrected.contents.map((c) => c.transport?.kind)).toEqual(['raw-udp', 'raw-udp']);
  });

  it('XEP-0294 header extensions with senders', () => {
    const d = fixture('xep0294-ex05-xmpp-format.xml').jingle.contents[0].description;
    expect(d?.hdrExts[1]).toEqual({ id: 2, uri: 'URI-gps-string', senders: 'initiator', parameters: [] });
    expect(d?.payloadTypes).toEqual([]);
  });

  it('XEP-0338 groups and XEP-0339 sources', () => {
    expect(fixture('xep0338-sec2-bundle.xml').jingle.groups).toEqual([
      { semantics: 'BUNDLE', contents: ['voice', 'webcam'] },
    ]);
    const d = fixture('xep0339-sec3-example.xml').jingle.contents[0].description;
    expect(d?.ssrcGroups[1]).toEqual({ semantics: 'FID', ssrcs: [3139499595, 2613715171] });
    expect(d?.sources[0]).toEqual({
      ssrc: 2301230316,
      parameters: [{ name: 'cname', value: 'T5qvrIZj42v//eYQ' }],
    });
  });

  it('XEP-0166 alternative-session and text; XEP-0176 remote-candidate; foreign descriptions ignored', () => {
    expect(fixture('xep0166-terminate-alternative-session.xml').jingle.reason).toEqual({
      condition: 'alternative-session',
      alternativeSid: 'b84tkkwlmb48kgfb',
    });
    expect(fixture('xep0166-terminate-success-text.xml').jingle.reason).toEqual({
      condition: 'success',
      text: 'Sorry, gotta go!',
    });
    const stub = fixture('xep0166-session-initiate-stub.xml').jingle.contents[0];
    expect(stub).toEqual({ creator: 'initiator', name: 'voice' });
    const t = fixture('xep0176-session-accept-remote-candidate.xml').jingle.contents[0].transport;
    expect(t?.kind === 'ice-udp' && t.remoteCandidate).toEqual({ component: 1, ip: '10.0.1.1', port: 8998 });
  });

  it('XTLS (seed variant): security with fingerprint algo and method hints', () => {
    const c = fixture('xtls-seed-002-hex-sha1.xml').jingle.contents[0];
    expect(c.description).toBeUndefined();
    expect(c.security).toEqual({
      fingerprints: [{ algo: 'sha-1', value: '3F:4A:91:0C:2B:7E:D5:66:18:A0:CC:4E:9B:12:F7:03:5D:E8:21:B9' }],
      methods: ['x509', 'srp'],
    });
  });
});
