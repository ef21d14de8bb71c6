/**
 * The SDP model: sdp-transform's session description, plus what it does not parse properly:
 * several `a=fingerprint` lines (RFC 8122 allows more than one), RFC 5939 capability
 * negotiation as structured data, and the gateway's XTLS method extension attribute.
 */
import type { MediaDescription, SessionDescription } from 'sdp-transform';

/** `a=fingerprint:<hash> <value>` (RFC 8122 §5). `hash` is kept as written (`SHA-256`, `sha-1`). */
export interface Fingerprint {
  hash: string;
  value: string;
}

/** RFC 5939 §3.4.2 `a=tcap:<trpr-cap-num> <proto-list>`: protos numbered base, base+1, … */
export interface TransportCap {
  base: number;
  protos: string[];
}

/** RFC 5939 §3.4.1 `a=acap:<att-cap-num> <att-par>`; `value` is the attribute as it would appear after `a=`. */
export interface AttributeCap {
  num: number;
  value: string;
}

/** One capability number inside an attribute config list; `[n]` marks it optional (RFC 5939 §3.5.1). */
export interface AttributeRef {
  num: number;
  optional: boolean;
}

/** `a=<delete>[alt|alt…]` part of a potential configuration. */
export interface PotentialAttributeConfig {
  /** `-m`, `-s` or `-ms`: delete media-, session- or both-level attributes (RFC 5939 §3.5.1). */
  delete?: 'm' | 's' | 'ms';
  /** Alternatives separated by `|`, each a comma-separated list. */
  alternatives: AttributeRef[][];
}

/** An extension config `name=value` (RFC 5939 §3.5.1 ext-cap-list). */
export interface ExtensionConfig {
  name: string;
  value: string;
  /** Written with a leading `+` (RFC 5939 §3.5.1: the extension is mandatory for this configuration). */
  mandatory?: boolean;
}

/** RFC 5939 §3.5.1 `a=pcfg:<config-number> [<pot-cfg-list>]`. */
export interface PotentialConfig {
  num: number;
  attributes?: PotentialAttributeConfig;
  /** `t=1|2`: transport capability numbers, alternatives in order of preference. Empty when absent. */
  transports: number[];
  extensions: ExtensionConfig[];
}

/** RFC 5939 §3.5.2 `a=acfg:<config-number> [<sel-cfg-list>]`. */
export interface ActualConfig {
  num: number;
  attributes?: { delete?: 'm' | 's' | 'ms'; nums: number[] };
  transport?: number;
  extensions: ExtensionConfig[];
}

/** All RFC 5939 attributes of one level (session or media). Empty arrays when absent. */
export interface CapNeg {
  tcap: TransportCap[];
  acap: AttributeCap[];
  pcfg: PotentialConfig[];
  acfg: ActualConfig[];
  /** `a=csup` / `a=creq` option tags (RFC 5939 §3.3). */
  csup: string[];
  creq: string[];
}

/**
 * The gateway's extension attribute for XTLS method hints that SDP cannot express
 * (`srp`): `a=x-xtls-method:<name>`. RFC 4566 §5.13 requires peers to ignore it.
 */
export const XTLS_METHOD_ATTRIBUTE = 'x-xtls-method';

type Extra = {
  fingerprints: Fingerprint[];
  capneg: CapNeg;
  /** Values of `a=x-xtls-method` lines, in order. */
  xtlsMethods: string[];
};

/** An ICE extension pair on `a=candidate` that has no field of its own (RFC 5245 §15.1 extension-att-name/value). */
export interface CandidateExtension {
  name: string;
  value: string;
}

/**
 * `a=candidate` (RFC 5245 §15.1): sdp-transform's fields, `foundation` always a string, plus the
 * extension pairs sdp-transform drops (anything but raddr, rport, tcptype, generation, network-id,
 * network-cost), in order.
 */
export type SdpCandidate = NonNullable<MediaDescription['candidates']>[number] & {
  extensions?: CandidateExtension[];
};

/** One m-section. sdp-transform's single `fingerprint` field is not used: see `fingerprints`. */
export type SdpMedia = Omit<MediaDescription, 'fingerprint' | 'candidates'> &
  Extra & {
    candidates?: SdpCandidate[];
    /** `m=<media> <port>/<number of ports>` (RFC 4566 §5.14); sdp-transform does not parse it. */
    numPorts?: number;
  };

/** A whole session description. */
export type Sdp = Omit<SessionDescription, 'media' | 'fingerprint'> & Extra & { media: SdpMedia[] };
