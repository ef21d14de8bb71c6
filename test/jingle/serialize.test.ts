import { parseJingleXml, serializeJingle, serializeJingleIq } from '../../src/jingle';
import type { Jingle } from '../../src/jingle';
import { tables } from '../support/tables';

const model: Jingle = {
  action: 'session-initiate',
  sid: 's1',
  initiator: 'romeo@montague.lit/orchard',
  contents: [
    {
      creator: 'initiator',
      name: 'audio',
      senders: 'both',
      description: {
        media: 'audio',
        payloadTypes: [
          {
            id: 111,
            name: 'opus',
            clockrate: 48000,
            channels: 2,
            parameters: [{ name: 'useinbandfec', value: '1' }],
            rtcpFb: [{ type: 'transport-cc' }],
          },
          { id: 0, name: 'PCMU', parameters: [], rtcpFb: [] },
        ],
        encryption: {
          required: false,
          cryptos: [{ tag: 1, cryptoSuite: 'AES_CM_128_HMAC_SHA1_80', keyParams: 'inline:k' }],
        },
        bandwidths: [{ type: 'AS', value: 64 }],
        rtcpMux: true,
        rtcpFb: [],
        hdrExts: [{ id: 1, uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', parameters: [] }],
        extmapAllowMixed: true,
        sources: [
          {
            ssrc: 1,
            parameters: [
              { name: 'cname', value: 'x' },
              { name: 'flag', value: '' },
            ],
          },
        ],
        ssrcGroups: [],
      },
      transport: {
        kind: 'ice-udp',
        ufrag: 'uFrg',
        pwd: 'pwdpwdpwdpwdpwdpwdpwdp',
        candidates: [
          {
            component: 1,
            foundation: '1',
            generation: 0,
            id: 'c1',
            ip: '2001:db8::1',
            port: 9,
            priority: 1,
            protocol: 'udp',
            type: 'host',
          },
        ],
        fingerprints: [{ hash: 'sha-1', setup: 'actpass', value: Array(20).fill('AB').join(':') }],
      },
    },
  ],
  groups: [{ semantics: 'BUNDLE', contents: ['audio'] }],
};

describe('serializing', () => {
  it('writes namespaced children with their own xmlns, attributes in a fixed order, no absent fields', () => {
    const xml = serializeJingle(model);
    expect(
      xml.startsWith(
        '<jingle xmlns="urn:xmpp:jingle:1" action="session-initiate" initiator="romeo@montague.lit/orchard" sid="s1">',
      ),
    ).toBe(true);
    expect(xml).toContain(
      '<group xmlns="urn:xmpp:jingle:apps:grouping:0" semantics="BUNDLE"><content name="audio"/></group>',
    );
    expect(xml).toContain('<content creator="initiator" name="audio" senders="both">');
    expect(xml).toContain('<description xmlns="urn:xmpp:jingle:apps:rtp:1" media="audio">');
    expect(xml).toContain('<payload-type id="0" name="PCMU"/>');
    expect(xml).toContain('<rtcp-fb xmlns="urn:xmpp:jingle:apps:rtp:rtcp-fb:0" type="transport-cc"/>');
    expect(xml).toContain('<crypto crypto-suite="AES_CM_128_HMAC_SHA1_80" key-params="inline:k" tag="1"/>');
    expect(xml).toContain('<encryption>');
    expect(xml).toContain('<bandwidth type="AS">64</bandwidth><rtcp-mux/>');
    expect(xml).toContain('<extmap-allow-mixed xmlns="urn:xmpp:jingle:apps:rtp:rtp-hdrext:0"/>');
    expect(xml).toContain('<parameter name="flag"/>');
    expect(xml).toContain(
      '<candidate component="1" foundation="1" generation="0" id="c1" ip="2001:db8::1" port="9" priority="1" protocol="udp" type="host"/>',
    );
    expect(xml).toContain(
      '<fingerprint xmlns="urn:xmpp:jingle:apps:dtls:0" hash="sha-1" setup="actpass">AB:',
    );
    expect(xml).not.toMatch(/undefined|NaN|null/);
    expect(parseJingleXml(xml, tables.hashes).jingle).toEqual(model);
  });

  it('wraps in an iq (from, id, to, type) and escapes text and attributes', () => {
    const j: Jingle = {
      action: 'session-terminate',
      // The sid is bounded to name characters (docs/policy.md §Sizes); an attribute that may hold
      // anything shows the escaping.
      sid: 's2',
      initiator: 'a"b<c@montague.lit',
      contents: [],
      groups: [],
      reason: { condition: 'busy', text: "<Juliet> & 'Romeo'" },
    };
    const xml = serializeJingleIq({ id: 'i1', type: 'set', to: 'juliet@capulet.lit', jingle: j });
    expect(xml.startsWith('<iq id="i1" to="juliet@capulet.lit" type="set"><jingle')).toBe(true);
    expect(xml).toContain('initiator="a&quot;b&lt;c@montague.lit"');
    expect(xml).toContain("<reason><busy/><text>&lt;Juliet&gt; &amp; 'Romeo'</text></reason>");
    const back = parseJingleXml(xml, tables.hashes);
    expect(back).toEqual({ iq: { id: 'i1', type: 'set', to: 'juliet@capulet.lit' }, jingle: j });
  });

  it('writes session-info payloads in the info namespace', () => {
    const j: Jingle = {
      action: 'session-info',
      sid: 's',
      contents: [],
      groups: [],
      info: { kind: 'mute', name: 'audio' },
    };
    expect(serializeJingle(j)).toBe(
      '<jingle xmlns="urn:xmpp:jingle:1" action="session-info" sid="s"><mute xmlns="urn:xmpp:jingle:apps:rtp:info:1" name="audio"/></jingle>',
    );
  });
});
