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

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const ALPHA = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Strings over an alphabet (much faster to generate than regex-driven strings); `first` restricts the first character. */
export const chars = (
  alphabet: string,
  minLength: number,
  maxLength: number,
  first?: string,
): fc.Arbitrary<string> =>
  first === undefined
    ? fc.string({ unit: fc.constantFrom(...alphabet), minLength, maxLength })
    : fc
        .tuple(
          fc.constantFrom(...first),
          fc.string({
            unit: fc.constantFrom(...alphabet),
            minLength: minLength - 1,
            maxLength: maxLength - 1,
          }),
        )
        .map(([a, b]) => a + b);

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
    .uint8Array({ minLength: bytes, maxLength: bytes })
    .map((a) => Array.from(a, (b) => HEX[b >> 4]! + HEX[b & 15]!).join(':'));

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
const fmtpName = chars(`${ALNUM}-`, 1, 12, ALPHA);
const fmtpValue = chars(`${ALNUM}.,:/-`, 1, 12);

/** Realistic feedback types plus random tokens (RFC 4585 §4.2); never the trr-int keyword. */
const fbToken = fc
  .oneof(
    fc.constantFrom('nack', 'ccm', 'goog-remb', 'transport-cc', 'pli', 'fir', 'sli', 'rpsi', 'tmmbr'),
    chars(`${LOWER}0123456789_-`, 1, 9, LOWER),
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
  chars(`${ALNUM}._-`, 1, 11, ALPHA),
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
  chars(`${LOWER}0123456789-`, 1, 10).map((s) => `urn:example:rtp-hdrext:${s}`),
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
  chars(ICE_CHARS, 4, 16).map((v) => ({ name: 'cname', value: v })),
  fc
    .tuple(chars(`${ALNUM}-`, 1, 12), chars(`${ALNUM}-`, 1, 12))
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
      fid && sources.length >= 2 ? [{ semantics: 'FID', ssrcs: [sources[0]!.ssrc, sources[1]!.ssrc] }] : [],
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
    foundation: chars(ICE_CHARS, 1, 32),
    generation: fc.oneof(fc.constantFrom(0, 1), uint32()),
    id: chars(`${LOWER}0123456789`, 1, 10),
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
  .tuple(chars(ICE_CHARS, 40, 40), fc.constantFrom('', '|2^20|1:32', '|2^31'))
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

/** Options for {@link jingleArb}; `sdesRequired` restricts `<encryption required>`. */
export interface JingleArbOptions {
  action: 'session-initiate' | 'session-accept';
  sdesRequired?: fc.Arbitrary<boolean>;
}

type SecurityChoice =
  | { kind: 'dtls'; dtls: DtlsFingerprint[] }
  | { kind: 'xtls'; xtls: XtlsSecurity }
  | { kind: 'sdes'; cryptos: Crypto[]; required: boolean }
  | { kind: 'none' };

function contentArb(name: string, opts: JingleArbOptions): fc.Arbitrary<Content> {
  const security: fc.Arbitrary<SecurityChoice> = fc.oneof(
    dtlsFingerprints.map((dtls) => ({ kind: 'dtls' as const, dtls })),
    xtlsSecurity.map((xtls) => ({ kind: 'xtls' as const, xtls })),
    fc
      .tuple(cryptos, opts.sdesRequired ?? fc.boolean())
      .map(([cs, required]) => ({ kind: 'sdes' as const, cryptos: cs, required })),
    fc.constant({ kind: 'none' as const }),
  );
  return fc
    .record({ senders, description: rtpDescription, security, transport: iceTransport([]) })
    .map((r) => {
      const description: RtpDescription = { ...r.description };
      const sec = r.security;
      if (sec.kind === 'sdes') description.encryption = { required: sec.required, cryptos: sec.cryptos };
      const transport: IceUdpTransport = {
        ...r.transport,
        fingerprints: sec.kind === 'dtls' ? sec.dtls : [],
      };
      const c: Content = { creator: 'initiator' as Creator, name, description, transport };
      if (r.senders !== undefined) c.senders = r.senders;
      if (sec.kind === 'xtls') c.security = sec.xtls;
      return c;
    });
}

/** Content names: valid a=mid tokens, including WebRTC's all-digit ones. */
const contentName = fc.oneof(fc.constantFrom('0', '1', '2', 'audio', 'video'), chars(`${ALNUM}_-`, 1, 8));

export const jingleArb = (opts: JingleArbOptions): fc.Arbitrary<Jingle> =>
  fc
    .uniqueArray(contentName, { minLength: 1, maxLength: 3 })
    .chain((names) =>
      fc.tuple(
        fc.tuple(...names.map((n) => contentArb(n, opts))),
        fc.option(fc.subarray(names, { minLength: 1 }), { nil: undefined }),
        chars(ALNUM, 4, 16),
      ),
    )
    .map(([contents, bundle, sid]) => {
      const groups: Group[] = bundle === undefined ? [] : [{ semantics: 'BUNDLE', contents: bundle }];
      return { action: opts.action, sid, contents, groups };
    });

/* SDP text in the shapes real peers send (for SDP → Jingle → SDP). */

export type SdpShape = 'webrtc' | 'asterisk' | 'sdes' | 'xtls';

/** An mDNS host candidate address, as browsers send (draft-ietf-mmusic-mdns-ice-candidates). */
const mdnsName = fc.uuid().map((u) => `${u}.local`);

const sdpCandidateLine = (networkId: boolean): fc.Arbitrary<string> =>
  fc
    .record({
      foundation: chars(ICE_CHARS, 1, 32),
      component: fc.constantFrom(1, 2),
      transport: fc.constantFrom('udp', 'UDP', 'tcp'),
      priority: uint32(1),
      address: fc.oneof(ipv4, ipv6, mdnsName),
      port: fc.integer({ min: 1, max: 65535 }),
      type: fc.constantFrom('host', 'srflx', 'relay', 'prflx'),
      raddr: ip,
      rport: fc.integer({ min: 0, max: 65535 }),
      tcptype: fc.constantFrom('active', 'passive', 'so'),
      generation: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
      networkId: networkId
        ? fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined })
        : fc.constant(undefined),
      networkCost: fc.option(fc.constantFrom(10, 50, 999), { nil: undefined }),
    })
    .map((c) => {
      let s = `a=candidate:${c.foundation} ${c.component} ${c.transport} ${c.priority} ${c.address} ${c.port} typ ${c.type}`;
      if (c.type !== 'host') s += ` raddr ${c.raddr} rport ${c.rport}`;
      if (c.transport === 'tcp') s += ` tcptype ${c.tcptype}`;
      if (c.generation !== undefined) s += ` generation ${c.generation}`;
      if (c.networkId !== undefined) s += ` network-id ${c.networkId}`;
      if (c.networkCost !== undefined) s += ` network-cost ${c.networkCost}`;
      return s;
    });

