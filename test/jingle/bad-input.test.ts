import { InputError, isInputError } from '../../src/errors';
import { parseJingleXml } from '../../src/jingle';
import { tables } from '../support/tables';

const RTP = "xmlns='urn:xmpp:jingle:apps:rtp:1'";
const ICE = "xmlns='urn:xmpp:jingle:transports:ice-udp:1'";
const DTLS = "xmlns='urn:xmpp:jingle:apps:dtls:0'";
const XTLS = "xmlns='urn:xmpp:jingle:security:xtls:0'";
const FP256 = Array.from({ length: 32 }, () => 'ab').join(':');

const jingle = (inner: string, attrs = "action='session-initiate' sid='s1'") =>
  `<jingle xmlns='urn:xmpp:jingle:1' ${attrs}>${inner}</jingle>`;
const content = (inner: string, attrs = "creator='initiator' name='voice'") =>
  jingle(`<content ${attrs}>${inner}</content>`);
const description = (inner: string, attrs = "media='audio'") =>
  content(`<description ${RTP} ${attrs}>${inner}</description>`);
const transport = (inner: string) =>
  content(`<transport ${ICE} ufrag='uFrg' pwd='pwdpwdpwdpwdpwdpwdpwdp'>${inner}</transport>`);
const CAND: Record<string, string> = {
  component: '1',
  foundation: '1',
  generation: '0',
  id: 'c1',
  ip: '10.0.0.1',
  network: '1',
  port: '5000',
  priority: '2130706431',
  protocol: 'udp',
  type: 'host',
};
const candidate = (change: Record<string, string | undefined>) => {
  const a = { ...CAND, ...change };
  const attrs = Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}='${v}'`)
    .join(' ');
  return transport(`<candidate ${attrs}/>`);
};

// Each case: the input, and the exact message (domain, element and attribute, detail).
const cases: Array<[string, string, string]> = [
  // XEP-0166
  ['jingle without action', jingle('', "sid='s1'"), "jingle: <jingle sid='s1'> action: missing"],
  [
    'unknown action',
    jingle('', "action='session-explode' sid='s1'"),
    "jingle: <jingle sid='s1'> action: 'session-explode' is not one of",
  ],
  ['jingle without sid', jingle('', "action='session-initiate'"), 'jingle: <jingle> sid: missing'],
  ['empty sid', jingle('', "action='session-initiate' sid=''"), "jingle: <jingle sid=''> sid: empty"],
  [
    'wrong jingle namespace',
    "<jingle xmlns='urn:xmpp:jingle:0' action='session-initiate' sid='s'/>",
    'jingle: <jingle>: not a',
  ],
  [
    'unknown child in NS_JINGLE',
    jingle('<bogus/>'),
    "jingle: <jingle sid='s1'> <bogus>: unknown element in urn:xmpp:jingle:1",
  ],
  ['content without creator', content('', "name='voice'"), "jingle: <content name='voice'> creator: missing"],
  [
    'content with bad creator',
    content('', "creator='nobody' name='voice'"),
    "jingle: <content name='voice'> creator: 'nobody' is not one of initiator, responder",
  ],
  ['content without name', content('', "creator='initiator'"), 'jingle: <content> name: missing'],
  [
    'bad senders',
    content('', "creator='initiator' name='v' senders='all'"),
    "jingle: <content name='v'> senders: 'all' is not one of both, initiator, responder, none",
  ],
  [
    'duplicate content names',
    jingle("<content creator='initiator' name='a'/><content creator='responder' name='a'/>"),
    "jingle: <content name='a'> name: not unique in this <jingle>",
  ],
  [
    'bad child in content',
    content('<description/>'),
    "jingle: <content name='voice'> <description>: unknown element in urn:xmpp:jingle:1",
  ],
  [
    'two transports',
    content(`<transport ${ICE}/><transport ${ICE}/>`),
    "jingle: <content name='voice'> <transport>: more than one",
  ],
  [
    'unknown reason',
    jingle('<reason><bored/></reason>', "action='session-terminate' sid='s'"),
    'jingle: <reason> <bored>: unknown reason condition',
  ],
  [
    'empty reason',
    jingle('<reason><text>x</text></reason>', "action='session-terminate' sid='s'"),
    'jingle: <reason>: missing condition element',
  ],
  [
    'two conditions',
    jingle('<reason><busy/><gone/></reason>', "action='session-terminate' sid='s'"),
    'jingle: <reason> <gone>: a second condition (after <busy>)',
  ],
  [
    'alternative-session without sid',
    jingle('<reason><alternative-session/></reason>', "action='session-terminate' sid='s'"),
    'jingle: <alternative-session> <sid>: missing',
  ],
  // iq
  ['iq without id', `<iq type='set'>${jingle('')}</iq>`, 'jingle: <iq> id: missing'],
  ['iq without type', `<iq id='i'>${jingle('')}</iq>`, "jingle: <iq id='i'> type: missing"],
  [
    'iq with bad type',
    `<iq id='i' type='put'>${jingle('')}</iq>`,
    "jingle: <iq id='i'> type: 'put' is not one of set, get, result, error",
  ],
  [
    'iq without jingle',
    "<iq id='i' type='set'><query xmlns='urn:x'/></iq>",
    "jingle: <iq id='i'>: no <jingle xmlns='urn:xmpp:jingle:1'> child",
  ],
  [
    'iq in a foreign namespace',
    `<iq xmlns='urn:x' id='i' type='set'>${jingle('')}</iq>`,
    "jingle: <iq> xmlns: 'urn:x' is not a stanza namespace",
  ],
  ['not iq or jingle', '<message/>', 'jingle: <message>: expected <iq> or <jingle'],
  // XEP-0167
  ['description without media', description('', ''), 'jingle: <description> media: missing'],
  [
    'bad description ssrc',
    description('', "media='audio' ssrc='-1'"),
    "jingle: <description media='audio'> ssrc: '-1' is not an integer 0-4294967295",
  ],
  [
    'payload-type without id',
    description("<payload-type name='PCMU'/>"),
    'jingle: <payload-type> id: missing',
  ],
  [
    'payload-type id 128',
    description("<payload-type id='128'/>"),
    "jingle: <payload-type id='128'> id: '128' is not an integer 0-127",
  ],
  [
    'payload-type id 1e3',
    description("<payload-type id='1e3'/>"),
    "jingle: <payload-type id='1e3'> id: '1e3' is not an integer 0-127",
  ],
  [
    'payload-type id +1',
    description("<payload-type id='+1'/>"),
    "jingle: <payload-type id='+1'> id: '+1' is not an integer 0-127",
  ],
  [
    'payload-type id with garbage',
    description("<payload-type id='96abc'/>"),
    "jingle: <payload-type id='96abc'> id: '96abc' is not an integer 0-127",
  ],
  [
    'payload-type id with spaces',
    description("<payload-type id=' 96'/>"),
    "jingle: <payload-type id=' 96'> id: ' 96' is not an integer 0-127",
  ],
  [
    'clockrate fraction',
    description("<payload-type id='96' clockrate='8000.5'/>"),
    "jingle: <payload-type id='96'> clockrate: '8000.5' is not an integer 0-4294967295",
  ],
  [
    'channels 0',
    description("<payload-type id='96' channels='0'/>"),
    "jingle: <payload-type id='96'> channels: '0' is not an integer 1-255",
  ],
  [
    'parameter without name',
    description("<payload-type id='96'><parameter value='1'/></payload-type>"),
    "jingle: <payload-type id='96'> <parameter> name: missing",
  ],
  [
    'unknown element in payload-type',
    description("<payload-type id='96'><codec/></payload-type>"),
    "jingle: <payload-type id='96'> <codec>: unknown element in urn:xmpp:jingle:apps:rtp:1",
  ],
  [
    'crypto without tag',
    description("<encryption><crypto crypto-suite='A' key-params='inline:x'/></encryption>"),
    'jingle: <crypto> tag: missing',
  ],
  [
    'crypto without crypto-suite',
    description("<encryption><crypto tag='1' key-params='inline:x'/></encryption>"),
    "jingle: <crypto tag='1'> crypto-suite: missing",
  ],
  [
    'crypto without key-params',
    description("<encryption><crypto tag='1' crypto-suite='A'/></encryption>"),
    "jingle: <crypto tag='1'> key-params: missing",
  ],
  [
    'encryption required=yes',
    description("<encryption required='yes'/>"),
    "jingle: <encryption> required: 'yes' is not a boolean",
  ],
  [
    'bandwidth not a number',
    description("<bandwidth type='AS'>lots</bandwidth>"),
    "jingle: <bandwidth type='AS'> value: 'lots' is not an integer 0-4294967295",
  ],
  ['bandwidth without type', description('<bandwidth>64</bandwidth>'), 'jingle: <bandwidth> type: missing'],
  // session-info
  [
    'unknown rtp info payload',
    jingle("<dance xmlns='urn:xmpp:jingle:apps:rtp:info:1'/>", "action='session-info' sid='s'"),
    'jingle: <jingle> <dance>: unsupported-info: unknown informational payload in urn:xmpp:jingle:apps:rtp:info:1',
  ],
  [
    'foreign session-info payload',
    jingle("<x xmlns='urn:x'/>", "action='session-info' sid='s'"),
    "jingle: <jingle sid='s'> <x xmlns='urn:x'>: unsupported-info: unknown informational payload",
  ],
  [
    'info payload outside session-info',
    jingle("<ringing xmlns='urn:xmpp:jingle:apps:rtp:info:1'/>"),
    "jingle: <jingle sid='s1'> <ringing>: informational payload in a session-initiate (only in session-info)",
  ],
  [
    'mute with bad creator',
    jingle("<mute xmlns='urn:xmpp:jingle:apps:rtp:info:1' creator='me'/>", "action='session-info' sid='s'"),
    "jingle: <mute> creator: 'me' is not one of initiator, responder",
  ],
  // XEP-0176
  [
    'port 70000',
    candidate({ port: '70000' }),
    "jingle: <candidate id='c1'> port: '70000' is not an integer 1-65535",
  ],
  [
    'port 0 without tcptype active',
    candidate({ port: '0' }),
    "jingle: <candidate id='c1'> port: '0' is not an integer 1-65535",
  ],
  [
    'port 1e3',
    candidate({ port: '1e3' }),
    "jingle: <candidate id='c1'> port: '1e3' is not an integer 1-65535",
  ],
  [
    'hostname as ip',
    candidate({ ip: 'host.example.com' }),
    "jingle: <candidate id='c1'> ip: 'host.example.com' is not an IPv4 or IPv6 address",
  ],
  [
    'bad IPv4',
    candidate({ ip: '10.0.0.256' }),
    "jingle: <candidate id='c1'> ip: '10.0.0.256' is not an IPv4 or IPv6 address",
  ],
  [
    'bad rel-addr',
    candidate({ type: 'srflx', 'rel-addr': 'nat', 'rel-port': '1' }),
    "jingle: <candidate id='c1'> rel-addr: 'nat' is not an IPv4 or IPv6 address",
  ],
  [
    'bad rel-port',
    candidate({ type: 'srflx', 'rel-addr': '10.0.0.2', 'rel-port': '65536' }),
    "jingle: <candidate id='c1'> rel-port: '65536' is not an integer 0-65535",
  ],
  [
    'unknown candidate type',
    candidate({ type: 'stun' }),
    "jingle: <candidate id='c1'> type: 'stun' is not one of host, prflx, relay, srflx",
  ],
  [
    'unknown tcptype',
    candidate({ protocol: 'tcp', tcptype: 'both' }),
    "jingle: <candidate id='c1'> tcptype: 'both' is not one of active, passive, so",
  ],
  [
    'component 0',
    candidate({ component: '0' }),
    "jingle: <candidate id='c1'> component: '0' is not an integer 1-256",
  ],
  [
    'priority too big',
    candidate({ priority: '4294967296' }),
    "jingle: <candidate id='c1'> priority: '4294967296' is not an integer 0-4294967295",
  ],
  [
    'priority too long',
    candidate({ priority: '99999999999' }),
    "jingle: <candidate id='c1'> priority: '99999999999' is not an integer 0-4294967295",
  ],
  ...(['component', 'foundation', 'ip', 'port', 'priority', 'protocol', 'type'] as const).map(
    (attr): [string, string, string] => [
      `candidate without ${attr}`,
      candidate({ [attr]: undefined }),
      `jingle: <candidate id='c1'> ${attr}: missing`,
    ],
  ),
  [
    'bad network',
    candidate({ network: 'eth0' }),
    "jingle: <candidate id='c1'> network: 'eth0' is not an integer 0-4294967295",
  ],
  [
    'remote-candidate without ip',
    transport("<remote-candidate component='1' port='1'/>"),
    'jingle: <remote-candidate> ip: missing',
  ],
  // XEP-0177
  [
    'raw-udp ip that is neither an address nor a host name',
    content(
      "<transport xmlns='urn:xmpp:jingle:transports:raw-udp:1'><candidate component='1' generation='0' id='r1' ip='a..b' port='1'/></transport>",
    ),
    "jingle: <candidate id='r1'> ip: 'a..b' is not an IP address or host name",
  ],
  [
    'raw-udp without port',
    content(
      "<transport xmlns='urn:xmpp:jingle:transports:raw-udp:1'><candidate component='1' generation='0' id='r1' ip='10.0.0.1'/></transport>",
    ),
    "jingle: <candidate id='r1'> port: missing",
  ],
  // XEP-0320
  [
    'unknown hash',
    transport(`<fingerprint ${DTLS} hash='sha-3' setup='actpass'>${FP256}</fingerprint>`),
    "jingle: <fingerprint hash='sha-3'> hash: unknown hash 'sha-3'",
  ],
  [
    'missing hash',
    transport(`<fingerprint ${DTLS} setup='actpass'>${FP256}</fingerprint>`),
    'jingle: <fingerprint> hash: missing',
  ],
  [
    'bad setup',
    transport(`<fingerprint ${DTLS} hash='sha-256' setup='client'>${FP256}</fingerprint>`),
    "jingle: <fingerprint hash='sha-256'> setup: 'client' is not one of actpass, active, passive, holdconn",
  ],
  [
    'fingerprint too short',
    transport(`<fingerprint ${DTLS} hash='sha-256'>AB:CD</fingerprint>`),
    "jingle: <fingerprint hash='sha-256'> value: 2 bytes, but sha-256 has 32",
  ],
  [
    'fingerprint not hex',
    transport(`<fingerprint ${DTLS} hash='sha-1'>GG:00</fingerprint>`),
    "jingle: <fingerprint hash='sha-1'> value: 'GG:00' is not colon-separated hex pairs",
  ],
  [
    'fingerprint without colons',
    transport(`<fingerprint ${DTLS} hash='sha-1'>${'ab'.repeat(20)}</fingerprint>`),
    `jingle: <fingerprint hash='sha-1'> value: '${'ab'.repeat(20)}' is not colon-separated hex pairs`,
  ],
  // XTLS
  [
    'seed placeholder fingerprint',
    content(`<security ${XTLS}><fingerprint>RomeoX509CertificateHash</fingerprint></security>`),
    "jingle: <fingerprint> value: 'RomeoX509CertificateHash' is not hex",
  ],
  [
    'xtls digest length ambiguous (md5/md2)',
    content(`<security ${XTLS}><fingerprint>${'ab:'.repeat(15)}ab</fingerprint></security>`),
    'jingle: <fingerprint> algo: missing algo (a 16-byte digest matches md5, md2)',
  ],
  [
    'xtls digest length unknown',
    content(`<security ${XTLS}><fingerprint>ab:cd:ef</fingerprint></security>`),
    'jingle: <fingerprint> algo: missing algo (a 3-byte digest matches no known hash)',
  ],
  [
    'xtls algo unknown',
    content(`<security ${XTLS}><fingerprint algo='crc32'>ab:cd:ef:01</fingerprint></security>`),
    "jingle: <fingerprint algo='crc32'> algo: unknown hash 'crc32'",
  ],
  [
    'xtls algo length mismatch',
    content(`<security ${XTLS}><fingerprint algo='sha-256'>ab:cd</fingerprint></security>`),
    "jingle: <fingerprint algo='sha-256'> value: 2 bytes, but sha-256 has 32",
  ],
  [
    'xtls method without name',
    content(`<security ${XTLS}><method/></security>`),
    'jingle: <security> <method> name: missing',
  ],
  [
    'xtls unknown child',
    content(`<security ${XTLS}><cipher/></security>`),
    'jingle: <security> <cipher>: unknown element in urn:xmpp:jingle:security:xtls:0',
  ],
  // XEP-0293, 0294, 0338, 0339
  [
    'rtcp-fb without type',
    description("<rtcp-fb xmlns='urn:xmpp:jingle:apps:rtp:rtcp-fb:0'/>"),
    'jingle: <rtcp-fb> type: missing',
  ],
  [
    'trr-int negative',
    description("<rtcp-fb-trr-int xmlns='urn:xmpp:jingle:apps:rtp:rtcp-fb:0' value='-5'/>"),
    "jingle: <rtcp-fb-trr-int> value: '-5' is not an integer 0-4294967295",
  ],
  [
    'hdrext id 0',
    description("<rtp-hdrext xmlns='urn:xmpp:jingle:apps:rtp:rtp-hdrext:0' id='0' uri='u'/>"),
    "jingle: <rtp-hdrext id='0'> id: '0' is not an integer in 1-256 or 4096-4351",
  ],
  [
    'hdrext without uri',
    description("<rtp-hdrext xmlns='urn:xmpp:jingle:apps:rtp:rtp-hdrext:0' id='1'/>"),
    "jingle: <rtp-hdrext id='1'> uri: missing",
  ],
  [
    'hdrext bad senders',
    description("<rtp-hdrext xmlns='urn:xmpp:jingle:apps:rtp:rtp-hdrext:0' id='1' uri='u' senders='me'/>"),
    "jingle: <rtp-hdrext id='1'> senders: 'me' is not one of both, initiator, responder, none",
  ],
  [
    'group without semantics',
    jingle("<group xmlns='urn:xmpp:jingle:apps:grouping:0'><content name='a'/></group>"),
    'jingle: <group> semantics: missing',
  ],
  [
    'group content without name',
    jingle("<group xmlns='urn:xmpp:jingle:apps:grouping:0' semantics='BUNDLE'><content/></group>"),
    "jingle: <group semantics='BUNDLE'> <content> name: missing",
  ],
  [
    'source ssrc not a number',
    description("<source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='abc'/>"),
    "jingle: <source ssrc='abc'> ssrc: 'abc' is not an integer 0-4294967295",
  ],
  [
    'ssrc-group source without ssrc',
    description("<ssrc-group xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' semantics='FID'><source/></ssrc-group>"),
    "jingle: <ssrc-group semantics='FID'> <source> ssrc: missing",
  ],
  // Sizes (docs/policy.md §Sizes): bounded lists and values, above what any client sends.
  [
    '65 contents',
    jingle(Array.from({ length: 65 }, (_, i) => `<content creator='initiator' name='c${i}'/>`).join('')),
    "jingle: <jingle sid='s1'>: more than 64 <content> elements",
  ],
  [
    '65 candidates in one transport',
    transport(
      Array.from(
        { length: 65 },
        (_, i) =>
          `<candidate component='1' foundation='1' generation='0' id='c${i}' ip='10.0.0.1' network='1' port='${5000 + i}' priority='1' protocol='udp' type='host'/>`,
      ).join(''),
    ),
    'jingle: <transport>: more than 64 <candidate> elements',
  ],
  [
    '129 payload types',
    description(
      Array.from(
        { length: 129 },
        (_, i) => `<payload-type id='${i % 128}' name='PCMU' clockrate='8000'/>`,
      ).join(''),
    ),
    "jingle: <description media='audio'>: more than 128 <payload-type> elements",
  ],
  [
    'a 2000-character attribute value',
    content('', `creator='initiator' name='${'n'.repeat(2000)}'`),
    'jingle: <content name>: longer than 1024 characters',
  ],
  [
    'a 2000-character text',
    jingle(
      `<reason><success/><text>${'t'.repeat(2000)}</text></reason>`,
      "action='session-terminate' sid='s'",
    ),
    'jingle: <text> text: longer than 1024 characters',
  ],
];

describe('bad input: each error names the element and the attribute', () => {
  it.each(cases)('%s', (_, text, message) => {
    let caught: unknown;
    try {
      parseJingleXml(text, tables.hashes);
    } catch (e) {
      caught = e;
    }
    expect(isInputError(caught)).toBe(true);
    expect((caught as InputError).domain).toBe('jingle');
    expect((caught as Error).message.slice(0, message.length)).toBe(message);
  });

  it('unsupported-info is distinguishable by its detail', () => {
    try {
      parseJingleXml(
        jingle("<dance xmlns='urn:xmpp:jingle:apps:rtp:info:1'/>", "action='session-info' sid='s'"),
        tables.hashes,
      );
      throw new Error('no error');
    } catch (e) {
      expect((e as InputError).detail.startsWith('unsupported-info')).toBe(true);
    }
  });
});

describe('accepted edge cases', () => {
  it('port 0 with tcptype active, IPv6, foreign elements ignored', () => {
    const { jingle: j } = parseJingleXml(
      content(
        `<description ${RTP} media='audio'><x xmlns='urn:other'><y/></x></description>` +
          `<transport ${ICE}><candidate component='1' foundation='f' generation='0' id='c' ip='2001:db8::1' port='0' priority='1' protocol='tcp' type='host' tcptype='active'/>` +
          `<web-socket xmlns='http://jitsi.org/protocol/colibri' url='wss://x'/></transport>` +
          "<zrtp-hash xmlns='urn:xmpp:jingle:apps:rtp:zrtp:1'>ab</zrtp-hash>",
      ),
      tables.hashes,
    );
    const t = j.contents[0].transport;
    expect(t?.kind === 'ice-udp' && t.candidates[0]).toMatchObject({
      ip: '2001:db8::1',
      port: 0,
      tcptype: 'active',
    });
  });
  it('liberal where real clients are: unknown RTP/ICE elements ignored, candidate id and generation defaulted', () => {
    const { jingle: j } = parseJingleXml(
      content(
        `<description ${RTP} media='audio'><rtcp-reduced-size/></description>` +
          `<transport ${ICE}><candidate component='1' foundation='f' ip='192.0.2.1' port='5000' priority='1' protocol='udp' type='host'/><candidates/></transport>`,
      ),
      tables.hashes,
    );
    const t = j.contents[0].transport;
    expect(t?.kind === 'ice-udp' && t.candidates[0]).toMatchObject({ generation: 0, id: 'f-1-udp-5000' });
  });
  it('an empty session-info (a ping) has no info', () => {
    expect(
      parseJingleXml(jingle('', "action='session-info' sid='s'"), tables.hashes).jingle.info,
    ).toBeUndefined();
  });
  it('XTLS algo inferred from a 20-byte digest; plain hex is normalised', () => {
    const { jingle: j } = parseJingleXml(
      content(`<security ${XTLS}><fingerprint>${'0a'.repeat(20)}</fingerprint></security>`),
      tables.hashes,
    );
    expect(j.contents[0].security?.fingerprints[0]).toEqual({
      algo: 'sha-1',
      value: Array(20).fill('0A').join(':'),
    });
  });
  it('prefixed namespaces are resolved', () => {
    const { jingle: j } = parseJingleXml(
      `<j:jingle xmlns:j='urn:xmpp:jingle:1' action='session-initiate' sid='s'><j:content creator='initiator' name='c'/></j:jingle>`,
      tables.hashes,
    );
    expect(j.contents).toEqual([{ creator: 'initiator', name: 'c' }]);
  });
});
