/**
 * The message layer (RFC 3261 §7, §19–§21, §25): the pure SIP codec — messages, headers, URIs,
 * name-addr, Via, CSeq, Reason, status phrases, bodies, identifiers, digest (§22). Imports only
 * ../common (and src/errors); no sockets, no npm `sip`.
 */
export * from './types';
export {
  MAX_SIP_BYTES,
  MAX_SIP_HEADERS,
  parseSipMessage,
  serializedSize,
  serializeSipMessage,
} from './message';
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
export { callIdOf, cseqOf, fromOf, requiredHeader, toOf, topViaOf } from './checked';
export {
  formatReasonHeader,
  formatReasonValue,
  MAX_CAUSE_DIGITS,
  parseReasonHeader,
  parseReasonValue,
  type ReasonValue,
} from './reason-header';
export { STATUS_TEXT, statusText } from './status-text';
export {
  ALLOW,
  gatewayContact,
  inviteRequest,
  outboundRoute,
  SUPPORTED,
  type InviteRequestOptions,
} from './invite';
export { newCallId, newTag } from './ids';
export { mediaType, sdpOf, sessionBody, SESSION_BODY_TYPES, type SessionBody } from './body';
export { formatParams, parseParams, type Params } from './params';
export {
  escapeHvalue,
  formatReferredBy,
  formatReferTo,
  formatReplaces,
  MAX_REFER_VALUE,
  parseReferredBy,
  parseReferSub,
  parseReferTo,
  parseReplaces,
  unescapeHvalue,
  type ReferTo,
  type Replaces,
} from './refer';
export {
  formatEvent,
  formatSubscriptionState,
  parseEvent,
  parseSubscriptionState,
  parseSubstate,
  type EventHeader,
  type SubscriptionState,
} from './subscription';
export { formatSipFrag, MAX_SIPFRAG_BYTES, parseSipFrag, SIPFRAG_TYPE, type SipFrag } from './sipfrag';
