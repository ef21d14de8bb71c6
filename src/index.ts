/**
 * The library API: the pure translation core, its parsers and writers, and the configuration.
 */
export { InputError, isInputError } from './errors';
export * from './jingle';
export { parseSdp, writeSdp, emptyCapNeg } from './sdp';
export type { Sdp, SdpMedia, CapNeg, Fingerprint } from './sdp/types';
export { parseSipMessage, serializeSipMessage } from './sip/message';
export type { SipMessage, SipRequest, SipResponse, SipHeader } from './sip/message/types';
export {
  jingleToSdp,
  jingleToSdpObject,
  sdpToJingle,
  type SdpToJingleOptions,
} from './translate/description';
export type { JingleToSdpOptions } from './translate/session';
export { jingleToSip, sipToJingle } from './translate/message';
export { jingleIqToSip } from './translate/jingle-to-sip';
export { sipToJingleIq } from './translate/sip-to-jingle';
export { reasonToSip, sipToReason } from './translate/reason';
export { loadConfig, defaultConfig, parseConfig, type GatewayConfig } from './config/config';
