/**
 * fast-check arbitraries for the translation core: valid Jingle models (XEP-0166/0167/0176/0293/
 * 0294/0320/0338/0339 and the XTLS proposal) and valid SDP text in the shapes real peers send.
 *
 * Everything generated here is valid input: the generators stay inside what the XEPs and the
 * SDP grammar allow, so a property failure is a translation problem, not a generator one.
 */
import * as fc from 'fast-check';
import type {
  Content,
  Creator,
  Crypto,
  DtlsFingerprint,
  Group,
  IceCandidate,
  IceUdpTransport,
  Jingle,
  Parameter,
  PayloadType,
  RtcpFb,
  RtpDescription,
  RtpHdrExt,
  Senders,
  Setup,
  Source,
  SsrcGroup,
  XtlsSecurity,
} from '../../src/jingle/types';

/* Building blocks. */

const ICE_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/';
const HEX = '0123456789ABCDEF';

/** RFC 8839 ice-char strings. */
export const iceChars = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...ICE_CHARS), minLength, maxLength });

/** 0 … 2^32-1, with the edges. */
export const uint32 = (min = 0): fc.Arbitrary<number> =>
  fc
    .oneof(
      fc
        .tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }))
        .map(([h, l]) => h * 0x10000 + l),
      fc.constantFrom(0, 1, 2 ** 32 - 1),
    )
    .filter((n) => n >= min);

/** Colon-separated upper-case hex pairs, `bytes` long (RFC 8122 §5). */
export const hexPairs = (bytes: number): fc.Arbitrary<string> =>
  fc
    .array(
      fc.tuple(fc.constantFrom(...HEX), fc.constantFrom(...HEX)).map(([a, b]) => a + b),
      { minLength: bytes, maxLength: bytes },
    )
    .map((pairs) => pairs.join(':'));

export const ipv4: fc.Arbitrary<string> = fc.ipV4();
export const ipv6: fc.Arbitrary<string> = fc.ipV6();
export const ip: fc.Arbitrary<string> = fc.oneof(ipv4, ipv6);

export const senders: fc.Arbitrary<Senders | undefined> = fc.constantFrom(
  undefined,
  'both',
  'initiator',
  'responder',
  'none',
);

/** fmtp name / value tokens: no `;`, `=` or white space (RFC 4566 §6 leaves the format to the codec). */
const fmtpName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,11}$/);
const fmtpValue = fc.stringMatching(/^[A-Za-z0-9.,:/-]{1,12}$/);

/** Realistic feedback types plus random tokens (RFC 4585 §4.2); never the trr-int keyword. */
const fbToken = fc
  .oneof(
    fc.constantFrom('nack', 'ccm', 'goog-remb', 'transport-cc', 'pli', 'fir', 'sli', 'rpsi', 'tmmbr'),
    fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/),
  )
  .filter((t) => t !== 'trr-int');

export const rtcpFbArb: fc.Arbitrary<RtcpFb> = fc
  .record({ type: fbToken, subtype: fc.option(fbToken, { nil: undefined }) })
  .map(({ type, subtype }) => (subtype === undefined ? { type } : { type, subtype }));

/* Jingle. */

/** `k=v` parameters, optionally with one bare parameter (empty name, RFC 4733 `0-15`). */
const payloadParameters: fc.Arbitrary<Parameter[]> = fc
  .tuple(
    fc.array(fc.record({ name: fmtpName, value: fmtpValue }), { maxLength: 3 }),
    fc.option(fmtpValue, { nil: undefined }),
    fc.nat(),
  )
  .map(([kv, bare, at]) => {
    const out: Parameter[] = [...kv];
    if (bare !== undefined) out.splice(at % (out.length + 1), 0, { name: '', value: bare });
    return out;
  });

const codecName = fc.oneof(
  fc.constantFrom(
    'opus',
    'VP8',
    'VP9',
    'H264',
    'AV1',
    'telephone-event',
    'red',
    'ulpfec',
    'rtx',
    'G722',
    'iLBC',
  ),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9._-]{0,10}$/),
);

function payloadType(
  id: number,
  ptime: number | undefined,
  maxptime: number | undefined,
): fc.Arbitrary<PayloadType> {
  return fc
    .record({
      name: codecName,
      clockrate: fc.oneof(fc.constantFrom(8000, 16000, 48000, 90000), uint32(1)),
      channels: fc.option(fc.integer({ min: 2, max: 8 }), { nil: undefined }),
      parameters: payloadParameters,
      rtcpFb: fc.array(rtcpFbArb, { maxLength: 3 }),
      rtcpFbTrrInt: fc.option(uint32(), { nil: undefined }),
    })
    .map((r) => {
      const p: PayloadType = {
        id,
        name: r.name,
        clockrate: r.clockrate,
        parameters: r.parameters,
        rtcpFb: r.rtcpFb,
      };
      if (r.channels !== undefined) p.channels = r.channels;
      if (ptime !== undefined) p.ptime = ptime;
      if (maxptime !== undefined) p.maxptime = maxptime;
      if (r.rtcpFbTrrInt !== undefined) p.rtcpFbTrrInt = r.rtcpFbTrrInt;
      return p;
    });
}