/** Static payload types a plain SIP phone lists, with their RFC 3551 rtpmap. */
export const STATIC_RTPMAP: Record<number, string> = {
  0: 'PCMU/8000',
  3: 'GSM/8000',
  8: 'PCMA/8000',
  9: 'G722/8000',
  18: 'G729/8000',
};

interface SdpPayload {
  id: number;
  rtpmap?: string;
  fmtp?: string;
  fb: string[];
  trrInt?: number;
}

function fmtpText(params: Parameter[], spaced: boolean): string {
  return params.map((p) => (p.name === '' ? p.value : `${p.name}=${p.value}`)).join(spaced ? '; ' : ';');
}

const fbText = rtcpFbArb.map((f) => (f.subtype === undefined ? f.type : `${f.type} ${f.subtype}`));

function sdpPayload(id: number, withFeedback: boolean): fc.Arbitrary<SdpPayload> {
  const isStatic = STATIC_RTPMAP[id] !== undefined;
  return fc
    .record({
      rtpmap: isStatic
        ? fc.constantFrom(undefined, STATIC_RTPMAP[id], `${STATIC_RTPMAP[id]}/1`)
        : fc
            .tuple(codecName, fc.constantFrom(8000, 48000, 90000), fc.constantFrom('', '/1', '/2'))
            .map(([n, r, ch]) => `${n}/${r}${ch}`),
      params: payloadParameters,
      spaced: fc.boolean(),
      fb: withFeedback ? fc.array(fbText, { maxLength: 2 }) : fc.constant<string[]>([]),
      trrInt: withFeedback ? fc.option(uint32(), { nil: undefined }) : fc.constant(undefined),
    })
    .map((r) => {
      const p: SdpPayload = { id, fb: r.fb };
      if (r.rtpmap !== undefined) p.rtpmap = r.rtpmap;
      if (r.params.length > 0) p.fmtp = fmtpText(r.params, r.spaced);
      if (r.trrInt !== undefined) p.trrInt = r.trrInt;
      return p;
    });
}

