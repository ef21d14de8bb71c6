/** The call layer: per-call state machines pairing the Jingle and SIP legs (pure; see ./events). */
export { Call, type CallContext } from './call';
export { XmppCall } from './xmpp-call';
export { SipCall } from './sip-call';
export { CallRegistry } from './registry';
export type { CallEvent, Effect, TimerName, JmiKind } from './events';
export { JINGLE_TABLE } from './jingle-session';
