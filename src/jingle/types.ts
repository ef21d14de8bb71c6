/**
 * The Jingle model: plain data for every element the gateway carries.
 *
 * Names follow the XEPs' attribute names (camelCased where they contain a dash:
 * `rel-addr` → `relAddr`, `crypto-suite` → `cryptoSuite`). Optional XML attributes are optional
 * fields; repeated children are arrays (empty when absent), so that a round trip keeps order.
 */

// XEP-0166 §7.2: the actions
export const JINGLE_ACTIONS = [
  'content-accept',
  'content-add',
  'content-modify',
  'content-reject',
  'content-remove',
  'description-info',
  'security-info',
  'session-accept',
  'session-info',
  'session-initiate',
  'session-terminate',
  'transport-accept',
  'transport-info',
  'transport-reject',
  'transport-replace',
] as const;
export type JingleAction = (typeof JINGLE_ACTIONS)[number];

// XEP-0166 §7.4: the reason conditions
export const REASON_CONDITIONS = [
  'alternative-session',
  'busy',
  'cancel',
  'connectivity-error',
  'decline',
  'expired',
  'failed-application',
  'failed-transport',
  'general-error',
  'gone',
  'incompatible-parameters',
  'media-error',
  'security-error',
  'success',
  'timeout',
  'unsupported-applications',
  'unsupported-transports',
] as const;
export type ReasonCondition = (typeof REASON_CONDITIONS)[number];

export type Creator = 'initiator' | 'responder';
export type Senders = 'both' | 'initiator' | 'responder' | 'none';
/** RFC 4145 / XEP-0320 setup roles. */
export type Setup = 'actpass' | 'active' | 'passive' | 'holdconn';

/** `<jingle xmlns='urn:xmpp:jingle:1'>` (XEP-0166). */
export interface Jingle {
  action: JingleAction;
  sid: string;
  initiator?: string;
  responder?: string;
  contents: Content[];
  /** XEP-0338 `<group semantics>` children of `<jingle>`. */
  groups: Group[];
  reason?: Reason;
  /** XEP-0167 §7 session-info payload (only with action session-info). */
  info?: SessionInfo;
  /**
   * XEP-0251 §2, §3: the `<transfer/>` of a session-initiate that carries out a transfer (who
   * transferred, and for an attended transfer the session it replaces). Only with session-initiate.
   */
  transfer?: Transfer;
}

/**
 * XEP-0251 `<transfer xmlns='urn:xmpp:jingle:transfer:0' from sid to/>`: `to` is the transfer
 * target; `from` the transferor; `sid` (attended transfer, §3) the transferor's session with the
 * target that the new session replaces. Every attribute is optional (§8 schema).
 */
export interface Transfer {
  from?: string;
  to?: string;
  sid?: string;
}

/** `<reason>`: one condition element, an optional `<text>`. */
export interface Reason {
  condition: ReasonCondition;
  /** The sid inside `<alternative-session><sid>…</sid></alternative-session>`. */
  alternativeSid?: string;
  text?: string;
  /** XEP-0251 §2: `<transferred xmlns='urn:xmpp:jingle:transfer:0'/>` beside `<success/>`. */
  transferred?: boolean;
}

/** XEP-0167 §7 informational messages. mute/unmute may name a content. */
export type SessionInfo =
  | { kind: 'ringing' }
  | { kind: 'active' }
  | { kind: 'hold' }
  | { kind: 'unhold' }
  | { kind: 'mute' | 'unmute'; creator?: Creator; name?: string }
  /** XEP-0181 §2 `<dtmf xmlns='urn:xmpp:jingle:dtmf:0' code duration/>`: one tone, duration in ms. */
  | { kind: 'dtmf'; code: string; duration?: number }
  /** XEP-0251 §2, §3: the transferor asks the other party to call `to` (and replace `sid`). */
  | ({ kind: 'transfer' } & Transfer);

/** `<content>` (XEP-0166 §7.3). */
export interface Content {
  creator: Creator;
  name: string;
  /** Absent means the XEP default, `both`. */
  senders?: Senders;
  disposition?: string;
  description?: RtpDescription;
  transport?: Transport;
  /** The XTLS proposal's `<security xmlns='urn:xmpp:jingle:security:xtls:0'>`. */
  security?: XtlsSecurity;
}