const directionArb = fc.constantFrom(undefined, 'sendrecv', 'sendonly', 'recvonly', 'inactive');

const extmapLines: fc.Arbitrary<string[]> = fc
  .uniqueArray(fc.integer({ min: 1, max: 14 }), { maxLength: 3 })
  .chain((ids) =>
    fc.tuple(
      ...ids.map((id) =>
        fc
          .tuple(hdrExtUri, directionArb)
          .map(([uri, dir]) => `a=extmap:${id}${dir === undefined ? '' : `/${dir}`} ${uri}`),
      ),
    ),
  );

const ssrcLines: fc.Arbitrary<string[]> = sourcesAndGroups.map(({ sources, ssrcGroups }) => [
  ...sources.flatMap((s) =>
    s.parameters.map((p) => `a=ssrc:${s.ssrc} ${p.name}${p.value === '' ? '' : `:${p.value}`}`),
  ),
  ...ssrcGroups.map((g) => `a=ssrc-group:${g.semantics} ${g.ssrcs.join(' ')}`),
]);

const cryptoLine = (tag: number): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom('AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'),
      keyParams,
      fc.constantFrom('', ' KDR=1', ' UNENCRYPTED_SRTCP'),
    )
    .map(([suite, key, session]) => `a=crypto:${tag} ${suite} ${key}${session}`);

export interface SdpCase {
  shape: SdpShape;
  kind: 'offer' | 'answer';
  text: string;
}

interface MediaOpts {
  shape: SdpShape;
  kind: 'offer' | 'answer';
  mid: string | undefined;
  sessionIce: boolean;
  sessionFingerprint: boolean;
  networkId: boolean;
}

