/** The pure SIP codec: messages, headers, URIs, name-addr, Via, CSeq, Reason, status phrases. */
export * from './types';
export { MAX_SIP_BYTES, MAX_SIP_HEADERS, parseSipMessage, serializeSipMessage } from './message';
export { isValidCallId, validateMessage } from './message-rules';
export {
  canonicalHeaderName,
  COMPACT_FORMS,
  expandCompactName,
  header,
  headerKey,
  headers,
  isMultiValueHeader,
  splitHeaderValues,
  withAddedHeader,
  withHeader,
  withoutHeader,
} from './headers';
export { decodeSipUser, formatHost, formatSipUri, parseHostPort, parseSipUri } from './uri';
export { formatNameAddr, parseNameAddr } from './name-addr';
export { BRANCH_MAGIC_COOKIE, formatVia, isRfc3261Branch, newBranch, parseVia } from './via';
export { type CSeq, formatCSeq, MAX_CSEQ, parseCSeq } from './cseq';
export {
  formatReasonHeader,
  formatReasonValue,
  parseReasonHeader,
  parseReasonValue,
  type ReasonValue,
} from './reason-header';
export { STATUS_TEXT, statusText } from './status-text';
export { newCallId, newTag } from './ids';
export { formatParams, parseParams, type Params } from './params';

// The SIP leg (transports, transactions via npm `sip`, dialogs, registration).
export { SipUserAgent, parseListen, type TrunkOptions, type UserAgentOptions } from './user-agent';
export { ClientInvite, type InviteOptions } from './client-invite';
export { ServerInvite } from './server-invite';
export { Dialog, type Respond } from './dialog';
export type { RegistrationState, RegistrationStatus } from './registration';
export type { Flow, TransportName, BoundSocket } from './transport';
export type { Clock, TimerHandle } from './clock';
export type { DnsResolver } from './resolver';