/** `<description xmlns='urn:xmpp:jingle:apps:rtp:1'>` (XEP-0167). */
export interface RtpDescription {
  media: string;
  ssrc?: string;
  payloadTypes: PayloadType[];
  encryption?: Encryption;
  bandwidths: Bandwidth[];
  rtcpMux: boolean;
  /** XEP-0293 feedback that applies to every payload type (`a=rtcp-fb:*`). */
  rtcpFb: RtcpFb[];
  rtcpFbTrrInt?: number;
  /** XEP-0294 `<rtp-hdrext>`. */
  hdrExts: RtpHdrExt[];
  /** XEP-0294 `<extmap-allow-mixed/>`. */
  extmapAllowMixed: boolean;
  /** XEP-0339 `<source>`. */
  sources: Source[];
  /** XEP-0339 `<ssrc-group>`. */
  ssrcGroups: SsrcGroup[];
}

/** `<payload-type>` (XEP-0167 §5). */
export interface PayloadType {
  id: number;
  name?: string;
  clockrate?: number;
  channels?: number;
  ptime?: number;
  maxptime?: number;
  parameters: Parameter[];
  /** XEP-0293 feedback for this payload type. */
  rtcpFb: RtcpFb[];
  rtcpFbTrrInt?: number;
}

export interface Parameter {
  name: string;
  value: string;
}

/** XEP-0293 `<rtcp-fb type subtype>`. */
export interface RtcpFb {
  type: string;
  subtype?: string;
  /** XEP-0293 `<parameter>` children (rare: extra `a=b` parameters); absent when there are none. */
  parameters?: Parameter[];
}

/** XEP-0294 `<rtp-hdrext id uri senders>`. */
export interface RtpHdrExt {
  id: number;
  uri: string;
  senders?: Senders;
  parameters: Parameter[];
}

/** XEP-0167 §7 `<encryption required>` holding SDES `<crypto>`. */
export interface Encryption {
  required: boolean;
  cryptos: Crypto[];
}

export interface Crypto {
  tag: number;
  cryptoSuite: string;
  keyParams: string;
  sessionParams?: string;
}

/** XEP-0167 `<bandwidth type>value</bandwidth>`. */
export interface Bandwidth {
  type: string;
  value: number;
}

/** XEP-0339 `<source ssrc>` with `<parameter name value>` children. */
export interface Source {
  ssrc: number;
  parameters: Parameter[];
}

/** XEP-0339 `<ssrc-group semantics>`. */
export interface SsrcGroup {
  semantics: string;
  ssrcs: number[];
}

/** XEP-0338 `<group semantics>` with `<content name>` children. */
export interface Group {
  semantics: string;
  contents: string[];
}

export type Transport = IceUdpTransport | RawUdpTransport;

/** `<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1'>` (XEP-0176). */
export interface IceUdpTransport {
  kind: 'ice-udp';
  ufrag?: string;
  pwd?: string;
  candidates: IceCandidate[];
  remoteCandidate?: RemoteCandidate;
  /** XEP-0320 `<fingerprint>` children of the transport. */
  fingerprints: DtlsFingerprint[];
}

/** XEP-0176 §5.3 `<candidate>`. */
export interface IceCandidate {
  component: number;
  foundation: string;
  generation: number;
  id: string;
  ip: string;
  network?: number;
  port: number;
  priority: number;
  protocol: string;
  type: 'host' | 'prflx' | 'relay' | 'srflx';
  relAddr?: string;
  relPort?: number;
  tcptype?: 'active' | 'passive' | 'so';
}

/** XEP-0176 §5.4 `<remote-candidate>`. */
export interface RemoteCandidate {
  component: number;
  ip: string;
  port: number;
}

/** XEP-0320 `<fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash setup>`. */
export interface DtlsFingerprint {
  /** Hash function name as in the IANA registry / RFC 8122, lower case: `sha-256`. */
  hash: string;
  setup?: Setup;
  /** Colon-separated upper-case hex, as RFC 8122 writes it. */
  value: string;
}

/** `<transport xmlns='urn:xmpp:jingle:transports:raw-udp:1'>` (XEP-0177). */
export interface RawUdpTransport {
  kind: 'raw-udp';
  candidates: RawCandidate[];
  fingerprints: DtlsFingerprint[];
}

/** XEP-0177 §5 `<candidate>`. */
export interface RawCandidate {
  component: number;
  generation: number;
  id: string;
  ip: string;
  port: number;
  type?: string;
}

/**
 * The XTLS proposal's security layer (`urn:xmpp:jingle:security:xtls:0`): certificate
 * fingerprints and method hints (`x509`, `srp`). Offered, not required: it maps to RFC 5939.
 */
export interface XtlsSecurity {
  fingerprints: XtlsFingerprint[];
  methods: string[];
}

export interface XtlsFingerprint {
  /** Hash name, lower case (`sha-1`); inferred from the length when the element has no algo. */
  algo: string;
  value: string;
}

/** The `<iq>` around a `<jingle>` element. */
export interface JingleIq {
  id: string;
  type: 'set' | 'get' | 'result' | 'error';
  from?: string;
  to?: string;
  jingle: Jingle;
}