function mediaSection(o: MediaOpts): fc.Arbitrary<string[]> {
  const webrtc = o.shape === 'webrtc';
  return fc
    .record({
      type: fc.constantFrom('audio', 'video'),
      port: fc.integer({ min: 1024, max: 65535 }),
      ids: webrtc
        ? fc.uniqueArray(fc.integer({ min: 96, max: 127 }), { minLength: 1, maxLength: 3 })
        : fc.uniqueArray(fc.constantFrom(0, 3, 8, 9, 18, 101, 96, 120), { minLength: 1, maxLength: 4 }),
      feedback: webrtc ? fc.boolean() : fc.constant(false),
      ptime: fc.option(fc.constantFrom(10, 20, 30, 60), { nil: undefined }),
      maxptime: fc.option(fc.constantFrom(120, 150), { nil: undefined }),
      starFb: fc.array(fbText, { maxLength: 1 }),
      direction: directionArb,
      extmaps: webrtc ? extmapLines : fc.constant([]),
      mixed: webrtc ? fc.boolean() : fc.constant(false),
      ssrcs: webrtc ? ssrcLines : fc.constant([]),
      candidates: fc.array(sdpCandidateLine(o.networkId), { maxLength: 3 }),
      ufrag: iceChars(4, 16),
      pwd: iceChars(22, 32),
      useIce: webrtc ? fc.constant(true) : fc.boolean(),
      connection: fc.option(ipv4, { nil: undefined }),
      rtcp: fc.option(fc.integer({ min: 1024, max: 65535 }), { nil: undefined }),
      rtcpMux: fc.boolean(),
      bandwidth: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: undefined }),
      fpHash: fc.constantFrom('sha-256', 'SHA-256'),
      fp256: hexPairs(32),
      fp1: hexPairs(20),
      lowerHex: fc.boolean(),
      answerSetup: fc.constantFrom('active', 'passive'),
      cryptoTags: fc.uniqueArray(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 2 }),
    })
    .chain((r) =>
      fc
        .tuple(
          fc.tuple(...r.ids.map((id) => sdpPayload(id, r.feedback))),
          fc.tuple(...r.cryptoTags.map(cryptoLine)),
          fc.constantFrom(...r.ids),
        )
        .map(([payloads, cryptoLines]) => {
          const hasFb =
            r.feedback &&
            (payloads.some((p) => p.fb.length > 0 || p.trrInt !== undefined) || r.starFb.length > 0);
          const F = hasFb ? 'F' : '';
          let proto: string;
          if (o.shape === 'webrtc') proto = `UDP/TLS/RTP/SAVP${F}`;
          else if (o.shape === 'sdes') proto = `RTP/SAVP${F}`;
          else if (o.shape === 'xtls' && o.kind === 'answer') proto = `UDP/TLS/RTP/SAVP${F}`;
          else proto = `RTP/AVP${F}`;
          const ice = r.useIce && o.shape !== 'asterisk';
          const lines = [`m=${r.type} ${ice ? 9 : r.port} ${proto} ${r.ids.join(' ')}`];
          // asterisk: c= at session level (added by the caller); the others per m-section.
          if (o.shape !== 'asterisk')
            lines.push(`c=IN IP4 ${ice ? '0.0.0.0' : (r.connection ?? '192.0.2.7')}`);
          if (r.bandwidth !== undefined) lines.push(`b=AS:${r.bandwidth}`);
          if (ice) {
            lines.push('a=rtcp:9 IN IP4 0.0.0.0');
            lines.push(...r.candidates);
            if (!o.sessionIce) lines.push(`a=ice-ufrag:${r.ufrag}`, `a=ice-pwd:${r.pwd}`);
            lines.push('a=ice-options:trickle');
          } else if (r.rtcp !== undefined) {
            lines.push(`a=rtcp:${r.rtcp}`);
          }
          const hex = (v: string): string => (r.lowerHex ? v.toLowerCase() : v);
          const setup = o.kind === 'offer' ? 'actpass' : r.answerSetup;
          if (o.shape === 'webrtc') {
            if (!o.sessionFingerprint) lines.push(`a=fingerprint:${r.fpHash} ${hex(r.fp256)}`);
            lines.push(`a=setup:${setup}`);
          }
          if (o.shape === 'xtls') {
            lines.push(
              `a=fingerprint:${r.type === 'audio' ? 'sha-1' : 'sha-256'} ${r.type === 'audio' ? r.fp1 : r.fp256}`,
            );
            lines.push(`a=setup:${setup}`);
          }
          if (o.mid !== undefined) lines.push(`a=mid:${o.mid}`);
          lines.push(...r.extmaps);
          if (r.direction !== undefined) lines.push(`a=${r.direction}`);
          if (r.rtcpMux) lines.push('a=rtcp-mux');
          for (const p of payloads) {
            if (p.rtpmap !== undefined) lines.push(`a=rtpmap:${p.id} ${p.rtpmap}`);
            for (const fb of p.fb) lines.push(`a=rtcp-fb:${p.id} ${fb}`);
            if (p.trrInt !== undefined) lines.push(`a=rtcp-fb:${p.id} trr-int ${p.trrInt}`);
            if (p.fmtp !== undefined) lines.push(`a=fmtp:${p.id} ${p.fmtp}`);
          }
          if (r.feedback) for (const fb of r.starFb) lines.push(`a=rtcp-fb:* ${fb}`);
          if (r.ptime !== undefined) lines.push(`a=ptime:${r.ptime}`);
          if (r.maxptime !== undefined) lines.push(`a=maxptime:${r.maxptime}`);
          if (r.mixed) lines.push('a=extmap-allow-mixed');
          lines.push(...r.ssrcs);
          if (o.shape === 'sdes') lines.push(...cryptoLines);
          if (o.shape === 'xtls') {
            if (o.kind === 'offer') lines.push(`a=tcap:1 UDP/TLS/RTP/SAVP${F} RTP/AVP${F}`, 'a=pcfg:1 t=1');
            else lines.push('a=acfg:1 t=1');
          }
          return lines;
        }),
    );
}