const HDREXT_URIS = [
  'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'urn:ietf:params:rtp-hdrext:toffset',
  'urn:ietf:params:rtp-hdrext:sdes:mid',
  'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
];
const hdrExtUri = fc.oneof(
  fc.constantFrom(...HDREXT_URIS),
  fc.stringMatching(/^[a-z0-9-]{1,10}$/).map((s) => `urn:example:rtp-hdrext:${s}`),
);

const hdrExts: fc.Arbitrary<RtpHdrExt[]> = fc
  .uniqueArray(fc.integer({ min: 1, max: 14 }), { maxLength: 4 })
  .chain((ids) =>
    fc.tuple(...ids.map((id) => fc.record({ uri: hdrExtUri, senders }).map((r) => ({ id, ...r })))),
  )
  .map((list) =>
    list.map(({ id, uri, senders: s }) => {
      const h: RtpHdrExt = { id, uri, parameters: [] };
      if (s !== undefined) h.senders = s;
      return h;
    }),
  );

const sourceParameter: fc.Arbitrary<Parameter> = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9+/]{4,16}$/).map((v) => ({ name: 'cname', value: v })),
  fc
    .tuple(fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/), fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/))
    .map(([s, t]) => ({ name: 'msid', value: `${s} ${t}` })),
  fc.constant({ name: 'x-flag', value: '' }),
);

const sourcesAndGroups: fc.Arbitrary<{ sources: Source[]; ssrcGroups: SsrcGroup[] }> = fc
  .uniqueArray(uint32(1), { maxLength: 3 })
  .chain((ssrcs) =>
    fc.tuple(
      fc.tuple(
        ...ssrcs.map((ssrc) =>
          fc
            .array(sourceParameter, { minLength: 1, maxLength: 2 })
            .map((parameters) => ({ ssrc, parameters })),
        ),
      ),
      fc.boolean(),
    ),
  )
  .map(([sources, fid]) => ({
    sources,
    ssrcGroups:
      fid && sources.length >= 2
        ? [{ semantics: 'FID', ssrcs: [sources[0]!.ssrc, sources[1]!.ssrc] }] // eslint-disable-line @typescript-eslint/no-non-null-assertion
        : [],
  }));

export const rtpDescription: fc.Arbitrary<RtpDescription> = fc
  .record({
    media: fc.constantFrom('audio', 'video'),
    ids: fc.uniqueArray(fc.integer({ min: 96, max: 127 }), { minLength: 1, maxLength: 4 }),
    ptime: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
    maxptime: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
    rtcpFb: fc.array(rtcpFbArb, { maxLength: 2 }),
    rtcpFbTrrInt: fc.option(uint32(), { nil: undefined }),
    bandwidth: fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: undefined }),
    rtcpMux: fc.boolean(),
    hdrExts,
    extmapAllowMixed: fc.boolean(),
    sg: sourcesAndGroups,
  })
  .chain((r) =>
    fc.tuple(...r.ids.map((id) => payloadType(id, r.ptime, r.maxptime))).map((payloadTypes) => {
      const d: RtpDescription = {
        media: r.media,
        payloadTypes,
        bandwidths: r.bandwidth === undefined ? [] : [{ type: 'AS', value: r.bandwidth }],
        rtcpMux: r.rtcpMux,
        rtcpFb: r.rtcpFb,
        hdrExts: r.hdrExts,
        extmapAllowMixed: r.extmapAllowMixed,
        sources: r.sg.sources,
        ssrcGroups: r.sg.ssrcGroups,
      };
      if (r.rtcpFbTrrInt !== undefined) d.rtcpFbTrrInt = r.rtcpFbTrrInt;
      return d;
    }),
  );

export const iceCandidate: fc.Arbitrary<IceCandidate> = fc
  .record({
    component: fc.constantFrom(1, 2),
    foundation: fc.stringMatching(/^[a-zA-Z0-9+/]{1,32}$/),
    generation: fc.oneof(fc.constantFrom(0, 1), uint32()),
    id: fc.stringMatching(/^[a-z0-9]{1,10}$/),
    ip,
    network: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
    port: fc.integer({ min: 1, max: 65535 }),
    priority: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    protocol: fc.constantFrom('udp', 'tcp'),
    type: fc.constantFrom<IceCandidate['type']>('host', 'srflx', 'relay', 'prflx'),
    relAddr: ip,
    relPort: fc.integer({ min: 0, max: 65535 }),
    tcptype: fc.constantFrom<NonNullable<IceCandidate['tcptype']>>('active', 'passive', 'so'),
  })
  .map((r) => {
    const c: IceCandidate = {
      component: r.component,
      foundation: r.foundation,
      generation: r.generation,
      id: r.id,
      ip: r.ip,
      port: r.port,
      priority: r.priority,
      protocol: r.protocol,
      type: r.type,
    };
    if (r.network !== undefined) c.network = r.network;
    if (r.type !== 'host') {
      c.relAddr = r.relAddr;
      c.relPort = r.relPort;
    }
    if (r.protocol === 'tcp') c.tcptype = r.tcptype;
    return c;
  });

