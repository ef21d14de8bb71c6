/**
 * The XMPP leg (issue 4; layout in docs/architecture.md §Layout of src/xmpp): the XEP-0114
 * component connection, IQ routing, discovery, XEP-0100, XEP-0353 Jingle Message Initiation and
 * presence. The call layer uses {@link XmppLeg}.
 */
export {
  XmppLeg,
  type XmppLegEvents,
  type XmppLegOptions,
  type JmiErrorNotice,
  type LocalJmiKind,
} from './leg';
export type { OnlineInfo } from './connection';
export type { IncomingJingleIq, JingleAnswer, JingleHandler } from './routing';
export {
  ComponentRefusedError,
  IqError,
  IqTimeoutError,
  NotConnectedError,
  JINGLE_ERROR_CONDITIONS,
  STANZA_CONDITIONS,
  type JingleErrorCondition,
  type StanzaCondition,
  type StanzaErrorSpec,
} from './stanza';
export {
  JmiState,
  JmiProposal,
  applyJmi,
  TRANSITIONS,
  type JmiNotice,
  type JmiMessage,
  type JmiKind,
} from './jmi';
export { JmiTable, type JmiTableOptions } from './jmi';
export { CAPS_NODE, CAPS_VER, FEATURES, IDENTITY, capsVer, promptToJid } from './routing';
export type { CallRoute, DeviceInfo } from './presence';
export { xmppOptions, type XmppOptions } from './connection';