/**
 * A whole SDP (offer or answer) of one shape. `networkId`: whether candidates may carry
 * `network-id` (Chrome sends it; see the known bug in test/property/sdp-jingle-sdp.test.ts).
 */
export const sdpCaseArb = (
  shape: SdpShape,
  kind: 'offer' | 'answer',
  opts: { networkId?: boolean } = {},
): fc.Arbitrary<SdpCase> =>
  fc
    .record({
      count: fc.integer({ min: 1, max: shape === 'webrtc' ? 3 : 2 }),
      mids: fc.boolean(),
      bundle: fc.boolean(),
      sessionIce: shape === 'webrtc' ? fc.boolean() : fc.constant(false),
      sessionFingerprint: shape === 'webrtc' ? fc.boolean() : fc.constant(false),
      sessionDirection: shape === 'asterisk' ? directionArb : fc.constant(undefined),
      sessionMixed: shape === 'webrtc' ? fc.boolean() : fc.constant(false),
      ufrag: iceChars(4, 16),
      pwd: iceChars(22, 32),
      fp: hexPairs(32),
      sessionIp: ipv4,
      sessionId: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
    })
    .chain((s) => {
      // WebRTC always names its m-sections (JSEP); plain SIP phones usually do not.
      const named = shape === 'webrtc' || s.mids;
      const mids = Array.from({ length: s.count }, (_, i) => (named ? String(i) : undefined));
      return fc
        .tuple(
          ...mids.map((mid) =>
            mediaSection({
              shape,
              kind,
              mid,
              sessionIce: s.sessionIce,
              sessionFingerprint: s.sessionFingerprint,
              networkId: opts.networkId ?? true,
            }),
          ),
        )
        .map((sections) => {
          const head = [
            'v=0',
            `o=- ${s.sessionId} 2 IN IP4 ${shape === 'asterisk' ? s.sessionIp : '127.0.0.1'}`,
            `s=${shape === 'asterisk' ? 'Asterisk' : '-'}`,
          ];
          if (shape === 'asterisk') head.push(`c=IN IP4 ${s.sessionIp}`);
          head.push('t=0 0');
          if (named && s.bundle) head.push(`a=group:BUNDLE ${mids.join(' ')}`);
          if (s.sessionMixed) head.push('a=extmap-allow-mixed');
          if (shape === 'webrtc') head.push('a=msid-semantic: WMS *');
          if (s.sessionIce) head.push(`a=ice-ufrag:${s.ufrag}`, `a=ice-pwd:${s.pwd}`);
          if (s.sessionFingerprint) head.push(`a=fingerprint:sha-256 ${s.fp}`);
          if (s.sessionDirection !== undefined) head.push(`a=${s.sessionDirection}`);
          return { shape, kind, text: [...head, ...sections.flat()].join('\r\n') + '\r\n' };
        });
    });