export const setupArb: fc.Arbitrary<Setup | undefined> = fc.constantFrom(
  undefined,
  'actpass',
  'active',
  'passive',
  'holdconn',
);

/** XEP-0320 fingerprints of one transport: sha-256, one setup for all (SDP has one a=setup per m-section). */
const dtlsFingerprints: fc.Arbitrary<DtlsFingerprint[]> = fc
  .tuple(fc.array(hexPairs(32), { minLength: 1, maxLength: 2 }), setupArb)
  .map(([values, setup]) =>
    values.map((value) =>
      setup === undefined ? { hash: 'sha-256', value } : { hash: 'sha-256', setup, value },
    ),
  );

export const iceTransport = (fingerprints: DtlsFingerprint[]): fc.Arbitrary<IceUdpTransport> =>
  fc
    .record({
      ufrag: iceChars(4, 32),
      pwd: iceChars(22, 40),
      candidates: fc.array(iceCandidate, { maxLength: 4 }),
    })
    .map((r) => ({ kind: 'ice-udp', ufrag: r.ufrag, pwd: r.pwd, candidates: r.candidates, fingerprints }));

export const xtlsSecurity: fc.Arbitrary<XtlsSecurity> = fc.record({
  fingerprints: fc.array(
    fc.oneof(
      hexPairs(20).map((value) => ({ algo: 'sha-1', value })),
      hexPairs(32).map((value) => ({ algo: 'sha-256', value })),
    ),
    { minLength: 1, maxLength: 2 },
  ),
  methods: fc.constantFrom(['x509'], ['x509', 'srp'], ['srp', 'x509']),
});

const keyParams = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9+/]{40}$/), fc.constantFrom('', '|2^20|1:32', '|2^31'))
  .map(([k, life]) => `inline:${k}${life}`);

export const cryptos: fc.Arbitrary<Crypto[]> = fc
  .uniqueArray(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 })
  .chain((tags) =>
    fc.tuple(
      ...tags.map((tag) =>
        fc
          .record({
            cryptoSuite: fc.constantFrom(
              'AES_CM_128_HMAC_SHA1_80',
              'AES_CM_128_HMAC_SHA1_32',
              'AEAD_AES_256_GCM',
            ),
            keyParams,
            sessionParams: fc.option(
              fc.constantFrom('KDR=1', 'UNENCRYPTED_SRTCP', 'KDR=1 UNENCRYPTED_SRTP'),
              {
                nil: undefined,
              },
            ),
          })
          .map((r) => {
            const c: Crypto = { tag, cryptoSuite: r.cryptoSuite, keyParams: r.keyParams };
            if (r.sessionParams !== undefined) c.sessionParams = r.sessionParams;
            return c;
          }),
      ),
    ),
  );

export type SecurityKind = 'dtls' | 'xtls' | 'sdes' | 'none';

/** Options for {@link jingleArb}; `sdesRequired` restricts `<encryption required>`. */
export interface JingleArbOptions {
  action: 'session-initiate' | 'session-accept';
  sdesRequired?: fc.Arbitrary<boolean>;
}

function contentArb(name: string, opts: JingleArbOptions): fc.Arbitrary<Content> {
  return fc
    .record({
      senders,
      description: rtpDescription,
      security: fc.constantFrom<SecurityKind>('dtls', 'xtls', 'sdes', 'none'),
      dtls: dtlsFingerprints,
      xtls: xtlsSecurity,
      cryptos,
      required: opts.sdesRequired ?? fc.boolean(),
    })
    .chain((r) =>
      iceTransport(r.security === 'dtls' ? r.dtls : []).map((transport) => {
        const description: RtpDescription = { ...r.description };
        if (r.security === 'sdes') description.encryption = { required: r.required, cryptos: r.cryptos };
        const c: Content = { creator: 'initiator' as Creator, name, description, transport };
        if (r.senders !== undefined) c.senders = r.senders;
        if (r.security === 'xtls') c.security = r.xtls;
        return c;
      }),
    );
}

/** Content names: valid a=mid tokens, including WebRTC's all-digit ones. */
const contentName = fc.oneof(
  fc.constantFrom('0', '1', '2', 'audio', 'video'),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/),
);

export const jingleArb = (opts: JingleArbOptions): fc.Arbitrary<Jingle> =>
  fc
    .uniqueArray(contentName, { minLength: 1, maxLength: 3 })
    .chain((names) =>
      fc.tuple(
        fc.tuple(...names.map((n) => contentArb(n, opts))),
        fc.option(fc.subarray(names, { minLength: 1 }), { nil: undefined }),
        fc.stringMatching(/^[A-Za-z0-9]{4,16}$/),
      ),
    )
    .map(([contents, bundle, sid]) => {
      const groups: Group[] = bundle === undefined ? [] : [{ semantics: 'BUNDLE', contents: bundle }];
      return { action: opts.action, sid, contents, groups };
    });
