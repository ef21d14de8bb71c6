/** The SDP layer: model, strict parser, writer, RFC 5939 capability negotiation. */
export * from './types';
export { MAX_SDP_BYTES, parseSdp } from './parse';
export { writeSdp } from './write';
export {
  CAPNEG_ATTRIBUTES,
  capNegLines,
  emptyCapNeg,
  formatAcap,
  formatAcfg,
  formatOptionTags,
  formatPcfg,
  formatTcap,
  isCapNegEmpty,
  parseAcap,
  parseAcfg,
  parseOptionTags,
  parsePcfg,
  parseTcap,
} from './capneg';
export type { CapNegAttribute } from './capneg';
export { formatCandidate, parseCandidate } from './candidate';
export { MAX_SDPFRAG_BYTES, parseSdpFrag, writeSdpFrag, type SdpFrag, type SdpFragMedia } from './sdpfrag';
